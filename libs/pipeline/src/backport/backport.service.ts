import { PermanentError, WaitError, failBackport, isOpen, linkBackport, resourceKey, type DriftRecord } from '@driftwarden/domain';
import type { BackportJob } from '@driftwarden/queue';
import { committedDecision, type JobMeta } from '../jobs/committed-decision';
import type { BackportPort } from '../ports/backport.port';
import type { DriftRecords, ItemStates } from '../ports/records.port';

export type BackportOutcome = 'opened' | 'superseded' | 'not_found' | 'failed';

/**
 * How long one run may hold its resource's lease: longer than a backport's GitHub calls take
 * (each has its own timeout); a worker that died holding it delays the next run by at most this.
 */
export const BACKPORT_LEASE_MS = 120_000;

/** Opens or updates the backport PR (or issue) for a drift decided under rule 3. */
export class BackportService {
  constructor(
    private readonly drifts: DriftRecords,
    private readonly ledger: ItemStates,
    private readonly backport: BackportPort,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * One run per resource at a time, across workers and replicas (a lease in Redis): two jobs for
   * the same resource (two items decided one after the other, a retry beside a fresh job) would
   * each find no issue and open one. A job that finds the lease taken waits (delayed, no attempt
   * spent) and then sees what the other run opened. Before that, it waits (no attempt spent
   * either) while the decision it belongs to is being committed.
   */
  async run(job: BackportJob, meta: JobMeta = {}): Promise<BackportOutcome> {
    const first = await committedDecision(await this.drifts.get(job.driftId), job.eventId, this.ledger, meta, this.clock().getTime());
    if (!first.drift) return 'not_found';
    if (first.state === 'never') return 'superseded';
    const release = await this.drifts.lease(`backport:${resourceKey(first.drift.resource)}`, BACKPORT_LEASE_MS);
    if (!release)
      throw new WaitError(
        `another worker is opening or updating the backport of ${first.drift.resource.id}; trying again once it is done`,
        'backport_busy',
        { retryAfterMs: 1_000 },
      );
    try {
      return await this.runLeased(job);
    } finally {
      await release();
    }
  }

  private async runLeased(job: BackportJob): Promise<BackportOutcome> {
    const drift = await this.drifts.get(job.driftId);
    if (!drift) return 'not_found';
    const lastEvent = drift.evidence.eventIds[drift.evidence.eventIds.length - 1];
    if (!hasSomethingToCodify(drift) || lastEvent !== job.eventId) return 'superseded';
    try {
      const result = await this.backport.openOrUpdate(drift);
      const at = this.clock().toISOString();
      await this.drifts.update(drift.id, (d) => ({
        next: linkBackport(d, result.links, at),
        audit: {
          at,
          type: result.kind === 'pull_request' ? 'backport.pull_request' : 'backport.issue',
          actor: 'worker',
          driftId: d.id,
          reason:
            result.reason ??
            (result.kind === 'pull_request' ? 'backport pull request opened or updated' : 'code cannot be edited safely; issue opened'),
          details: {
            url: result.links.pullRequest?.url ?? result.links.issue?.url ?? null,
            ...(result.tracking ? { tracking: true, opened: result.tracking.opened, changes: result.tracking.changes } : {}),
          },
        },
      }));
      return 'opened';
    } catch (err) {
      if (err instanceof PermanentError) {
        const at = this.clock().toISOString();
        await this.drifts.update(drift.id, (d) => ({
          next: failBackport(d, at),
          audit: { at, type: 'backport.failed', actor: 'worker', driftId: d.id, reason: `${err.code}: ${err.message}` },
        }));
        return 'failed';
      }
      throw err;
    }
  }
}

/**
 * A record with differences backports those decided `backport` (its status may be about others:
 * held, awaiting approval, reverting); an older record without differences only when its status is
 * `backport_open`. A record that ended has nothing more to codify.
 */
function hasSomethingToCodify(drift: DriftRecord): boolean {
  if (!drift.differences) return drift.status === 'backport_open';
  if (!isOpen(drift.status) || drift.dryRun) return false;
  // A PR or tracking issue already open is updated on later changes, whatever they were decided.
  return drift.differences.some((d) => d.decision.action === 'backport') || Boolean(drift.links.pullRequest) || Boolean(drift.links.issue);
}
