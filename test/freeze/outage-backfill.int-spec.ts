import type { Redis } from 'ioredis';
import { FreezeStore, IncidentPoller, freezeAt, type FreezeSettings } from '@driftwarden/freeze';
import { PagerDutyIncidentAdapter } from '@driftwarden/incidents';
import { AuditLog } from '@driftwarden/store';
import { PagerDutyFake, PAGERDUTY_FAKE_DEFAULT_TOKEN } from '@driftwarden/incidents/testing';
import { dropPrefix, uniquePrefix } from '../support/test-controller';
import { testKeys, testRedis } from '../support/redis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * DESIGN §4: a change made while the freeze state was unknown is decided again once the state
 * is known, and the freeze history then tells whether an incident was in fact open. A major
 * incident that opened and was resolved while PagerDuty could not be read is in no snapshot,
 * so the first good poll after the gap reads back the incidents of the gap, before it ends the
 * unknown state. Real Redis, the real PagerDuty adapter (pdjs) against a fake that accepts only
 * what the official API description accepts.
 */
describe('incidents that opened and closed while the provider could not be read', () => {
  const prefix = uniquePrefix();
  const keys = testKeys(prefix);
  const settings: FreezeSettings = {
    windows: [],
    providers: ['pagerduty'],
    cooldownMs: 30 * 60_000,
    lookbackMs: 15 * 60_000,
    maxStalenessMs: 90_000,
  };
  const target = { account: '111122223333', region: 'eu-west-1', type: 'AWS::EC2::SecurityGroup', tags: {} };
  let pd: PagerDutyFake;
  let redis: Redis;
  let store: FreezeStore;
  let audit: AuditLog;
  const poller = (backfillAfterMs?: number) =>
    new IncidentPoller(
      [
        new PagerDutyIncidentAdapter({
          token: PAGERDUTY_FAKE_DEFAULT_TOKEN,
          apiUrl: pd.url,
          major: { priorities: ['P1'] },
          requestTimeoutMs: 2_000,
        }),
      ],
      store,
      {},
      () => new Date(),
      backfillAfterMs,
    );
  const history = async () => (await store.load(['pagerduty'])).incidents;
  const recentReads = () => pd.requests.filter((r) => (r.query['statuses[]'] ?? []).includes('resolved'));

  beforeAll(async () => {
    pd = await new PagerDutyFake().start();
  });
  beforeEach(async () => {
    await dropPrefix(prefix);
    pd.reset();
    redis = testRedis();
    audit = new AuditLog(redis, keys);
    store = new FreezeStore(redis, keys, audit);
    // A state that was never lost (no `unk_state` freeze): only the provider's state is at stake.
    await store.markRebuilt(new Date(), {});
  });
  afterEach(() => {
    expect(pd.requests.filter((r) => r.problems.length > 0)).toEqual([]);
    redis.disconnect();
  });
  afterAll(async () => {
    await pd.stop();
    await dropPrefix(prefix);
  });

  /** A good poll, then a failed one (state unknown), then a P1 opened and resolved meanwhile. */
  async function outageWithIncident(): Promise<{ created: Date; resolved: Date }> {
    await poller().pollAll();
    pd.failNext({ status: 503 });
    expect((await poller().pollAll())[0]).toMatchObject({ ok: false });
    await sleep(1_100); // PagerDuty dates have second precision
    const created = new Date(Math.floor(Date.now() / 1000) * 1000);
    const resolved = new Date(created.getTime() + 1000);
    pd.setIncidents([
      { id: 'QGAP01', number: 77, title: 'payments down', priority: 'P1', status: 'resolved', createdAt: created, resolvedAt: resolved },
      { id: 'QGAP02', priority: 'P3', status: 'resolved', createdAt: created, resolvedAt: resolved },
    ]);
    await sleep(1_100);
    return { created, resolved };
  }

  it('the first good poll after the outage reads the gap back: the incident is in the history and its cooldown freezes', async () => {
    const epochBefore = await store.epoch();
    const { created, resolved } = await outageWithIncident();
    const [snap] = await poller().pollAll();
    expect(snap).toMatchObject({ ok: true, incidents: [] });

    expect(await history()).toEqual([
      expect.objectContaining({
        provider: 'pagerduty',
        id: 'QGAP01',
        createdAt: created.toISOString(),
        resolvedAt: resolved.toISOString(),
      }),
    ]);
    const state = await store.load(['pagerduty']);
    // A change made during the incident is judged as made during a declared freeze...
    const during = freezeAt(state, settings, target, new Date(created.getTime() + 500), { now: false });
    expect(during.sources.map((s) => s.id)).toContain('inc_pagerduty_QGAP01');
    // ...and its cooldown freezes now; a freeze started, so fences armed before it fail.
    expect(freezeAt(state, settings, target, new Date(), { now: true }).sources.map((s) => s.type)).toEqual(['cooldown']);
    expect(await store.epoch()).not.toBe(epochBefore);
    const recovered = (await audit.list({ limit: 50 })).items.filter((e) => e.type === 'freeze.incident_recovered');
    expect(recovered).toEqual([expect.objectContaining({ details: expect.objectContaining({ id: 'QGAP01' }) })]);
    // The read of the gap starts at the last good poll.
    const read = recentReads();
    expect(read).toHaveLength(1);
    expect(Date.parse(read[0].query.since[0])).toBeLessThan(created.getTime());
  }, 20_000);

  it('when the gap cannot be read the poll fails too: the state stays unknown (fail closed), and the next poll reads it', async () => {
    await outageWithIncident();
    // The list of open incidents succeeds; the read of the gap right after it fails.
    void pd.nextRequest().then(() => pd.failNext({ status: 500 }));
    const [failed] = await poller().pollAll();
    expect(failed).toMatchObject({ ok: false });
    expect(failed.error).toMatch(/cannot read the incidents of the gap since/);
    expect(await history()).toEqual([]);
    expect(freezeAt(await store.load(['pagerduty']), settings, target, new Date(), { now: true }).sources.map((s) => s.type)).toEqual([
      'unknown',
    ]);

    const [ok] = await poller().pollAll();
    expect(ok).toMatchObject({ ok: true });
    expect((await history()).map((i) => i.id)).toEqual(['QGAP01']);
  }, 20_000);

  it('no gap, no extra call: consecutive good polls read only the open incidents', async () => {
    await poller().pollAll();
    await poller().pollAll();
    await poller().pollAll();
    expect(pd.requests).toHaveLength(3);
    expect(recentReads()).toEqual([]);
  });

  it('a gap without failures (nobody polled for longer than the staleness limit) is read back too, and recorded as unknown', async () => {
    await poller().pollAll();
    const last = Date.parse((await store.snapshot('pagerduty'))?.fetchedAt ?? '');
    await sleep(1_100);
    const created = new Date(Math.floor(Date.now() / 1000) * 1000);
    pd.setIncidents([
      { id: 'QGAP03', priority: 'P1', status: 'resolved', createdAt: created, resolvedAt: new Date(created.getTime() + 1000) },
    ]);
    await sleep(1_100);
    await poller(1_000).pollAll();
    expect((await history()).map((i) => i.id)).toEqual(['QGAP03']);
    // Unknown from the moment the data went stale (1 s after the last good poll) to this poll:
    // a change made then is judged "made while the state was unknown" when decided again.
    const state = await store.load(['pagerduty']);
    expect(state.unknownIntervals).toEqual([
      expect.objectContaining({ provider: 'pagerduty', from: new Date(last + 1_000).toISOString(), to: expect.any(String) }),
    ]);
    const unknownAt = (t: number) =>
      freezeAt(state, settings, target, new Date(t), { now: false }).sources.some((x) => x.type === 'unknown');
    expect(unknownAt(last + 500)).toBe(false);
    expect(unknownAt(last + 1_500)).toBe(true);
  }, 20_000);

  it('a failure after data went stale dates the unknown state from when it went stale, not from the failure', async () => {
    await poller().pollAll();
    const last = Date.parse((await store.snapshot('pagerduty'))?.fetchedAt ?? '');
    await sleep(1_100);
    pd.failNext({ status: 502 });
    expect((await poller(500).pollAll())[0]).toMatchObject({ ok: false });
    expect((await store.load(['pagerduty'])).unknownIntervals).toEqual([
      expect.objectContaining({ from: new Date(last + 500).toISOString(), to: null }),
    ]);
  });
});
