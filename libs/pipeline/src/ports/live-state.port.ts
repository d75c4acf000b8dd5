import type { JsonObject } from '@driftwarden/domain';

/** Where resources live: the unit of batching and rate limiting of the reconciling sweep. */
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

/** One resource as it is live, in the shape a Config item's `configuration` has (what ResourceKind.analyze reads). */
export interface LiveResource {
  id: string;
  arn?: string;
  /** False when the resource was not found (deleted out of band). */
  exists: boolean;
  /** The Config-item-shaped configuration; null when it does not exist. */
  configuration: JsonObject | null;
  /** The resource's tags (for the ignore tag, critical tags and freeze scopes). */
  tags: Record<string, string>;
}

/**
 * What the reconciling sweep reads (issue 17 §2): the managed resources of every kind that can
 * describe itself live, and their live configuration in batches. A kind without the hook is left
 * out of the sweep (its drift is only seen through events).
 */
export abstract class LiveStatePort {
  /** Every location and type with managed resources of a kind that can describe itself live. */
  abstract managed(): Promise<ManagedBatchSource[]>;
  /** The largest number of ids `describe` takes at once for this type. */
  abstract batchSize(type: string): number;
  /**
   * The live configuration of a batch of resources of one type in one location (one or a few
   * API calls). Every id asked for is answered (`exists: false` when it is gone). Throws the
   * kind's classified errors (TransientError, WaitError on throttling, PermanentError).
   */
  abstract describe(location: LiveLocation, type: string, ids: readonly string[]): Promise<LiveResource[]>;
}
