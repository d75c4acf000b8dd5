import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  GENERIC_SIGNATURE_HEADER,
  GENERIC_TIMESTAMP_HEADER,
  GENERIC_WEBHOOK_JSON_SCHEMA,
  isGenericMajor,
  parseGenericWebhook,
  signGenericWebhook,
  verifyGenericWebhook,
} from './generic-webhook';

const NOW = new Date('2026-11-20T12:00:00Z');
const body = Buffer.from(
  JSON.stringify({ id: 'FH-42', title: 'checkout down', status: 'open', severity: 'SEV1', startedAt: '2026-11-20T11:58:00Z' }),
);

function verify(raw: Buffer, headers: Record<string, string>, secrets: string[], now = NOW) {
  return verifyGenericWebhook(
    raw,
    { timestamp: headers[GENERIC_TIMESTAMP_HEADER], signature: headers[GENERIC_SIGNATURE_HEADER] },
    secrets,
    now,
  );
}

describe('generic webhook signature: HMAC-SHA256 over "<timestamp>.<body>"', () => {
  it('accepts any configured secret, and several v1 values (rotation)', () => {
    expect(verify(body, signGenericWebhook(body, NOW, 'new'), ['old', 'new'])).toEqual({
      ok: true,
      signedAt: new Date('2026-11-20T12:00:00Z'),
    });
    expect(verify(body, signGenericWebhook(body, NOW, 'unknown', 'old'), ['old', 'new']).ok).toBe(true);
  });

  it('refuses unsigned, forged, tampered and re-timestamped deliveries', () => {
    const signed = signGenericWebhook(body, NOW, 'new');
    expect(verify(body, {}, ['new'])).toMatchObject({ ok: false, reason: 'unsigned' });
    expect(verify(body, { [GENERIC_SIGNATURE_HEADER]: signed[GENERIC_SIGNATURE_HEADER] }, ['new'])).toMatchObject({
      ok: false,
      reason: 'unsigned',
    });
    expect(verify(body, signGenericWebhook(body, NOW, 'attacker'), ['new'])).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verify(Buffer.from(body.toString().replace('SEV1', 'SEV9')), signed, ['new'])).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    // The timestamp is covered: moving it to make an old delivery look fresh breaks the signature.
    expect(
      verify(body, { ...signed, [GENERIC_TIMESTAMP_HEADER]: String(Number(signed[GENERIC_TIMESTAMP_HEADER]) + 1) }, ['new']),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verify(body, { ...signed, [GENERIC_TIMESTAMP_HEADER]: '1.5' }, ['new'])).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verify(body, { ...signed, [GENERIC_SIGNATURE_HEADER]: 'v0=abc' }, ['new'])).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verify(body, signGenericWebhook(body, NOW, ''), [''])).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a correctly signed delivery older (or newer) than 5 minutes: a captured one cannot be replayed later', () => {
    const old = signGenericWebhook(body, new Date(NOW.getTime() - 5 * 60_000 - 1_000), 'new');
    expect(verify(body, old, ['new'])).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
      message: expect.stringContaining('301 s ago'),
    });
    const future = signGenericWebhook(body, new Date(NOW.getTime() + 6 * 60_000), 'new');
    expect(verify(body, future, ['new'])).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
      message: expect.stringContaining('in the future'),
    });
    expect(verify(body, signGenericWebhook(body, new Date(NOW.getTime() - 4 * 60_000), 'new'), ['new']).ok).toBe(true);
  });
});

