import type { CandidateDifference, CloudTrailEvent, DifferenceDirection, DriftDiff, JsonObject } from '@driftwarden/domain';
import type { DesiredResource } from './desired-state.port';

/** What comparing live with desired tells the decision engine. */
export interface Analysis {
  diff: DriftDiff;
  /** The same diff as differences (DESIGN §4), each with a stable id, its side and a sentence. */
  differences: CandidateDifference[];
  /** The live change opened a door (live is wider than desired). */
  changeWidensExposure: boolean;
  /** Reverting would open a door (an authorize to a source). */
  revertWidensExposure: boolean;
  /** Plain-English lines, e.g. "would re-open tcp/8080 to the internet (0.0.0.0/0) on sg-…". */
  explanations: string[];
}

/**
 * What one CloudTrail call did to a resource, in the kind's difference keys
 * (`CandidateDifference.key`-less ids: the id without its side).
 */
export interface CallChanges {
  /** Keys of what the call added (or set: the new value). */
  added: string[];
  /** Keys of what the call removed (or replaced: the old value). */
  removed: string[];
  /**
   * The call removed something it names by an id the controller cannot resolve (e.g. a
   * security-group rule revoked by `sgr-…` only): a removal it might explain cannot be
   * attributed to one change.
   */
  opaqueRemoval?: string;
  /** The call removed (deleted) or created the whole resource. */
  all?: 'added' | 'removed';
}

/** One per remediable resource type (first: AWS::EC2::SecurityGroup). */
export interface ResourceAnalyzer {
  readonly resourceType: string;
  analyze(live: JsonObject | null, desired: DesiredResource, context: { resourceId: string }): Analysis;
  /**
   * What each call changed (per-change attribution, DESIGN §4): null for a call that changes
   * nothing this kind diffs (e.g. a description update). The calls are given together so that a
   * kind can resolve ids one call names from another (a rule created by one, revoked by id later).
   */
  callChanges(events: readonly CloudTrailEvent[], desired: DesiredResource, context: { resourceId: string }): Map<string, CallChanges | null>;
  /**
   * The direction of each difference, judged within the change that made it: the differences
   * come grouped by their change (a group per CloudTrail call; an unattributed difference alone),
   * so a change that narrows a rule (revokes the wide one, authorizes the narrow one) does not
   * widen, while another principal's new rule is not covered by someone else's revoke.
   */
  directions(groups: readonly (readonly CandidateDifference[])[], desired: DesiredResource, context: { resourceId: string }): Map<string, DifferenceDirection>;
}

/** The analyzers the controller knows; a type without one is "unsupported" (recorded as ignored). */
export abstract class ResourceAnalyzers {
  abstract forType(resourceType: string): ResourceAnalyzer | undefined;
}

export class AnalyzerRegistry extends ResourceAnalyzers {
  private readonly byType = new Map<string, ResourceAnalyzer>();

  constructor(analyzers: ResourceAnalyzer[] = []) {
    super();
    for (const a of analyzers) this.byType.set(a.resourceType, a);
  }

  forType(resourceType: string): ResourceAnalyzer | undefined {
    return this.byType.get(resourceType);
  }

  get size(): number {
    return this.byType.size;
  }
}
