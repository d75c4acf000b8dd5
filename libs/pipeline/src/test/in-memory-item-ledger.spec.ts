/**
 * The in-memory item ledger keeps the promises of the real one (the same contract runs on Redis in
 * test/pipeline/item-ledger.contract.int-spec.ts).
 */
import { CONTRACT_RK, itemLedgerContract } from './item-ledger.contract';
import { InMemoryDriftRecords, InMemoryItemLedger } from './use-case-support';

describe('InMemoryItemLedger (item ledger contract)', () => {
  itemLedgerContract(() => {
    const records = new InMemoryDriftRecords();
    const ledger = new InMemoryItemLedger(records);
    return {
      accept: async (e) => ledger.add(e),
      claimLatest: (rk, holder) => ledger.claimLatest(rk, holder),
      claimMany: (rks, holder) => ledger.claimMany(rks, holder),
      lockKey: (name) => `lock:${name}`,
      setLock: async (key, token) => {
        if (token === null) ledger.locks.delete(key);
        else ledger.locks.set(key, token);
      },
      commit: (e) =>
        records.commitWithoutRecord(
          { eventId: e.eventId, order: e.order, resourceKey: CONTRACT_RK, outcome: 'decided' },
          { at: new Date().toISOString(), type: 'decision', actor: 'pipeline', eventId: e.eventId, resourceKey: CONTRACT_RK },
        ),
      state: (id) => ledger.state(id),
      auditEntries: async () => records.audit,
    };
  });
});
