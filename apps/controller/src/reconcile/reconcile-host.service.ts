import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { DRIFTWARDEN_CONFIG, DRIFTWARDEN_ROLES, type DriftwardenConfig, type Role } from '@driftwarden/config';
import { Metrics, type Logger } from '@driftwarden/observability';
import type { ReconcileService, SweepOptions, SweepOutcome } from '@driftwarden/pipeline';
import { JobProducer, QueueName, createWorker } from '@driftwarden/queue';
import { RedisConnectionMonitor, RedisKeys, createRedis, isRedisConnectionError, isRedisUnavailableError } from '@driftwarden/redis';
import { ReconcileStatusStore, type ReconcileStatus } from '@driftwarden/store';
import { LOGGER } from '../core/tokens';

/** The sweep use case, or null when the sweep is off (`reconcile.intervalMinutes: 0`) or has nothing to enumerate. */
export const RECONCILE_SERVICE = Symbol('RECONCILE_SERVICE');

/** How often the scheduler checks that the sweep's schedule still exists (a Redis emptied loses it). */
const ENSURE_SCHEDULE_MS = 60_000;

/** What `/readyz` says about the sweep. */
export interface ReconcileReadiness {
  enabled: boolean;
  intervalMinutes: number;
  running?: NonNullable<ReconcileStatus['running']> & { progress: number };
  last?: NonNullable<ReconcileStatus['last']>;
  /** No sweep completed within two intervals (reported, never a reason to fail readiness). */
  overdue?: boolean;
  note?: string;
}

/**
 * Schedules the reconciling sweep (role `scheduler`: one BullMQ job scheduler for all replicas,
 * every `reconcile.intervalMinutes`) and runs it (role `worker`: a worker of concurrency 1; the
 * sweep's lease keeps it to one replica at a time, and its due check makes a duplicate job
 * harmless).
 */
@Injectable()
export class ReconcileHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker: Worker | null = null;
  private connection: Redis | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Fired at shutdown: a sweep in progress stops between API calls, so closing never waits for a whole sweep. */
  private readonly shutdown = new AbortController();

  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(DRIFTWARDEN_ROLES) private readonly roles: Role[],
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RECONCILE_SERVICE) private readonly service: ReconcileService | null,
    private readonly status: ReconcileStatusStore,
    private readonly producer: JobProducer,
    private readonly keys: RedisKeys,
    private readonly metrics: Metrics,
    private readonly redisMonitor: RedisConnectionMonitor,
  ) {}

  private get intervalMs(): number {
    return this.config.reconcile.intervalMinutes * 60_000;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.roles.includes('scheduler')) {
      if (!this.service) await this.producer.removeReconcile();
      else {
        await this.producer.scheduleReconcile(this.intervalMs);
        this.timer = setInterval(() => {
          this.producer
            .ensureReconcile(this.intervalMs)
            .then((restored) => restored && this.logger.info('the reconcile schedule was gone (Redis emptied): set up again'))
            .catch((err: unknown) =>
              isRedisUnavailableError(err)
                ? this.redisMonitor.report('reconcile-schedule', err)
                : this.logger.warn(
                    { err: { message: err instanceof Error ? err.message : String(err) } },
                    'reconcile schedule check failed',
                  ),
            );
        }, ENSURE_SCHEDULE_MS);
        this.timer.unref();
      }
    }
    if (!this.service || !this.roles.includes('worker')) return;
    this.connection = createRedis({
      url: this.config.redis.url,
      cluster: this.config.redis.cluster,
      name: 'driftwarden:reconcile',
      blocking: true,
      monitor: this.redisMonitor,
    });
    const worker = createWorker(
      QueueName.Reconcile,
      async (job) =>
        (await this.sweep({ force: job.data.reason === 'now', correlationId: job.data.correlationId, signal: this.shutdown.signal }))
          .status,
      {
        connection: this.connection,
        prefix: this.keys.bullPrefix,
        concurrency: 1,
        lockDurationMs: this.config.workers.lockDurationSeconds * 1000,
      },
    );
    worker.on('failed', (job, err) => {
      this.metrics.reconcileSweeps.inc({ outcome: 'failed' });
      this.logger.error({ queue: worker.name, jobId: job?.id, err: { message: err.message, name: err.name } }, 'reconcile sweep failed');
    });
    worker.on('error', (err) =>
      isRedisConnectionError(err)
        ? this.redisMonitor.report('worker:reconcile', err)
        : this.logger.error({ queue: worker.name, err: { message: err.message } }, 'worker error'),
    );
    await worker.waitUntilReady();
    this.worker = worker;
  }

  /** One sweep if due (`force`: now); what the job runs, and what tests call with a fake clock. */
  async sweep(options: SweepOptions = {}): Promise<SweepOutcome> {
    if (!this.service) throw new Error('the reconciling sweep is off (reconcile.intervalMinutes: 0, or no state index to enumerate)');
    const outcome = await this.service.sweepIfDue(options);
    if (outcome.status === 'completed') {
      const last = outcome.last;
      this.logger.info(
        {
          sweepId: last.sweepId,
          checked: last.checked,
          fed: last.fed,
          errors: last.errors,
          durationMs: last.durationMs,
          correlationId: options.correlationId,
        },
        'reconcile sweep completed',
      );
    } else if (outcome.status === 'stopped') {
      this.metrics.reconcileSweeps.inc({ outcome: 'stopped' });
      this.logger.info(
        { checked: outcome.checked, total: outcome.total, correlationId: options.correlationId },
        'reconcile sweep stopped (shutting down); the next due sweep starts over',
      );
    }
    return outcome;
  }

  async readiness(now: Date): Promise<ReconcileReadiness> {
    const intervalMinutes = this.config.reconcile.intervalMinutes;
    if (!this.service) {
      return {
        enabled: false,
        intervalMinutes,
        note: intervalMinutes === 0 ? 'reconcile.intervalMinutes is 0: lost events are not looked for' : 'no state index to enumerate',
      };
    }
    const { running, last } = await this.status.read();
    const since = last ? Date.parse(last.completedAt) : null;
    return {
      enabled: true,
      intervalMinutes,
      ...(running
        ? { running: { ...running, progress: running.total === 0 ? 1 : Math.round((running.checked / running.total) * 1000) / 1000 } }
        : {}),
      ...(last ? { last } : {}),
      ...(since !== null ? { overdue: now.getTime() - since > 2 * this.intervalMs } : {}),
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.shutdown.abort();
    await this.worker?.close();
    this.connection?.disconnect();
  }
}
