import type { Redis } from 'ioredis';
import { FreezeStore, type IncidentRecord } from '@driftwarden/freeze';
import { AuditLog } from '@driftwarden/store';
import { PagerDutyFake } from '@driftwarden/incidents/testing';
import { dropPrefix, eventually, startTestController, TOKENS, uniquePrefix, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { pagerDutyWebhook, signed } from '../support/pagerduty-webhook';
import { testKeys, testRedis } from '../support/redis';

interface FreezeView {
  frozen: boolean;
  sources: { id: string; type: string; since: string; incident?: { id: string } }[];
}
interface HookAnswer {
  accepted?: boolean;
  duplicate?: boolean;
  applied?: boolean;
  stale?: boolean;
  ignored?: string;
}

const SECRET = 'order-secret';

/**
 * Issue 11 §4: events of one incident are applied in the order they happened. PagerDuty retries
 * a failed delivery for up to 48 h, so a signed `incident.resolved` may arrive after a poll (or a
 * newer event) already showed the incident open: it is stale, recorded as such, and never moves
 * the incident backwards (it turned an open incident into a cooldown).
 */
describe('incident webhooks and polls are ordered by when things happened (PagerDuty)', () => {
  let pd: PagerDutyFake;
  let ctl: TestController;

  beforeAll(async () => {
    pd = await new PagerDutyFake().start();
    ctl = await startTestController({
      extra: {
        incidents: {
          pollIntervalSeconds: 1,
          maxStalenessSeconds: 3,
          // A resolution starts a cooldown: a wrongly applied one shows as `cooldown`.
          cooldownMinutes: 30,
          pagerduty: {
            token: 'pd-fake-token',
            apiUrl: pd.url,
            webhookSecrets: [SECRET],
            major: { priorities: ['P1', 'P2'] },
            requestTimeoutMs: 1000,
          },
        },
      },
    });
  });
  afterAll(async () => {
    await ctl.close();
    await pd.stop();
    await dropPrefix(ctl.prefix);
  });
  afterEach(() => {
    pd.reset();
    pd.setIncidents([]);
  });

  const freeze = async () => (await http<FreezeView>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body;
  const sourceOf = (f: FreezeView, id: string) => f.sources.find((s) => s.incident?.id === id);
  const post = async (o: {
    eventId: string;
    type: string;
    incidentId: string;
    number: number;
    status: string;
    createdAt: string;
    occurredAt: string;
  }) => {
    const hook = signed(pagerDutyWebhook({ ...o, priority: 'P1' }), SECRET);
    return http<HookAnswer>(ctl.url, 'POST', '/v1/webhooks/pagerduty', {
      raw: hook.raw,
      headers: { 'content-type': 'application/json', 'x-pagerduty-signature': hook.signature },
    });
  };
  const secondsAgo = (s: number) => new Date(Math.floor(Date.now() / 1000) * 1000 - s * 1000).toISOString();

  it('a resolved event older than the poll that saw the incident open is stale: 202 with the reason, audited, counted, and the incident stays open', async () => {
    const createdAt = secondsAgo(60);
    const resolvedBeforeThePoll = new Date(Date.now() - 1000).toISOString();
    pd.setIncidents([{ id: 'QSTALE1', number: 31, priority: 'P1', status: 'acknowledged', createdAt }]);
    await eventually(
      async () => (sourceOf(await freeze(), 'QSTALE1')?.type === 'incident' ? true : undefined),
      'the poll to show the open incident',
    );

    const res = await post({
      eventId: 'EVT-STALE-1',
      type: 'incident.resolved',
      incidentId: 'QSTALE1',
      number: 31,
      status: 'resolved',
      createdAt,
      occurredAt: resolvedBeforeThePoll,
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: true, duplicate: false, applied: false, stale: true });
    expect(res.body.ignored).toMatch(
      new RegExp(
        `^pagerduty incident 31 \\(QSTALE1\\): this resolution happened at ${resolvedBeforeThePoll.replace(/\./g, '\\.')}, before the state already known as of .+ \\(from poll\\); not applied$`,
      ),
    );

    // Still an open incident: no cooldown, not even briefly.
    const view = await freeze();
    expect(sourceOf(view, 'QSTALE1')).toMatchObject({ type: 'incident', since: createdAt });
    const audit = await http<{ items: { type: string; actor: string; details: Record<string, unknown> }[] }>(
      ctl.url,
      'GET',
      '/v1/audit?type=freeze.incident_event_stale',
      { token: TOKENS.viewer },
    );
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        actor: 'webhook:pagerduty',
        details: expect.objectContaining({
          provider: 'pagerduty',
          id: 'QSTALE1',
          eventId: 'EVT-STALE-1',
          eventType: 'incident.resolved',
          occurredAt: resolvedBeforeThePoll,
          knownFrom: 'poll',
        }),
      }),
    ]);
    const resolvedAudit = await http<{ items: { details: { id?: string } }[] }>(ctl.url, 'GET', '/v1/audit?type=freeze.incident_resolved', {
      token: TOKENS.viewer,
    });
    expect(resolvedAudit.body.items.filter((e) => e.details.id === 'QSTALE1')).toEqual([]);
    const metrics = await http<string>(ctl.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="pagerduty",reason="stale"\} 1/);
  });

  it('an event older than a newer event of the same incident is stale: a late "acknowledged" does not reopen a resolved incident', async () => {
    // The provider fails from now on: only the webhooks speak, so nothing races them, and the
    // last good poll started before `t0` (events after it are newer than anything it saw).
    pd.failNext({ status: 503 }, 1000);
    const t0 = Date.now();
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    const createdAt = secondsAgo(30);
    const base = { incidentId: 'QORDER1', number: 41, createdAt };

    const triggered = await post({ ...base, eventId: 'EVT-ORD-1', type: 'incident.triggered', status: 'triggered', occurredAt: at(1) });
    expect(triggered.body).toMatchObject({ applied: true });
    const resolved = await post({ ...base, eventId: 'EVT-ORD-3', type: 'incident.resolved', status: 'resolved', occurredAt: at(3) });
    expect(resolved.body).toMatchObject({ applied: true });
    await eventually(
      async () => (sourceOf(await freeze(), 'QORDER1')?.type === 'cooldown' ? true : undefined),
      'the cooldown from the resolution',
    );

    // PagerDuty retried the acknowledgement that happened in between: it arrives last.
    const late = await post({ ...base, eventId: 'EVT-ORD-2', type: 'incident.acknowledged', status: 'acknowledged', occurredAt: at(2) });
    expect(late.status).toBe(202);
    expect(late.body).toMatchObject({
      applied: false,
      stale: true,
      ignored: expect.stringContaining(`before the state already known as of ${at(3)} (from webhook:pagerduty)`),
    });
    expect(sourceOf(await freeze(), 'QORDER1')?.type).toBe('cooldown');

    // A newer event is applied as usual: the incident reopens.
    const reopened = await post({ ...base, eventId: 'EVT-ORD-4', type: 'incident.reopened', status: 'triggered', occurredAt: at(4) });
    expect(reopened.body).toMatchObject({ applied: true });
    expect(sourceOf(await freeze(), 'QORDER1')?.type).toBe('incident');
  });
});

