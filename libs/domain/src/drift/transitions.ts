/**
 * What happens to a drift record at each step of its life (DESIGN §4 record statuses): pure
 * functions from a record (and what the step learnt) to the next record. Each one checks its move
 * against the status table (drift-status.ts) and throws IllegalTransitionError, naming the drift
 * and the step, for a move the table does not allow; a step that does not apply to the record as
 * it is now answers null (nothing to change). The use cases run them inside the store's
 * compare-and-set `update`, which re-reads and runs them again when another writer won a race.
 */
import type { DecisionRule } from '../decision/decide';
import type {
  DriftRecord,
  ApiCallRecord,
  AfterStateEvidence,
  DriftApproval,
  DriftDiff,
  DriftFailure,
  DriftLinks,
  DriftDecision,
} from './drift-record';
import { IllegalTransitionError, canTransition, isOpen, type DriftStatus } from './drift-status';
import { applyHumanDecision, statusOfDifferences, summarizeDifferences, type DriftDifference, type HumanDecision } from './differences';

/** Checks `record.status → to` (the same status is no transition) for the named step. */
function move(record: DriftRecord, to: DriftStatus, step: string): void {
  if (record.status !== to && !canTransition(record.status, to))
    throw new IllegalTransitionError(record.status, to, `${record.id}: ${step}`);
}

/** The evidence's item ids with one more (the item the step was decided on). */
function withEvent(record: DriftRecord, eventId: string): string[] {
  return [...record.evidence.eventIds, eventId];
}

// ---------------------------------------------------------------------------------------------
// Remediation (DESIGN §4 rule 6: settle, fenced re-check, revert, verify)
// ---------------------------------------------------------------------------------------------

/** The settle elapsed and the fenced re-check passed: the revert starts (`reverting`). */
export function startRevert(record: DriftRecord, at: string): DriftRecord {
  move(record, 'reverting', 'starting its revert');
  return { ...record, status: 'reverting', updatedAt: at };
}

/** What the revert executor reports. */
export interface RevertReport {
  verified: boolean;
  apiCalls: ApiCallRecord[];
  afterState?: AfterStateEvidence;
}

/**
 * The revert ran: its calls and after-state join the evidence. Verified, the record ends
 * `reverted`, unless it has differences that were not to be reverted (`planned`: the revert was of
 * the differences decided `revert`): those go on (codified in the PR, awaiting a human, held) and
 * set the record's status, decision, flags and diff (`diffOf`, the kind's diff of what is left).
 * Not verified: `failed`. `remaining`: the differences still on the resource.
 */
export function afterRevert(
  record: DriftRecord,
  report: RevertReport,
  at: string,
  opts: { planned: boolean; diffOf?: (remaining: DriftDifference[]) => DriftDiff },
): { next: DriftRecord; remaining: DriftDifference[] } {
  const evidence = { ...record.evidence, apiCalls: [...record.evidence.apiCalls, ...report.apiCalls], afterState: report.afterState };
  const remaining = opts.planned && report.verified ? (record.differences ?? []).filter((x) => x.decision.action !== 'revert') : [];
  if (remaining.length === 0) {
    const status: DriftStatus = report.verified ? 'reverted' : 'failed';
    move(record, status, report.verified ? 'its revert was verified' : 'its revert was not verified');
    return { next: { ...record, status, updatedAt: at, evidence }, remaining };
  }
  const summary = summarizeDifferences(remaining);
  const status = statusOfDifferences(remaining, { dryRun: false, backportMerged: record.links.pullRequest?.merged === true });
  move(record, status, 'part of it was reverted and verified');
  return {
    next: {
      ...record,
      status,
      updatedAt: at,
      decision: { ...summary.decision },
      ...(summary.flags.length ? { flags: summary.flags } : { flags: undefined }),
      ...(opts.diffOf ? { diff: opts.diffOf(remaining) } : {}),
      differences: remaining,
      evidence,
    },
    remaining,
  };
}

/**
 * A freeze covers the resource before the revert's cloud call (rule 4): the record is `held`, and
 * so are the differences that were to be reverted (decided again when the freeze ends). Null when
 * it is held already.
 */
