import type { JsonObject } from '@driftwarden/domain';

/** Where resources live: an account and region. */
export interface LiveLocation {
  account: string;
  region: string;
}

/** The managed resources of one Config type in one location (what the sweep compares with live). */
export interface ManagedBatchSource {
  location: LiveLocation;
  /** The Config type, e.g. `AWS::EC2::SecurityGroup`. */
  type: string;
  /** Resource ids the state index holds for this type and location, sorted. */
  ids: string[];
}

/** One resource to read live. */
export interface LiveRef {
  location: LiveLocation;
  type: string;
  id: string;
}

/**
 * One unit of live reading: resources read together (one or a few API calls), and the key of the
 * rate limit their calls count against (`account/region` for per-account describe calls, the
 * aggregator for Config's aggregator).
 */
export interface LiveBatch {
  limiter: string;
  /** The limiter's rate (API calls per second); absent: `reconcile.callsPerSecond`. */
  callsPerSecond?: number;
  resources: LiveRef[];
}

/** One resource as it is live, in the shape a Config item has (what ResourceKind.analyze reads). */
export interface LiveResource {
  id: string;
  arn?: string;
  /** False when the resource was not found (deleted out of band). */
  exists: boolean;
  /** The Config-item-shaped configuration; null when it does not exist. */
  configuration: JsonObject | null;
  /** The Config item's `supplementaryConfiguration` (an S3 bucket's public access block), when the kind reads one. */
  supplementaryConfiguration?: Record<string, unknown>;
  /** The resource's tags (for the ignore tag, critical tags and freeze scopes). */
  tags: Record<string, string>;
  /**
   * When this configuration was recorded (Config's capture time, read through the aggregator);
   * absent: read live just now. A configuration no newer than the item the controller last
   * processed is not fed (Config's copy lags: the controller may already know better).
   */
  capturedAt?: string;
  /**
   * Set when this one resource could not be read (e.g. Config's aggregator does not record it):
   * it is neither compared nor fed, and counts as an error of the sweep.
   */
  unreadable?: string;
}

/** Before every API call a reader makes: waits for the rate limit of the batch's limiter. */
export type Pace = () => Promise<void>;

/**
 * What the reconciling sweep reads (issue 17 §2): the managed resources of every kind that can
 * describe itself live, split into batches, and their live configuration. A kind without the
 * hook is left out of the sweep (its drift is only seen through events).
 */
export abstract class LiveStatePort {
  /** Every location and type with managed resources of a kind that can describe itself live. */
  abstract managed(): Promise<ManagedBatchSource[]>;
  /** The batches to read `sources` in (each within what one read takes). */
  abstract plan(sources: readonly ManagedBatchSource[]): LiveBatch[];
  /**
   * The live configuration of one batch, one answer per resource in the batch's order (`exists:
   * false` when it is gone). `pace` is awaited before every API call. Throws classified errors
   * (TransientError on throttling, 5xx and timeouts; PermanentError) for the batch as a whole.
   */
  abstract describe(batch: LiveBatch, pace: Pace): Promise<LiveResource[]>;
}

/** Splits sources into batches of at most `size(type)` resources of one type and location, limited per account and region. */
export function perLocationBatches(sources: readonly ManagedBatchSource[], size: (type: string) => number): LiveBatch[] {
  const out: LiveBatch[] = [];
  for (const s of sources) {
    const n = Math.max(1, size(s.type));
    for (let i = 0; i < s.ids.length; i += n) {
      out.push({
        limiter: `${s.location.account}/${s.location.region}`,
        resources: s.ids.slice(i, i + n).map((id) => ({ location: s.location, type: s.type, id })),
      });
    }
  }
  return out;
}
