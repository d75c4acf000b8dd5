/**
 * Issue 11 §2 "Redis stays bounded", store by store, on the real Redis (own prefix): every key
 * family gets the retention it is configured with (asserted as Redis TTLs, so nothing waits for
 * time to pass), and what Redis cannot expire on its own (sorted-set index entries, audit entries
 * by age, freeze history, finished jobs) is removed by the sweeps, driven by an injected clock.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Worker } from 'bullmq';
import { CloudTrailWindowWalker, SharedRateLimiter } from '@driftwarden/attribution';
import type { CloudTrailEvent, ConfigItemEvent, DriftRecord, DriftStatus } from '@driftwarden/domain';
import { FreezeStore, type IncidentRecord } from '@driftwarden/freeze';
import { JobProducer, createWorker } from '@driftwarden/queue';
import { RedisKeys } from '@driftwarden/redis';
import { AuditLog, CloudTrailStore, DriftStore, ItemLedger, QuarantineStore, type StoreRetention } from '@driftwarden/store';
import { dropPrefix, eventually, uniquePrefix } from '../support/test-controller';
import { keyBase, testKeys, testRedis } from '../support/redis';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const TYPE = 'AWS::EC2::SecurityGroup';
const RETENTION: Partial<StoreRetention> = {
  closedDriftSeconds: 3_000,
  ignoredDriftSeconds: 2_000,
  resourceSeconds: 1_500,
  itemSeconds: 1_000,
  cloudTrailSeconds: 600,
  auditMaxAgeSeconds: 60,
  quarantineMaxEntries: 3,
};

/** A TTL of `seconds`, give or take the minute the test itself could take. */
function expectTtl(ttl: number, seconds: number): void {
  expect(ttl).toBeGreaterThan(seconds - 60);
  expect(ttl).toBeLessThanOrEqual(seconds);
}

function record(id: string, group: string, status: DriftStatus, at = new Date().toISOString()): DriftRecord {
  return {
    id,
    status,
    dryRun: false,
    resource: { type: TYPE, id: group, account: ACCOUNT, region: REGION },
    decision: { action: status === 'ignored' ? 'ignore' : 'hold', rule: status === 'ignored' ? null : 4, reason: 'test' },
    principal: { arn: null, class: 'unknown' },
    changedAt: at,
    detectedAt: at,
    updatedAt: at,
    diff: { equal: false },
    evidence: {
      eventIds: [],
      configurationStateId: null,
      captureTime: at,
      rule: null,
      apiCalls: [],
      explanations: [],
    } as unknown as DriftRecord['evidence'],
    links: {},
  };
}

