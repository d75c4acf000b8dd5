import { WaitError, type DriftRecord } from '@driftwarden/domain';
import type { ItemLedger } from '@driftwarden/store';

/**
 * The evaluation enqueues its side-effect jobs (revert, backport) BEFORE it commits the record
 * (idempotent job ids: a crash between the two never loses the job). So a job can run before the
 * decision it belongs to is committed: the save is still in flight, or it lost a compare-and-set
 * race and the evaluation is retrying (its retry adds the same job id, which BullMQ ignores while
 * this job exists). Such a job must wait for the commit, never end as "superseded": ending would
 * keep the job id and the retry's add would be ignored, so the revert or backport would never run.
 *
 * The item ledger says when waiting is over: the item's outcome is written in the same script as
 * the record, so an item that is settled (decided, coalesced, stale, failed) while the record does
 * not carry its event was decided by a commit this job is not part of.
 */
export const UNCOMMITTED_WAIT_LIMIT_MS = 60 * 60_000;

export type CommitCheck = { state: 'committed'; drift: DriftRecord } | { state: 'never'; drift: DriftRecord | null };

export interface JobMeta {
  /** When the job was enqueued (BullMQ `job.timestamp`), to bound the wait. */
  enqueuedAtMs?: number;
}

export async function committedDecision(
  drift: DriftRecord | null,
  eventId: string,
  ledger: Pick<ItemLedger, 'state'>,
  meta: JobMeta,
  nowMs: number,
): Promise<CommitCheck> {
  if (drift && drift.evidence.eventIds.includes(eventId)) return { state: 'committed', drift };
  const item = await ledger.state(eventId);
  // Settled without this record carrying it, or forgotten (past the duplicate window): not ours.
  if (!item || item.outcome !== '') return { state: 'never', drift };
  const age = meta.enqueuedAtMs === undefined ? 0 : nowMs - meta.enqueuedAtMs;
  if (age > UNCOMMITTED_WAIT_LIMIT_MS) return { state: 'never', drift };
  // Back off with the job's age: quick for a save in flight, slower for an evaluation retrying.
  const retryAfterMs = Math.min(30_000, Math.max(500, Math.floor(age / 4)));
  throw new WaitError(
    `the decision for item ${eventId} is not committed yet (its evaluation is saving or retrying)`,
    'decision_not_committed',
    { retryAfterMs },
  );
}
