import { DelayedError, UnrecoverableError, Worker, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import { PermanentError, WaitError } from '@driftwarden/domain';
import type { JobData, QueueName } from './job-catalogue';

export interface WorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  /** Lock duration: a job whose worker dies is retried after this (stalled-job recovery). */
  lockDurationMs?: number;
  autorun?: boolean;
}

/**
 * The key BullMQ keeps a running job's lock under (holding the run's token, renewed while the run
 * lives, deleted when it ends, expiring when its worker dies): a claim's holder (ClaimHolder).
 * test/pipeline/batch-evaluation.int-spec.ts checks it against BullMQ itself.
 */
export function jobLockKey(job: Pick<Job, 'queueQualifiedName' | 'id'>): string {
  return `${job.queueQualifiedName}:${job.id}:lock`;
}

/** The longest a waiting job is put off at once (it comes back and waits again if need be). */
export const MAX_WAIT_MS = 300_000;

/**
 * Wraps a processor so that permanent errors become BullMQ `UnrecoverableError`s (no retry), a
 * `WaitError` delays the job without spending an attempt (BullMQ's `moveToDelayed` +
 * `DelayedError`: a rate limit or a delivery lag is not a failure), and every other error is
 * rethrown for BullMQ's retry with back-off. Nothing is swallowed.
 */
export function classified<T>(fn: (job: Job<T>, token?: string) => Promise<unknown>, now: () => number = Date.now): Processor<T> {
  return async (job: Job<T>, token?: string) => {
    try {
      return await fn(job, token);
    } catch (err) {
      if (err instanceof PermanentError) {
        throw new UnrecoverableError(`${err.code}: ${err.message}`);
      }
      if (err instanceof WaitError && token) {
        const ms = Math.max(50, Math.min(err.retryAfterMs ?? 1000, MAX_WAIT_MS));
        await job.moveToDelayed(now() + ms, token);
        throw new DelayedError(`${err.code}: waiting ${ms} ms (${err.message})`);
      }
      throw err;
    }
  };
}

/**
 * Back-off for `{ type: 'dw' }`: the error's own `retryAfterMs` when it has one (rate limits,
 * CloudTrail delivery lag), else exponential from 1 s, capped at 5 min, with jitter.
 */
export function retryDelay(attemptsMade: number, _type?: string, err?: Error): number {
  const hinted = err && 'retryAfterMs' in err ? (err as { retryAfterMs?: number }).retryAfterMs : undefined;
  if (typeof hinted === 'number' && hinted > 0) return Math.min(hinted, 300_000);
  const base = Math.min(1000 * 2 ** Math.max(0, attemptsMade - 1), 300_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export function createWorker<Q extends QueueName>(
  queue: Q,
  /** `token`: the job's lock token (BullMQ's), for a ClaimHolder. */
  processor: (job: Job<JobData<Q>>, token?: string) => Promise<unknown>,
  options: WorkerOptions,
): Worker<JobData<Q>> {
  return new Worker<JobData<Q>>(queue, classified(processor), {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    // Look for jobs of dead workers as often as a lock can run out (BullMQ's default is 30 s).
    stalledInterval: Math.min(options.lockDurationMs ?? 30_000, 30_000),
    autorun: options.autorun ?? true,
    maxStalledCount: 3,
    settings: { backoffStrategy: retryDelay },
  });
}
