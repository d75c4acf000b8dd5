import { PermanentError, isOpen, type DriftRecord } from '@driftwarden/domain';
import type { BackportJob } from '@driftwarden/queue';
import { committedDecision, type JobMeta } from '../jobs/committed-decision';
import type { BackportPort } from '../ports/backport.port';
import type { DriftRecords, ItemStates } from '../ports/records.port';

export type BackportOutcome = 'opened' | 'superseded' | 'not_found' | 'failed';

/** Opens or updates the backport PR (or issue) for a drift decided under rule 3. */
export class BackportService {
  constructor(
    private readonly drifts: DriftRecords,
    private readonly ledger: ItemStates,
    private readonly backport: BackportPort,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async run(job: BackportJob, meta: JobMeta = {}): Promise<BackportOutcome> {
    // Waits (without spending an attempt) while the decision this job belongs to is being committed.
    const check = await committedDecision(await this.drifts.get(job.driftId), job.eventId, this.ledger, meta, this.clock().getTime());
    const drift = check.drift;
    if (!drift) return 'not_found';
    if (check.state === 'never') return 'superseded';
    const lastEvent = drift.evidence.eventIds[drift.evidence.eventIds.length - 1];
    if (!hasSomethingToCodify(drift) || lastEvent !== job.eventId) return 'superseded';
    try {
      const result = await this.backport.openOrUpdate(drift);
      const at = this.clock().toISOString();
      await this.drifts.update(drift.id, (d) => ({
        next: { ...d, updatedAt: at, links: { ...d.links, ...result.links } },
        audit: {
          at,
          type: result.kind === 'pull_request' ? 'backport.pull_request' : 'backport.issue',
          actor: 'worker',
          driftId: d.id,
          reason:
            result.reason ??
            (result.kind === 'pull_request' ? 'backport pull request opened or updated' : 'code cannot be edited safely; issue opened'),
          details: { url: result.links.pullRequest?.url ?? result.links.issue?.url ?? null },
        },
      }));
      return 'opened';
    } catch (err) {
      if (err instanceof PermanentError) {
        const at = this.clock().toISOString();
        await this.drifts.update(drift.id, (d) => ({
          next: { ...d, status: 'failed', updatedAt: at },
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
  return drift.differences.some((d) => d.decision.action === 'backport') || Boolean(drift.links.pullRequest);
}