describe('drift records and their indexes', () => {
  let redis: Redis;
  let prefix: string;
  let keys: RedisKeys;
  let store: DriftStore;
  const rk = (group: string) => `${ACCOUNT}/${REGION}/${TYPE}/${group}`;
  const indexes = (group: string, status: DriftStatus) => [
    `${keyBase(prefix)}:drifts:all`,
    `${keyBase(prefix)}:drifts:account:${ACCOUNT}`,
    `${keyBase(prefix)}:drifts:res:${rk(group)}`,
    `${keyBase(prefix)}:drifts:status:${status}`,
  ];
  const inIndexes = async (id: string, group: string, status: DriftStatus) =>
    (await Promise.all(indexes(group, status).map((k) => redis.zscore(k, id)))).filter((s) => s !== null).length;
  const create = async (r: DriftRecord) => expect(await store.save(r, null, null)).toBe('ok');
  const move = async (id: string, to: DriftStatus) => {
    const current = await store.getVersioned(id);
    expect(await store.save({ ...current!.record, status: to }, current, null)).toBe('ok');
  };

  beforeAll(() => {
    redis = testRedis();
  });
  beforeEach(() => {
    prefix = uniquePrefix();
    keys = testKeys(prefix);
    store = new DriftStore(redis, keys, new AuditLog(redis, keys), RETENTION);
  });
  afterEach(async () => dropPrefix(prefix));
  afterAll(() => redis.disconnect());

  it('an open record never expires; once it ends it expires after closedDrifts, and the sweep takes it out of every index when that time comes', async () => {
    const group = 'sg-0closed000000001';
    await create(record('drf_c1', group, 'held'));
    expect(await redis.ttl(`${keyBase(prefix)}:drift:drf_c1`)).toBe(-1);
    expect(await redis.zcard(`${keyBase(prefix)}:drifts:expiry`)).toBe(0);

    const t0 = Date.now();
    await move('drf_c1', 'resolved');
    expectTtl(await redis.ttl(`${keyBase(prefix)}:drift:drf_c1`), 3_000);
    const [member, score] = await redis.zrange(`${keyBase(prefix)}:drifts:expiry`, '0', '-1', 'WITHSCORES');
    expect(member).toBe(`drf_c1|resolved|${rk(group)}`);
    expect(Number(score)).toBeGreaterThanOrEqual(t0 + 3_000_000);
    expect(Number(score)).toBeLessThanOrEqual(Date.now() + 3_000_000);
    expect(await inIndexes('drf_c1', group, 'resolved')).toBe(4);
    expect(await redis.zscore(`${keyBase(prefix)}:drifts:status:held`, 'drf_c1')).toBeNull();

    // Not due yet: nothing happens.
    expect(await store.sweepExpired(new Date(t0 + 2_999_000), 100)).toEqual({ removed: 0, due: 0 });
    expect(await store.get('drf_c1')).not.toBeNull();
    // Due: the record and every index entry go; an index left empty is gone as a key.
    expect(await store.sweepExpired(new Date(Date.now() + 3_000_001), 100)).toEqual({ removed: 1, due: 1 });
    expect(await store.get('drf_c1')).toBeNull();
    expect(await inIndexes('drf_c1', group, 'resolved')).toBe(0);
    expect(await redis.exists(`${keyBase(prefix)}:drifts:res:${rk(group)}`)).toBe(0);
    expect(await redis.zcard(`${keyBase(prefix)}:drifts:expiry`)).toBe(0);
    expect((await store.list({ limit: 10 })).items).toEqual([]);
  });

  it('an ignored record expires after ignoredDrifts, each save counting again from then', async () => {
    await create(record('drf_ign_1', 'sg-0ignored00000001', 'ignored'));
    expectTtl(await redis.ttl(`${keyBase(prefix)}:drift:drf_ign_1`), 2_000);
    await redis.expire(`${keyBase(prefix)}:drift:drf_ign_1`, 5);
    const current = await store.getVersioned('drf_ign_1');
    expect(await store.save({ ...current!.record, updatedAt: new Date().toISOString() }, current, null)).toBe('ok');
    expectTtl(await redis.ttl(`${keyBase(prefix)}:drift:drf_ign_1`), 2_000);
    expect(await redis.zcard(`${keyBase(prefix)}:drifts:expiry`)).toBe(1);
  });

  it('keeps an ignored record of an excepted resource until the exception ends and a day more', async () => {
    const until = new Date(Date.now() + 5 * 86_400_000).toISOString();
    expect(await store.save(record('drf_ign_2', 'sg-0excepted0000001', 'ignored'), null, null, undefined, { keepUntil: until })).toBe('ok');
    expectTtl(await redis.ttl(`${keyBase(prefix)}:drift:drf_ign_2`), 6 * 86_400);
  });

  it('never removes an open record, even when a stale expiry entry names it, and whatever the clock says', async () => {
    const group = 'sg-0open00000000001';
    await create(record('drf_o1', group, 'awaiting_approval'));
    await redis.zadd(`${keyBase(prefix)}:drifts:expiry`, 1, `drf_o1|awaiting_approval|${rk(group)}`);
    expect(await store.sweepExpired(new Date(Date.now() + 3650 * 86_400_000), 100)).toEqual({ removed: 0, due: 1 });
    expect((await store.get('drf_o1'))?.status).toBe('awaiting_approval');
    expect(await inIndexes('drf_o1', group, 'awaiting_approval')).toBe(4);
    expect(await redis.zcard(`${keyBase(prefix)}:drifts:expiry`)).toBe(0);
  });

  it('removes at most the batch size per sweep, oldest due first', async () => {
    for (let i = 0; i < 5; i++) await create(record(`drf_b${i}`, `sg-0batch${String(i).padStart(10, '0')}`, 'rejected'));
    const later = new Date(Date.now() + 3_000_001);
    expect(await store.sweepExpired(later, 2)).toEqual({ removed: 2, due: 2 });
    expect(await redis.exists(`${keyBase(prefix)}:drift:drf_b0`, `${keyBase(prefix)}:drift:drf_b1`)).toBe(0);
    expect(await redis.exists(`${keyBase(prefix)}:drift:drf_b2`)).toBe(1);
    expect(await store.sweepExpired(later, 2)).toEqual({ removed: 2, due: 2 });
    expect(await store.sweepExpired(later, 2)).toEqual({ removed: 1, due: 1 });
    expect(await store.sweepExpired(later, 2)).toEqual({ removed: 0, due: 0 });
    expect(await redis.zcard(`${keyBase(prefix)}:drifts:all`)).toBe(0);
  });

  it('gives data written before retention existed its retention, once: closed records, and resources with nothing open with their latest item', async () => {
    // As an older version left them: records without expiry and no expiry index, hashes and latest items kept for good.
    const closed = 'sg-0legacy000000001';
    const open = 'sg-0legacy000000002';
    await create(record('drf_l1', closed, 'held'));
    await move('drf_l1', 'resolved');
    await create(record('drf_l2', open, 'held'));
    await create(record('drf_ign_l3', 'sg-0legacy000000003', 'ignored'));
    await redis.persist(`${keyBase(prefix)}:drift:drf_l1`);
    await redis.persist(`${keyBase(prefix)}:drift:drf_ign_l3`);
    await redis.del(`${keyBase(prefix)}:drifts:expiry`);
    await redis.hset(`${keyBase(prefix)}:res:${rk(closed)}`, { processedId: 'ev-1', processedOrder: '1', openDrift: '', claimed: '' });
    await redis.persist(`${keyBase(prefix)}:res:${rk(closed)}`);
    await redis.hset(`${keyBase(prefix)}:item:ev-1`, { rk: rk(closed), order: '1', outcome: 'decided' });
    await redis.hset(`${keyBase(prefix)}:res:${rk(open)}`, { processedId: 'ev-2', processedOrder: '1', openDrift: 'drf_l2', claimed: '' });
    await redis.hset(`${keyBase(prefix)}:item:ev-2`, { rk: rk(open), order: '1', outcome: 'decided' });

    // Records in creation order, two at a time; then the resource hashes (a SCAN of the shared Redis).
    expect(await store.backfillRetention(2)).toEqual({ records: 1, resources: 0, done: false });
    expect(await store.backfillRetention(2)).toEqual({ records: 1, resources: 0, done: false });
    const steps = [];
    for (let i = 0; i < 10_000; i++) {
      const step = await store.backfillRetention(1_000);
      steps.push(step);
      if (step.done) break;
    }
    expect(steps.reduce((n, s) => n + s.records, 0)).toBe(0);
    expect(steps.reduce((n, s) => n + s.resources, 0)).toBe(1);
    expect(steps[steps.length - 1].done).toBe(true);
    expectTtl(await redis.ttl(`${keyBase(prefix)}:drift:drf_l1`), 3_000);
    expectTtl(await redis.ttl(`${keyBase(prefix)}:drift:drf_ign_l3`), 2_000);
    expectTtl(await redis.ttl(`${keyBase(prefix)}:res:${rk(closed)}`), 1_500);
    expectTtl(await redis.ttl(`${keyBase(prefix)}:item:ev-1`), 1_500);
    for (const key of ['drift:drf_l2', `res:${rk(open)}`, 'item:ev-2']) expect(await redis.ttl(`${keyBase(prefix)}:${key}`)).toBe(-1);
    // Done for good: what is written later is not looked at again.
    await create(record('drf_l4', 'sg-0legacy000000004', 'rejected'));
    await redis.persist(`${keyBase(prefix)}:drift:drf_l4`);
    expect(await store.backfillRetention(2)).toEqual({ records: 0, resources: 0, done: true });
    expect(await redis.ttl(`${keyBase(prefix)}:drift:drf_l4`)).toBe(-1);
    // The sweep removes the backfilled ones, with their index entries, once due.
    expect(await store.sweepExpired(new Date(Date.now() + 3_000_001), 100)).toEqual({ removed: 2, due: 3 });
    expect((await store.list({ limit: 10 })).items.map((d) => d.id)).toEqual(['drf_l4', 'drf_l2']);
  });

  it('keeps the item of an evaluation that failed for good while its failed drift is open, for replay --failed; a later decision, or the drift ending, gives it back its retention', async () => {
    const ledger = new ItemLedger(redis, keys, new AuditLog(redis, keys), RETENTION);
    const item = (group: string, order: number): ConfigItemEvent => ({
      kind: 'config_item',
      eventId: `ci-${group}-${order}`,
      resource: { type: TYPE, id: group, account: ACCOUNT, region: REGION },
      captureTime: new Date().toISOString(),
      order,
      status: 'OK',
      changeType: 'UPDATE',
      tags: {},
      configuration: {},
      changedProperties: [],
      delivery: { transport: 'http', shape: 'eventbridge', receivedAt: new Date().toISOString() } as ConfigItemEvent['delivery'],
    });
    const fail = async (group: string) => {
      const failed = item(group, 1);
      await ledger.accept([failed]);
      expect((await ledger.claimLatest(rk(group)))?.event.eventId).toBe(failed.eventId);
      await create(record(`drf_f_${group}`, group, 'failed'));
      await ledger.markFailed(rk(group), failed.eventId, `drf_f_${group}`);
      expect(await redis.ttl(`${keyBase(prefix)}:item:${failed.eventId}`)).toBe(-1);
      return failed;
    };

    // Superseded: a newer item is decided (the failed drift goes on as that decision's record).
    const a = 'sg-0failed000000001';
    const failedA = await fail(a);
    const newer = item(a, 2);
    await ledger.accept([newer]);
    await ledger.claimLatest(rk(a));
    const current = await store.getVersioned(`drf_f_${a}`);
    expect(
      await store.save({ ...current!.record, status: 'resolved' }, current, null, {
        eventId: newer.eventId,
        order: 2,
        resourceKey: rk(a),
        outcome: 'decided',
      }),
    ).toBe('ok');
    expectTtl(await redis.ttl(`${keyBase(prefix)}:item:${failedA.eventId}`), 1_000);
    expect(await redis.hexists(`${keyBase(prefix)}:res:${rk(a)}`, 'failedItem')).toBe(0);

    // Ended without a decision (rejected): kept no longer than the resource.
    const b = 'sg-0failed000000002';
    const failedB = await fail(b);
    await move(`drf_f_${b}`, 'rejected');
    expectTtl(await redis.ttl(`${keyBase(prefix)}:item:${failedB.eventId}`), 1_500);
  });

  it('knows when the oldest open drift began (its earliest change), ignoring closed ones', async () => {
    expect(await store.oldestOpenSince()).toBeNull();
    await create(record('drf_old', 'sg-0oldest000000001', 'held', '2026-03-01T10:00:00.000Z'));
    const newer = record('drf_new', 'sg-0oldest000000002', 'backport_open', '2026-03-05T10:00:00.000Z');
    await create({
      ...newer,
      differences: [
        { madeBy: { at: '2026-02-27T08:00:00.000Z' }, firstSeen: { at: '2026-03-05T10:00:00.000Z', eventId: 'e' } },
      ] as unknown as DriftRecord['differences'],
    });
    await create(record('drf_closed', 'sg-0oldest000000003', 'reverted', '2026-01-01T00:00:00.000Z'));
    expect(await store.oldestOpenSince()).toEqual(new Date('2026-02-27T08:00:00.000Z'));
  });
});

