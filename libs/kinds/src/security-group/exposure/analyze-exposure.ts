/**
 * Exposure analysis (DESIGN.md §4 rules 3-5, §5): what the live change did to exposure, and what
 * reverting it would do, operation by operation, in plain English.
 *
 * - The change (desired → live): each `extra` rule was authorized, each `missing` rule revoked.
 * - The revert (live → desired): each `extra` rule is revoked, each `missing` rule authorized.
 *
 * Rules:
 * - a revoke never widens exposure;
 * - an authorize widens exposure unless one of the rules it replaces (revoked by the same change
 *   or revert, same direction) already allowed everything it allows. So re-narrowing a CIDR or
 *   port range does not widen; opening a new port, a new source, or a CIDR or port range wider
 *   than the one it replaces does. Rules the diff does not mention are not consulted, which can
 *   only over-report widening (fail closed);
 * - public = the peer is a whole address family (`0.0.0.0/0`, `::/0`).
 */
import { isPublicCidr } from '../model/cidr';
import { canonicalRuleKey, canonicalizeRule } from '../model/rule';
import { CoverageIndex } from './coverage';
import { type PermissionRule, type RulePeer, describePeer, describePermissionRule, describePorts } from '../model/permission-rule';

export type ExposureAction = 'authorize' | 'revoke';

export interface ExposureOperation {
  action: ExposureAction;
  rule: PermissionRule;
  /** The operation lets more traffic in (ingress) or out (egress) than before. */
  widens: boolean;
  /** The rule's peer is the whole internet (0.0.0.0/0 or ::/0). */
  public: boolean;
  /** For an authorize: the replaced (revoked) rules it is wider than. */
  widerThan: PermissionRule[];
  /** For an authorize that does not widen: the replaced rules that already allowed it. */
  coveredBy: PermissionRule[];
  /** E.g. `would re-open tcp/8080 to the internet (0.0.0.0/0) on sg-0abc… (module.net.aws_security_group.workers)`. */
  explanation: string;
}

export interface ExposureContext {
  /** The security group the rules belong to. */
  groupId: string;
  /** Its Terraform address, for the explanations. */
  address?: string;
  /** The group's own id, to describe self-references ("its own members"); defaults to `groupId`. */
  selfGroupId?: string;
}

export interface ExposureAnalysis {
  /** What the live change did: `extra` authorized, `missing` revoked. */
  change: ExposureOperation[];
  /** What a revert would do: `extra` revoked, `missing` authorized. */
  revert: ExposureOperation[];
  /** The live change opened something: some `extra` rule widened exposure. */
  changeWidensExposure: boolean;
  /** Reverting would open something: some `missing` rule widens exposure when re-authorized. */
  revertWidensExposure: boolean;
  /** Some operation of the change / revert involves a public peer and widens. */
  changeOpensToInternet: boolean;
  revertOpensToInternet: boolean;
  /** The explanations joined with `; ` (or `no rule changes`). */
  changeSummary: string;
  revertSummary: string;
}

type Phase = 'change' | 'revert';

const VERBS: Record<Phase, Record<ExposureAction, string>> = {
  change: { authorize: 'opened', revoke: 'closed' },
  revert: { authorize: 'would re-open', revoke: 'would close' },
};

function isPublicPeer(peer: RulePeer): boolean {
  return (peer.kind === 'ipv4' || peer.kind === 'ipv6') && isPublicCidr(peer.cidr);
}

function peerText(peer: RulePeer, action: ExposureAction, selfGroupId: string): string {
  if (peer.kind === 'securityGroup' && peer.groupId === selfGroupId) return `its own members (security group ${peer.groupId})`;
  if (action === 'authorize' && isPublicPeer(peer)) return `the internet (${describePeer(peer)})`;
  return describePeer(peer);
}

function ruleText(rule: PermissionRule, action: ExposureAction, selfGroupId: string): string {
  const ports = describePorts(rule);
  const peer = peerText(rule.peer, action, selfGroupId);
  return rule.direction === 'ingress' ? `${ports} to ${peer}` : `outbound ${ports} to ${peer}`;
}

