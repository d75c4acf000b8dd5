/**
 * A drift is a set of differences (DESIGN §4 "Differences and who made them"). Each difference
 * is attributed to the change that made it and decided on its own: a backport codifies only the
 * differences made by emergency changes; every other difference keeps its own decision (held,
 * awaiting approval, reverted) and its `suspicious` flag until it is gone or a human decided it.
 *
 * Pure data and pure functions: no I/O, no clock (times come in as arguments).
 */
import { decide, type DecisionAction, type DecisionFlag, type DecisionInput, type DecisionRule } from '../decision/decide';
import type { DecisionPolicy } from '../decision/policy-gate';
import type { DriftPrincipal, JsonObject } from './drift-record';
import type { DriftStatus } from './drift-status';

/** What live has compared with the code: something the change added, removed, or changed in place. */
export type DifferenceSide = 'added' | 'removed' | 'changed';

/** The axis a kind's differences move along (DESIGN §5 "Directions"). */
export type DirectionAxis = 'exposure' | 'capacity' | 'protection';

/**
 * The effect of a change (or of reverting it) along its axis. `widens`/`lowers`/`weakens` are
 * the risky ones: a live change with that effect is not an emergency patch unless a break-glass
 * principal made it, and a revert with that effect needs a human.
 */
export type DirectionEffect = 'widens' | 'narrows' | 'raises' | 'lowers' | 'weakens' | 'strengthens' | 'neutral';

export const RISKY_EFFECTS: ReadonlySet<DirectionEffect> = new Set(['widens', 'lowers', 'weakens']);

export function isRisky(effect: DirectionEffect): boolean {
  return RISKY_EFFECTS.has(effect);
}

export interface DifferenceDirection {
  axis: DirectionAxis;
  /** What the live change did. */
  change: DirectionEffect;
  /** What reverting it would do. */
  revert: DirectionEffect;
}

/** Who made a difference: the CloudTrail call whose request names it, else the Config item where it first appeared. */
export interface DifferenceAttribution {
  source: 'cloudtrail-event' | 'cloudtrail-lookup' | 'config-item';
  principal: DriftPrincipal;
  /** When the change was made: the call's `eventTime`, else the Config item's capture time (ISO). */
  at: string;
  cloudTrailEventId?: string;
  eventName?: string;
  /** The internal id of the Config item in which the difference first appeared. */
  configEventId: string;
  /**
   * Why no single change can be named (CloudTrail has no call for it after the wait, several
   * principals changed the same thing, a call named it by id only). Such a difference is never
   * an emergency patch: driftwarden never codifies what it cannot attribute.
   */
  unattributable?: string;
}

/** What a difference's own decision is: the decision table's, or a human's. */
export type DifferenceAction = Extract<DecisionAction, 'backport' | 'hold' | 'await_approval' | 'revert' | 'observe'> | 'leave';

export type HumanVerb = 'approve' | 'adopt' | 'reject';

export interface HumanDecision {
  verb: HumanVerb;
  /** The token's name. */
  by: string;
  identity?: string;
  comment: string;
  at: string;
}

export interface DifferenceDecision {
  action: DifferenceAction;
  /** The row of the decision table; null for a human decision. */
  rule: DecisionRule | null;
  reason: string;
  /** When it was decided (ISO). */
  at: string;
  /** Set when a human decided (approve → revert, adopt → backport, reject → leave). */
  human?: HumanDecision;
  /** Set when policies made the table's decision stricter (never on a human decision). */
  policy?: DecisionPolicy;
}

export interface DriftDifference {
  /** Stable within the resource (the kind's key of what differs plus the side). */
  id: string;
  /** What differs, without the side. */
  key: string;
  side: DifferenceSide;
  /** Plain English, e.g. `opened ingress tcp/22 from the internet (0.0.0.0/0)`. */
  sentence: string;
  direction: DifferenceDirection;
  /** The kind's own description of what differs (for a security group: the rule). */
  detail: JsonObject;
  madeBy: DifferenceAttribution;
  /**
   * The call that made it widened exposure (lowered capacity, weakened protection) in any of its
   * parts: then none of its differences is an emergency patch unless a break-glass principal made it.
   */
  changeRisky?: boolean;
  decision: DifferenceDecision;
  flags?: DecisionFlag[];
  /** The Config item and time at which driftwarden first saw it. */
  firstSeen: { at: string; eventId: string };
}

