import type {
  CandidateDifference,
  CloudTrailEvent,
  DifferenceDirection,
  DriftDiff,
  DriftDifference,
  JsonObject,
} from '@driftwarden/domain';
import type { AnalyzeContext, Analysis, CallChanges, DesiredResource, ResourceKind } from '@driftwarden/pipeline';
import { observedDifferences, type ObservedDetail } from './property-differences';

export const OBSERVED_KIND = 'observed';

/** How far after an item's capture time a call may be stamped and still have made its change (clock skew). */
const AFTER_CAPTURE_MS = 60_000;

/** Calls that read (CloudTrail read-only events): never the author of a change. */
const READ_ONLY = /^(Describe|Get|List|Lookup|Search|Head)[A-Z]/;

/** The record's `diff` of an observed resource. */
export interface ObservedDiff extends DriftDiff {
  /** What AWS Config says changed and is still so, one entry per property. */
  changes: ObservedDetail[];
}

/** Directions are not judged: driftwarden has no model of the type (see the README, "Observed resources"). */
export const OBSERVED_DIRECTION: DifferenceDirection = { axis: 'exposure', change: 'neutral', revert: 'neutral' };

/**
 * The catch-all kind (DESIGN §5 "observed"; issue 13): any resource a configured stack's Terraform
 * state holds whose Config type no other kind claims. Its differences are what AWS Config's own
 * diff says changed (`configurationItemDiff.changedProperties`), carried from item to item; they
 * are attributed like any other kind's (the CloudTrail call that made the item's change, else the
 * item), decided by the same freeze rules, and never reverted: a change during a freeze or by a
 * break-glass principal opens (or updates) one tracking issue per resource, otherwise it is
 * recorded and listed (`detected`).
 */
export class ObservedKind implements ResourceKind {
  readonly name = OBSERVED_KIND;
  /** None claimed: it takes the types no other kind claims. */
  readonly configTypes: readonly string[] = [];
  readonly catchAll = true;
  /** Any successful mutating call on the resource may have made a change (no list of calls for an unknown type). */
  readonly cloudTrailEventNames: readonly string[] = [];

  neverReverted(resourceType: string): string {
    return `driftwarden has no model of ${resourceType} and never reverts it; codify the change in Terraform or undo it by hand`;
  }

  analyze(_live: JsonObject | null, desired: DesiredResource, context: AnalyzeContext): Analysis {
    if (!context.item) throw new Error('the observed kind reads what changed from the Config item: analyze needs context.item');
    const differences = observedDifferences({
      item: context.item,
      ...(context.previous ? { previous: context.previous } : {}),
      ...(context.applied ? { applied: true } : {}),
    });
    const type = typeof desired.attributes['terraformType'] === 'string' ? ` (${String(desired.attributes['terraformType'])})` : '';
    return {
      diff: diffOfCandidates(differences),
      differences,
      changeWidensExposure: false,
      revertWidensExposure: false,
      explanations: [
        `${desired.address}${type} is managed by Terraform stack ${desired.stack}, but no resource kind models its type: driftwarden reports what AWS Config says changed and never reverts it`,
        ...differences.map((d) => d.sentence),
      ],
    };
  }

  /**
   * Which differences each call made: the differences of the newest change (one Config item), made
   * by the successful mutating calls on the resource between the previous change driftwarden saw
   * and the item's capture. Which property a call set is unknown for a type without a model, so
   * every such call touches all of them: calls by two principals make them unattributable (fail closed).
   */
  callChanges(
    events: readonly CloudTrailEvent[],
    _desired: DesiredResource,
    context: { resourceId: string; differences?: readonly CandidateDifference[] },
  ): Map<string, CallChanges | null> {
    const details = (context.differences ?? []).map((d) => ({ d, detail: d.detail as unknown as ObservedDetail }));
    const newest = details.reduce<string | null>(
      (a, x) => (a === null || Date.parse(x.detail.capturedAt) > Date.parse(a) ? x.detail.capturedAt : a),
      null,
    );
    const current = details.filter((x) => x.detail.capturedAt === newest);
    const out = new Map<string, CallChanges | null>();
    for (const e of events) {
      const t = Date.parse(e.eventTime);
      const inWindow = current.filter(
        (x) => t <= Date.parse(x.detail.capturedAt) + AFTER_CAPTURE_MS && (x.detail.since === undefined || t > Date.parse(x.detail.since)),
      );
      if (e.errorCode || READ_ONLY.test(e.eventName) || inWindow.length === 0) {
        out.set(e.eventId, null);
        continue;
      }
      out.set(e.eventId, {
        added: inWindow.filter((x) => x.d.side !== 'removed').map((x) => x.d.key),
        removed: inWindow.filter((x) => x.d.side !== 'added').map((x) => x.d.key),
      });
    }
    return out;
  }

  directions(groups: readonly (readonly CandidateDifference[])[]): Map<string, DifferenceDirection> {
    return new Map(groups.flat().map((d) => [d.id, OBSERVED_DIRECTION]));
  }

  diffOf(differences: readonly DriftDifference[]): ObservedDiff {
    return diffOfCandidates(differences);
  }
}

function diffOfCandidates(differences: readonly Pick<CandidateDifference, 'detail'>[]): ObservedDiff {
  return { equal: differences.length === 0, changes: differences.map((d) => d.detail as unknown as ObservedDetail) };
}
