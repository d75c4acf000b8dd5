/**
 * The item ledger contract on real Redis: ItemLedger and DriftStore through their Lua scripts. The
 * same cases run on the in-memory fake the use-case specs use (libs/pipeline/src/test/
 * in-memory-item-ledger.spec.ts), so the fake cannot drift from the scripts unnoticed.
 */
import { CONTRACT_RK, itemLedgerContract } from '../../libs/pipeline/src/test/item-ledger.contract';
import { useLedgerStores } from '../support/ledger-stores';

describe('ItemLedger on Redis (item ledger contract)', () => {
  const t = useLedgerStores();

  itemLedgerContract(() => {
    const { audit, ledger, store } = t;
    return {
      accept: async (e) => (await ledger.accept([e]))[0].status,
      claimLatest: (rk, holder) => ledger.claimLatest(rk, holder),
      claimMany: (rks, holder) => ledger.claimMany(rks, holder),
      // Where BullMQ keeps an evaluate job's lock, under the test's prefix (deleted with the rest).
      lockKey: (name) => `${t.keys.bullPrefix}:evaluate:${name}:lock`,
      setLock: async (key, token) => {
        if (token === null) await t.redis.del(key);
        else await t.redis.set(key, token, 'PX', 30_000);
      },
      commit: (e) =>
        store.commitWithoutRecord(
          { eventId: e.eventId, order: e.order, resourceKey: CONTRACT_RK, outcome: 'decided' },
          { at: new Date().toISOString(), type: 'decision', actor: 'pipeline', eventId: e.eventId, resourceKey: CONTRACT_RK },
        ),
      state: (id) => ledger.state(id),
      auditEntries: async () => (await audit.list({ limit: 1_000 })).items,
    };
  });
});