/** A difference as a kind reports it, before attribution and decision. */
export interface CandidateDifference {
  /** `key` with its side: unique within the resource. */
  id: string;
  /** What differs, without the side (what a CloudTrail call's changes are matched on). */
  key: string;
  side: DifferenceSide;
  sentence: string;
  detail: JsonObject;
}

// ---------------------------------------------------------------------------------------------
// Which differences a decision carries over, and what the record as a whole says
// ---------------------------------------------------------------------------------------------

/**
 * Whether a difference carried over from the open record is decided again on a new item or
 * when its freeze ends. Decisions that were final stay: a codified emergency patch (rule 3,
 * or a human's adopt) is never re-judged by later changes; a human's reject stands; an approved
 * revert still goes through the fenced re-check, not through the table again.
 */
export function isDecidedAgain(d: Pick<DriftDifference, 'decision'>): boolean {
  if (d.decision.human) return false;
  return (
    d.decision.action === 'hold' ||
    d.decision.action === 'await_approval' ||
    d.decision.action === 'revert' ||
    d.decision.action === 'observe'
  );
}

export interface RecordSummary {
  /** Which differences set the record's status (the next thing the controller waits for). */
  primary: DifferenceAction | null;
  decision: { action: DecisionAction; rule: DecisionRule | null; reason: string; policy?: DecisionPolicy };
  flags: DecisionFlag[];
}

/** In order of what the controller does next: a revert first, then a human, then the end of a freeze, then the PR. */
const PRIORITY: readonly DifferenceAction[] = ['revert', 'await_approval', 'hold', 'backport', 'observe', 'leave'];

const GROUP_TEXT: Record<DifferenceAction, string> = {
  revert: 'to revert',
  await_approval: 'awaiting approval',
  hold: 'held',
  backport: 'codified by the backport',
  observe: 'observed (never reverted)',
  leave: 'left as they are by a human',
};

/**
 * The record-level view of its differences: the decision of the group the controller handles
 * next (`revert` before `await_approval` before `hold` before `backport`), with the other groups
 * named in the reason, and the union of the flags still standing.
 */
export function summarizeDifferences(differences: readonly DriftDifference[]): RecordSummary {
  const flags = [...new Set(differences.flatMap((d) => d.flags ?? []))];
  const primary = PRIORITY.find((a) => differences.some((d) => d.decision.action === a)) ?? null;
  if (!primary) return { primary: null, decision: { action: 'noop', rule: 2, reason: 'no difference' }, flags };
  const group = differences.filter((d) => d.decision.action === primary);
  const rules = [...new Set(group.map((d) => d.decision.rule))];
  const reasons = [...new Set(group.map((d) => d.decision.reason))];
  const others = PRIORITY.filter((a) => a !== primary)
    .map((a) => ({ a, n: differences.filter((d) => d.decision.action === a).length }))
    .filter((g) => g.n > 0)
    .map((g) => `${g.n} ${g.n === 1 ? 'difference' : 'differences'} ${GROUP_TEXT[g.a]}`);
  const also = others.length > 0 ? ` (also on this resource: ${others.join(', ')})` : '';
  const action: DecisionAction = primary === 'leave' ? 'await_approval' : primary;
  const policy = groupPolicy(group);
  return {
    primary,
    decision: {
      action,
      rule: rules.length === 1 ? rules[0] : (group[0].decision.rule ?? null),
      reason: `${reasons.join('; ')}${also}`,
      ...(policy ? { policy } : {}),
    },
    flags,
  };
}

/** The policies that made a group's decisions stricter, as one: the first one's ladder, every policy that matched. */
function groupPolicy(group: readonly DriftDifference[]): DecisionPolicy | undefined {
  const gated = group.map((d) => d.decision.policy).filter((p): p is DecisionPolicy => p !== undefined);
  if (gated.length === 0) return undefined;
  const seen = new Set<string>();
  const matched = gated.flatMap((p) => p.matched).filter((m) => !seen.has(m.id) && Boolean(seen.add(m.id)));
  return { proposed: gated[0].proposed, outcome: gated[0].outcome, matched };
}

/**
 * The status a record takes from its differences (DESIGN §4 record statuses). `merged`: the
 * backport PR was merged (the codified differences are in the code now).
 */
