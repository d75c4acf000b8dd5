/**
 * Guardrails as policy (issue 16 §4): user policies are evaluated AFTER the decision table and can
 * only make its decision stricter, never looser, so the safety rules of DESIGN §4 stay invariant.
 *
 * Each decision a policy can act on sits on a ladder of stricter ones:
 *
 *   revert   → await_approval → hold
 *   backport → tracking_issue → hold
 *
 * A policy forbids a rung (in Cedar: `forbid(principal, action == Action::"revert", resource) …`);
 * the gate then asks about the next stricter rung, and so on. `hold` is the floor: it is never
 * asked about and cannot be forbidden. The gate never asks about, and so can never reach, a rung
 * looser than the table's decision. `ignore` and `noop` (rules 1–2 and the pre-checks) are not
 * remediation decisions and are not gated; neither is a human's decision (approve, adopt, reject).
 *
 * Pure: the policy engine comes in as a function (the pipeline's PolicyPort).
 */
import type { Decision, DecisionAction } from './decide';

/** A decision as policies see it: `tracking_issue` is a backport that opens an issue instead of a pull request. */
export type PolicyAction = 'revert' | 'await_approval' | 'backport' | 'tracking_issue' | 'hold';

export const POLICY_ACTIONS: readonly PolicyAction[] = ['revert', 'await_approval', 'backport', 'tracking_issue', 'hold'];

/** The next stricter decision when a policy forbids one; null for the floor. */
export const STRICTER: Readonly<Record<PolicyAction, PolicyAction | null>> = {
  revert: 'await_approval',
  await_approval: 'hold',
  backport: 'tracking_issue',
  tracking_issue: 'hold',
  hold: null,
};

/** How strict a decision is: 0 acts unattended, 1 needs a human (or a person to write the code), 2 does nothing. */
export function strictness(action: PolicyAction): number {
  switch (action) {
    case 'revert':
    case 'backport':
      return 0;
    case 'await_approval':
    case 'tracking_issue':
      return 1;
    case 'hold':
      return 2;
  }
}

/** The decisions a policy may reach from `proposed`: itself and every stricter rung of its ladder. */
export function reachableFrom(proposed: PolicyAction): PolicyAction[] {
  const out: PolicyAction[] = [];
  for (let a: PolicyAction | null = proposed; a !== null; a = STRICTER[a]) out.push(a);
  return out;
}

/** A policy that forbade a decision: its id, where it is written (`file:line`), and an evaluation error if it failed. */
export interface PolicyMatch {
  id: string;
  source: string;
  /** The policy could not be evaluated: counted as forbidding (fail closed). */
  error?: string;
}

/** What the policies say about one decision. */
export interface PolicyJudgement {
  forbidden: boolean;
  /** The policies that forbade it (empty when allowed). */
  matched: PolicyMatch[];
}

/** Asks the policies about one rung of the ladder. */
export type PolicyCheck = (action: PolicyAction) => PolicyJudgement;

/** What the policies did to a decision: recorded on the decision, the difference and in the audit. */
export interface DecisionPolicy {
  /** The decision of the table. */
  proposed: PolicyAction;
  /** The decision after the policies (strictly stricter than `proposed`). */
  outcome: PolicyAction;
  /** Every policy that forbade a rung on the way, in order. */
  matched: PolicyMatch[];
}

/** The table's decisions a policy can act on (`hold` is the floor: nothing to ask). */
export function isGated(action: DecisionAction | string): action is 'revert' | 'await_approval' | 'backport' {
  return action === 'revert' || action === 'await_approval' || action === 'backport';
}

/**
 * Walks down the ladder from `proposed` while the policies forbid the rung. Null when the first
 * rung is allowed (the policies changed nothing). The result is always on `proposed`'s ladder:
 * stricter-only by construction, whatever `check` answers.
 */
export function gate(proposed: PolicyAction, check: PolicyCheck): DecisionPolicy | null {
  const matched: PolicyMatch[] = [];
  let current: PolicyAction = proposed;
  for (;;) {
    const next = STRICTER[current];
    if (next === null) break; // the floor is never asked about
    const judgement = check(current);
    if (!judgement.forbidden) break;
    // A "forbidden" answer that names no policy is still a denial (fail closed), recorded as such.
    matched.push(...(judgement.matched.length > 0 ? judgement.matched : [{ id: '(unnamed)', source: 'unknown' }]));
    current = next;
  }
  return current === proposed ? null : { proposed, outcome: current, matched };
}

const OUTCOME_TEXT: Record<PolicyAction, string> = {
  revert: 'revert',
  await_approval: 'needs human approval',
  backport: 'backport pull request',
  tracking_issue: 'tracking issue instead of a pull request',
  hold: 'held',
};

/** The decision action a policy outcome is recorded as (`tracking_issue` stays a backport, opened as an issue). */
export function actionOf(outcome: PolicyAction): 'revert' | 'await_approval' | 'backport' | 'hold' {
  return outcome === 'tracking_issue' ? 'backport' : outcome;
}

/** The sentence added to a decision's reason. */
export function policyReason(policy: DecisionPolicy): string {
  const ids = [...new Set(policy.matched.map((m) => `${m.id} (${m.source}${m.error ? `, failed: ${m.error}` : ''})`))];
  return `policy ${ids.join(', ')} forbids ${policy.proposed.replace('_', ' ')}: ${OUTCOME_TEXT[policy.outcome]}`;
}

/**
 * Applies the policies to a decision of the table. Only `revert`, `await_approval` and `backport`
 * are gated; everything else is returned as it is.
 */
export function applyPolicies<D extends { action: string; reason: string }>(
  decision: D,
  check: PolicyCheck,
): D & { policy?: DecisionPolicy } {
  if (!isGated(decision.action)) return decision;
  const policy = gate(decision.action, check);
  if (!policy) return decision;
  return { ...decision, action: actionOf(policy.outcome), reason: `${decision.reason}; ${policyReason(policy)}`, policy };
}

/** A whole-resource decision of the table after the policies. */
export type GatedDecision = Decision & { policy?: DecisionPolicy };
