import { Inject, Injectable } from '@nestjs/common';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { FreezeStore, type HistoryPruned } from '@driftwarden/freeze';
import { Metrics, type Logger } from '@driftwarden/observability';
import { AuditLog, DriftStore, type BackfillResult, type SweepResult } from '@driftwarden/store';
import { LOGGER } from '../core/tokens';

/** The freeze history is pruned at most this often (it is small, read whole). */
export const HISTORY_PRUNE_INTERVAL_MS = 60_000;

/** Kept before the oldest open drift besides cooldown and lookback (a change can precede its detection). */
const OPEN_DRIFT_MARGIN_MS = 24 * 3_600_000;

export interface RetentionSweepResult {
  drifts: SweepResult;
  auditTrimmed: number;
  history: HistoryPruned | null;
  /** Data written before retention existed given its retention (until done; null after). */
  backfill: BackfillResult | null;
}

/**
 * The retention work of the scheduler's sweep (README "Retention"): Redis expires most keys on its
 * own; what it cannot do is done here, with bounded work per tick (`retention.sweepBatchSize`):
 * expired drift records leave their sorted-set indexes, the audit log loses what is older than
 * `retention.audit.maxAge`, and the freeze history what ended longer ago than
 * `retention.freezeHistory`, but never what an open drift may still be decided on. Data written
 * before retention existed is given its retention once, a batch per sweep (DriftStore.backfillRetention).
 */
@Injectable()
export class RetentionSweep {
  private lastHistoryPrune = Number.NEGATIVE_INFINITY;
  private backfillDone = false;

  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly drifts: DriftStore,
    private readonly audit: AuditLog,
    private readonly freeze: FreezeStore,
    private readonly metrics: Metrics,
  ) {}

  /**
   * How long one sweep may keep removing while it is behind (each step is one bounded Redis
   * call, so other clients run between them). A controller deciding faster than one batch per
   * sweep (1,000 events/s writes more audit entries and drift records than 1,000 every 2 s) would
   * otherwise never catch up, and Redis would grow until it is full.
   */
  catchUpBudgetMs = 500;

  async sweep(now: Date): Promise<RetentionSweepResult> {
    const batch = this.config.retention.sweepBatchSize;
    const until = performance.now() + this.catchUpBudgetMs;
    // Batch after batch while a whole batch came out (more is due) and the budget lasts.
    const drifts = await this.drifts.sweepExpired(now, batch);
    for (let last = drifts.due; last >= batch && performance.now() < until;) {
      const more = await this.drifts.sweepExpired(now, batch);
      drifts.removed += more.removed;
      drifts.due += more.due;
      last = more.due;
    }
    let auditTrimmed = await this.audit.trim(now, batch);
    // XTRIM MINID ~ removes whole stream nodes: a full batch can come out a node short.
    for (let last = auditTrimmed; last >= batch * 0.9 && performance.now() < until;) {
      last = await this.audit.trim(now, batch);
      auditTrimmed += last;
    }
    let history: HistoryPruned | null = null;
    if (now.getTime() - this.lastHistoryPrune >= HISTORY_PRUNE_INTERVAL_MS) {
      this.lastHistoryPrune = now.getTime();
      history = await this.freeze.pruneHistory(await this.historyCutoff(now), now);
    }
    let backfill: BackfillResult | null = null;
    if (!this.backfillDone) {
      backfill = await this.drifts.backfillRetention(batch);
      this.backfillDone = backfill.done;
      if (backfill.records + backfill.resources > 0)
        this.logger.info(
          { records: backfill.records, resources: backfill.resources },
          'data written before retention existed was given its retention',
        );
    }
    const historyRemoved = history ? history.manual + history.overrides + history.incidents + history.unknownIntervals : 0;
    if (drifts.removed > 0) this.metrics.retentionRemoved.inc({ family: 'drifts' }, drifts.removed);
    if (auditTrimmed > 0) this.metrics.retentionRemoved.inc({ family: 'audit' }, auditTrimmed);
    if (historyRemoved > 0) this.metrics.retentionRemoved.inc({ family: 'freeze_history' }, historyRemoved);
    if (drifts.removed + auditTrimmed + historyRemoved > 0) {
      this.logger.debug({ drifts: drifts.removed, driftsDue: drifts.due, auditTrimmed, history }, 'retention sweep removed expired data');
    }
    return { drifts, auditTrimmed, history, backfill };
  }

  /**
   * Freeze history that ended before this time is no longer needed: older than the retention,
   * and older than the oldest open drift (its differences are decided again against the freezes
   * at their changes, however long it stays open), each widened by cooldown and lookback.
   */
  async historyCutoff(now: Date): Promise<Date> {
    const r = this.config.retention;
    let limit = now.getTime() - r.freezeHistoryMs;
    const oldestOpen = await this.drifts.oldestOpenSince();
    if (oldestOpen) limit = Math.min(limit, oldestOpen.getTime() - OPEN_DRIFT_MARGIN_MS);
    const widen = this.config.incidents.cooldownMinutes * 60_000 + this.config.incidents.lookbackMinutes * 60_000;
    return new Date(limit - widen);
  }
}
