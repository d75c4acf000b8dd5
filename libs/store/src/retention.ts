/**
 * How long the stores keep what they write (config `retention`, README "Retention"). Seconds,
 * because Redis expiries are; the controller converts the configured durations once.
 */
export interface StoreRetention {
  /** The duplicate window: item ledger entries, event ids of other events, pending sets. */
  itemSeconds: number;
  /**
   * A resource's hash and its latest decided item once the resource has nothing open (while it
   * has an open drift both are kept without expiry, so a held drift can be decided again however
   * long its freeze lasts).
   */
  resourceSeconds: number;
  /** Drift records that ended other than `ignored`, from their last change. */
  closedDriftSeconds: number;
  /** Drift records that ended `ignored`, from their last change. */
  ignoredDriftSeconds: number;
  /** CloudTrail calls and their per-resource indexes. */
  cloudTrailSeconds: number;
  /** The audit stream is trimmed to about this many entries on every append (`MAXLEN ~`). */
  auditMaxEntries: number;
  /** Audit entries older than this are trimmed by the scheduler's sweep. */
  auditMaxAgeSeconds: number;
  /** The newest quarantined messages kept. */
  quarantineMaxEntries: number;
}

const DAY = 24 * 3600;

/** The defaults of config `retention` (see libs/config), for stores built without a config (tests, tools). */
export const DEFAULT_STORE_RETENTION: Readonly<StoreRetention> = Object.freeze({
  itemSeconds: 14 * DAY,
  resourceSeconds: 14 * DAY,
  closedDriftSeconds: 30 * DAY,
  ignoredDriftSeconds: 7 * DAY,
  cloudTrailSeconds: 3 * DAY,
  auditMaxEntries: 1_000_000,
  auditMaxAgeSeconds: 90 * DAY,
  quarantineMaxEntries: 10_000,
});

export function storeRetention(overrides: Partial<StoreRetention> = {}): StoreRetention {
  const r = { ...DEFAULT_STORE_RETENTION, ...overrides };
  for (const [key, value] of Object.entries(r)) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`store retention ${key} must be a whole number of at least 1, found ${String(value)}`);
  }
  return r;
}

/**
 * A retention at least until `until` (an exception's end: when it lapses the resource is decided
 * again on its latest item, so that item, its resource hash and its `ignored` record must still
 * be there) plus a day for the scheduler to get to it.
 */
export function secondsUntil(until: string | undefined, nowMs: number, atLeast: number): number {
  if (!until) return atLeast;
  const t = Date.parse(until);
  if (!Number.isFinite(t)) return atLeast;
  return Math.max(atLeast, Math.ceil((t - nowMs) / 1000) + DAY);
}