describe('CloudTrail calls', () => {
  let redis: Redis;
  const prefix = uniquePrefix();
  const keys = testKeys(prefix);
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await dropPrefix(prefix);
    redis.disconnect();
  });
  const call = (id: string, at: Date): CloudTrailEvent => ({
    kind: 'cloudtrail',
    eventId: id,
    eventName: 'AuthorizeSecurityGroupIngress',
    eventSource: 'ec2.amazonaws.com',
    eventTime: at.toISOString(),
    account: ACCOUNT,
    region: REGION,
    resourceIds: ['sg-0trail0000000001'],
    principal: { arn: 'arn:aws:iam::111122223333:user/alice' } as CloudTrailEvent['principal'],
    requestParameters: null,
    responseElements: null,
    delivery: { transport: 'http', shape: 'eventbridge', receivedAt: at.toISOString() } as CloudTrailEvent['delivery'],
  });

  it('expire after cloudTrailEvents; a resource index is trimmed by call time on each write, so a busy resource stays bounded', async () => {
    const store = new CloudTrailStore(redis, keys, { cloudTrailSeconds: 600 });
    const index = `${keyBase(prefix)}:ct:${ACCOUNT}:${REGION}:sg-0trail0000000001`;
    const now = Date.now();
    await store.put([call('ct-old', new Date(now - 700_000)), call('ct-recent', new Date(now - 60_000))]);
    expectTtl(await redis.ttl(`${keyBase(prefix)}:ctev:ct-old`), 600);
    expectTtl(await redis.ttl(index), 600);
    // A call replayed late stays findable until the next write.
    expect(await redis.zrange(index, '0', '-1')).toEqual(['ct-old', 'ct-recent']);
    await store.put([call('ct-new', new Date(now))]);
    expect(await redis.zrange(index, '0', '-1')).toEqual(['ct-recent', 'ct-new']);
    expect(
      (await store.around(ACCOUNT, REGION, 'sg-0trail0000000001', new Date(now - 120_000), new Date(now + 1))).map((e) => e.eventId),
    ).toEqual(['ct-recent', 'ct-new']);
  });

  it('one delivery: each call stored once (a duplicate, in the batch or from before, is neither rewritten nor indexed again), indexed under every resource it names', async () => {
    const store = new CloudTrailStore(redis, keys, { cloudTrailSeconds: 600 });
    const now = Date.now();
    const two = (id: string, at: Date, ids: string[]): CloudTrailEvent => ({ ...call(id, at), resourceIds: ids });
    const idx = (id: string) => `${keyBase(prefix)}:ct:${ACCOUNT}:${REGION}:${id}`;
    expect(await store.put([two('ct-b1', new Date(now - 3000), ['sg-0batch000000001', 'sgr-0batch00000001'])])).toEqual([false]);
    const replayed = { ...two('ct-b1', new Date(now - 3000), ['sg-0batch000000001']), eventName: 'Rewritten' };
    const out = await store.put([
      replayed,
      two('ct-b2', new Date(now - 2000), ['sg-0batch000000001', 'sg-0batch000000002']),
      two('ct-b2', new Date(now - 1000), ['sg-0batch000000003']),
      two('ct-b3', new Date(now), []),
    ]);
    expect(out).toEqual([true, false, true, false]);
    expect((await store.byIds(['ct-b1']))[0].eventName).toBe('AuthorizeSecurityGroupIngress');
    expect(await redis.zrange(idx('sg-0batch000000001'), '0', '-1')).toEqual(['ct-b1', 'ct-b2']);
    expect(await redis.zrange(idx('sgr-0batch00000001'), '0', '-1')).toEqual(['ct-b1']);
    expect(await redis.zrange(idx('sg-0batch000000002'), '0', '-1')).toEqual(['ct-b2']);
    expect(await redis.exists(idx('sg-0batch000000003'))).toBe(0);
    expect(await store.byIds(['ct-b3'])).toHaveLength(1);
    expect(Number(await redis.zscore(idx('sg-0batch000000001'), 'ct-b2'))).toBe(now - 2000);
    expectTtl(await redis.ttl(idx('sg-0batch000000002')), 600);
  });
});