export function holdRevert(record: DriftRecord, reason: string, at: string): DriftRecord | null {
  if (record.status === 'held') return null;
  move(record, 'held', 'holding its revert for a freeze');
  const rule: DecisionRule = 4;
  return {
    ...record,
    status: 'held',
    updatedAt: at,
    decision: { action: 'hold', rule, reason },
    ...(record.differences
      ? {
          differences: record.differences.map((x) =>
            x.decision.action === 'revert' ? { ...x, decision: { action: 'hold' as const, rule, reason, at } } : x,
          ),
        }
      : {}),
  };
}

/** An exception excludes the resource before its revert started: `ignored`. Null unless it is still `detected` (a revert under way is not stopped). */
export function excludeBeforeRevert(record: DriftRecord, reason: string, at: string): DriftRecord | null {
  if (record.status !== 'detected') return null;
  move(record, 'ignored', 'excluding it before its revert');
  return { ...record, status: 'ignored', updatedAt: at, decision: { action: 'ignore', rule: null, reason } };
}

/** The revert failed for good: `failed`, with the calls made before the failure and the failure itself in the evidence. */
export function failRevert(
  record: DriftRecord,
  error: { code: string; message: string },
  callsBefore: readonly ApiCallRecord[],
  at: string,
): DriftRecord {
  move(record, 'failed', 'its revert failed for good');
  return {
    ...record,
    status: 'failed',
    updatedAt: at,
    evidence: {
      ...record.evidence,
      apiCalls: [
        ...record.evidence.apiCalls,
        ...callsBefore,
        { service: 'driftwarden', operation: 'revert', request: {}, error: { code: error.code, message: error.message }, at },
      ],
    },
  };
}

/** An approval not used before it expired lapses (DESIGN §5). Null when there is none to lapse. */
export function lapseApproval(record: DriftRecord, at: string): DriftRecord | null {
  if (!record.approval || record.approval.lapsedAt) return null;
  return { ...record, updatedAt: at, approval: { ...record.approval, lapsedAt: at } };
}

// ---------------------------------------------------------------------------------------------
// Backport (DESIGN §6)
// ---------------------------------------------------------------------------------------------

/** The backport pull request (or issue) was opened or updated: its links join the record's. */
export function linkBackport(record: DriftRecord, links: Partial<DriftLinks>, at: string): DriftRecord {
  return { ...record, updatedAt: at, links: { ...record.links, ...links } };
}

/**
 * The backport pull request is still open `backport.expiryDays` after it was opened (DESIGN §8,
 * wave 2): the record is flagged `overdue` and its pull request link says since when. The status
 * stays. Null when that does not apply: the record is closed, or has no pull request, or its pull
 * request is merged.
 */
export function flagOverdue(record: DriftRecord, since: string, at: string): DriftRecord | null {
  const pullRequest = record.links.pullRequest;
  if (!isOpen(record.status) || !pullRequest || pullRequest.merged) return null;
  return {
    ...record,
    flags: [...new Set([...(record.flags ?? []), 'overdue' as const])],
    updatedAt: at,
    links: { ...record.links, pullRequest: { ...pullRequest, overdueSince: since } },
  };
}

/** The backport failed for good: `failed`. */
export function failBackport(record: DriftRecord, at: string): DriftRecord {
  move(record, 'failed', 'its backport failed for good');
  return { ...record, status: 'failed', updatedAt: at };
}

// ---------------------------------------------------------------------------------------------
// Evaluation (DESIGN §4 decisions)
// ---------------------------------------------------------------------------------------------

/** The evaluation of an item failed for good: the open drift is `failed`, with why and the item (kept once in its evidence). */
export function failEvaluation(record: DriftRecord, failure: DriftFailure, at: string): DriftRecord {
  move(record, 'failed', 'its evaluation failed for good');
  const eventId = failure.eventId;
  return {
    ...record,
    status: 'failed',
    updatedAt: at,
    failure,
    evidence: {
      ...record.evidence,
      eventIds: eventId && !record.evidence.eventIds.includes(eventId) ? withEvent(record, eventId) : record.evidence.eventIds,
    },
  };
}

