/**
 * What the use-case unit specs run on: in-memory drift records with the store's compare-and-set
 * semantics (a save or an `update` that lost a race to another writer answers `conflict` and is
 * retried by `update`; every accepted change is kept with its audit entry; status transitions are
 * checked as the store checks them), and item ledgers: one whose items the spec settles
 * (FakeItemStates), and one that claims and commits items as the Redis scripts do
 * (InMemoryItemLedger).
 */
import { assertTransition, isOpen, resourceKey, type ConfigItemEvent, type DriftRecord } from '@driftwarden/domain';
import type {
  AcceptStatus,
  AuditEntry,
  ClaimHolder,
  ClaimResult,
  ClaimedItem,
  DriftVersion,
  ItemCommit,
  ItemOutcome,
  ItemState,
  SaveOptions,
  SaveResult,
  VersionedDrift,
} from '@driftwarden/store';
import { ResourceBusyError } from '@driftwarden/store';
import type { DecisionRecords, DriftRecords, ItemClaims, ItemStates } from '../ports/records.port';

/**
 * A version token for a spec's stubs. The store owns real ones; use cases only hand them back, so
 * any value stands for one here (the in-memory store below mints `id#revision`, never the JSON).
 */
export function aVersion(label: string): DriftVersion {
  return label as unknown as DriftVersion;
}

export class InMemoryDriftRecords implements DriftRecords, DecisionRecords {
  private readonly byId = new Map<string, { json: string; revision: number }>();
  /** The open drift of each resource (the resource hash's `openDrift`). */
  private readonly openByResource = new Map<string, string>();
  readonly audit: AuditEntry[] = [];
  /** What each save committed (the record's id, or null for `commitWithoutRecord`) with its options. */
  readonly saves: { id: string | null; options: SaveOptions }[] = [];
  /** Called before each compare-and-set (a spec can write in between, as another replica would). Runs once. */
  beforeWrite: (() => void) | null = null;
  /** The item ledger whose items a save commits (InMemoryItemLedger attaches itself). */
  items: InMemoryItemLedger | null = null;

  private readonly leases = new Set<string>();

  constructor(...records: DriftRecord[]) {
    for (const r of records) this.put(r);
  }

  /** Writes a record as another writer would (no checks; a new revision). */
  put(record: DriftRecord): void {
    const revision = (this.byId.get(record.id)?.revision ?? 0) + 1;
    this.byId.set(record.id, { json: JSON.stringify(record), revision });
    const rk = resourceKey(record.resource);
    if (isOpen(record.status)) this.openByResource.set(rk, record.id);
    else if (this.openByResource.get(rk) === record.id) this.openByResource.delete(rk);
  }

  /** Every record, oldest first. */
  all(): DriftRecord[] {
    return [...this.byId.values()].map((v) => JSON.parse(v.json) as DriftRecord);
  }

  async get(id: string): Promise<DriftRecord | null> {
    const stored = this.byId.get(id);
    return stored ? (JSON.parse(stored.json) as DriftRecord) : null;
  }

  async getVersioned(id: string): Promise<VersionedDrift | null> {
    const stored = this.byId.get(id);
    return stored ? { record: JSON.parse(stored.json) as DriftRecord, version: aVersion(`${id}#${stored.revision}`) } : null;
  }

  async openFor(rk: string): Promise<VersionedDrift | null> {
    const id = this.openByResource.get(rk);
    const found = id ? await this.getVersioned(id) : null;
    return found && isOpen(found.record.status) ? found : null;
  }

  /** As DriftStore.save (saveDriftLua): the item is checked first, then the record's version, then all is written. */
  async save(
    next: DriftRecord,
    previous: VersionedDrift | null,
    audit: AuditEntry | null,
    item?: ItemCommit,
    options: SaveOptions = {},
  ): Promise<SaveResult> {
    if (previous && previous.record.status !== next.status) assertTransition(previous.record.status, next.status);
    const hook = this.beforeWrite;
    this.beforeWrite = null;
    hook?.();
    if (item) {
      const check = this.itemLedger().check(item.eventId, item.resourceKey);
      if (check !== 'ok') return check;
    }
    const current = this.byId.get(next.id);
    const currentVersion = current ? `${next.id}#${current.revision}` : null;
    if (currentVersion !== (previous ? (previous.version as unknown as string) : null)) return 'conflict';
    this.put(next);
    if (item) this.itemLedger().settle(item, next.id);
    if (audit) this.audit.push(audit);
    this.saves.push({ id: next.id, options });
    return 'ok';
  }