describe('walked CloudTrail windows (the LookupEvents fallback)', () => {
  let redis: Redis;
  const prefix = uniquePrefix();
  const keys = testKeys(prefix);
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await dropPrefix(prefix);
    redis.disconnect();
  });

  it('an account-region walked all the time forgets the minutes it walked longer ago than cloudTrailEvents', async () => {
    let now = Date.parse('2026-05-01T12:00:00Z');
    const walker = new CloudTrailWindowWalker(
      redis,
      keys,
      () => ({ send: async () => ({ Events: [] }) }) as never,
      new SharedRateLimiter(redis, keys, 1_000),
      new CloudTrailStore(redis, keys, { cloudTrailSeconds: 600 }),
      () => true,
      {
        lagMs: 0,
        retentionSeconds: 600,
        now: () => now,
      },
    );
    const key = `${keyBase(prefix)}:ctwalk:${ACCOUNT}:${REGION}`;
    await walker.ensure(ACCOUNT, REGION, new Date(now - 5 * 60_000), new Date(now - 60_000));
    const first = Object.keys(await redis.hgetall(key)).sort();
    expect(first).toHaveLength(5);
    expectTtl(await redis.ttl(key), 600);
    // Eleven minutes on, the next walk (the key's expiry renewed) drops the minutes walked then.
    now += 11 * 60_000;
    await walker.ensure(ACCOUNT, REGION, new Date(now - 2 * 60_000), new Date(now - 60_000));
    const second = Object.keys(await redis.hgetall(key)).sort();
    expect(second).toHaveLength(2);
    expect(second.filter((m) => first.includes(m))).toEqual([]);
  });
});

