import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { DRIFTWARDEN_CONFIG, DRIFTWARDEN_ROLES, type DriftwardenConfig, type Role } from '@driftwarden/config';
import { SqsConsumer, createSqsClient } from '@driftwarden/ingest';
import { Metrics, type Logger } from '@driftwarden/observability';
import { BackportService, EvaluateService, IngestService, RemediateService, type EvaluateOutcome } from '@driftwarden/pipeline';
import {
  ConcurrencyLimit,
  JobProducer,
  QueueName,
  createWorker,
  isEvaluateBatch,
  jobLockKey,
  type EvaluateBatchJob,
  type EvaluateJob,
} from '@driftwarden/queue';
import { RedisConnectionMonitor, RedisKeys, createRedis, isRedisConnectionError } from '@driftwarden/redis';
import { QuarantineStore, type ClaimHolder, type ClaimResult } from '@driftwarden/store';
import { isWait } from '@driftwarden/domain';
import { IncidentPoller } from '@driftwarden/freeze';
import { LOGGER } from '../core/tokens';

/**
 * Runs the queue workers (role `worker`) and the SQS consumer. Processors are thin: unpack
 * the job, call one use case, return its status. Shutdown stops taking work, lets in-flight
 * jobs finish, then closes connections.
 */
@Injectable()
export class WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];
  private sqs: SqsConsumer | null = null;
  private started = false;
  /** Batch jobs' evaluations share these slots: no more at once than as many single jobs. */
  private readonly batchSlots: ConcurrencyLimit;
  private readonly completedListeners: ((resourceKey: string, status: string) => void)[] = [];

  /** Observes evaluations as they complete (the benchmark measures decision latency with it). */
  onCompleted(listener: (resourceKey: string, status: string) => void): void {
    this.completedListeners.push(listener);
  }

  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(DRIFTWARDEN_ROLES) private readonly roles: Role[],
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly keys: RedisKeys,
    private readonly metrics: Metrics,
    private readonly evaluate: EvaluateService,
    private readonly remediate: RemediateService,
    private readonly backport: BackportService,
    private readonly ingest: IngestService,
    private readonly quarantine: QuarantineStore,
    private readonly producer: JobProducer,
    private readonly poller: IncidentPoller,
    private readonly redisMonitor: RedisConnectionMonitor,
  ) {
    this.batchSlots = new ConcurrencyLimit(config.workers.concurrency);
  }

  get running(): { workers: number; expected: number; sqs: boolean | null } {
    const expected = this.roles.includes('worker') ? 4 : 0;
    return {
      workers: this.workers.filter((w) => w.isRunning()).length,
      expected,
      sqs: this.config.ingest.sqs && this.roles.includes('worker') ? (this.sqs?.running ?? false) : null,
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.roles.includes('worker')) return;
    const connection = () => {
      const c = createRedis({
        url: this.config.redis.url,
        cluster: this.config.redis.cluster,
        name: 'driftwarden:worker',
        blocking: true,
        monitor: this.redisMonitor,
      });
      this.connections.push(c);
      return c;
    };
    const opts = {
      prefix: this.keys.bullPrefix,
      concurrency: this.config.workers.concurrency,
      lockDurationMs: this.config.workers.lockDurationSeconds * 1000,
    };
    const evaluate = createWorker(
      QueueName.Evaluate,
      async (job, token) => {
        // The job's lock makes each of its claims exclusive while it runs.
        const holder = token && job.id ? { lockKey: jobLockKey(job), token } : undefined;
        if (isEvaluateBatch(job.data)) return this.evaluateBatch(job.data, holder);
        return this.evaluateOne(job.data, holder);
      },
      { ...opts, connection: connection() },
    );
    const remediate = createWorker(QueueName.Remediate, (job) => this.remediate.run(job.data, { enqueuedAtMs: job.timestamp }), {
      ...opts,
      concurrency: Math.min(opts.concurrency, 8),
      connection: connection(),
    });
    const backport = createWorker(QueueName.Backport, (job) => this.backport.run(job.data, { enqueuedAtMs: job.timestamp }), {
      ...opts,
      concurrency: Math.min(opts.concurrency, 4),
      connection: connection(),
    });
    const incidents = createWorker(
      QueueName.Incidents,
      async (job) => {
        const snaps = await this.poller.pollAll(job.data.reason === 'webhook' ? 'webhook-refresh' : 'scheduler');
        return snaps.map((s) => `${s.provider}:${s.ok ? 'ok' : 'failed'}`).join(',');
      },
      { ...opts, concurrency: 1, connection: connection() },
    );
    for (const w of [evaluate, remediate, backport, incidents]) {
      w.on('failed', (job, err) => {
        this.metrics.jobFailures.inc({ queue: w.name });
        const correlationId = (job?.data as { correlationId?: string } | undefined)?.correlationId;
        const final = job !== undefined && (err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1));
        if (!final) {
          this.logger.warn(
            { queue: w.name, jobId: job?.id, attempt: job?.attemptsMade, correlationId, err: { message: err.message, name: err.name } },
            'job attempt failed',
          );
          return;
        }
        this.logger.error(
          { queue: w.name, jobId: job.id, attempts: job.attemptsMade, correlationId, err: { message: err.message, name: err.name } },
          'job failed for good',
        );
        if (w === evaluate) {
          const data = job.data as EvaluateJob | EvaluateBatchJob;
          if (!isEvaluateBatch(data)) void this.recordFailedEvaluation(data, err);
          // A batch names resources it may have decided before it failed: only those with an item
          // still claimed or pending are failures.
          else
            for (const resourceKey of data.resourceKeys)
              void this.recordFailedEvaluation({ resourceKey, correlationId: data.correlationId }, err, true);
        }
      });
      // Connection trouble (its own connection and the blocking one BullMQ makes) goes to the
      // rate-limited Redis log; anything else is a worker error.
      w.on('error', (err) =>
        isRedisConnectionError(err)
          ? this.redisMonitor.report(`worker:${w.name}`, err)
          : this.logger.error({ queue: w.name, err: { message: err.message } }, 'worker error'),
      );
      this.workers.push(w);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    this.metrics.workersRunning.set(this.workers.length);
    this.started = true;
    this.startSqs();
  }

  /** One resource's evaluation: decision metrics, the log line, the completion listeners; its errors are the caller's. */
  private evaluateOne(data: EvaluateJob, holder: ClaimHolder | undefined): Promise<string> {
    return this.decided(data, () => this.evaluate.evaluate(data.resourceKey, data.correlationId, data.trigger, holder));
  }

  /** Runs one resource's evaluation and records what it decided (metrics, log, completion listeners). */
  private async decided(data: EvaluateJob, run: () => Promise<EvaluateOutcome>): Promise<string> {
    const started = process.hrtime.bigint();
    const outcome = await run();
    if (outcome.status === 'decided') {
      this.metrics.decisions.inc({
        action: outcome.decision.action,
        rule: String(outcome.decision.rule),
        dry_run: String(this.config.mode === 'dry-run'),
      });
      this.metrics.decisionSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      this.logger.debug(
        { correlationId: data.correlationId, eventId: outcome.eventId, action: outcome.decision.action, rule: outcome.decision.rule },
        'decision recorded',
      );
    }
    for (const l of this.completedListeners) l(data.resourceKey, outcome.status);
    return outcome.status;
  }

  /**
   * A batch job's resources: their items are claimed in one round trip (each claim held by this
   * job's lock, as a single job's is), then decided within the shared batch slots. A resource
   * another live run holds (busy), or whose decision throws, is handed to a job of its own (retries
   * with back-off, the failure record when they run out); its claim, if it made one, is taken over
   * once this job's lock is gone. The batch fails only when its claims or that hand-over cannot be
   * made, and is then retried whole (the same job claims again; a new attempt takes the claims over).
   */
  private async evaluateBatch(data: EvaluateBatchJob, holder: ClaimHolder | undefined): Promise<string> {
    const handOver: string[] = [];
    let decided = 0;
    // Each resource once: the same holder claiming one twice would get the same item twice.
    const resourceKeys = [...new Set(data.resourceKeys)];
    const claims: (ClaimResult | undefined)[] = await this.evaluate.claimMany(resourceKeys, holder);
    await Promise.all(
      resourceKeys.map((resourceKey, i) => {
        const claim = claims[i]!;
        // The batch lets go of each claim as its decision takes it: an item's state then lives as
        // long as its own decision, not until the batch's last one is done (held that long, every
        // item of every running batch outlived the young generation and was copied into the old).
        claims[i] = undefined;
        const one = { resourceKey, trigger: data.trigger, correlationId: data.correlationId };
        if (claim === 'busy') {
          // Another live run holds the resource: waiting is not failing, its own job waits as long as it must.
          handOver.push(resourceKey);
          return Promise.resolve();
        }
        if (claim === null) return this.decided(one, () => Promise.resolve({ status: 'nothing_pending' as const }));
        return this.batchSlots.run(async () => {
          try {
            if ((await this.decided(one, () => this.evaluate.decideClaimed(claim, data.correlationId))) === 'decided') decided++;
          } catch (err) {
            handOver.push(resourceKey);
            // Waiting (CloudTrail has not delivered yet, a rate limit) is not failing either.
            if (isWait(err)) return;
            this.metrics.jobFailures.inc({ queue: QueueName.Evaluate });
            this.logger.warn(
              {
                queue: QueueName.Evaluate,
                resourceKey,
                correlationId: data.correlationId,
                err: { message: err instanceof Error ? err.message : String(err), name: err instanceof Error ? err.name : 'Error' },
              },
              'evaluation in a batch failed: retried as a job of its own',
            );
          }
        });
      }),
    );
    if (handOver.length > 0)
      await this.producer.evaluate(
        handOver.map((resourceKey) => ({ resourceKey, trigger: data.trigger, correlationId: data.correlationId })),
        { batch: false },
      );
    return `${resourceKeys.length} resources: ${decided} decided, ${handOver.length} handed to jobs of their own`;
  }

  /** An evaluation that failed for good leaves a `failed` record, an audit entry (notified) and the item to replay. */
  private async recordFailedEvaluation(
    data: { resourceKey: string; correlationId: string },
    err: Error,
    onlyInFlight = false,
  ): Promise<void> {
    const [code, ...rest] =
      err.name === 'UnrecoverableError' && /^[a-z0-9_]+: /.test(err.message) ? err.message.split(': ') : ['evaluation_failed', err.message];
    try {
      const recorded = await this.evaluate.recordFailure(
        data.resourceKey,
        { code, message: rest.join(': ') || err.message },
        data.correlationId,
        { onlyInFlight },
      );
      if (!recorded && onlyInFlight) return;
      this.logger.error(
        { resourceKey: data.resourceKey, correlationId: data.correlationId, driftId: recorded?.driftId, eventId: recorded?.eventId },
        'evaluation failed for good: recorded as a failed drift (driftwarden replay --failed decides it again)',
      );
    } catch (e) {
      this.logger.error(
        { resourceKey: data.resourceKey, correlationId: data.correlationId, err: { message: e instanceof Error ? e.message : String(e) } },
        'evaluation failed for good and could not be recorded',
      );
    }
  }

  private startSqs(): void {
    const sqs = this.config.ingest.sqs;
    if (!sqs) return;
    const client = createSqsClient({ region: sqs.region ?? 'us-east-1', waitTimeSeconds: sqs.waitTimeSeconds });
    this.sqs = new SqsConsumer(
      client,
      {
        queueUrl: sqs.queueUrl,
        waitTimeSeconds: sqs.waitTimeSeconds,
        maxNumberOfMessages: sqs.maxMessages,
        visibilityTimeoutSeconds: sqs.visibilityTimeoutSeconds,
        maxReceiveCount: sqs.maxReceiveCount,
      },
      {
        handle: async (body, meta) => {
          const result = await this.ingest.ingest(body, { transport: 'sqs', actor: 'sqs', correlationId: meta.messageId });
          if (!result.ok) return { status: 'rejected', problems: result.problems };
          for (const a of result.accepted) this.metrics.eventsAccepted.inc({ kind: a.kind, status: a.status, transport: 'sqs' });
          return { status: 'accepted' };
        },
        quarantine: async (body, reason, meta) => {
          this.metrics.quarantined.inc({ source: 'sqs' });
          const why =
            reason.kind === 'rejected'
              ? `malformed: ${reason.problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ')}`
              : `failed ${reason.receiveCount} times: ${reason.error.message}`;
          await this.quarantine.put('sqs', body, why, { messageId: meta.messageId, receiveCount: meta.receiveCount });
        },
        logger: this.logger,
      },
    );
    this.sqs.start();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.sqs) await this.sqs.stop();
    // Worker.close() waits for in-flight jobs.
    await Promise.all(this.workers.map((w) => w.close()));
    await this.producer.close();
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
    this.started = false;
  }

  get isStarted(): boolean {
    return this.started;
  }
}
