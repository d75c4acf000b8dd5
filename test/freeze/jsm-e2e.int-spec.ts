import type { Redis } from 'ioredis';
import { FreezeStore, IncidentPoller, freezeAt, type FreezeSettings } from '@driftwarden/freeze';
import { JsmIncidentAdapter, jiraWebhookBody, signJiraBody } from '@driftwarden/incidents';
import { JSM_DEFAULT_JQL } from '@driftwarden/config';
import { AuditLog } from '@driftwarden/store';
import { JsmFake, JSM_FAKE_API_TOKEN, JSM_FAKE_EMAIL, type ParsedFakeRequest } from '@driftwarden/incidents/testing';
import { dropPrefix, eventually, startTestController, TOKENS, uniquePrefix, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { testKeys, testRedis } from '../support/redis';

interface FreezeView {
  frozen: boolean;
  sources: { id: string; type: string; since: string; scope?: unknown; incident?: { provider: string; id: string; url?: string } }[];
  providers: Record<string, { ok: boolean; fetchedAt: string | null; error?: string }>;
}
interface HookAnswer {
  duplicate?: boolean;
  applied?: boolean;
  ignored?: string;
  error?: { code: string; message: string };
}

const SECRETS = ['jsm-old-secret', 'jsm-new-secret'];

/** A poll's search (the open-incidents JQL), as opposed to a webhook's read-back of one work item. */
const isPoll = (r: ParsedFakeRequest) => r.path === '/rest/api/3/search/jql' && r.body.toString('utf8').includes('ORDER BY created DESC');

/** The controller against the Jira fake (Atlassian's OpenAPI description, JQL evaluated), real Redis. */
describe('incident awareness end to end (Jira Service Management)', () => {
  let jsm: JsmFake;
  let ctl: TestController;

  beforeAll(async () => {
    jsm = await new JsmFake().start();
    ctl = await startTestController({
      extra: {
        incidents: {
          pollIntervalSeconds: 1,
          maxStalenessSeconds: 3,
          cooldownMinutes: 0,
          jsm: {
            apiUrl: jsm.url,
            email: JSM_FAKE_EMAIL,
            apiToken: JSM_FAKE_API_TOKEN,
            webhookSecrets: SECRETS,
            scopeFields: ['components'],
            scopes: { Payments: { accounts: ['111122223333'] } },
            requestTimeoutMs: 1000,
          },
        },
      },
    });
  });
  afterAll(async () => {
    await ctl.close();
    await jsm.stop();
    await dropPrefix(ctl.prefix);
  });
  beforeEach(() => {
    jsm.reset().setIssues([]);
  });
  afterEach(() => {
    expect(jsm.requests.flatMap((r) => r.problems)).toEqual([]);
  });

  const freeze = async () => (await http<FreezeView>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body;
  const incidentIds = (f: FreezeView) => f.sources.filter((s) => s.type === 'incident').map((s) => s.incident?.id);
  const post = (raw: string, headers: Record<string, string>) =>
    http<HookAnswer>(ctl.url, 'POST', '/v1/webhooks/jsm', { raw, headers: { 'content-type': 'application/json', ...headers } });
  const delivery = (
    event: 'jira:issue_created' | 'jira:issue_updated' | 'jira:issue_deleted',
    key: string,
    id: string,
    secret = SECRETS[1],
    timestamp = Date.now(),
  ) => {
    const raw = JSON.stringify(jiraWebhookBody({ event, key, id, timestamp }));
    return { raw, signature: signJiraBody(raw, secret) };
  };

  it('an open major incident freezes within one poll, from its created time, scoped by its component; a minor one does not', async () => {
    const created = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString();
    jsm.setIssues([
      { key: 'OPS-1', priority: 'Highest', created, components: ['Payments'] },
      { key: 'OPS-2', priority: 'Low' },
    ]);
    const view = await eventually(async () => {
      const f = await freeze();
      return incidentIds(f).length > 0 ? f : undefined;
    }, 'the JSM incident freeze');
    expect(incidentIds(view)).toEqual(['OPS-1']);
    const source = view.sources.find((s) => s.incident?.id === 'OPS-1');
    expect(source).toMatchObject({
      since: created,
      scope: { accounts: ['111122223333'] },
      incident: { provider: 'jsm', url: `${jsm.url}/browse/OPS-1` },
    });
    jsm.updateIssue('OPS-1', { statusCategory: 'done', status: 'Resolved' });
    await eventually(async () => !(await freeze()).frozen, 'the freeze to end when the work item is done');
  });

  it('fails closed: Jira failing (5xx, 429, timeouts) makes the state unknown, and readiness stays up', async () => {
    jsm.failWhen(isPoll, { status: 429, headers: { 'Retry-After': '30' } });
    const view = await eventually(
      async () => {
        const f = await freeze();
        return f.sources.some((s) => s.type === 'unknown' && s.id === 'unk_jsm') ? f : undefined;
      },
      'the unknown freeze',
      10_000,
    );
    expect(view.providers['jsm']).toMatchObject({ ok: false, error: expect.stringContaining('429') });
    const ready = await http<{ providers: Record<string, { ok: boolean; error?: string }> }>(ctl.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.providers['jsm']).toMatchObject({ ok: false, error: 'poll_failed' });
    jsm.reset();
    await eventually(async () => !(await freeze()).frozen, 'fresh data to unfreeze', 10_000);
  });

  it('a signed webhook is applied at once from the work item read back; forged, unsigned and tampered ones are refused; replays are deduplicated', async () => {
    // No poll may see the incident first: polls fail from here on; the webhook's read-back works.
    jsm.failWhen(isPoll, { status: 503 });
    jsm.setIssues([{ key: 'OPS-7', priority: 'Highest' }]);
    const id = jsm.idOf('OPS-7');
    const d = delivery('jira:issue_created', 'OPS-7', id);

    expect((await post(d.raw, { 'x-hub-signature': signJiraBody(d.raw, 'attacker'), 'x-atlassian-webhook-identifier': 'W1' })).status).toBe(
      401,
    );
    expect((await post(d.raw, { 'x-atlassian-webhook-identifier': 'W1' })).status).toBe(401);
    expect(
      (await post(d.raw.replace('OPS-7', 'OPS-8'), { 'x-hub-signature': d.signature, 'x-atlassian-webhook-identifier': 'W1' })).status,
    ).toBe(401);
    // Nothing was read from Jira for a refused delivery.
    expect(jsm.requests.filter((r) => r.method === 'GET')).toEqual([]);

    const first = await post(d.raw, { 'x-hub-signature': d.signature, 'x-atlassian-webhook-identifier': 'W1' });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ duplicate: false, applied: true });
    expect(incidentIds(await freeze())).toEqual(['OPS-7']);

    // Jira's retry (same identifier), and the captured body under a fresh identifier.
    expect((await post(d.raw, { 'x-hub-signature': d.signature, 'x-atlassian-webhook-identifier': 'W1' })).body).toMatchObject({
      duplicate: true,
    });
    expect((await post(d.raw, { 'x-hub-signature': d.signature, 'x-atlassian-webhook-identifier': 'W-FRESH' })).body).toMatchObject({
      duplicate: true,
    });
    // A new delivery signed with the other configured secret (rotation) is handled: already open.
    const again = delivery('jira:issue_updated', 'OPS-7', id, SECRETS[0], Date.now() + 1);
    expect((await post(again.raw, { 'x-hub-signature': again.signature, 'x-atlassian-webhook-identifier': 'W2' })).body).toMatchObject({
      duplicate: false,
      applied: false,
    });

    const metrics = await http<string>(ctl.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="jsm",reason="bad_signature"\} 2/);
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="jsm",reason="unsigned"\} 1/);
  });

  it('the body is never trusted: an update is applied as Jira answers (done ends the freeze, deleted too)', async () => {
    jsm.failWhen(isPoll, { status: 503 });
    jsm.setIssues([
      { key: 'OPS-11', priority: 'Highest' },
      { key: 'OPS-12', priority: 'Highest' },
    ]);
    for (const key of ['OPS-11', 'OPS-12']) {
      const d = delivery('jira:issue_created', key, jsm.idOf(key));
      expect((await post(d.raw, { 'x-hub-signature': d.signature, 'x-atlassian-webhook-identifier': `C-${key}` })).body).toMatchObject({
        applied: true,
      });
    }
    // The delivery says "created" again (a lie, or late): the read-back says done.
    jsm.updateIssue('OPS-11', { statusCategory: 'done', status: 'Resolved' });
    const lie = delivery('jira:issue_created', 'OPS-11', jsm.idOf('OPS-11'), SECRETS[1], Date.now() + 5);
    expect((await post(lie.raw, { 'x-hub-signature': lie.signature, 'x-atlassian-webhook-identifier': 'U-11' })).body).toMatchObject({
      applied: true,
    });
    const id12 = jsm.idOf('OPS-12');
    jsm.removeIssue('OPS-12');
    const deleted = delivery('jira:issue_deleted', 'OPS-12', id12);
    expect(
      (await post(deleted.raw, { 'x-hub-signature': deleted.signature, 'x-atlassian-webhook-identifier': 'D-12' })).body,
    ).toMatchObject({ applied: true });
    const ids = incidentIds(await freeze());
    expect(ids).not.toContain('OPS-11');
    expect(ids).not.toContain('OPS-12');
  });

  it('when Jira cannot be read back the delivery is answered 503 and forgotten: its retry is handled', async () => {
    jsm.failWhen(isPoll, { status: 503 });
    jsm.setIssues([{ key: 'OPS-21', priority: 'Highest' }]);
    const d = delivery('jira:issue_created', 'OPS-21', jsm.idOf('OPS-21'));
    jsm.failNext({ status: 500 });
    const failed = await post(d.raw, { 'x-hub-signature': d.signature, 'x-atlassian-webhook-identifier': 'R1' });
    expect(failed.status).toBe(503);
    expect(failed.body.error?.code).toBe('provider_unavailable');
    const retried = await post(d.raw, { 'x-hub-signature': d.signature, 'x-atlassian-webhook-identifier': 'R1' });
    expect(retried.body).toMatchObject({ duplicate: false, applied: true });
  });

  it('refuses a signed body that is not a Jira webhook, with the path of each problem', async () => {
    const raw = JSON.stringify({ webhookEvent: 'jira:issue_updated', timestamp: Date.now(), issue: { id: '1 OR 1=1', key: 'OPS-1' } });
    const res = await post(raw, { 'x-hub-signature': signJiraBody(raw, SECRETS[1]) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'validation_failed', problems: [{ path: 'issue.id' }] } });
  });
});

