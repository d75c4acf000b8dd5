/**
 * `npm run bench [-- --json]`: measures, in one run on this machine's Redis,
 *  - raw BullMQ no-op throughput (add + process end to end) as the baseline,
 *  - the pipeline's events/s from ingest (normalisation included) to decision recorded,
 *  - their ratio (target >= 0.5), and
 *  - decision latency p50/p99 at a fixed offered load of 500 events/s (target p99 <= 25 ms).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { parseConfigObject } from '@driftwarden/config';
import { IngestService } from '@driftwarden/pipeline';
import { startController } from '../../apps/controller/src/bootstrap';
import { instantPorts } from './instant-ports';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const json = process.argv.includes('--json');
const log = (msg: string) => {
  if (!json) process.stderr.write(`${msg}\n`);
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

async function rawBullmq(jobs: number): Promise<number> {
  const prefix = `dwbench-raw-${randomBytes(3).toString('hex')}`;
  const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const wconn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('raw', { connection: conn, prefix });
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const worker = new Worker('raw', async () => undefined, { connection: wconn, prefix, concurrency: 50, autorun: false });
  worker.on('completed', () => {
    if (++done === jobs) finish();
  });
  await worker.waitUntilReady();
  const t0 = performance.now();
  void worker.run();
  for (let i = 0; i < jobs; i += 500) {
    await queue.addBulk(Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({ name: 'noop', data: { i: i + k }, opts: { removeOnComplete: true } })));
  }
  await finished;
  const rate = jobs / ((performance.now() - t0) / 1000);
  await worker.close();
  await queue.close();
  conn.disconnect();
  wconn.disconnect();
  await dropPrefix(prefix);
  return rate;
}

function sgEvent(groupId: string, stateId: number): Record<string, unknown> {
  const captureTime = new Date(stateId).toISOString();
  return {
    version: '0',
    id: `b-${groupId}`,
    'detail-type': 'Config Configuration Item Change',
    source: 'aws.config',
    account: '111122223333',
    time: captureTime,
    region: 'eu-west-1',
    resources: [],
    detail: {
      recordVersion: '1.3',
      messageType: 'ConfigurationItemChangeNotification',
      notificationCreationTime: captureTime,
      configurationItemDiff: { changeType: 'UPDATE', changedProperties: {} },
      configurationItem: {
        configurationItemVersion: '1.3',
        configurationItemCaptureTime: captureTime,
        configurationStateId: stateId,
        awsAccountId: '111122223333',
        configurationItemStatus: 'OK',
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: groupId,
        resourceName: groupId,
        ARN: `arn:aws:ec2:eu-west-1:111122223333:security-group/${groupId}`,
        awsRegion: 'eu-west-1',
        availabilityZone: 'Not Applicable',
        resourceCreationTime: null,
        configurationStateMd5Hash: '',
        tags: {},
        relatedEvents: [],
        relationships: [],
        configuration: {
          groupId,
          ipPermissions: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }], ipRanges: ['0.0.0.0/0'], ipv6Ranges: [], prefixListIds: [], userIdGroupPairs: [] }],
          ipPermissionsEgress: [],
        },
        supplementaryConfiguration: {},
      },
    },
  };
}

async function pipeline(events: number, offeredPerSecond: number | null): Promise<{ rate: number; latencies: number[] }> {
  const prefix = `dwbench-${randomBytes(3).toString('hex')}`;
  const config = parseConfigObject(
    { mode: 'dry-run', redis: { url: REDIS_URL, prefix }, api: { port: 0 }, ingest: { coalesceMilliseconds: 0 }, workers: { concurrency: 50 }, attribution: { cloudTrailWaitSeconds: 0, lookupEvents: false } },
    { env: {} },
  );
  const ctl = await startController({
    runtime: { config, roles: ['api', 'worker', 'scheduler'], configPath: null, logLevel: 'silent' as never },
    overrides: instantPorts(),
    logger: pino({ level: 'silent' }),
    port: 0,
    host: '127.0.0.1',
  });
  const ingest = ctl.app.get(IngestService);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  ctl.workers.onCompleted((resourceKey) => {
    const t = sentAt.get(resourceKey);
    if (t !== undefined) {
      latencies.push(performance.now() - t);
      sentAt.delete(resourceKey);
      if (++done === events) finish();
    }
  });
  const tag = randomBytes(3).toString('hex');
  const all = Array.from({ length: events }, (_, i) => sgEvent(`sg-${tag}${String(i).padStart(10, '0')}`, 1_750_000_000_000 + i));
  const keyOf = (i: number) => `111122223333/eu-west-1/AWS::EC2::SecurityGroup/sg-${tag}${String(i).padStart(10, '0')}`;
  const t0 = performance.now();
  if (offeredPerSecond === null) {
    // Saturation: batches of 100, as EventBridge API destinations or SQS batches deliver.
    const inflight: Promise<unknown>[] = [];
    for (let i = 0; i < events; i += 100) {
      const batch = all.slice(i, i + 100);
      const now = performance.now();
      for (let k = 0; k < batch.length; k++) sentAt.set(keyOf(i + k), now);
      inflight.push(ingest.ingest(batch, { transport: 'http', actor: 'bench' }));
      if (inflight.length >= 8) await inflight.shift();
    }
    await Promise.all(inflight);
  } else {
    // Fixed offered load: one event at a time, evenly spaced.
    const interval = 1000 / offeredPerSecond;
    for (let i = 0; i < events; i++) {
      const due = t0 + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sentAt.set(keyOf(i), performance.now());
      void ingest.ingest(all[i], { transport: 'http', actor: 'bench' });
    }
  }
  await finished;
  const rate = events / ((performance.now() - t0) / 1000);
  await ctl.close();
  await dropPrefix(prefix);
  return { rate, latencies: latencies.sort((a, b) => a - b) };
}

async function main(): Promise<void> {
  log('driftwarden benchmark (one process, local Redis)');
  if (process.argv.includes('--profile-pipeline')) {
    // For profiling with --cpu-prof: the saturation run alone.
    for (let i = 0; i < 4; i++) log(`pipeline: ${(await pipeline(10_000, null)).rate.toFixed(0)} events/s`);
    return;
  }
  await rawBullmq(5_000); // warm-up, not counted
  const rawRuns: number[] = [];
  for (let r = 0; r < 3; r++) rawRuns.push(await rawBullmq(20_000));
  const raw = rawRuns.sort((a, b) => a - b)[1];
  log(`raw BullMQ add+process, no-op, concurrency 50: ${raw.toFixed(0)} jobs/s (median of 3)`);
  // Warm-up (JIT, connection pools, Lua script cache), not counted.
  await pipeline(3_000, null);
  const pipeRuns: number[] = [];
  for (let r = 0; r < 3; r++) pipeRuns.push((await pipeline(10_000, null)).rate);
  const pipe = pipeRuns.sort((a, b) => a - b)[1];
  log(`pipeline ingest -> decision recorded, distinct resources: ${pipe.toFixed(0)} events/s (median of 3)`);
  const fixed = await pipeline(5_000, 500);
  const p50 = percentile(fixed.latencies, 50);
  const p99 = percentile(fixed.latencies, 99);
  log(`decision latency at 500 events/s offered: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
  const result = {
    raw_jobs_per_s: Math.round(raw),
    pipeline_events_per_s: Math.round(pipe),
    ratio: Number((pipe / raw).toFixed(3)),
    decision_p50_ms: Number(p50.toFixed(2)),
    decision_p99_ms: Number(p99.toFixed(2)),
    targets: { ratio: '>= 0.5', decision_p99_ms: '<= 25' },
    node: process.version,
    cpus: cpus().length,
  };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    log(`ratio ${result.ratio} (target >= 0.5), p99 ${result.decision_p99_ms} ms (target <= 25 ms)`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
