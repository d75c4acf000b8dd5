/**
 * JobProducer.evaluate on the real Redis: a request for a resource whose evaluation is running is
 * kept (the latest one) and runs after it, never beside it, whether it came alone (Queue.add) or
 * in a batch (Queue.addBulk). Both paths must give BullMQ the same deduplication options: "one
 * resource is never evaluated twice at once" rests on them.
 */
import type { Redis } from 'ioredis';
import type { Job, Worker } from 'bullmq';
import { JobProducer, createWorker, isEvaluateBatch, type EvaluateBatchJob, type EvaluateJob } from '@driftwarden/queue';
import { dropPrefix, eventually, uniquePrefix } from '../support/test-controller';
import { testKeys, testRedis } from '../support/redis';

describe('JobProducer.evaluate coalesces per resource', () => {
  let base: string;
  let prefix: string;
  let producer: JobProducer;
  let worker: Worker | null = null;
  const connections: Redis[] = [];
  const connection = () => {
    const c = testRedis({ maxRetriesPerRequest: null });
    connections.push(c);
    return c;
  };

  beforeEach(() => {
    base = uniquePrefix();
    prefix = testKeys(base).bullPrefix;
    producer = new JobProducer({ connection: connection(), prefix, coalesceMs: 0 });
  });
  afterEach(async () => {
    await worker?.close();
    worker = null;
    await producer.close();
    for (const c of connections.splice(0)) c.disconnect();
    await dropPrefix(base);
  });

  const job = (resourceKey: string, correlationId: string): EvaluateJob => ({ resourceKey, trigger: 'item', correlationId });

  /** A worker whose first job of resource `held` waits for `release`; records every run and any overlap. */
  function startWorker(held: string) {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const runs: string[] = [];
    const active = new Map<string, number>();
    let overlaps = 0;
    let started!: () => void;
    const heldStarted = new Promise<void>((r) => (started = r));
    worker = createWorker(
      'evaluate',
      async (j: Job<EvaluateJob | EvaluateBatchJob>) => {
        if (isEvaluateBatch(j.data)) throw new Error('no batch job expected here');
        const rk = j.data.resourceKey;
        active.set(rk, (active.get(rk) ?? 0) + 1);
        if (active.get(rk)! > 1) overlaps++;
        runs.push(`${rk}:${j.data.correlationId}`);
        if (rk === held && runs.filter((r) => r.startsWith(`${held}:`)).length === 1) {
          started();
          await gate;
        }
        active.set(rk, active.get(rk)! - 1);
        return 'decided';
      },
      { connection: connection(), prefix, concurrency: 8 },
    );
    return { release, heldStarted, runs, overlaps: () => overlaps };
  }

  it.each([
    ['one at a time (Queue.add)', 'single'],
    ['in batches (Queue.addBulk)', 'bulk'],
  ])('keeps the latest request while the resource is being evaluated, %s', async (_name, path) => {
    const w = startWorker('r1');
    await producer.evaluate([job('r1', 'first')]);
    await w.heldStarted;
    const ask = (cid: string) =>
      path === 'single'
        ? producer.evaluate([job('r1', cid)])
        : producer.evaluate([job('r1', cid), job(`other-${cid}`, cid)], { batch: false });
    await ask('second');
    await ask('third');
    w.release();
    const r1 = () => w.runs.filter((r) => r.startsWith('r1:'));
    await eventually(async () => r1().length >= 2, 'the kept request to run');
    const others = path === 'bulk' ? ['other-second:second', 'other-third:third'] : [];
    await eventually(async () => w.runs.length >= 2 + others.length, 'every other resource to run');
    // A moment for a wrongly kept extra job to show up.
    await new Promise((r) => setTimeout(r, 200));
    expect(r1()).toEqual(['r1:first', 'r1:third']);
    expect(w.runs.filter((r) => r.startsWith('other-')).sort()).toEqual(others);
    expect(w.overlaps()).toBe(0);
  });
});
