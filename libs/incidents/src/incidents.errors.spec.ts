import { PermanentError, TransientError } from '@driftwarden/domain';
import { errorForStatus, INCIDENT_ERROR_CODES, parseRetryAfterSeconds, redactSecrets, safeCause, safeDetail } from './incidents.errors';

describe('errorForStatus', () => {
  it.each([
    [401, PermanentError, INCIDENT_ERROR_CODES.auth],
    [403, PermanentError, INCIDENT_ERROR_CODES.auth],
    [400, PermanentError, INCIDENT_ERROR_CODES.rejected],
    [402, PermanentError, INCIDENT_ERROR_CODES.rejected],
    [404, PermanentError, INCIDENT_ERROR_CODES.rejected],
    [422, PermanentError, INCIDENT_ERROR_CODES.rejected],
    [301, PermanentError, INCIDENT_ERROR_CODES.rejected],
    [408, TransientError, INCIDENT_ERROR_CODES.unavailable],
    [429, TransientError, INCIDENT_ERROR_CODES.rateLimited],
    [500, TransientError, INCIDENT_ERROR_CODES.unavailable],
    [503, TransientError, INCIDENT_ERROR_CODES.unavailable],
  ])('%i -> %p %s', (status, errorClass, code) => {
    const err = errorForStatus({ provider: 'PagerDuty', request: 'GET https://x/incidents', status });
    expect(err).toBeInstanceOf(errorClass);
    expect(err.code).toBe(code);
  });

  it('carries retryAfterMs on 429', () => {
    const err = errorForStatus({ provider: 'Opsgenie', request: 'GET x', status: 429, retryAfterMs: 5000 });
    expect(err).toMatchObject({ retryAfterMs: 5000 });
    expect(err.message).toContain('retry in 5 s');
  });
});

describe('parseRetryAfterSeconds', () => {
  it.each([
    ['30', 30_000],
    [' 1.5 ', 1_500],
    ['0', 0],
    ['999999', 3_600_000],
    ['', undefined],
    ['-1', undefined],
    ['soon', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('%p -> %p', (value, expected) => {
    expect(parseRetryAfterSeconds(value)).toBe(expected);
  });
});

describe('redaction', () => {
  const secret = 'p@ss/word+1';
  it('removes a secret and its URL-encoded form', () => {
    expect(redactSecrets(`a ${secret} b ${encodeURIComponent(secret)} c`, [secret])).toBe('a [REDACTED] b [REDACTED] c');
  });

  it('bounds and flattens details', () => {
    expect(safeDetail(`line1\nline2 ${'x'.repeat(400)}`, []).length).toBeLessThanOrEqual(301);
    expect(safeDetail('a\n  b', [])).toBe('a b');
  });

  it('keeps a cause without secrets as is, and copies one with secrets redacted', () => {
    const clean = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(safeCause(clean, [secret])).toBe(clean);
    const leaky = Object.assign(new Error(`request to https://u:${secret}@host failed`), { code: 'ECONNRESET' });
    const copy = safeCause(leaky, [secret]);
    expect(copy).not.toBe(leaky);
    expect(copy?.message).not.toContain(secret);
    expect(copy).toMatchObject({ code: 'ECONNRESET' });
    expect(safeCause('not an error', [secret])).toBeUndefined();
  });
});
