/**
 * An item older than one claimed but not yet decided (out-of-order delivery during an
 * evaluation, which can wait seconds for CloudTrail) is accepted, since nothing newer has been
 * decided yet; once the newer one is decided it must never be decided itself: it would judge the
 * resource by a state it has left (e.g. resolve a drift the newer item opened) and move the
 * processed order backwards. On real Redis, through the ledger and the store's scripts.
 */
import type { ConfigItemEvent } from '@driftwarden/domain';
import { configItemOf } from '../../libs/pipeline/src/test/config-item';
import { keyBase } from '../support/redis';
import { useLedgerStores } from '../support/ledger-stores';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const TYPE = 'AWS::EC2::SecurityGroup';
const GROUP = 'sg-0stale00000000001';
const RK = `${ACCOUNT}/${REGION}/${TYPE}/${GROUP}`;

const item = (order: number): ConfigItemEvent => configItemOf({ type: TYPE, id: GROUP, account: ACCOUNT, region: REGION }, order);

describe('an older item accepted while a newer one is being decided', () => {
  const t = useLedgerStores();

  const decide = (e: ConfigItemEvent) =>
    t.store.commitWithoutRecord(
      { eventId: e.eventId, order: e.order, resourceKey: RK, outcome: 'decided' },
      { at: new Date().toISOString(), type: 'decision', actor: 'pipeline', eventId: e.eventId, resourceKey: RK, reason: 'test' },
    );

  it('is recorded stale (with an audit entry) instead of being claimed after the newer decision; the processed order never goes back', async () => {
    const newer = item(2_000);
    const older = item(1_000);
    expect((await t.ledger.accept([newer]))[0].status).toBe('accepted');
    expect((await t.ledger.claimLatest(RK))?.event.eventId).toBe(newer.eventId);
    // Delivered late, while the newer item is claimed and not yet decided: nothing newer is decided yet.
    expect((await t.ledger.accept([older]))[0].status).toBe('accepted');
    expect(await decide(newer)).toBe('ok');

    expect(await t.ledger.claimLatest(RK)).toBeNull();
    expect(await t.redis.hget(`${keyBase(t.prefix)}:item:${older.eventId}`, 'outcome')).toBe('stale');
    expect(await t.redis.hget(`${keyBase(t.prefix)}:item:${older.eventId}`, 'supersededBy')).toBe(newer.eventId);
    expect(await t.redis.hget(`${keyBase(t.prefix)}:res:${RK}`, 'processedOrder')).toBe('2000');
    const entries = (await t.audit.list({ limit: 100 })).items;
    expect(entries.map((e) => [e.type, e.eventId])).toEqual([
      ['decision', newer.eventId],
      ['item.stale', older.eventId],
    ]);
    expect(entries[1].reason).toContain(`older than item ${newer.eventId}`);
    // The chain stays linear and verifies with the entry the claim appended.
    expect((await t.audit.verify(null)).ok).toBe(true);
  });

  it('a newer item still pending is claimed as usual (the older ones coalesced into it)', async () => {
    const first = item(2_000);
    await t.ledger.accept([first]);
    await t.ledger.claimLatest(RK);
    await t.ledger.accept([item(1_000), item(3_000)]);
    expect(await decide(first)).toBe('ok');
    const claimed = await t.ledger.claimLatest(RK);
    expect(claimed?.event.eventId).toBe('ci-3000');
    expect(claimed?.coalesced).toEqual(['ci-1000']);
  });
});
