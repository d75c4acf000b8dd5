import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DriftwardenConfig } from '@driftwarden/config';
import { AuditFollower, type FollowedEntry } from '@driftwarden/notifications';
import type { Logger } from '@driftwarden/observability';
import { createWorker, type JobData, type QueueName } from '@driftwarden/queue';
import { createRedis, isRedisConnectionError, type RedisConnectionMonitor, type RedisKeys } from '@driftwarden/redis';

export interface AuditFedQueueOptions<Q extends QueueName> {
  /** The consumer group on the audit stream (each entry is looked at once across the replicas). */
  group: string;
  /** Names the follower's connection (`<follow>`, as reported to the Redis monitor) . */
  follow: string;
  /** The queue the entries become jobs of, and its worker's concurrency. */
  queue: Q;
  concurrency: number;
  /** Turns a batch of entries into jobs (and enqueues them); a throw leaves the batch pending, handed out again. */
  enqueue(batch: FollowedEntry[]): Promise<void>;
  /** Runs one job of the queue. */
  process(job: Job<JobData<Q>>): Promise<string>;
  /** What the follower's warning says it follows the audit log for (`notifications`). */
  purpose: string;
}

/**
 * What the notification hosts share (webhooks and Slack; incident notes): follow the audit log as a
 * Redis consumer group on a blocking connection of its own, turn each batch of entries into jobs of
 * one queue, and run that queue's worker on another connection. Redis connection errors go to the
 * monitor, any other failure is logged; the follower retries with back-off (AuditFollower.run).
 * `stop` ends the following, closes the worker, then the connections.
 */
export class AuditFedQueue {
  private worker: Worker | null = null;
  private readonly connections: Redis[] = [];
  private following: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly deps: {
      config: DriftwardenConfig;
      logger: Logger;
      keys: RedisKeys;
      streamKey: string;
      redisMonitor: RedisConnectionMonitor;
    },
  ) {}

  async start<Q extends QueueName>(o: AuditFedQueueOptions<Q>): Promise<void> {
    const { config, logger, keys, redisMonitor } = this.deps;
    const connection = (name: string) => {
      const c = createRedis({
        url: config.redis.url,
        cluster: config.redis.cluster,
        name: `driftwarden:${name}`,
        blocking: true,
        monitor: redisMonitor,
      });
      this.connections.push(c);
      return c;
    };
    const follower = new AuditFollower(connection(o.follow), this.deps.streamKey, { group: o.group, blockMs: 1000, claimIdleMs: 30_000 });
    await follower.ensureGroup();
    const worker = createWorker(o.queue, (job) => o.process(job), {
      connection: connection(o.queue),
      prefix: keys.bullPrefix,
      concurrency: o.concurrency,
      lockDurationMs: config.workers.lockDurationSeconds * 1000,
    });
    this.worker = worker;
    worker.on('error', (err) =>
      isRedisConnectionError(err)
        ? redisMonitor.report(`worker:${o.queue}`, err)
        : logger.error({ queue: o.queue, err: { message: err.message } }, 'worker error'),
    );
    await worker.waitUntilReady();
    this.following = follower.run((batch) => o.enqueue(batch), {
      stopped: () => this.stopping,
      onError: (err, failures) => {
        if (isRedisConnectionError(err)) redisMonitor.report(o.follow, err);
        else
          logger.warn(
            { err: { message: err instanceof Error ? err.message : String(err) }, failures },
            `following the audit log for ${o.purpose} failed; retrying`,
          );
      },
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.following;
    await this.worker?.close();
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