/** Back-fill: a JSM incident that opened and closed while Jira could not be read is read back. */
describe('JSM incidents of a gap are read back before the unknown state ends', () => {
  const prefix = uniquePrefix();
  const keys = testKeys(prefix);
  const settings: FreezeSettings = {
    windows: [],
    providers: ['jsm'],
    cooldownMs: 30 * 60_000,
    lookbackMs: 15 * 60_000,
    maxStalenessMs: 90_000,
  };
  const target = { account: '111122223333', region: 'eu-west-1', type: 'AWS::EC2::SecurityGroup', tags: {} };
  let jsm: JsmFake;
  let redis: Redis;
  let store: FreezeStore;
  const poller = () =>
    new IncidentPoller(
      [
        new JsmIncidentAdapter({
          apiUrl: jsm.url,
          email: JSM_FAKE_EMAIL,
          apiToken: JSM_FAKE_API_TOKEN,
          jql: JSM_DEFAULT_JQL,
          scopeFields: ['components'],
          requestTimeoutMs: 2_000,
        }),
      ],
      store,
      {},
      () => new Date(),
    );

  beforeAll(async () => {
    jsm = await new JsmFake().start();
    redis = testRedis();
    store = new FreezeStore(redis, keys, new AuditLog(redis, keys));
    await store.markRebuilt(new Date(), {});
  });
  afterAll(async () => {
    redis.disconnect();
    await jsm.stop();
    await dropPrefix(prefix);
  });

  it('the first good poll after the outage imports it: its cooldown freezes, and a change made during it was made during a freeze', async () => {
    await poller().pollAll();
    jsm.failNext({ status: 503 });
    expect((await poller().pollAll())[0]).toMatchObject({ ok: false });
    // Opened and resolved after the last good poll (Jira dates keep milliseconds).
    const created = new Date();
    const resolved = new Date(created.getTime() + 1);
    jsm.setIssues([{ key: 'OPS-30', priority: 'Highest', created, statusCategory: 'done', resolved }]);
    const [snap] = await poller().pollAll();
    expect(snap).toMatchObject({ ok: true, incidents: [] });
    const state = await store.load(['jsm']);
    expect(state.incidents).toEqual([expect.objectContaining({ provider: 'jsm', id: 'OPS-30', createdAt: created.toISOString() })]);
    expect(state.incidents[0].resolvedAt).toBe(resolved.toISOString());
    expect(freezeAt(state, settings, target, created, { now: false }).sources.map((s) => s.id)).toContain('inc_jsm_OPS-30');
    expect(freezeAt(state, settings, target, new Date(resolved.getTime() + 1_000), { now: false }).sources.map((s) => s.type)).toEqual([
      'cooldown',
    ]);
    expect(jsm.requests.flatMap((r) => r.problems)).toEqual([]);
  });
});