export function statusOfDifferences(
  differences: readonly DriftDifference[],
  opts: { dryRun: boolean; backportMerged?: boolean },
): DriftStatus {
  if (opts.dryRun) return 'detected';
  const primary = summarizeDifferences(differences).primary;
  switch (primary) {
    case null:
      return 'resolved';
    case 'revert':
      // An approved revert waits to be used (within approvalTtlMinutes) as `awaiting_approval`.
      return differences.every((d) => d.decision.action !== 'revert' || d.decision.human?.verb === 'approve')
        ? 'awaiting_approval'
        : 'detected';
    case 'await_approval':
      return 'awaiting_approval';
    case 'hold':
      return 'held';
    case 'backport':
      return opts.backportMerged ? 'backport_merged' : 'backport_open';
    case 'observe':
      return 'detected';
    case 'leave':
      return 'rejected';
  }
}

// ---------------------------------------------------------------------------------------------
// Deciding one difference
// ---------------------------------------------------------------------------------------------

export interface DifferenceFacts {
  /** The resource facts (the local pre-checks have passed by now). */
  resource: DecisionInput['resource'];
  /** Who made it (its attribution). */
  madeBy: DifferenceAttribution;
  /** The call that made it widened exposure (or lowered capacity, weakened protection) anywhere. */
  changeRisky: boolean;
  /** Reverting it would widen exposure (or lower capacity, weaken protection). */
  revertRisky: boolean;
  /**
   * Why the kind never reverts this difference unattended (e.g. an instance change that needs a
   * stop): a `revert` decision waits for a human instead, and says why. Absent: no such reason.
   */
  revertNeedsHuman?: string;
  /**
   * Why the resource is never reverted at all (the `observed` kind: no model of its type): where
   * the table says revert or await approval, the difference is `observe`d instead (recorded and
   * listed, status `detected`), and says why. Absent: it may be reverted.
   */
  neverReverted?: string;
  freezeNow: DecisionInput['freezeNow'];
  /** The freeze at the time this difference was made. */
  freezeAtChange: DecisionInput['freezeAtChange'];
}

/**
 * The decision table (DESIGN §4) applied to one difference. An IaC or self principal (rule 1)
 * leaves the difference alone: it is the pipeline's or the controller's own work.
 */
export function decideDifference(facts: DifferenceFacts, at: string): { decision: DifferenceDecision; flags: DecisionFlag[] } {
  const attributable = !facts.madeBy.unattributable;
  const d = decide({
    resource: facts.resource,
    principal: { class: attributable ? facts.madeBy.principal.class : 'unknown' },
    diff: { equal: false },
    change: { widensExposure: facts.changeRisky, attributable },
    revert: { widensExposure: facts.revertRisky },
    freezeNow: facts.freezeNow,
    freezeAtChange: facts.freezeAtChange,
  });
  const why = facts.madeBy.unattributable ? ` (${facts.madeBy.unattributable})` : '';
  if (facts.neverReverted && (d.action === 'revert' || d.action === 'await_approval')) {
    const was =
      d.action === 'revert'
        ? 'unauthorized change outside any freeze'
        : `outside any freeze (${d.reason.replace(/^needs human approval: /, '')})`;
    return {
      decision: { action: 'observe', rule: d.rule, reason: `${was}: observed, never reverted: ${facts.neverReverted}${why}`, at },
      flags: d.flags,
    };
  }
  switch (d.action) {
    case 'revert':
      if (facts.revertNeedsHuman) {
        return {
          decision: {
            action: 'await_approval',
            rule: d.rule,
            reason: `${d.reason}, but never unattended: ${facts.revertNeedsHuman}${why}`,
            at,
          },
          flags: d.flags,
        };
      }
      return { decision: { action: d.action, rule: d.rule, reason: `${d.reason}${why}`, at }, flags: d.flags };
    case 'await_approval':
      // The kind's own words for why a human must decide (e.g. "reverting lowers min_size …").
      if (facts.revertNeedsHuman) {
        return { decision: { action: d.action, rule: d.rule, reason: `${d.reason}: ${facts.revertNeedsHuman}${why}`, at }, flags: d.flags };
      }
      return { decision: { action: d.action, rule: d.rule, reason: `${d.reason}${why}`, at }, flags: d.flags };
    case 'backport':
    case 'hold':
      return {
        decision: { action: d.action, rule: d.rule, reason: `${d.reason}${d.action === 'backport' ? '' : why}`, at },
        flags: d.flags,
      };
    case 'observe':
      // `decide` itself never answers it (see above); kept total for the type.
      return { decision: { action: 'observe', rule: d.rule, reason: d.reason, at }, flags: d.flags };
    case 'ignore':
    case 'noop':
      return { decision: { action: 'leave', rule: d.rule, reason: d.reason, at }, flags: [] };
  }
}

