/**
 * The item ledger accepts a whole ingest batch in one script run (a larger one in several,
 * pipelined): each item is still accepted atomically and in input order, exactly as one call per
 * item would, and the answers come back in input order. On real Redis, through the store's scripts.
 */
import type { ConfigItemEvent } from '@driftwarden/domain';
import { configItemOf } from '../../libs/pipeline/src/test/config-item';
import { keyBase } from '../support/redis';
import { useLedgerStores } from '../support/ledger-stores';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const TYPE = 'AWS::EC2::SecurityGroup';
const rkOf = (group: string) => `${ACCOUNT}/${REGION}/${TYPE}/${group}`;

const item = (group: string, order: number): ConfigItemEvent =>
  configItemOf({ type: TYPE, id: group, account: ACCOUNT, region: REGION }, order, {
    eventId: `ci-${group}-${order}`,
    configuration: { groupId: group, note: 'ünïcode → kept' },
  });

describe('accepting a batch of items', () => {
  const t = useLedgerStores();

  it('answers every item of a batch larger than one script run, in input order, as separate calls would', async () => {
    // A resource whose item 5000 was decided: an older item of it is stale, a newer one accepted.
    const decided = item('sg-0decided0000001', 5_000);
    await t.ledger.accept([decided]);
    await t.ledger.claimLatest(rkOf('sg-0decided0000001'));
    expect(
      await t.store.commitWithoutRecord(
        { eventId: decided.eventId, order: decided.order, resourceKey: rkOf('sg-0decided0000001'), outcome: 'decided' },
        { at: new Date().toISOString(), type: 'decision', actor: 'pipeline', eventId: decided.eventId, reason: 'test' },
      ),
    ).toBe('ok');

    const many = Array.from({ length: 450 }, (_, i) => item(`sg-0many${String(i).padStart(10, '0')}`, 1_000 + i));
    const twoOfOne = [item('sg-0twice000000001', 1_000), item('sg-0twice000000001', 2_000)];
    const batch = [
      ...many.slice(0, 150),
      twoOfOne[0],
      item('sg-0decided0000001', 4_000),
      ...many.slice(150, 300),
      twoOfOne[1],
      // The same item twice in one batch: the second is a duplicate of a pending item.
      many[10],
      item('sg-0decided0000001', 6_000),
      decided,
      ...many.slice(300),
    ];
    const results = await t.ledger.accept(batch);

    expect(results.map((r) => r.eventId)).toEqual(batch.map((e) => e.eventId));
    expect(results.map((r) => r.resourceKey)).toEqual(batch.map((e) => rkOf(e.resource.id)));
    const statusOf = (e: ConfigItemEvent, nth = 0) => results.filter((r) => r.eventId === e.eventId)[nth];
    for (const e of many.filter((_, i) => i !== 10)) expect(statusOf(e).status).toBe('accepted');
    expect(statusOf(many[10], 0).status).toBe('accepted');
    expect(statusOf(many[10], 1).status).toBe('duplicate_pending');
    expect(twoOfOne.map((e) => statusOf(e).status)).toEqual(['accepted', 'accepted']);
    expect(statusOf(item('sg-0decided0000001', 4_000))).toMatchObject({ status: 'stale', detail: decided.eventId });
    expect(statusOf(item('sg-0decided0000001', 6_000)).status).toBe('accepted');
    expect(statusOf(decided)).toMatchObject({ status: 'duplicate', detail: 'decided' });

    // What each accepted item left behind is what a single accept leaves: the stored body, the pending order.
    const stored = await t.ledger.event(many[449].eventId);
    expect(stored).toEqual(many[449]);
    expect(await t.redis.zrange(`${keyBase(t.prefix)}:pending:${rkOf('sg-0twice000000001')}`, '0', '-1')).toEqual(
      twoOfOne.map((e) => e.eventId),
    );
    expect(await t.ledger.pendingCount(rkOf(many[200].resource.id))).toBe(1);
    expect(await t.redis.hget(`${keyBase(t.prefix)}:item:${item('sg-0decided0000001', 4_000).eventId}`, 'outcome')).toBe('stale');
    // One audit entry for the stale item, in the chain after the decision.
    const entries = (await t.audit.list({ limit: 100 })).items;
    expect(entries.map((e) => [e.type, e.eventId])).toEqual([
      ['decision', decided.eventId],
      ['item.stale', item('sg-0decided0000001', 4_000).eventId],
    ]);
    expect(await t.audit.verify(null)).toMatchObject({ ok: true, checked: 2 });
  });
});
