import type { DifferenceDirection, FreezeEvidence, PolicyAction, PolicyJudgement, PrincipalClass } from '@driftwarden/domain';

/** A difference as policies see it (`resource.differences`, `context.difference`). */
export interface PolicyDifference {
  id: string;
  sentence: string;
  side: string;
  direction: DifferenceDirection;
  /** The class of the principal that made it. */
  madeBy: PrincipalClass;
}

/**
 * Everything a policy is evaluated on (issue 16 §4): principal = who made the change, resource =
 * the resource with its kind, tags, account, region and differences, context = the freeze, the
 * incident and the time. The action is the decision being asked about.
 */
export interface PolicyRequest {
  principal: { arn: string | null; class: PrincipalClass; session?: string };
  resource: {
    type: string;
    /** The resource kind's name (e.g. `security-group`); the Config type when no kind handles it. */
    kind: string;
    id: string;
    account: string;
    region: string;
    tags: Record<string, string>;
    critical: boolean;
    stack?: string;
    address?: string;
    differences: PolicyDifference[];
  };
  /** The difference this decision is about (absent for a decision about the whole resource). */
  difference?: PolicyDifference;
  /** The decision table's row. */
  rule: number | null;
  freeze: FreezeEvidence;
  /**
   * The incident the decision is made under, if any: `open` when an incident freezes the resource
   * now; else the one open when the change was made (then `open: false`: resolved or in cooldown).
   */
  incident: { provider: string; id: string; title: string; open: boolean } | null;
  /** Decision time. */
  at: Date;
  dryRun: boolean;
}

/**
 * The policies (`policies.files`): asked, rung by rung, whether a decision of the table is
 * allowed. Synchronous and pure CPU: the policy gate in the domain calls it while deciding.
 */
export abstract class PolicyPort {
  abstract check(request: PolicyRequest, action: PolicyAction): PolicyJudgement;
  /** How many policies are loaded (0: the gate is a no-op). */
  abstract get size(): number;
}

/** No policies configured: every decision of the table stands. */
export class NoPolicies extends PolicyPort {
  check(): PolicyJudgement {
    return { forbidden: false, matched: [] };
  }
  get size(): number {
    return 0;
  }
}
