/**
 * The life cycle of a drift record (DESIGN.md §4) as an explicit transition table.
 */
import { PermanentError } from '../errors';
import type { DecisionAction } from '../decision/decide';

export const DRIFT_STATUSES = [
  'detected',
  'held',
  'awaiting_approval',
  'reverting',
  'reverted',
  'backport_open',
  'backport_merged',
  'backport_closed',
  'rejected',
  'resolved',
  'ignored',
  'failed',
] as const;

export type DriftStatus = (typeof DRIFT_STATUSES)[number];

/** from → the statuses it may move to. A status with no entry is terminal. */
const TRANSITIONS: Readonly<Record<DriftStatus, readonly DriftStatus[]>> = {
  detected: ['held', 'awaiting_approval', 'reverting', 'backport_open', 'backport_merged', 'resolved', 'ignored', 'failed', 'detected'],
  held: ['held', 'detected', 'awaiting_approval', 'reverting', 'backport_open', 'backport_merged', 'resolved', 'ignored', 'failed'],
  // `ignored`: the resource was excluded (driftwarden:ignore tag, no longer managed) meanwhile.
  awaiting_approval: [
    'awaiting_approval',
    'reverting',
    'backport_open',
    'backport_merged',
    'rejected',
    'resolved',
    'held',
    'failed',
    'ignored',
    'detected',
  ],
  // After a revert of some differences, the others go on: codified (backport), awaiting a human.
  reverting: ['reverted', 'failed', 'held', 'backport_open', 'backport_merged', 'awaiting_approval'],
  // A later change on the resource: its own differences are held, reverted or wait for a human
  // while the codified ones stay in the pull request.
  backport_open: [
    'backport_open',
    'backport_merged',
    'backport_closed',
    'awaiting_approval',
    // A tracking issue closed as not planned on a resource driftwarden never reverts.
    'rejected',
    'resolved',
    'failed',
    'held',
    'detected',
    'ignored',
  ],
  // A human closed the backport PR unmerged: the patch should go, so a revert needs approval.
  backport_closed: ['awaiting_approval'],
  // Decided again (an approval, or `replay --failed` of an evaluation that failed for good).
  failed: ['awaiting_approval', 'reverting', 'held', 'resolved', 'rejected', 'failed', 'ignored', 'detected', 'backport_open'],
  reverted: [],
  backport_merged: [],
  rejected: [],
  resolved: [],
  ignored: [],
};

export const TERMINAL_DRIFT_STATUSES: readonly DriftStatus[] = DRIFT_STATUSES.filter((s) => TRANSITIONS[s].length === 0);

export class IllegalTransitionError extends PermanentError {
  constructor(
    readonly from: DriftStatus,
    readonly to: DriftStatus,
    /** Which drift and which step, e.g. `drf_…: starting its revert`. */
    context?: string,
  ) {
    super(`illegal drift status transition from "${from}" to "${to}"${context ? ` (${context})` : ''}`, 'illegal_transition');
  }
}

export function isDriftStatus(value: unknown): value is DriftStatus {
  return typeof value === 'string' && (DRIFT_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: DriftStatus, to: DriftStatus): boolean {
  return TRANSITIONS[from]?.includes(to) ?? false;
}

/** Throws `IllegalTransitionError` unless `from → to` is in the table. */
export function assertTransition(from: DriftStatus, to: DriftStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

/** The statuses `from` may move to. */
export function nextStatuses(from: DriftStatus): readonly DriftStatus[] {
  return TRANSITIONS[from];
}

/** An open drift is one that is not terminal (it can still move). */
export function isOpen(status: DriftStatus): boolean {
  return TRANSITIONS[status].length > 0;
}

/**
 * The status a drift record takes when a decision is recorded. In dry-run every record keeps
 * `detected` and shows the decision. A revert starts as `detected`: the remediation job moves
 * it to `reverting` after `settleSeconds` and its fenced re-check.
 */
export function statusForDecision(action: DecisionAction, dryRun: boolean): DriftStatus {
  if (dryRun) return 'detected';
  switch (action) {
    case 'backport':
      return 'backport_open';
    case 'hold':
      return 'held';
    case 'await_approval':
      return 'awaiting_approval';
    case 'revert':
    case 'observe':
      return 'detected';
    case 'noop':
      return 'resolved';
    case 'ignore':
      return 'ignored';
  }
}