/** The part of `other` that differs from `rule`: its peer, its ports, or the whole rule. */
function relativeText(rule: PermissionRule, other: PermissionRule): string {
  const samePorts = rule.protocol === other.protocol && rule.fromPort === other.fromPort && rule.toPort === other.toPort;
  if (samePorts) return describePeer(other.peer);
  const samePeer = describePeer(rule.peer) === describePeer(other.peer);
  if (samePeer) return describePorts(other);
  return describePermissionRule(other);
}

interface PhaseContext {
  groupId: string;
  selfGroupId: string;
  address?: string;
}

function analyzePhase(
  phase: Phase,
  authorize: readonly PermissionRule[],
  revoke: readonly PermissionRule[],
  context: PhaseContext,
): ExposureOperation[] {
  const where = ` on ${context.groupId}${context.address ? ` (${context.address})` : ''}`;
  const revokedIndex = new CoverageIndex(revoke);
  const authorizedIndex = new CoverageIndex(authorize);

  // Which replaced rules each authorize is wider than (authorize ⊇ revoked rule).
  const widerThan = new Map<PermissionRule, PermissionRule[]>();
  for (const revoked of revoke) {
    for (const wider of authorizedIndex.covering(revoked)) {
      const list = widerThan.get(wider);
      if (list) list.push(revoked);
      else widerThan.set(wider, [revoked]);
    }
  }

  const operations: ExposureOperation[] = [];
  for (const rule of authorize) {
    const coveredBy = revokedIndex.covering(rule);
    const widens = coveredBy.length === 0;
    const wider = widens ? (widerThan.get(rule) ?? []) : [];
    let explanation = `${VERBS[phase].authorize} ${ruleText(rule, 'authorize', context.selfGroupId)}`;
    const [firstWider] = wider;
    const [firstCover] = coveredBy;
    if (firstWider) explanation += ` (wider than ${relativeText(rule, firstWider)})`;
    else if (firstCover) explanation += ` (narrower than ${relativeText(rule, firstCover)}, which it replaces)`;
    operations.push({
      action: 'authorize',
      rule,
      widens,
      public: isPublicPeer(rule.peer),
      widerThan: wider,
      coveredBy,
      explanation: explanation + where,
    });
  }
  for (const rule of revoke) {
    operations.push({
      action: 'revoke',
      rule,
      widens: false,
      public: isPublicPeer(rule.peer),
      widerThan: [],
      coveredBy: [],
      explanation: `${VERBS[phase].revoke} ${ruleText(rule, 'revoke', context.selfGroupId)}${where}`,
    });
  }
  return operations;
}

function canonicalUnique(rules: readonly PermissionRule[]): PermissionRule[] {
  const seen = new Set<string>();
  const out: PermissionRule[] = [];
  for (const rule of rules) {
    const canonical = canonicalizeRule(rule);
    const key = canonicalRuleKey(canonical);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(canonical);
  }
  return out;
}

function summary(operations: readonly ExposureOperation[]): string {
  return operations.length === 0 ? 'no rule changes' : operations.map((op) => op.explanation).join('; ');
}

/** Exposure effect of a live-vs-desired diff, for the change itself and for its revert. */
export function analyzeExposure(
  diff: { extra: readonly PermissionRule[]; missing: readonly PermissionRule[] },
  context: ExposureContext,
): ExposureAnalysis {
  const ctx: PhaseContext = { groupId: context.groupId, selfGroupId: context.selfGroupId ?? context.groupId };
  if (context.address !== undefined) ctx.address = context.address;
  const extra = canonicalUnique(diff.extra);
  const missing = canonicalUnique(diff.missing);
  const change = analyzePhase('change', extra, missing, ctx);
  const revert = analyzePhase('revert', missing, extra, ctx);
  return {
    change,
    revert,
    changeWidensExposure: change.some((op) => op.widens),
    revertWidensExposure: revert.some((op) => op.widens),
    changeOpensToInternet: change.some((op) => op.widens && op.public),
    revertOpensToInternet: revert.some((op) => op.widens && op.public),
    changeSummary: summary(change),
    revertSummary: summary(revert),
  };
}
