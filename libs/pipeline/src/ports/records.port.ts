import type { AuditLog, DriftStore, ItemLedger } from '@driftwarden/store';

/**
 * The drift records as the side-effect use cases (remediate, backport) use them: read one, and
 * change one under compare-and-set; hold a per-resource lease. libs/store's DriftStore implements it over Redis; unit specs
 * give an in-memory one.
 */
export type DriftRecords = Pick<DriftStore, 'get' | 'update' | 'lease'>;

/** What those use cases ask the item ledger: an item's outcome, and whether newer items wait. */
export type ItemStates = Pick<ItemLedger, 'state' | 'pendingCount'>;

/**
 * The drift records as the evaluation uses them: a resource's open drift and any record, each
 * with its version (an opaque token owned by the store), and the atomic commit of a decision
 * (`save`: the record under compare-and-set on that version, the item's outcome and the audit
 * entry in one step; `commitWithoutRecord` when no record changes).
 */
export type DecisionRecords = Pick<DriftStore, 'openFor' | 'getVersioned' | 'save' | 'commitWithoutRecord' | 'update'>;

/** What the evaluation asks the item ledger: claim a resource's newest item, read items, record a failure for good. */
export type ItemClaims = Pick<ItemLedger, 'claimLatest' | 'claimMany' | 'event' | 'lastProcessed' | 'inFlight' | 'markFailed'>;

/** The audit entries a use case appends on its own (most are written with the record, by `save`). */
export type AuditAppend = Pick<AuditLog, 'append'>;