describe('the audit log and the quarantine', () => {
  let redis: Redis;
  const prefix = uniquePrefix();
  const keys = testKeys(prefix);
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await dropPrefix(prefix);
    redis.disconnect();
  });

  it('the audit log is trimmed to audit.maxAge by the sweep (whole stream nodes, at most the batch per call), never newer entries', async () => {
    const audit = new AuditLog(redis, keys, { auditMaxAgeSeconds: 60, auditMaxEntries: 5_000 });
    // 400 entries written an hour ago (explicit stream ids: the time an entry was appended), then 5 now.
    const hourAgo = Date.now() - 3_600_000;
    for (let i = 0; i < 400; i++)
      await redis.xadd(
        audit.streamKey,
        `${hourAgo}-${i}`,
        'e',
        AuditLog.encode({ at: new Date(hourAgo).toISOString(), type: 'test.old', actor: 'test', reason: `old ${i}` }).body,
      );
    const fresh: string[] = [];
    for (let i = 0; i < 5; i++) fresh.push(await audit.append({ at: new Date().toISOString(), type: 'test.new', actor: 'test' }));
    const now = new Date();
    const first = await audit.trim(now, 100);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(100);
    let removed = first;
    for (let i = 0; i < 20; i++) removed += await audit.trim(now, 100);
    // Whole nodes only: the node holding the last old entries and the new ones stays.
    expect(removed).toBeGreaterThanOrEqual(300);
    expect(removed).toBeLessThanOrEqual(400);
    const kept = (await redis.xrange(audit.streamKey, '-', '+')).map(([id]) => id);
    expect(kept.slice(-5)).toEqual(fresh);
    expect(kept.length).toBe(405 - removed);
    // A minute earlier, even the old entries were young enough: nothing is removed.
    const fresh2 = new AuditLog(redis, testKeys(`${prefix}-b`), { auditMaxAgeSeconds: 7_200 });
    for (let i = 0; i < 300; i++) await redis.xadd(fresh2.streamKey, `${hourAgo}-${i}`, 'e', '{}');
    expect(await fresh2.trim(now, 1_000)).toBe(0);
    await redis.del(fresh2.streamKey);
  });

  it('a batch smaller than a stream node still trims (a whole node per call): retention.sweepBatchSize may be as low as 1', async () => {
    const audit = new AuditLog(redis, testKeys(`${prefix}-small`), { auditMaxAgeSeconds: 60, auditMaxEntries: 5_000 });
    const hourAgo = Date.now() - 3_600_000;
    for (let i = 0; i < 300; i++) await redis.xadd(audit.streamKey, `${hourAgo}-${i}`, 'e', '{}');
    await audit.append({ at: new Date().toISOString(), type: 'test.new', actor: 'test' });
    let removed = 0;
    for (let i = 0; i < 5; i++) removed += await audit.trim(new Date(), 10);
    expect(removed).toBeGreaterThanOrEqual(200);
    await dropPrefix(`${prefix}-small`);
  });

  it('the quarantine keeps the newest quarantine.maxEntries messages', async () => {
    const audit = new AuditLog(redis, keys);
    const q = new QuarantineStore(redis, keys, audit, { quarantineMaxEntries: 3 });
    for (let i = 0; i < 5; i++) await q.put('sqs', `body ${i}`, 'unreadable', { n: i });
    expect((await q.list(10)).map((m) => m.body)).toEqual(['body 4', 'body 3', 'body 2']);
  });
});

