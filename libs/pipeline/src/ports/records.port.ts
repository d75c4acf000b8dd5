import type { DriftStore, ItemLedger } from '@driftwarden/store';

/**
 * The drift records as the side-effect use cases (remediate, backport) use them: read one, and
 * change one under compare-and-set; hold a per-resource lease. libs/store's DriftStore implements it over Redis; unit specs
 * give an in-memory one.
 */
export type DriftRecords = Pick<DriftStore, 'get' | 'getRaw' | 'update' | 'lease'>;

/** What those use cases ask the item ledger: an item's outcome, and whether newer items wait. */
export type ItemStates = Pick<ItemLedger, 'state' | 'pendingCount'>;
