import type { Redis } from 'ioredis';
import { FreezeFence, FreezeService, FreezeStore, freezeAt, type FreezeSettings, type IncidentRecord } from '@driftwarden/freeze';
import { FreezeRecordedError } from '@driftwarden/pipeline';
import { AuditLog } from '@driftwarden/store';
import { dropPrefix, uniquePrefix } from '../support/test-controller';
import { testKeys, testRedis } from '../support/redis';

/**
 * DESIGN §3: "a freeze recorded at time T stops every remediation that has not yet issued its
 * cloud API call by T". Some freezes start by the clock alone: an admin override of an open
 * incident ends, a change window opens, a provider's data goes stale. Nothing is written to
 * Redis at that instant (the scheduler's sweep notices it up to 2 s later), so the fence must
 * know the instant itself. Real Redis, the real store, service and fence; only the clock is ours.
 */
describe('the fence and freezes that start by the clock', () => {
  const prefix = uniquePrefix();
  const keys = testKeys(prefix);
  const target = { account: '111122223333', region: 'eu-west-1', type: 'AWS::EC2::SecurityGroup', tags: {} };
  const settings = (over: Partial<FreezeSettings> = {}): FreezeSettings => ({
    windows: [],
    providers: [],
    cooldownMs: 30 * 60_000,
    lookbackMs: 15 * 60_000,
    maxStalenessMs: 90_000,
    ...over,
  });
  const incident = (at: Date): IncidentRecord => ({
    provider: 'pagerduty',
    id: 'Q1OVR',
    number: 7,
    title: 'checkout 5xx',
    status: 'triggered',
    createdAt: at.toISOString(),
  });
  let redis: Redis;
  let store: FreezeStore;
  let now: Date;
  const clock = () => now;

  beforeEach(async () => {
    await dropPrefix(prefix);
    redis = testRedis();
    store = new FreezeStore(redis, keys, new AuditLog(redis, keys));
    now = new Date('2025-03-04T10:00:00Z');
    // A state that was never lost (no `unk_state` freeze).
    await store.markRebuilt(now, {});
  });
  afterEach(() => redis.disconnect());
  afterAll(() => dropPrefix(prefix));

  /** An open incident set aside by an admin override that ends in ten minutes. */
  async function incidentUnderOverride(): Promise<void> {
    await store.recordSnapshot(
      {
        provider: 'pagerduty',
        ok: true,
        fetchedAt: now.toISOString(),
        attemptedAt: now.toISOString(),
        incidents: [incident(new Date(now.getTime() - 60_000))],
      },
      'test',
    );
    await store.createOverride({ reason: 'the fix needs the revert', ttlMs: 10 * 60_000, actor: 'admin', now });
  }

  it('refuses the cloud call once an override of an open incident has ended, though nothing was recorded', async () => {
    await incidentUnderOverride();
    const service = new FreezeService(store, settings(), 0);
    expect((await service.effective(target, now)).sources).toEqual([]);
    const fence = await new FreezeFence(store, service, clock).arm(target);
    now = new Date(now.getTime() + 9 * 60_000);
    await expect(fence()).resolves.toBeUndefined();
    now = new Date(now.getTime() + 60_000); // the override's end
    expect((await service.effective(target, now)).frozen).toBe(true);
    const refused = fence();
    await expect(refused).rejects.toBeInstanceOf(FreezeRecordedError);
    await expect(refused).rejects.toThrow(/override ovr_\w+ ends at 2025-03-04T10:10:00.000Z/);
  });

  it("refuses the call once a provider's data has gone stale (unknown freezes), and not before", async () => {
    await store.recordSnapshot(
      { provider: 'pagerduty', ok: true, fetchedAt: now.toISOString(), attemptedAt: now.toISOString(), incidents: [] },
      'test',
    );
    const service = new FreezeService(store, settings({ providers: ['pagerduty'] }), 0);
    const fence = await new FreezeFence(store, service, clock).arm(target);
    now = new Date(now.getTime() + 90_000);
    await expect(fence()).resolves.toBeUndefined();
    now = new Date(now.getTime() + 1);
    expect((await service.effective(target, now)).frozen).toBe(true);
    await expect(fence()).rejects.toThrow(/pagerduty data goes stale/);
  });

  it('refuses the call once a change window covering the resource opens; a window for another account does not', async () => {
    const mine = { name: 'nightly', schedule: '5 10 * * *', durationMs: 3_600_000, timeZone: 'UTC', scope: { accounts: [target.account] } };
    const theirs = { ...mine, name: 'theirs', schedule: '1 10 * * *', scope: { accounts: ['444455556666'] } };
    const service = new FreezeService(store, settings({ windows: [mine, theirs] }), 0);
    const fence = await new FreezeFence(store, service, clock).arm(target);
    now = new Date('2025-03-04T10:04:59.999Z');
    await expect(fence()).resolves.toBeUndefined();
    now = new Date('2025-03-04T10:05:00Z');
    await expect(fence()).rejects.toThrow(/change window nightly opens/);
  });

  it('the sweep records an override ending as a freeze start (the epoch moves): fences armed before it fail on every replica', async () => {
    await incidentUnderOverride();
    const service = new FreezeService(store, settings(), 0);
    const active = async () => freezeAt(await service.state(), settings(), () => true, now, { now: true }).sources;
    await store.recordTransitions(await active(), now);
    // A fence that knows nothing of the clock: only what is recorded in Redis stops it.
    const recordedOnly = await new FreezeFence(store).arm(target);
    now = new Date(now.getTime() + 10 * 60_000);
    await expect(recordedOnly()).resolves.toBeUndefined();
    const { started } = await store.recordTransitions(await active(), now);
    expect(started).toEqual(['inc_pagerduty_Q1OVR']);
    await expect(recordedOnly()).rejects.toBeInstanceOf(FreezeRecordedError);
  });

  it('a fence armed after the freeze began passes (the re-check saw it and held, or it covers another scope)', async () => {
    await incidentUnderOverride();
    now = new Date(now.getTime() + 11 * 60_000);
    const fence = await new FreezeFence(store, new FreezeService(store, settings(), 0), clock).arm(target);
    await expect(fence()).resolves.toBeUndefined();
  });
});