describe('freeze history', () => {
  let redis: Redis;
  const prefix = uniquePrefix();
  const keys = testKeys(prefix);
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await dropPrefix(prefix);
    redis.disconnect();
  });

  it('prunes what ended before the cutoff (lifted or expired freezes and overrides, resolved incidents, closed unknown intervals) and keeps what is active or open', async () => {
    const store = new FreezeStore(redis, keys, new AuditLog(redis, keys));
    const t = (iso: string) => new Date(iso);
    await store.createManual({ reason: 'expired', ttlMs: 3_600_000, actor: 't', now: t('2026-01-01T00:00:00Z') });
    const lifted = await store.createManual({ reason: 'lifted', ttlMs: 7 * 86_400_000, actor: 't', now: t('2026-01-01T00:00:00Z') });
    await store.liftManual(lifted.id, 't', t('2026-01-01T02:00:00Z'));
    const liftedLate = await store.createManual({
      reason: 'lifted after the cutoff',
      ttlMs: 30 * 86_400_000,
      actor: 't',
      now: t('2026-01-01T00:00:00Z'),
    });
    await store.liftManual(liftedLate.id, 't', t('2026-01-20T00:00:00Z'));
    const active = await store.createManual({ reason: 'active', ttlMs: 3_600_000, actor: 't', now: new Date() });
    await store.createOverride({ reason: 'old override', ttlMs: 3_600_000, actor: 't', now: t('2026-01-01T00:00:00Z') });
    const incident = (id: string, resolvedAt?: string): IncidentRecord => ({
      provider: 'pagerduty',
      id,
      title: id,
      status: resolvedAt ? 'resolved' : 'triggered',
      createdAt: '2026-01-01T00:00:00Z',
      ...(resolvedAt ? { resolvedAt } : {}),
    });
    await redis.hset(
      `${keyBase(prefix)}:freeze:incidents`,
      'pagerduty:OLD',
      JSON.stringify(incident('OLD', '2026-01-02T00:00:00Z')),
      'pagerduty:OPEN',
      JSON.stringify(incident('OPEN')),
      'pagerduty:RECENT',
      JSON.stringify(incident('RECENT', '2026-01-20T00:00:00Z')),
    );
    const interval = (from: string, to: string | null) => JSON.stringify({ provider: 'pagerduty', from, to, reason: 'x' });
    await redis.lpush(
      `${keyBase(prefix)}:freeze:unknown`,
      interval('2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z'),
      interval('2026-01-19T00:00:00Z', '2026-01-19T01:00:00Z'),
      interval('2026-01-21T00:00:00Z', null),
    );

    const pruned = await store.pruneHistory(t('2026-01-10T00:00:00Z'));
    expect(pruned).toEqual({ manual: 2, overrides: 1, incidents: 1, unknownIntervals: 1 });
    expect(Object.keys(await redis.hgetall(`${keyBase(prefix)}:freeze:manual`)).sort()).toEqual([active.id, liftedLate.id].sort());
    expect(await redis.hlen(`${keyBase(prefix)}:freeze:overrides`)).toBe(0);
    expect(Object.keys(await redis.hgetall(`${keyBase(prefix)}:freeze:incidents`)).sort()).toEqual(['pagerduty:OPEN', 'pagerduty:RECENT']);
    expect((await store.load(['pagerduty'])).unknownIntervals.map((u) => u.from).sort()).toEqual([
      '2026-01-19T00:00:00Z',
      '2026-01-21T00:00:00Z',
    ]);
    // Again: nothing more to do.
    expect(await store.pruneHistory(t('2026-01-10T00:00:00Z'))).toEqual({ manual: 0, overrides: 0, incidents: 0, unknownIntervals: 0 });
  });
});

