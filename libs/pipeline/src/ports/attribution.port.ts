import type { CandidateDifference, CloudTrailEvent, ConfigItemEvent, DifferenceAttribution, DriftPrincipal } from '@driftwarden/domain';
import type { CallChanges } from './resource-kind.port';

export interface Attribution {
  principal: DriftPrincipal;
  /** CloudTrail eventTime of the call that made the change, else the item's capture time. */
  changedAt: string;
  cloudTrailEventId?: string;
  /** How the principal was found. */
  source: 'cloudtrail-event' | 'cloudtrail-lookup' | 'none';
}

/**
 * Per-change attribution (DESIGN §4 "Differences and who made them"): for each difference, the
 * CloudTrail call whose request names it, else the Config item in which it first appeared
 * (then `unattributable` says why). `callChanges` maps the candidate calls to what they changed,
 * in the kind's keys. Waiting for CloudTrail's delivery lag is the adapter's business (it throws a
 * TransientError with `attribution_pending` while a young change has no call yet).
 */
export type CallChangesOf = (events: readonly CloudTrailEvent[]) => Map<string, CallChanges | null>;

export abstract class AttributionPort {
  /** The call that made the item's change as a whole: the latest successful mutating call on the resource. */
  abstract attribute(item: ConfigItemEvent): Promise<Attribution>;

  /**
   * Who made each difference (see the type's comment). `known`: differences the record already
   * attributed; they are attributed again only to tell whether a newer call re-made them (so
   * they never make the evaluation wait for CloudTrail, nor call LookupEvents).
   */
  abstract attributeDifferences(
    item: ConfigItemEvent,
    differences: readonly CandidateDifference[],
    callChanges: CallChangesOf,
    options?: { known?: ReadonlySet<string> },
  ): Promise<Map<string, DifferenceAttribution>>;
}
