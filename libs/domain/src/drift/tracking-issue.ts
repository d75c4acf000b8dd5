import { afterBackportClosed, statusOfDifferences, summarizeDifferences, type DriftDifference, type RecordSummary } from './differences';
import type { DriftStatus } from './drift-status';

/** What a human closing a tracking issue said (GitHub's `issue.state_reason`). */
export type TrackingIssueOutcome = 'completed' | 'not_planned';

/**
 * GitHub's `state_reason` of a closed issue as a tracking-issue outcome: `completed` (or null, as
 * issues closed before GitHub had reasons arrive) means the change was codified by hand;
 * `not_planned` means it will not be; `duplicate` (another issue covers it) and any reason this
 * version does not know change nothing (null).
 */
export function trackingIssueOutcome(stateReason: string | null): TrackingIssueOutcome | null {
  if (stateReason === null || stateReason === 'completed') return 'completed';
  if (stateReason === 'not_planned') return 'not_planned';
  return null;
}

/**
 * A tracking issue (opened where the code could not be edited safely, a policy forbade a
 * generated pull request, or no kind models the resource) was closed by a human (DESIGN §6, as
 * for a backport pull request):
 * - `completed`: the tracked differences were codified by hand, as if their pull request merged
 *   (`backport_merged` once nothing else is pending on the record);
 * - `not_planned`: the change should not stay in the code. Reverting it needs approval; where the
 *   kind never reverts (`neverReverted` says why), it is left to the human who closed the issue
 *   (`rejected`: driftwarden will not touch it; undo it by hand).
 * Null when the record has nothing the issue tracked.
 */
export function afterTrackingIssueClosed(
  record: { status: DriftStatus; differences?: DriftDifference[] },
  issue: { number: number; outcome: TrackingIssueOutcome; by?: string; neverReverted?: string | null },
  at: string,
): { status: DriftStatus; differences?: DriftDifference[]; decision?: RecordSummary['decision'] } | null {
  if (issue.outcome === 'completed') return afterBackportClosed(record, { merged: true, number: issue.number }, at);
  const who = issue.by ? ` by ${issue.by}` : '';
  if (!record.differences) {
    if (record.status !== 'backport_open') return null;
    return { status: issue.neverReverted ? 'rejected' : 'awaiting_approval' };
  }
  if (!record.differences.some((d) => d.decision.action === 'backport')) return null;
  const differences = record.differences.map((d): DriftDifference => {
    if (d.decision.action !== 'backport') return d;
    return issue.neverReverted
      ? {
          ...d,
          decision: {
            action: 'leave',
            rule: null,
            reason: `tracking issue #${issue.number} was closed as not planned${who}: driftwarden never reverts this (${issue.neverReverted}); undo it by hand if it should go`,
            at,
          },
        }
      : {
          ...d,
          decision: {
            action: 'await_approval',
            rule: 5,
            reason: `tracking issue #${issue.number} was closed as not planned${who}: a human decided the change should not be codified; reverting it needs approval`,
            at,
          },
        };
  });
  return { status: statusOfDifferences(differences, { dryRun: false }), differences, decision: summarizeDifferences(differences).decision };
}
