import {
  DriftwardenError,
  PermanentError,
  afterRevert,
  excludeBeforeRevert,
  failRevert,
  holdRevert,
  lapseApproval,
  startRevert,
  type ApiCallRecord,
  type DriftDifference,
  type DriftRecord,
  type DriftStatus,
  resourceKey,
} from '@driftwarden/domain';
import type { RemediateJob } from '@driftwarden/queue';
import { committedDecision, type JobMeta } from '../jobs/committed-decision';
import type { ExceptionsPort } from '../ports/exceptions.port';
import type { FreezePort } from '../ports/freeze.port';
import type { Fence, FencePort, RemediationPort } from '../ports/remediation.port';
import type { DriftRecords, ItemStates } from '../ports/records.port';
import type { ResourceKinds } from '../ports/resource-kind.port';

export type RemediateOutcome = 'reverted' | 'failed' | 'held' | 'excluded' | 'superseded' | 'not_found';

/** Thrown by a fence when a freeze was recorded before the cloud call. */
export class FreezeRecordedError extends DriftwardenError {
  constructor(message = 'a freeze was recorded before the cloud call; nothing was written') {
    super(message, 'freeze_recorded');
  }
}

/**
 * Runs after `settleSeconds`: fenced re-check, then revert and verify (DESIGN §4 rule 6).
 * The move to `reverting` is a compare-and-set, so two replicas never remediate one drift.
 */
