/**
 * A wait is not a failure (issue 11 §1; CONVENTIONS "Avoid"): a processor that must wait (a rate
 * limit's window, CloudTrail's delivery lag) throws a WaitError, and the job is delayed on real
 * BullMQ without spending one of its attempts; a real failure still spends one.
 */
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { TransientError, WaitError } from '@driftwarden/domain';
import { QueueName, createWorker } from '@driftwarden/queue';
import { dropPrefix, eventually, uniquePrefix } from '../support/test-controller';
import { testKeys, testRedis } from '../support/redis';

describe('waiting jobs keep their attempts', () => {
  const keys = testKeys(uniquePrefix());
  const connections: Redis[] = [];
  const conn = () => {
    const c = testRedis({ maxRetriesPerRequest: null });
    connections.push(c);
    return c;
  };
  afterAll(async () => {
    for (const c of connections) c.disconnect();
    await dropPrefix(keys.prefix);
  });

  it('ten waits, then success: completed with no attempt spent and no failed event; a real error spends one', async () => {
    const queue = new Queue(QueueName.Evaluate, { connection: conn(), prefix: keys.bullPrefix });
    const runs = new Map<string, number>();
    const failed: string[] = [];
    const worker = createWorker(
      QueueName.Evaluate,
      async (job: Job) => {
        const n = (runs.get(job.id!) ?? 0) + 1;
        runs.set(job.id!, n);
        if (job.id === 'waits' && n <= 10)
          throw new WaitError('CloudTrail LookupEvents is limited to 2 calls/s', 'cloudtrail_rate_limited', { retryAfterMs: 20 });
        if (job.id === 'fails' && n === 1) throw new TransientError('EC2 answered 503', 'ec2_server_error');
        return 'done';
      },
      { connection: conn(), prefix: keys.bullPrefix, concurrency: 2 },
    );
    worker.on('failed', (job) => failed.push(job?.id ?? '?'));
    try {
      await queue.add(
        'evaluate',
        { resourceKey: 'a/b/c/d', trigger: 'item', correlationId: 'x' },
        { jobId: 'waits', attempts: 2, backoff: { type: 'dw' } },
      );
      await queue.add(
        'evaluate',
        { resourceKey: 'a/b/c/e', trigger: 'item', correlationId: 'y' },
        { jobId: 'fails', attempts: 2, backoff: { type: 'dw' } },
      );
      const waits = await eventually(
        // The job is read after its state says completed (read before, it may hold the previous attempt's counts).
        async () => ((await queue.getJobState('waits')) === 'completed' ? queue.getJob('waits') : undefined),
        'the waiting job to complete',
        20_000,
      );
      expect(runs.get('waits')).toBe(11);
      // Two attempts allowed, ten waits taken: none of them was an attempt (BullMQ counts the success itself as 0 or 1).
      expect(waits!.attemptsMade).toBeLessThanOrEqual(1);
      const fails = await eventually(
        // The job is read after its state says completed (read before, it may hold the previous attempt's counts).
        async () => ((await queue.getJobState('fails')) === 'completed' ? queue.getJob('fails') : undefined),
        'the failing job to succeed on its retry',
        20_000,
      );
      expect(fails!.attemptsMade).toBe(2);
      expect(failed).toEqual(['fails']);
    } finally {
      await worker.close();
      await queue.close();
    }
  });
});
