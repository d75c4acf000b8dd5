import { createHash, createHmac } from 'node:crypto';
import { gitHubDeliveryKey, parseIssuesEvent, parsePullRequestEvent, signGitHubPayload, verifyGitHubSignature } from '@driftwarden/github';

const SECRET = "It's a Secret to Everybody";
// GitHub's documented example (docs.github.com, "Validating webhook deliveries").
const DOC_PAYLOAD = 'Hello, World!';
const DOC_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

function hmac(algorithm: 'sha256' | 'sha1', body: string, secret = SECRET): string {
  return createHmac(algorithm, secret).update(body).digest('hex');
}

describe('verifyGitHubSignature', () => {
  const body = Buffer.from(JSON.stringify({ action: 'closed', number: 7 }));

  it("accepts GitHub's documented example", async () => {
    expect(await verifyGitHubSignature(DOC_PAYLOAD, DOC_SIGNATURE, SECRET)).toBe(true);
    expect(await signGitHubPayload(DOC_PAYLOAD, SECRET)).toBe(DOC_SIGNATURE);
  });

  it('accepts a valid sha256 signature of the raw bytes', async () => {
    expect(await verifyGitHubSignature(body, `sha256=${hmac('sha256', body.toString())}`, SECRET)).toBe(true);
  });

  it('accepts the signature under a second secret while the secret rotates', async () => {
    expect(await verifyGitHubSignature(body, `sha256=${hmac('sha256', body.toString(), 'old')}`, SECRET, ['old'])).toBe(true);
  });

  it.each([
    ['a signature made with another secret', (b: string) => `sha256=${hmac('sha256', b, 'wrong')}`],
    ['a signature of another body', () => `sha256=${hmac('sha256', '{"action":"opened"}')}`],
    ['a truncated signature', (b: string) => `sha256=${hmac('sha256', b).slice(0, 63)}`],
    ['the legacy sha1 algorithm', (b: string) => `sha1=${hmac('sha1', b)}`],
    ['a sha1 prefix on a sha256 digest', (b: string) => `sha1=${hmac('sha256', b)}`],
    ['no algorithm prefix', (b: string) => hmac('sha256', b)],
    ['an upper-case prefix', (b: string) => `SHA256=${hmac('sha256', b)}`],
    ['an empty header', () => ''],
  ])('rejects %s', async (_name, header) => {
    expect(await verifyGitHubSignature(body, header(body.toString()), SECRET)).toBe(false);
  });

  it('rejects a missing header, a repeated header, and an empty secret', async () => {
    const good = `sha256=${hmac('sha256', body.toString())}`;
    expect(await verifyGitHubSignature(body, undefined, SECRET)).toBe(false);
    expect(await verifyGitHubSignature(body, [good, good], SECRET)).toBe(false);
    expect(await verifyGitHubSignature(body, good, '')).toBe(false);
  });

  it('checks the bytes as received: re-serialised JSON does not verify', async () => {
    const raw = '{"action": "closed",  "number": 7}';
    const header = `sha256=${hmac('sha256', raw)}`;
    expect(await verifyGitHubSignature(raw, header, SECRET)).toBe(true);
    expect(await verifyGitHubSignature(JSON.stringify(JSON.parse(raw)), header, SECRET)).toBe(false);
  });
});