describe('generic webhook body', () => {
  it('an incident, with defaults', () => {
    expect(parseGenericWebhook(JSON.parse(body.toString()))).toEqual({
      ok: true,
      message: {
        kind: 'incident',
        incident: {
          id: 'FH-42',
          title: 'checkout down',
          status: 'open',
          severity: 'SEV1',
          startedAt: '2026-11-20T11:58:00.000Z',
          scopeKeys: [],
        },
      },
    });
  });

  it('a heartbeat', () => {
    expect(parseGenericWebhook({ type: 'heartbeat' })).toEqual({ ok: true, message: { kind: 'heartbeat' } });
    expect(parseGenericWebhook({ type: 'heartbeat', id: 'x' })).toMatchObject({ ok: false, problems: [{ path: 'id' }] });
  });

  it('names the path of every problem, unknown keys included (a typo must not be ignored)', () => {
    const result = parseGenericWebhook({
      id: '',
      title: 'x',
      status: 'closed',
      startedAt: 'yesterday',
      severty: 'SEV1',
      scopeKeys: ['a', 3],
      link: 'http://insecure',
    });
    expect(result.ok === false && result.problems.map((p) => p.path)).toEqual([
      'severty',
      'id',
      'severity',
      'status',
      'startedAt',
      'scopeKeys[1]',
      'link',
    ]);
    const resolvedBefore = parseGenericWebhook({
      id: 'a',
      title: 'b',
      status: 'resolved',
      severity: 's',
      startedAt: '2026-11-20T12:00:00Z',
      resolvedAt: '2026-11-20T11:00:00Z',
    });
    expect(resolvedBefore).toMatchObject({ ok: false, problems: [{ path: 'resolvedAt', message: 'expected a time after startedAt' }] });
    expect(parseGenericWebhook({ type: 'alert' })).toMatchObject({ ok: false, problems: [{ path: 'type' }] });
  });

  it('major by the configured severities, case-insensitively; none configured: every severity', () => {
    expect(isGenericMajor({ severity: 'sev1' }, ['SEV1', 'SEV2'])).toBe(true);
    expect(isGenericMajor({ severity: 'SEV3' }, ['SEV1', 'SEV2'])).toBe(false);
    expect(isGenericMajor({ severity: 'anything' }, undefined)).toBe(true);
  });
});

describe('the published JSON Schema (docs/incident-webhook.schema.json)', () => {
  const file = path.join(__dirname, '..', '..', '..', '..', 'docs', 'incident-webhook.schema.json');
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true, strictRequired: false }));
  const validate = ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object);

  it('is the schema the parser implements, written out', () => {
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(GENERIC_WEBHOOK_JSON_SCHEMA);
  });

  it.each([
    [{ type: 'heartbeat' }],
    [{ id: 'FH-1', title: 't', status: 'open', severity: 'SEV1', startedAt: '2026-11-20T11:58:00Z' }],
    [
      {
        type: 'incident',
        id: 'FH-1',
        title: 't',
        status: 'resolved',
        severity: 'SEV1',
        startedAt: '2026-11-20T11:58:00Z',
        resolvedAt: '2026-11-20T12:58:00+01:00',
        updatedAt: '2026-11-20T12:00:00Z',
        scopeKeys: ['payments'],
        link: 'https://app.firehydrant.io/incidents/1',
      },
    ],
    [{ type: 'heartbeat', extra: 1 }],
    [{ id: 'FH-1', title: 't', status: 'open', severity: 'SEV1' }],
    [{ id: 'FH-1', title: 't', status: 'open', severity: 'SEV1', startedAt: '2026-11-20T11:58:00Z', resolvedAt: '2026-11-20T12:00:00Z' }],
    [{ id: 'FH-1', title: 't', status: 'acknowledged', severity: 'SEV1', startedAt: '2026-11-20T11:58:00Z' }],
    [{ id: 'FH-1', title: 't', status: 'open', severity: 'SEV1', startedAt: '2026-11-20T11:58:00Z', link: 'http://x' }],
    [{ id: 'FH-1', title: 't', status: 'open', severity: 'SEV1', startedAt: '2026-11-20T11:58:00Z', owner: 'me' }],
  ])('schema and parser agree on %j', (example) => {
    expect(validate(example)).toBe(parseGenericWebhook(example).ok);
  });
});
