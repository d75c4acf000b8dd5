import { randomUUID } from 'node:crypto';
import { signGitHubPayload } from '@driftwarden/github';
import { http } from '../support/http';
import { dropPrefix, startTestController, TOKENS, type TestController } from '../support/test-controller';

const SECRET = 'gh-replay-secret';

/**
 * Issue 11 §4: `X-GitHub-Delivery` is not covered by the signature, so the same signed body
 * re-sent under a fresh delivery id was processed again. Deliveries are deduplicated on the
 * signed body (as PagerDuty's on its signed event id) and answered like a PagerDuty duplicate;
 * a body older than the deduplication window is not acted on.
 */
describe('GitHub webhook replays', () => {
  let ctl: TestController;

  beforeAll(async () => {
    ctl = await startTestController({ extra: { github: { apiUrl: 'http://127.0.0.1:9', token: 'gh-token', webhookSecret: SECRET } } });
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });

  const payload = (number: number, updatedAt: string) => ({
    action: 'closed',
    number,
    pull_request: {
      number,
      html_url: `https://github.com/acme/infra/pull/${number}`,
      merged: true,
      merged_at: updatedAt,
      updated_at: updatedAt,
      body: null,
      head: { ref: 'driftwarden/backport/sg-0replay000000001', sha: 'a'.repeat(40) },
      base: { ref: 'main', sha: 'b'.repeat(40) },
    },
    repository: { name: 'infra', full_name: 'acme/infra', owner: { login: 'acme' } },
    sender: { login: 'carol' },
  });
  const post = async (raw: string, delivery: string) =>
    http<{ accepted?: boolean; duplicate?: boolean; drifts?: string[]; ignored?: string }>(ctl.url, 'POST', '/v1/webhooks/github', {
      raw,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': delivery,
        'x-hub-signature-256': await signGitHubPayload(raw, SECRET),
      },
    });
  const duplicates = async () => {
    const m = /driftwarden_webhooks_rejected_total\{provider="github",reason="duplicate"\} (\d+)/.exec(
      (await http<string>(ctl.url, 'GET', '/metrics')).body,
    );
    return m ? Number(m[1]) : 0;
  };

  it('the same signed body under a fresh X-GitHub-Delivery is the same delivery: answered as a duplicate, not processed again', async () => {
    const raw = JSON.stringify(payload(12, new Date().toISOString()));
    const first = await post(raw, randomUUID());
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ accepted: true, duplicate: false, drifts: [] });

    const redelivered = await post(raw, randomUUID());
    expect(redelivered.status).toBe(202);
    expect(redelivered.body).toEqual({ accepted: true, duplicate: true });
    // GitHub's own redelivery (same GUID) too.
    const again = await post(raw, 'same-guid');
    const sameGuid = await post(raw, 'same-guid');
    expect([again.body, sameGuid.body]).toEqual([
      { accepted: true, duplicate: true },
      { accepted: true, duplicate: true },
    ]);
    expect(await duplicates()).toBe(3);

    // Another event (another body) under a GUID seen before is not a duplicate.
    const other = await post(JSON.stringify(payload(13, new Date().toISOString())), 'same-guid');
    expect(other.body).toMatchObject({ duplicate: false });
  });

  it('a signed event older than the deduplication window is not acted on, even under a fresh delivery id', async () => {
    const old = await post(JSON.stringify(payload(14, new Date(Date.now() - 4 * 24 * 3_600_000).toISOString())), randomUUID());
    expect(old.status).toBe(202);
    expect(old.body).toMatchObject({
      accepted: true,
      duplicate: false,
      ignored: expect.stringContaining('longer ago than the 72 h replay window'),
    });
    expect(old.body.drifts).toBeUndefined();
    const audit = await http<{ items: unknown[] }>(ctl.url, 'GET', '/v1/audit?type=backport.merged', { token: TOKENS.viewer });
    expect(audit.body.items).toEqual([]);
  });
});