export class RemediateService {
  constructor(
    private readonly drifts: DriftRecords,
    private readonly ledger: ItemStates,
    private readonly freeze: FreezePort,
    private readonly fence: FencePort,
    private readonly remediation: RemediationPort,
    private readonly exceptions: ExceptionsPort,
    private readonly kinds: ResourceKinds,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async run(job: RemediateJob, meta: JobMeta = {}): Promise<RemediateOutcome> {
    const found = await this.drifts.get(job.driftId);
    // Waits (without spending an attempt) while the decision this job belongs to is being committed.
    const check = await committedDecision(found, job.eventId, this.ledger, meta, this.clock().getTime());
    if (!found) return 'not_found';
    if (check.state === 'never') return 'superseded';
    const drift = found;
    const lastEvent = drift.evidence.eventIds[drift.evidence.eventIds.length - 1];
    const resumable = drift.status === 'reverting' && lastEvent === job.eventId;
    const approved = drift.status === 'awaiting_approval' && drift.approval?.action === 'approve' && !drift.approval.lapsedAt;
    const ready = ((drift.status === 'detected' && drift.decision.action === 'revert') || approved) && lastEvent === job.eventId;
    if (!ready && !resumable) return 'superseded';
    if (approved && drift.approval?.expiresAt && Date.parse(drift.approval.expiresAt) <= this.clock().getTime()) {
      // An approval is used within approvalTtlMinutes or it lapses (DESIGN §5).
      const at = this.clock().toISOString();
      await this.drifts.update(drift.id, (d) => {
        const next = lapseApproval(d, at);
        return next
          ? {
              next,
              audit: {
                at,
                type: 'approval.lapsed',
                actor: 'worker',
                driftId: d.id,
                reason: `approval by ${d.approval?.by} was not used before ${d.approval?.expiresAt}`,
              },
            }
          : null;
      });
      return 'superseded';
    }
    const rk = resourceKey(drift.resource);
    // A newer item is waiting: its evaluation decides, not this job. A revert that already
    // started (a retry, or a job taken over from a replica that died) is finished instead:
    // its calls may have been made, it applies only its own diff (a newer change is left to
    // the newer item), and leaving it would strand the drift in `reverting`.
    if (!resumable && (await this.ledger.pendingCount(rk)) > 0) return 'superseded';

    const target = { account: drift.resource.account, region: drift.resource.region, type: drift.resource.type, tags: tagsOf(drift) };
    // Arm the fence first, then re-check: a freeze recorded after this point fails the fence.
    let fence = await this.fence.arm(target);
    const now = this.clock();
    const view = await this.freeze.view(target, new Date(drift.changedAt), now);
    if (view.freeze.now.frozen) return this.hold(drift, 'a freeze started before the revert (re-check after settle)');
    // An exception created during settle excludes the resource too.
    const resource = { type: drift.resource.type, id: drift.resource.id, account: drift.resource.account, region: drift.resource.region };
    const exception = await this.exceptions.activeFor(resource, now);
    if (exception)
      return this.exclude(
        drift,
        `excluded by exception ${exception.id} until ${exception.until} (${exception.reason}) before the revert started`,
      );

    let current = drift;
    if (!resumable) {
      const moved = await this.drifts.update(drift.id, (d) =>
        d.status === drift.status && d.updatedAt === drift.updatedAt
          ? {
              next: startRevert(d, now.toISOString()),
              audit: {
                at: now.toISOString(),
                type: 'remediation.started',
                actor: 'worker',
                driftId: d.id,
                reason: 'settle elapsed; re-check passed',
              },
            }
          : null,
      );
      if (!moved || moved.status !== 'reverting') return 'superseded';
      current = moved;
    }

    for (let attempt = 0; ; attempt++) {
      try {
        return await this.revertOnce(current, fence);
      } catch (err) {
        if (!(err instanceof FreezeRecordedError)) throw err;
        // A freeze was recorded somewhere since arming. Re-arm and re-check: if it covers this
        // resource, hold; if not (another scope), carry on, a bounded number of times.
        if (attempt >= 2) return this.hold(current, err.message);
        fence = await this.fence.arm(target);
        const again = await this.freeze.view(target, new Date(drift.changedAt), this.clock());
        if (again.freeze.now.frozen) return this.hold(current, `${err.message}; the freeze covers this resource`);
      }
    }
  }

  private async revertOnce(current: DriftRecord, fence: Fence): Promise<RemediateOutcome> {
    try {
      // Only the differences decided `revert` are reverted: codified emergency patches, held
      // changes and those awaiting a human stay as they are (DESIGN §4 "Differences").
      const plan = revertPlan(current);
      const result = await this.remediation.revert(current, fence, plan?.revert);
      const at = this.clock().toISOString();
      let status: DriftStatus = result.verified ? 'reverted' : 'failed';
      await this.drifts.update(current.id, (d) => {
        const kind = this.kinds.forType(d.resource.type);
        const { next, remaining } = afterRevert(d, result, at, {
          planned: plan !== null,
          ...(kind ? { diffOf: (r) => kind.diffOf(r) } : {}),
        });
        status = next.status;
        if (remaining.length === 0) {
          return {
            next,
            audit: {
              at,
              type: result.verified ? 'remediation.reverted' : 'remediation.failed',
              actor: 'worker',
              driftId: d.id,
              reason: result.verified
                ? `reverted and verified${plan ? `: ${plan.revert.map((x) => x.sentence).join('; ')}` : ''}`
                : 'verify found the live rules differ from desired after the revert',
            },
          };
        }
        // The other differences go on (codified in the PR, awaiting a human).
        return {
          next,
          audit: {
            at,
            type: 'remediation.reverted',
            actor: 'worker',
            driftId: d.id,
            reason: `reverted and verified: ${plan!.revert.map((x) => x.sentence).join('; ')}; still on the resource: ${remaining.map((x) => `${x.sentence} (${x.decision.action})`).join('; ')}`,
            details: { reverted: plan!.revert.map((x) => x.id), remaining: remaining.map((x) => x.id) },
          },
        };
      });
      return status === 'failed' ? 'failed' : 'reverted';
    } catch (err) {
      if (err instanceof FreezeRecordedError) throw err;
      if (err instanceof PermanentError) {
        await this.fail(current, err);
        return 'failed';
      }
      throw err; // transient: retried with back-off, resumes from `reverting`
    }
  }

  private async exclude(drift: DriftRecord, reason: string): Promise<'excluded'> {
    const at = this.clock().toISOString();
    await this.drifts.update(drift.id, (d) => {
      const next = excludeBeforeRevert(d, reason, at);
      return next ? { next, audit: { at, type: 'remediation.excluded', actor: 'worker', driftId: d.id, reason } } : null;
    });
    return 'excluded';
  }

  private async hold(drift: DriftRecord, reason: string): Promise<'held'> {
    const at = this.clock().toISOString();
    // The differences that were to be reverted are held with it (decided again when the freeze ends).
    await this.drifts.update(drift.id, (d) => {
      const next = holdRevert(d, reason, at);
      return next ? { next, audit: { at, type: 'remediation.held', actor: 'worker', driftId: d.id, reason } } : null;
    });
    return 'held';
  }

  private async fail(drift: DriftRecord, err: PermanentError): Promise<void> {
    const at = this.clock().toISOString();
    await this.drifts.update(drift.id, (d) => ({
      // The calls made before the failure (when the adapter reports them), then the failure.
      next: failRevert(d, err, callsOf(err), at),
      audit: { at, type: 'remediation.failed', actor: 'worker', driftId: d.id, reason: `${err.code}: ${err.message}` },
    }));
  }
}

/** The differences a revert of this record reverts, when the record has differences (older records revert their whole diff). */
function revertPlan(drift: DriftRecord): { revert: DriftDifference[] } | null {
  if (!drift.differences) return null;
  return { revert: drift.differences.filter((d) => d.decision.action === 'revert') };
}

function callsOf(err: unknown): ApiCallRecord[] {
  const calls = (err as { apiCalls?: unknown }).apiCalls;
  return Array.isArray(calls) ? (calls as ApiCallRecord[]) : [];
}

function tagsOf(drift: DriftRecord): Record<string, string> {
  const tags = drift.evidence.event?.['tags'];
  return tags && typeof tags === 'object' && !Array.isArray(tags) ? (tags as Record<string, string>) : {};
}
