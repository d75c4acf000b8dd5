/**
 * An item older than one claimed but not yet decided (out-of-order delivery during an
 * evaluation, which can wait seconds for CloudTrail) is accepted, since nothing newer has been
 * decided yet; once the newer one is decided it must never be decided itself: it would judge the
 * resource by a state it has left (e.g. resolve a drift the newer item opened) and move the
 * processed order backwards. On real Redis, through the ledger and the store's scripts.
 */
import type { Redis } from 'ioredis';
import type { ConfigItemEvent } from '@driftwarden/domain';
import { AuditLog, DriftStore, ItemLedger } from '@driftwarden/store';
import { configItemOf } from '../../libs/pipeline/src/test/config-item';
import { keyBase, testKeys, testRedis } from '../support/redis';
import { dropPrefix, uniquePrefix } from '../support/test-controller';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const TYPE = 'AWS::EC2::SecurityGroup';
const GROUP = 'sg-0stale00000000001';
const RK = `${ACCOUNT}/${REGION}/${TYPE}/${GROUP}`;

const item = (order: number): ConfigItemEvent => configItemOf({ type: TYPE, id: GROUP, account: ACCOUNT, region: REGION }, order);

describe('an older item accepted while a newer one is being decided', () => {
  let redis: Redis;
  let prefix: string;
  let audit: AuditLog;
  let ledger: ItemLedger;
  let store: DriftStore;

  beforeAll(() => {
    redis = testRedis();
  });
  beforeEach(() => {
    prefix = uniquePrefix();
    const keys = testKeys(prefix);
    audit = new AuditLog(redis, keys);
    ledger = new ItemLedger(redis, keys, audit);
    store = new DriftStore(redis, keys, audit);
  });
  afterEach(async () => dropPrefix(prefix));
  afterAll(() => redis.disconnect());

  const decide = (e: ConfigItemEvent) =>
    store.commitWithoutRecord(
      { eventId: e.eventId, order: e.order, resourceKey: RK, outcome: 'decided' },
      { at: new Date().toISOString(), type: 'decision', actor: 'pipeline', eventId: e.eventId, resourceKey: RK, reason: 'test' },
    );

  it('is recorded stale (with an audit entry) instead of being claimed after the newer decision; the processed order never goes back', async () => {
    const newer = item(2_000);
    const older = item(1_000);
    expect((await ledger.accept([newer]))[0].status).toBe('accepted');
    expect((await ledger.claimLatest(RK))?.event.eventId).toBe(newer.eventId);
    // Delivered late, while the newer item is claimed and not yet decided: nothing newer is decided yet.
    expect((await ledger.accept([older]))[0].status).toBe('accepted');
    expect(await decide(newer)).toBe('ok');

    expect(await ledger.claimLatest(RK)).toBeNull();
    expect(await redis.hget(`${keyBase(prefix)}:item:${older.eventId}`, 'outcome')).toBe('stale');
    expect(await redis.hget(`${keyBase(prefix)}:item:${older.eventId}`, 'supersededBy')).toBe(newer.eventId);
    expect(await redis.hget(`${keyBase(prefix)}:res:${RK}`, 'processedOrder')).toBe('2000');
    const entries = (await audit.list({ limit: 100 })).items;
    expect(entries.map((e) => [e.type, e.eventId])).toEqual([
      ['decision', newer.eventId],
      ['item.stale', older.eventId],
    ]);
    expect(entries[1].reason).toContain(`older than item ${newer.eventId}`);
    // The chain stays linear and verifies with the entry the claim appended.
    expect((await audit.verify(null)).ok).toBe(true);
  });

  it('a newer item still pending is claimed as usual (the older ones coalesced into it)', async () => {
    const first = item(2_000);
    await ledger.accept([first]);
    await ledger.claimLatest(RK);
    await ledger.accept([item(1_000), item(3_000)]);
    expect(await decide(first)).toBe('ok');
    const claimed = await ledger.claimLatest(RK);
    expect(claimed?.event.eventId).toBe('ci-3000');
    expect(claimed?.coalesced).toEqual(['ci-1000']);
  });
});
