import { inspect } from 'node:util';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { createGitHubApi, gitHubClientOptionsFromConfig, GitHubHttpError, mapGitHubError } from '@driftwarden/github';

const TOKEN = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);

/** What @octokit/request throws (a RequestError), with the request that carried the token. */
function httpError(status: number, data: unknown, headers: Record<string, string> = {}, withResponse = true): Error {
  return Object.assign(new Error(typeof data === 'object' && data !== null && 'message' in data ? String(data.message) : 'error'), {
    status,
    request: { method: 'GET', url: 'https://api.github.com/repos/acme/infra', headers: { authorization: `token ${TOKEN}` } },
    ...(withResponse ? { response: { status, url: 'https://api.github.com/repos/acme/infra', headers, data } } : {}),
  });
}

function map(err: unknown, what?: string): unknown {
  return mapGitHubError(err, { request: 'GET /repos/{owner}/{repo}', what, secrets: [TOKEN], nowMs: NOW });
}

describe('mapGitHubError', () => {
  it.each([
    ['401', httpError(401, { message: 'Bad credentials' }), PermanentError, 'github_auth', undefined],
    [
      '403 without rate-limit headers',
      httpError(403, { message: 'Resource not accessible by integration' }),
      PermanentError,
      'github_auth',
      undefined,
    ],
    [
      '403 primary limit',
      httpError(
        403,
        { message: 'API rate limit exceeded' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 90) },
      ),
      TransientError,
      'github_rate_limited',
      91_000,
    ],
    [
      '403 secondary limit',
      httpError(403, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '30' }),
      TransientError,
      'github_rate_limited',
      30_000,
    ],
    [
      '429 with an HTTP-date retry-after',
      httpError(429, { message: 'Too many' }, { 'retry-after': new Date(NOW + 5_000).toUTCString() }),
      TransientError,
      'github_rate_limited',
      5_000,
    ],
    ['404', httpError(404, { message: 'Not Found' }), PermanentError, 'github_not_found', undefined],
    ['409', httpError(409, { message: 'Git Repository is empty.' }), PermanentError, 'github_rejected', undefined],
    [
      '422',
      httpError(422, { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'invalid', field: 'color' }] }),
      PermanentError,
      'github_rejected',
      undefined,
    ],
    ['500', httpError(500, { message: 'Server Error' }), TransientError, 'github_unavailable', undefined],
    ['a network failure (no response)', httpError(500, undefined, {}, false), TransientError, 'github_unavailable', undefined],
  ])('%s', (_name, err, type, code, retryAfterMs) => {
    const mapped = map(err, 'repository acme/infra');
    expect(mapped).toBeInstanceOf(type);
    expect(mapped).toMatchObject({ code });
    if (retryAfterMs !== undefined) expect((mapped as TransientError).retryAfterMs).toBe(retryAfterMs);
    expect((mapped as Error).cause).toBeInstanceOf(GitHubHttpError);
    expect(inspect(mapped, { depth: 20 })).not.toContain(TOKEN);
  });

  it("quotes GitHub's message and errors, and names what was missing", () => {
    expect(
      (map(httpError(422, { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'invalid', field: 'color' }] })) as Error)
        .message,
    ).toBe('GitHub GET /repos/{owner}/{repo} answered 422: the request was refused: Validation Failed (Label.color invalid)');
    expect((map(httpError(404, { message: 'Not Found' }), 'branch main in acme/infra') as Error).message).toContain(
      'branch main in acme/infra not found',
    );
  });

  it('redacts the token and token-shaped values wherever a message quotes them', () => {
    const mapped = map(
      httpError(422, { message: `bad ${TOKEN} and ghs_16C7e42F292c6912E7710c838347Ae178B4a` }),
      `file ${TOKEN}.tf`,
    ) as Error;
    expect(mapped.message).not.toContain(TOKEN);
    expect(mapped.message).not.toContain('ghs_16C7');
    expect(mapped.message.match(/\[REDACTED\]/g)).toHaveLength(2);
  });

  it('leaves errors that are not HTTP failures alone', () => {
    const bug = new TypeError('x is undefined');
    expect(map(bug)).toBe(bug);
  });
});

describe('createGitHubApi', () => {
  it.each([
    ['a non-URL', 'not a url'],
    ['ftp', 'ftp://ghe.example.com'],
    ['a query string', 'https://ghe.example.com/api/v3?x=1'],
    ['credentials in the URL', 'https://user:pass@ghe.example.com'],
  ])('refuses %s as apiUrl (github_config)', (_name, apiUrl) => {
    expect(() => createGitHubApi({ apiUrl, auth: { type: 'token', token: 't' } })).toThrow(
      expect.objectContaining({ code: 'github_config' }),
    );
  });

  it('refuses an empty token and an App key that is not PEM', () => {
    expect(() => createGitHubApi({ apiUrl: 'https://api.github.com', auth: { type: 'token', token: '' } })).toThrow(/auth.token/);
    expect(() =>
      createGitHubApi({ apiUrl: 'https://api.github.com', auth: { type: 'app', appId: 1, installationId: 2, privateKey: 'nope' } }),
    ).toThrow(/auth.privateKey/);
  });

  it('builds token options from the github config block', () => {
    expect(
      gitHubClientOptionsFromConfig({ apiUrl: 'https://ghe.example.com/api/v3', token: 't', webhookSecret: 'w' }, { requestTimeoutMs: 5 }),
    ).toEqual({
      apiUrl: 'https://ghe.example.com/api/v3',
      auth: { type: 'token', token: 't' },
      requestTimeoutMs: 5,
    });
  });
});