describe('parsePullRequestEvent', () => {
  const payload = {
    action: 'closed',
    number: 12,
    pull_request: {
      number: 12,
      html_url: 'https://github.com/acme/infra/pull/12',
      merged: true,
      merged_at: '2026-11-20T10:00:00Z',
      body: 'Backport of sg-1',
      head: { ref: 'driftwarden/backport/sg-1', sha: 'a'.repeat(40) },
      base: { ref: 'main', sha: 'b'.repeat(40) },
    },
    repository: { name: 'infra', full_name: 'acme/infra', owner: { login: 'acme' } },
    sender: { login: 'alice' },
  };

  it('reads a merged pull_request event (object, string or bytes)', () => {
    const expected = {
      ok: true,
      event: {
        action: 'closed',
        merged: true,
        number: 12,
        headRef: 'driftwarden/backport/sg-1',
        baseRef: 'main',
        htmlUrl: 'https://github.com/acme/infra/pull/12',
        repo: { owner: 'acme', name: 'infra' },
        body: 'Backport of sg-1',
      },
    };
    expect(parsePullRequestEvent(payload)).toEqual(expected);
    expect(parsePullRequestEvent(JSON.stringify(payload))).toEqual(expected);
    expect(parsePullRequestEvent(Buffer.from(JSON.stringify(payload)))).toEqual(expected);
  });

  it('reads closed-unmerged, a null body, and merged from merged_at when merged is absent', () => {
    const unmerged = { ...payload, pull_request: { ...payload.pull_request, merged: false, merged_at: null, body: null } };
    expect(parsePullRequestEvent(unmerged)).toMatchObject({ ok: true, event: { merged: false, body: '' } });
    const { merged: _merged, ...withoutMerged } = payload.pull_request;
    expect(parsePullRequestEvent({ ...payload, pull_request: withoutMerged })).toMatchObject({ ok: true, event: { merged: true } });
  });

  it('reads pull_request.updated_at as the time of the event (normalised), and refuses one that is not a time', () => {
    const at = { ...payload, pull_request: { ...payload.pull_request, updated_at: '2026-11-20T10:00:00Z' } };
    expect(parsePullRequestEvent(at)).toMatchObject({ ok: true, event: { updatedAt: '2026-11-20T10:00:00.000Z' } });
    expect(parsePullRequestEvent({ ...payload, pull_request: { ...payload.pull_request, updated_at: 'yesterday' } })).toEqual({
      ok: false,
      problems: [{ path: 'pull_request.updated_at', message: 'expected an ISO 8601 date-time, got "yesterday"' }],
    });
  });

  it('names every problem of a malformed payload by its path', () => {
    const result = parsePullRequestEvent({
      action: 7,
      number: -1,
      pull_request: { html_url: 'x', merged: 'yes', head: { ref: '' }, base: null, body: 3 },
      repository: { name: 'infra', owner: 'acme' },
    });
    expect(result).toEqual({
      ok: false,
      problems: [
        { path: 'action', message: 'expected a string, got number' },
        { path: 'number', message: 'expected a positive integer, got number' },
        { path: 'pull_request.merged', message: 'expected a boolean, got string' },
        { path: 'pull_request.base', message: 'expected an object, got null' },
        { path: 'pull_request.head.ref', message: 'expected a non-empty string, got an empty string' },
        { path: 'pull_request.body', message: 'expected a string or null, got number' },
        { path: 'repository.owner', message: 'expected an object, got string' },
      ],
    });
  });

  it.each([
    ['not JSON', '{"action":', '(body)', /^expected JSON/],
    ['an array', [], '(body)', /^expected an object, got array$/],
    [
      'no pull_request',
      { action: 'closed', number: 1, repository: payload.repository },
      'pull_request',
      /^expected an object, got undefined$/,
    ],
  ])('refuses %s', (_name, body, path, message) => {
    const result = parsePullRequestEvent(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
  });
});

describe('gitHubDeliveryKey', () => {
  it('is the SHA-256 of the signed bytes: the same body is the same delivery, whatever X-GitHub-Delivery says', () => {
    const raw = '{"action":"closed","number":7}';
    expect(gitHubDeliveryKey(raw)).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(gitHubDeliveryKey(Buffer.from(raw))).toBe(gitHubDeliveryKey(raw));
    // One byte more is another body (and another signature): another delivery.
    expect(gitHubDeliveryKey(`${raw} `)).not.toBe(gitHubDeliveryKey(raw));
  });
});

describe('parseIssuesEvent', () => {
  // The fields of GitHub's `webhook-issues-closed` schema that driftwarden reads (@octokit/openapi).
  const closed = (issue: Record<string, unknown> = {}) => ({
    action: 'closed',
    issue: {
      number: 12,
      html_url: 'https://github.com/acme/infra/issues/12',
      body: 'codify it\n<!-- driftwarden:drift=d-1 resource=vol-1 -->',
      state: 'closed',
      state_reason: 'not_planned',
      updated_at: '2026-12-06T10:00:00Z',
      ...issue,
    },
    repository: { name: 'infra', full_name: 'acme/infra', owner: { login: 'acme' } },
    sender: { login: 'octocat' },
  });

  it('reads a closed issue (object, string or bytes): number, url, body, state_reason, who closed it, when', () => {
    for (const body of [closed(), JSON.stringify(closed()), Buffer.from(JSON.stringify(closed()))]) {
      const r = parseIssuesEvent(body);
      expect(r).toEqual({
        ok: true,
        event: {
          action: 'closed',
          number: 12,
          htmlUrl: 'https://github.com/acme/infra/issues/12',
          repo: { owner: 'acme', name: 'infra' },
          body: 'codify it\n<!-- driftwarden:drift=d-1 resource=vol-1 -->',
          stateReason: 'not_planned',
          sender: 'octocat',
          updatedAt: '2026-12-06T10:00:00.000Z',
        },
      });
    }
  });

  it('reads a null body and a null state_reason (issues closed before GitHub had reasons)', () => {
    const r = parseIssuesEvent(closed({ body: null, state_reason: null }));
    expect(r.ok && r.event).toMatchObject({ body: '', stateReason: null });
  });

  it('names every problem by its JSON path', () => {
    expect(parseIssuesEvent('{not json')).toMatchObject({ ok: false, problems: [{ path: '(body)' }] });
    expect(parseIssuesEvent([])).toMatchObject({ ok: false, problems: [{ path: '(body)', message: 'expected an object, got array' }] });
    const r = parseIssuesEvent({ action: 'closed', issue: { number: -1, html_url: 3, body: 5, state_reason: 1, updated_at: 'soon' } });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems.map((p) => p.path)).toEqual([
      'issue.number',
      'issue.html_url',
      'issue.body',
      'issue.state_reason',
      'issue.updated_at',
      'repository',
    ]);
  });
});