  async commitWithoutRecord(item: ItemCommit, audit: AuditEntry, options: SaveOptions = {}): Promise<SaveResult> {
    const check = this.itemLedger().check(item.eventId, item.resourceKey);
    if (check !== 'ok') return check;
    this.itemLedger().settle(item, '');
    this.audit.push(audit);
    this.saves.push({ id: null, options });
    return 'ok';
  }

  async update(
    id: string,
    mutate: (current: DriftRecord) => { next: DriftRecord; audit: AuditEntry | null } | null,
    attempts = 5,
  ): Promise<DriftRecord | null> {
    for (let i = 0; i < attempts; i++) {
      const current = await this.getVersioned(id);
      if (!current) return null;
      const change = mutate(current.record);
      if (!change) return current.record;
      if ((await this.save(change.next, current, change.audit)) === 'ok') return change.next;
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

  private itemLedger(): InMemoryItemLedger {
    if (!this.items) throw new Error('this spec commits items: attach an InMemoryItemLedger to the records');
    return this.items;
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

interface LedgerItem {
  event: ConfigItemEvent;
  outcome: ItemOutcome;
  decidedAt?: string;
  driftId?: string;
  supersededBy?: string;
}

/**
 * The item ledger as its Redis scripts behave (acceptItemsLua, claimLatestLua, the item part of
 * saveDriftLua), checked against them by the shared contract (item-ledger.contract.ts, run here by
 * in-memory-item-ledger.spec.ts and on real Redis by test/pipeline/item-ledger.contract.int-spec.ts):
 * an item no newer than the resource's processed one is stale on arrival; a claim takes the newest
 * pending item of a resource and coalesces the older ones, puts back an item a previous run claimed
 * but never committed, and brings the resource's open drift along; when even the newest pending item
 * is older than the processed one (delivered late while a newer one was being decided), every
 * pending item is recorded stale (audited) and nothing is claimed; a commit settles the item once
 * (`already` after that, `not_claimed` when another run claimed it since).
 */
export class InMemoryItemLedger implements ItemClaims {
  private readonly items = new Map<string, LedgerItem>();
  private readonly pending = new Map<string, Set<string>>();
  private readonly claimed = new Map<string, string>();
  /** Who holds each resource's claim (ClaimHolder), and the job locks alive now (lock key → token), as BullMQ keeps them. */
  private readonly holders = new Map<string, ClaimHolder>();
  readonly locks = new Map<string, string>();
  /** The newest decided item of each resource and its order (the resource hash's processedId/processedOrder). */
  private readonly processed = new Map<string, { eventId: string; order: number }>();
  readonly failed: { rk: string; eventId: string; driftId: string }[] = [];

  constructor(private readonly records: InMemoryDriftRecords) {
    records.items = this;
  }

  /** Accepts an item as acceptItemLua does: pending, unless known already or no newer than the processed item (stale). */
  add(event: ConfigItemEvent): AcceptStatus {
    const known = this.items.get(event.eventId);
    if (known) return known.outcome === '' ? 'duplicate_pending' : 'duplicate';
    const rk = resourceKey(event.resource);
    const processed = this.processed.get(rk);
    if (processed && event.order <= processed.order) {
      this.items.set(event.eventId, { event, outcome: '' });
      this.markStale(event.eventId, processed.eventId, ' already processed for this resource; never acted on');
      return 'stale';
    }
    this.items.set(event.eventId, { event, outcome: '' });
    this.pending.set(rk, (this.pending.get(rk) ?? new Set()).add(event.eventId));
    return 'accepted';
  }

  outcome(eventId: string): ItemOutcome | undefined {
    return this.items.get(eventId)?.outcome;
  }

  async state(eventId: string): Promise<ItemState | null> {
    const item = this.items.get(eventId);
    if (!item) return null;
    const { event, outcome, decidedAt, driftId, supersededBy } = item;
    return { eventId, resourceKey: resourceKey(event.resource), order: event.order, outcome, decidedAt, driftId, supersededBy };
  }

  async claimLatest(rk: string, holder?: ClaimHolder): Promise<ClaimedItem | null> {
    const pending = this.pending.get(rk) ?? new Set<string>();
    const before = this.claimed.get(rk);
    const held = this.holders.get(rk);
    if (before && held && held.token !== holder?.token && this.locks.get(held.lockKey) === held.token) throw new ResourceBusyError(rk);
    if (before && this.items.get(before)?.outcome === '') pending.add(before);
    this.claimed.delete(rk);
    const ids = [...pending].sort((a, b) => this.items.get(a)!.event.order - this.items.get(b)!.event.order);
    this.pending.delete(rk);
    const latest = ids.at(-1);
    if (!latest) return null;
    const processed = this.processed.get(rk);
    if (processed && this.items.get(latest)!.event.order < processed.order) {
      for (const id of ids) this.markStale(id, processed.eventId, ', decided while it waited; never acted on');
      return null;
    }
    ids.pop();
    const now = new Date().toISOString();
    for (const id of ids) Object.assign(this.items.get(id)!, { outcome: 'coalesced', decidedAt: now, supersededBy: latest });
    this.claimed.set(rk, latest);
    if (holder) this.holders.set(rk, holder);
    else this.holders.delete(rk);
    return { event: this.items.get(latest)!.event, coalesced: ids, openDrift: await this.records.openFor(rk) };
  }

  /** As ItemLedger.claimMany: claimLatest for each resource in turn, `busy` instead of ResourceBusyError. */
  async claimMany(rks: string[], holder?: ClaimHolder): Promise<ClaimResult[]> {
    const out: ClaimResult[] = [];
    for (const rk of rks) {
      try {
        out.push(await this.claimLatest(rk, holder));
      } catch (err) {
        if (!(err instanceof ResourceBusyError)) throw err;
        out.push('busy');
      }
    }
    return out;
  }

  async event(eventId: string): Promise<ConfigItemEvent | null> {
    return this.items.get(eventId)?.event ?? null;
  }

  async lastProcessed(rk: string): Promise<string | null> {
    return this.processed.get(rk)?.eventId ?? null;
  }

  /** As ItemLedger.inFlight: the claimed item, else the newest pending one. */
  async inFlight(rk: string): Promise<string | null> {
    const claimed = this.claimed.get(rk);
    if (claimed) return claimed;
    const pending = [...(this.pending.get(rk) ?? [])].sort((a, b) => this.items.get(b)!.event.order - this.items.get(a)!.event.order);
    return pending[0] ?? null;
  }

  async markFailed(rk: string, eventId: string, driftId: string): Promise<void> {
    const item = this.items.get(eventId);
    if (item) Object.assign(item, { outcome: 'failed', decidedAt: new Date().toISOString(), driftId });
    if (this.claimed.get(rk) === eventId) this.claimed.delete(rk);
    this.failed.push({ rk, eventId, driftId });
  }

  /** Whether a commit of this item may go ahead (saveDriftLua's first check). */
  check(eventId: string, rk: string): 'ok' | 'already' | 'not_claimed' {
    const outcome = this.items.get(eventId)?.outcome;
    if (outcome) return 'already';
    return this.claimed.get(rk) === eventId ? 'ok' : 'not_claimed';
  }

  settle(item: ItemCommit, driftId: string): void {
    const settled = this.items.get(item.eventId);
    if (settled) Object.assign(settled, { outcome: 'decided', decidedAt: new Date().toISOString(), driftId });
    this.processed.set(item.resourceKey, { eventId: item.eventId, order: item.order });
    this.claimed.delete(item.resourceKey);
  }

  /** An item never acted on because a newer one was processed (with its `item.stale` audit entry, as the scripts write it). */
  private markStale(eventId: string, by: string, why: string): void {
    const item = this.items.get(eventId)!;
    const at = new Date().toISOString();
    Object.assign(item, { outcome: 'stale', decidedAt: at, supersededBy: by });
    this.records.audit.push({
      at,
      type: 'item.stale',
      actor: 'pipeline',
      eventId,
      resourceKey: resourceKey(item.event.resource),
      reason: `older than item ${by}${why}`,
    });
  }
}
