/**
 * What the use-case unit specs run on: in-memory drift records with the store's compare-and-set
 * semantics (an `update` re-reads and retries when someone else wrote in between, and every
 * accepted change is kept with its audit entry), and an item ledger whose items the spec settles.
 */
import type { DriftRecord } from '@driftwarden/domain';
import type { AuditEntry, ItemOutcome, ItemState } from '@driftwarden/store';
import type { DriftRecords, ItemStates } from '../ports/records.port';

export class InMemoryDriftRecords implements DriftRecords {
  private readonly byId = new Map<string, string>();
  readonly audit: AuditEntry[] = [];
  /** Called before each compare-and-set of `update` (a spec can write in between, as another replica would). */
  beforeWrite: (() => void) | null = null;

  private readonly leases = new Set<string>();

  constructor(...records: DriftRecord[]) {
    for (const r of records) this.put(r);
  }

  put(record: DriftRecord): void {
    this.byId.set(record.id, JSON.stringify(record));
  }

  async get(id: string): Promise<DriftRecord | null> {
    const raw = this.byId.get(id);
    return raw ? (JSON.parse(raw) as DriftRecord) : null;
  }

  async getRaw(id: string): Promise<{ record: DriftRecord; raw: string } | null> {
    const raw = this.byId.get(id);
    return raw ? { record: JSON.parse(raw) as DriftRecord, raw } : null;
  }

  async update(
    id: string,
    mutate: (current: DriftRecord) => { next: DriftRecord; audit: AuditEntry | null } | null,
    attempts = 5,
  ): Promise<DriftRecord | null> {
    for (let i = 0; i < attempts; i++) {
      const raw = this.byId.get(id);
      if (!raw) return null;
      const change = mutate(JSON.parse(raw) as DriftRecord);
      if (!change) return JSON.parse(raw) as DriftRecord;
      const hook = this.beforeWrite;
      this.beforeWrite = null;
      hook?.();
      if (this.byId.get(id) !== raw) continue;
      this.byId.set(id, JSON.stringify(change.next));
      if (change.audit) this.audit.push(change.audit);
      return change.next;
    }
    throw new Error(`drift ${id} kept changing`);
  }

  /** An exclusive lease (no expiry here: a spec releases what it takes). */
  async lease(name: string, _ttlMs: number): Promise<(() => Promise<void>) | null> {
    if (this.leases.has(name)) return null;
    this.leases.add(name);
    return async () => {
      this.leases.delete(name);
    };
  }
}

export class FakeItemStates implements ItemStates {
  readonly outcomes = new Map<string, ItemOutcome>();
  readonly pending = new Map<string, number>();

  async state(eventId: string): Promise<ItemState | null> {
    const outcome = this.outcomes.get(eventId);
    return outcome === undefined ? null : { eventId, resourceKey: 'rk', order: 1, outcome };
  }

  async pendingCount(rk: string): Promise<number> {
    return this.pending.get(rk) ?? 0;
  }
}