/**
 * An evaluation that failed for good is decided again (`replay --failed`): its item is back among
 * the pending ones, and the failure counts the replay. The status stays until that evaluation
 * decides. Null when the record has no failure or is no longer `failed`.
 */
export function countReplay(record: DriftRecord, at: string): DriftRecord | null {
  // Only a record still failed: one decided again since the replay listed it has nothing to count.
  if (!record.failure || record.status !== 'failed') return null;
  return { ...record, updatedAt: at, failure: { ...record.failure, replays: (record.failure.replays ?? 0) + 1 } };
}

/**
 * Live equals desired again (rule 2, or an IaC apply that made it so): `resolved`, with the item
 * and the diff now. `decision`: the decision that resolved it (rule 2) becomes the record's; an
 * apply leaves the record's decision as it was.
 */
export function resolveDrift(
  record: DriftRecord,
  step: { eventId: string; diff: DriftDiff; decision?: DriftDecision },
  at: string,
): DriftRecord {
  move(record, 'resolved', 'resolving it (live equals desired)');
  if (!step.decision)
    return {
      ...record,
      status: 'resolved',
      updatedAt: at,
      diff: step.diff,
      evidence: { ...record.evidence, eventIds: withEvent(record, step.eventId) },
    };
  return {
    ...record,
    status: 'resolved',
    decision: step.decision,
    updatedAt: at,
    diff: step.diff,
    evidence: { ...record.evidence, eventIds: withEvent(record, step.eventId), rule: step.decision.rule },
  };
}

/**
 * The latest item excludes the resource (unsupported, no longer managed, an exception, the
 * ignore tag): its open drift ends here as `ignored`, with that decision and the item.
 */
export function ignoreDrift(record: DriftRecord, step: { eventId: string; decision: DriftDecision }, at: string): DriftRecord {
  move(record, 'ignored', 'ignoring it (the resource is excluded)');
  return {
    ...record,
    status: 'ignored',
    decision: step.decision,
    updatedAt: at,
    evidence: { ...record.evidence, eventIds: withEvent(record, step.eventId), rule: step.decision.rule },
  };
}

// ---------------------------------------------------------------------------------------------
// Human decisions (DESIGN §5: approve, adopt, reject)
// ---------------------------------------------------------------------------------------------

/** An older record without differences moves as a whole. */
const HUMAN_NEXT: Record<DriftApproval['action'], DriftStatus> = {
  approve: 'awaiting_approval',
  adopt: 'backport_open',
  reject: 'rejected',
};

/** A difference a human decision applies to: awaiting approval, an approved revert not yet used, or (on a failed record) one that was to be reverted. */
export function awaitsHuman(d: DriftDifference, status: DriftStatus): boolean {
  if (d.decision.action === 'await_approval') return true;
  if (d.decision.action === 'revert') return d.decision.human?.verb === 'approve' || status === 'failed';
  return false;
}

/**
 * A human approved, adopted or rejected (DESIGN §5): the differences awaiting approval (or an
 * approved revert not yet used) take the human's decision, the record's status, decision and
 * flags follow from all of them, and the approval (who, when, until when) is recorded.
 */
export function decideByHuman(record: DriftRecord, human: HumanDecision, approval: DriftApproval): DriftRecord {
  const step = `${human.verb} by ${human.by}`;
  if (!record.differences) {
    move(record, HUMAN_NEXT[human.verb], step);
    return { ...record, status: HUMAN_NEXT[human.verb], updatedAt: human.at, approval };
  }
  const reopened: DriftDifference[] = record.differences.map((x) =>
    awaitsHuman(x, record.status) ? { ...x, decision: { ...x.decision, action: 'await_approval' as const } } : x,
  );
  const { differences } = applyHumanDecision(reopened, human);
  const summary = summarizeDifferences(differences);
  const status = statusOfDifferences(differences, { dryRun: false, backportMerged: record.links.pullRequest?.merged === true });
  move(record, status, step);
  return {
    ...record,
    status,
    differences,
    decision: summary.decision,
    flags: summary.flags.length ? summary.flags : undefined,
    updatedAt: human.at,
    approval,
  };
}