/** The same ordering where polls and webhooks meet in Redis: the real store, with chosen times. */
describe('FreezeStore orders polls and webhook events per incident', () => {
  const prefix = uniquePrefix();
  const keys = testKeys(prefix);
  const T = (s: number) => new Date(Date.UTC(2026, 10, 20, 10, 0, s)).toISOString();
  const incident: IncidentRecord = {
    provider: 'pagerduty',
    id: 'QPOLL1',
    number: 9,
    title: 'db down',
    status: 'triggered',
    priority: 'P1',
    createdAt: T(0),
  };
  const poll = (requestedAt: number, incidents: IncidentRecord[]) => ({
    provider: 'pagerduty' as const,
    ok: true,
    requestedAt: T(requestedAt),
    fetchedAt: T(requestedAt + 1),
    attemptedAt: T(requestedAt + 1),
    incidents,
  });
  let redis: Redis;
  let store: FreezeStore;

  beforeEach(async () => {
    await dropPrefix(prefix);
    redis = testRedis();
    store = new FreezeStore(redis, keys, new AuditLog(redis, keys));
  });
  afterEach(async () => {
    redis.disconnect();
    await dropPrefix(prefix);
  });

  const record = async (): Promise<IncidentRecord | null> => {
    const raw = await redis.hget(keys.key('freeze', 'incidents'), 'pagerduty:QPOLL1');
    return raw ? (JSON.parse(raw) as IncidentRecord) : null;
  };

  it('a poll that started before a webhook opened the incident does not resolve it; the next poll does', async () => {
    expect(await store.applyIncidentEvent(incident, true, T(10), 'webhook:pagerduty')).toEqual({
      applied: true,
      stale: false,
      transition: 'opened',
    });
    // This list walk started at :05, before the incident was triggered at :10, and ended after.
    expect(await store.recordSnapshot(poll(5, []), 'scheduler')).toEqual({ opened: [], resolved: [] });
    expect(await record()).toMatchObject({ stateAt: T(10), stateFrom: 'webhook:pagerduty' });
    expect((await record())?.resolvedAt).toBeUndefined();
    const later = await store.recordSnapshot(poll(20, []), 'scheduler');
    expect(later.resolved).toEqual([expect.objectContaining({ id: 'QPOLL1', resolvedAt: T(21), stateAt: T(20), stateFrom: 'poll' })]);
  });

  it('a poll that started before a resolution does not reopen the incident', async () => {
    await store.recordSnapshot(poll(5, [incident]), 'scheduler');
    await store.applyIncidentEvent(incident, false, T(10), 'webhook:pagerduty');
    expect(await store.recordSnapshot(poll(8, [incident]), 'scheduler')).toEqual({ opened: [], resolved: [] });
    expect(await record()).toMatchObject({ resolvedAt: T(10), stateAt: T(10) });
  });

  it('the newest word wins whatever the order the writes land in (compare-and-set, no lost update)', async () => {
    for (let round = 0; round < 20; round++) {
      await dropPrefix(prefix);
      await store.recordSnapshot(poll(5, [incident]), 'scheduler');
      // A resolution at :30 and a poll that started at :20 and still lists the incident, at once.
      const [outcome] = await Promise.all([
        store.applyIncidentEvent(incident, false, T(30), 'webhook:pagerduty'),
        store.recordSnapshot(poll(20, [incident]), 'scheduler'),
      ]);
      expect(outcome.applied).toBe(true);
      expect(await record()).toMatchObject({ resolvedAt: T(30), stateAt: T(30), stateFrom: 'webhook:pagerduty' });
    }
  });
});