describe('BullMQ finished jobs', () => {
  let redis: Redis;
  let base: string;
  let prefix: string;
  let producer: JobProducer;
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  const connection = () => {
    const c = testRedis({ maxRetriesPerRequest: null });
    connections.push(c);
    return c;
  };

  beforeAll(() => {
    redis = testRedis();
    base = uniquePrefix();
    prefix = testKeys(base).bullPrefix;
    producer = new JobProducer({
      connection: connection(),
      prefix,
      coalesceMs: 0,
      jobRetention: { completed: { ageSeconds: 3_600, count: 2 }, failed: { ageSeconds: 3_600, count: 2 } },
    });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await producer.close();
    for (const c of connections) c.disconnect();
    redis.disconnect();
    await dropPrefix(base);
  });

  it('keeps failed jobs by count, each with the stack traces of its last three attempts only', async () => {
    let attempts = 0;
    const worker = createWorker(
      'evaluate',
      async () => {
        attempts++;
        // A hinted retry delay of 1 ms: the 14 attempts run at once.
        throw Object.assign(new Error(`transient ${randomBytes(2).toString('hex')}`), { retryAfterMs: 1 });
      },
      { connection: connection(), prefix, concurrency: 5 },
    );
    workers.push(worker);
    const failed: string[] = [];
    worker.on('failed', (job) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) failed.push(job.id ?? '');
    });
    await producer.evaluate(
      Array.from({ length: 5 }, (_, i) => ({
        resourceKey: `${ACCOUNT}/${REGION}/${TYPE}/sg-0failing${i}`,
        trigger: 'item' as const,
        correlationId: `c${i}`,
      })),
    );
    await eventually(async () => failed.length === 5, 'five evaluations failed for good', 25_000);
    expect(attempts).toBe(5 * 14);
    const queue = producer.queue('evaluate');
    expect(await queue.getFailedCount()).toBe(2);
    const kept = await queue.getFailed();
    expect(kept.map((j) => j.stacktrace?.length)).toEqual([3, 3]);
    await worker.close();
  });

  it('keeps completed jobs by count; while one is kept its job id still deduplicates', async () => {
    let runs = 0;
    const worker = createWorker(
      'notify',
      async () => {
        runs++;
        return 'sent';
      },
      { connection: connection(), prefix, concurrency: 1 },
    );
    workers.push(worker);
    const queue = producer.queue('notify');
    for (let i = 0; i < 4; i++) {
      await producer.notify([{ auditId: `1-${i}`, kind: 'awaiting_approval', webhook: 'ops' }]);
      await eventually(async () => runs === i + 1, `notification ${i} delivered`);
    }
    await eventually(async () => (await queue.getCompletedCount()) === 2, 'the two newest completed jobs kept');
    // The newest is kept: the same notification asked for again is not sent twice.
    await producer.notify([{ auditId: '1-3', kind: 'awaiting_approval', webhook: 'ops' }]);
    expect(await queue.getJobCounts('waiting', 'delayed', 'active')).toEqual({ waiting: 0, delayed: 0, active: 0 });
    expect(runs).toBe(4);
    await worker.close();
  });
});
