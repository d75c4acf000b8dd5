import type {
  CandidateDifference,
  CloudTrailEvent,
  ConfigItemEvent,
  DifferenceDirection,
  DriftDiff,
  DriftDifference,
  JsonObject,
} from '@driftwarden/domain';
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

/** What `analyze` is told besides live and desired. */
export interface AnalyzeContext {
  resourceId: string;
  /**
   * The Config item being decided on (its `propertyChanges`, status, capture time): a kind that
   * reads what changed from the item itself (the catch-all `observed` kind) needs it.
   */
  item?: Pick<ConfigItemEvent, 'eventId' | 'captureTime' | 'status' | 'changeType' | 'propertyChanges' | 'configurationStateId'>;
  /** The differences the resource's open drift records (the catch-all kind carries them forward). */
  previous?: readonly DriftDifference[];
  /** The item's change is an IaC apply (rule 1): what it changed now matches the code. */
  applied?: boolean;
  /**
   * The item's `supplementaryConfiguration`, for kinds whose state lives there (an S3 bucket's
   * public access block); values may be objects or JSON strings, as Config sent them.
   */
  supplementaryConfiguration?: Record<string, unknown>;
}

/**
 * A resource kind as the pipeline sees it (DESIGN §5 "Resource kinds"; the seam every kind plugs
 * into, see docs/adding-a-resource-kind.md): the Config types it handles, the CloudTrail calls
 * that change it, and how live compares with desired as differences with directions. The other
 * parts of a kind (desired state from Terraform state, the revert executor, the HCL editor) are
 * reached through the DesiredStatePort, RemediationPort and BackportPort adapters, which dispatch
 * on the kind too. The pipeline never names a particular kind.
 */
export interface ResourceKind {
  /** e.g. `security-group`: names the kind in records (`resource.kind`), filters and messages. */
  readonly name: string;
  /** The AWS Config resource types this kind handles, e.g. `AWS::EC2::SecurityGroup`. */
  readonly configTypes: readonly string[];
  /**
   * The catch-all kind (at most one: `observed`): it handles every Config type no other kind
   * claims, but only for a resource a configured stack's Terraform state holds (otherwise the
   * type counts as unsupported, DESIGN §4 pre-checks).
   */
  readonly catchAll?: boolean;
  /**
   * Why this kind never reverts anything (the catch-all kind: no model of the type), or absent:
   * where the decision table says revert or await approval, a difference is observed instead
   * (recorded and listed as `detected`), and says why.
   */
  neverReverted?(resourceType: string): string;
  /** The CloudTrail calls (`eventName`) that change resources of this kind: attribution reads only these. */
  readonly cloudTrailEventNames: readonly string[];
  /** Live (the Config item's configuration) against desired: the diff and its differences. */
  analyze(live: JsonObject | null, desired: DesiredResource, context: AnalyzeContext): Analysis;
  /**
   * What each call changed (per-change attribution, DESIGN §4): null for a call that changes
   * nothing this kind diffs (e.g. a description update). The calls are given together so that a
   * kind can resolve ids one call names from another (a rule created by one, revoked by id later).
   */
  callChanges(
    events: readonly CloudTrailEvent[],
    desired: DesiredResource,
    context: { resourceId: string; differences?: readonly CandidateDifference[] },
  ): Map<string, CallChanges | null>;
  /**
   * The direction of each difference, judged within the change that made it: the differences
   * come grouped by their change (a group per CloudTrail call; an unattributed difference alone),
   * so a change that narrows a rule (revokes the wide one, authorizes the narrow one) does not
   * widen, while another principal's new rule is not covered by someone else's revoke.
   */
  directions(
    groups: readonly (readonly CandidateDifference[])[],
    desired: DesiredResource,
    context: { resourceId: string },
  ): Map<string, DifferenceDirection>;
  /** The record's `diff` for these differences (what is left after some were reverted), in the kind's shape. */
  diffOf(differences: readonly DriftDifference[]): DriftDiff;
  /**
   * Why this difference is never reverted unattended (e.g. it needs the instance stopped), or
   * null: a `revert` decision for it becomes `await_approval` with the reason. Optional: a kind
   * without it may revert every difference the decision table says to.
   */
  revertNeedsHuman?(difference: CandidateDifference, desired: DesiredResource): string | null;
}

/** The kinds the controller knows; a Config type without one is "unsupported" (recorded as ignored). */
export abstract class ResourceKinds {
  abstract forType(configType: string): ResourceKind | undefined;
  abstract all(): readonly ResourceKind[];
}

/** The one place kinds are listed: the wiring registers them here. */
export class KindRegistry extends ResourceKinds {
  private readonly byType = new Map<string, ResourceKind>();
  private readonly kinds: ResourceKind[] = [];
  private readonly catchAll: ResourceKind | undefined;

  constructor(kinds: readonly ResourceKind[] = []) {
    super();
    let catchAll: ResourceKind | undefined;
    for (const kind of kinds) {
      if (this.kinds.some((k) => k.name === kind.name)) throw new Error(`resource kind "${kind.name}" is registered twice`);
      if (kind.catchAll) {
        if (catchAll) throw new Error(`two catch-all resource kinds: ${catchAll.name} and ${kind.name}`);
        catchAll = kind;
      }
      for (const type of kind.configTypes) {
        const other = this.byType.get(type);
        if (other) throw new Error(`Config type ${type} is claimed by two kinds: ${other.name} and ${kind.name}`);
        this.byType.set(type, kind);
      }
      this.kinds.push(kind);
    }
    this.catchAll = catchAll;
  }

  /** The kind claiming the type, else the catch-all kind (which still needs the resource to be in a stack's state). */
  forType(configType: string): ResourceKind | undefined {
    return this.byType.get(configType) ?? this.catchAll;
  }

  all(): readonly ResourceKind[] {
    return this.kinds;
  }

  /** Every kind's CloudTrail calls (what the shared LookupEvents walk keeps). */
  cloudTrailEventNames(): ReadonlySet<string> {
    return new Set(this.kinds.flatMap((k) => k.cloudTrailEventNames));
  }
}