/**
 * The differences of a new decision: each current difference keeps what the open record knew
 * of it (who made it, when it was first seen, a final decision, its flags); `decideAgain` gives
 * the table's decision for those that are new or decided again. `suspicious` is never dropped by
 * a later decision: only a human decision (adopt, reject) clears it, or the difference going away.
 */
export function mergeDifferences(
  previous: readonly DriftDifference[] | undefined,
  current: readonly (CandidateDifference & { madeBy: DifferenceAttribution | null; direction: DifferenceDirection })[],
  decideAgain: (d: CandidateDifference & { madeBy: DifferenceAttribution; direction: DifferenceDirection }) => {
    decision: DifferenceDecision;
    flags: DecisionFlag[];
  },
  firstSeen: { at: string; eventId: string },
): DriftDifference[] {
  const before = new Map((previous ?? []).map((d) => [d.id, d]));
  return current.map((c) => {
    const old = before.get(c.id);
    const madeBy = old?.madeBy ?? c.madeBy;
    if (!madeBy) throw new Error(`difference ${c.id} has no attribution`);
    if (old && !isDecidedAgain(old)) return { ...old, sentence: c.sentence, detail: c.detail, direction: old.direction };
    const { decision, flags } = decideAgain({ ...c, madeBy, direction: old?.direction ?? c.direction });
    const kept = [...new Set([...(old?.flags ?? []), ...flags])];
    return {
      id: c.id,
      key: c.key,
      side: c.side,
      sentence: c.sentence,
      direction: old?.direction ?? c.direction,
      detail: c.detail,
      madeBy,
      decision,
      ...(kept.length ? { flags: kept } : {}),
      firstSeen: old?.firstSeen ?? firstSeen,
    };
  });
}

/** A human decision on the differences awaiting it (approve → revert, adopt → backport, reject → leave). */
export function applyHumanDecision(
  differences: readonly DriftDifference[],
  human: HumanDecision,
): { differences: DriftDifference[]; decided: DriftDifference[] } {
  const action: DifferenceAction = human.verb === 'approve' ? 'revert' : human.verb === 'adopt' ? 'backport' : 'leave';
  const decided: DriftDifference[] = [];
  const next = differences.map((d) => {
    if (d.decision.action !== 'await_approval') return d;
    const verbText =
      human.verb === 'approve'
        ? 'approved the revert'
        : human.verb === 'adopt'
          ? 'adopted the live change (backport it)'
          : 'rejected the revert (leave it)';
    const changed: DriftDifference = {
      ...d,
      decision: {
        action,
        rule: null,
        reason: `${human.by}${human.identity ? ` (${human.identity})` : ''} ${verbText}: ${human.comment}`,
        at: human.at,
        human,
      },
    };
    // A human decided it: the flag has done its job (approve keeps it until the revert removes the difference).
    if (human.verb !== 'approve') delete changed.flags;
    decided.push(changed);
    return changed;
  });
  return { differences: next, decided };
}

/**
 * A backport pull request was closed (DESIGN §6): merged, the codified differences are in the
 * code (the record ends `backport_merged` once nothing else is pending on it); closed unmerged, a
 * human decided the patch should go, so reverting the codified differences needs approval. Null
 * when the record has nothing this PR codified.
 */
export function afterBackportClosed(
  record: { status: DriftStatus; differences?: DriftDifference[] },
  pr: { merged: boolean; number: number },
  at: string,
): { status: DriftStatus; differences?: DriftDifference[]; decision?: RecordSummary['decision'] } | null {
  if (!record.differences) {
    if (record.status !== 'backport_open') return null;
    return { status: pr.merged ? 'backport_merged' : 'awaiting_approval' };
  }
  if (!record.differences.some((d) => d.decision.action === 'backport')) return null;
  if (pr.merged)
    return { status: statusOfDifferences(record.differences, { dryRun: false, backportMerged: true }), differences: record.differences };
  const differences = record.differences.map((d) =>
    d.decision.action === 'backport'
      ? {
          ...d,
          decision: {
            action: 'await_approval' as const,
            rule: 5 as const,
            reason: `pull request #${pr.number} was closed without merging: a human decided the emergency change should go; reverting it needs approval`,
            at,
          },
        }
      : d,
  );
  return { status: statusOfDifferences(differences, { dryRun: false }), differences, decision: summarizeDifferences(differences).decision };
}
