import { UnrecoverableError, Worker, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import { PermanentError } from '@driftwarden/domain';
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
 * Wraps a processor so that permanent errors become BullMQ `UnrecoverableError`s (no retry)
 * while every other error is rethrown for BullMQ's retry with back-off. Nothing is swallowed.
 */
export function classified<T>(fn: (job: Job<T>) => Promise<unknown>): Processor<T> {
  return async (job: Job<T>) => {
    try {
      return await fn(job);
    } catch (err) {
      if (err instanceof PermanentError) {
        throw new UnrecoverableError(`${err.code}: ${err.message}`);
      }
      throw err;
    }
  };
}

export function createWorker<Q extends QueueName>(
  queue: Q,
  processor: (job: Job<JobData<Q>>) => Promise<unknown>,
  options: WorkerOptions,
): Worker<JobData<Q>> {
  return new Worker<JobData<Q>>(queue, classified(processor), {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    autorun: options.autorun ?? true,
    maxStalledCount: 3,
  });
}
