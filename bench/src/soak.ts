/**
 * `npm run bench -- --soak [--soak-seconds=600] [--soak-rate=1000]` (issue 11 §2, issue 17 §5): Redis
 * memory and the controller's RSS under steady load stay flat. The real controller (api, worker and scheduler roles, its real
 * stores, queues and retention sweep; instant ports for the cloud) takes Config items for
 * distinct security groups at a steady rate, with every retention of the config shortened to
 * `RETENTION` so that expiry shows within the run:
 *  - 60% unmanaged (an `ignored` record each),
 *  - 20% managed and equal to the code (no record: the item and resource hash only),
 *  - 20% managed with a drift (an open record) and a CloudTrail call, fixed `OPEN_SECONDS`
 *    later by a second item (the record is `resolved`, closed).
 * Every `SAMPLE_SECONDS` the memory of the run's keys is measured: `MEMORY USAGE` summed over a
 * SCAN of its prefix (the local Redis is shared, so `INFO memory` moves with other processes; its
 * `used_memory` is reported beside it, for reference only). `soak_redis_mb_start` is the first
 * sample after the warm-up (`WARMUP_SECONDS`: the retentions plus a sweep, by when the first
 * data expires and is swept), `soak_redis_mb_end` the last; flat means end ≈ start while the
 * number of resources seen keeps growing.
 * `soak_rss_mb_start`/`_end` (issue 17 §5; goal <= 200 MB and flat): the resident set of the
 * controller's process at the same samples. The controller runs in a process of its own
 * (soak-child.ts: all roles, as one replica runs them, no Node flag the container does not
 * set), fed over IPC; this process generates the load and scans Redis, so neither counts in
 * the figure. `soak_heap_mb_*` is the controller's V8 heap in use at the same samples
 * (`soak_heap_total_mb_end` what V8 holds for it), and `soak_heap_live_mb_end` the heap it still
 * reaches after one full garbage collection at the end (forced only then, after the last
 * sample): a heap in use that grows while this stays small is garbage V8 had not collected yet,
 * not a leak. `soak_ingest_backlog_end` is the ingest calls still unanswered at the end (a
 * controller slower than the offered rate shows here, and in `soak_decisions` < `soak_items`).
 */
import { randomBytes } from 'node:crypto';
import { fork } from 'node:child_process';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { cloudTrailEvent, configItemEvent, type GroupInfo } from '@driftwarden/sandbox/testing';
import { ChildChannel } from './child-channel';
import type { SoakChildArgs, SoakFromChild, SoakToChild } from './soak-ipc';
import { REDIS_URL, dropPrefix, log, round2, sleep } from './util';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

const SSH_WORLD: PermissionRule = {
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: 22,
  toPort: 22,
  peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
};
const RETENTION = {
  items: '30s',
  resources: '30s',
  closedDrifts: '30s',
  ignoredDrifts: '30s',
  cloudTrailEvents: '30s',
  freezeHistory: '30s',
  audit: { maxAge: '30s' },
};
const OPEN_SECONDS = 10;

const WARMUP_SECONDS = 90;
const SAMPLE_SECONDS = 10;

export interface SoakResult {
  soak_seconds: number;
  soak_events_per_s: number;
  /** Resources actually offered per second (below `soak_events_per_s` when the process could not keep up even offering them). */
  soak_offered_per_s: number;
  soak_items: number;
  soak_decisions: number;
  soak_redis_mb_start: number;
  soak_redis_mb_end: number;
  soak_redis_mb_max_after_warmup: number;
  soak_keys_start: number;
  soak_keys_end: number;
  /** Distinct resources sent by the first and the last sample: the load grows, memory does not. */
  soak_resources_start: number;
  soak_resources_end: number;
  soak_used_memory_mb_start: number;
  soak_used_memory_mb_end: number;
  soak_families_kb_end: Record<string, number>;
  soak_rss_mb_start: number;
  soak_rss_mb_end: number;
  soak_rss_mb_max_after_warmup: number;
  soak_heap_mb_start: number;
  soak_heap_mb_end: number;
  soak_heap_total_mb_end: number;
  soak_heap_live_mb_end: number;
  soak_ingest_backlog_end: number;
}

function argNumber(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const n = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, found ${arg}`);
  return n;
}

/** What a key is, for the breakdown: its family (`item`, `drifts:status`, `q:evaluate:jobs`, …). */
export function familyOf(key: string, prefix: string): string {
  const parts = key.slice(prefix.length + 1).split(':');
  if (parts[0] === 'q') {
    const [, queue, kind] = parts;
    const known = new Set([
      'wait',
      'active',
      'completed',
      'failed',
      'delayed',
      'events',
      'meta',
      'id',
      'de',
      'marker',
      'prioritized',
      'paused',
      'stalled',
      'stalled-check',
      'pc',
      'limiter',
      'repeat',
      'waiting-children',
      'metrics',
    ]);
    return `q:${queue}:${kind !== undefined && known.has(kind) ? kind : 'jobs'}`;
  }
  if (parts[0] === 'drifts' || parts[0] === 'freeze') return `${parts[0]}:${parts[1] ?? ''}`;
  return parts[0];
}

/** Memory of every key under the prefix (MEMORY USAGE over a SCAN), by family. */
async function measure(redis: Redis, prefix: string): Promise<{ bytes: number; keys: number; families: Map<string, number> }> {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  const families = new Map<string, number>();
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (batch.length === 0) continue;
    const pipe = redis.pipeline();
    for (const k of batch) pipe.memory('USAGE', k);
    const replies = (await pipe.exec()) ?? [];
    batch.forEach((k, i) => {
      const n = Number(replies[i]?.[1] ?? 0);
      if (!n) return; // expired between SCAN and MEMORY USAGE
      bytes += n;
      keys += 1;
      const f = familyOf(k, prefix);
      families.set(f, (families.get(f) ?? 0) + n);
    });
  } while (cursor !== '0');
  return { bytes, keys, families };
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN);
}

const mb = (bytes: number) => round2(bytes / 1_048_576);

type ChildSample = Extract<SoakFromChild, { type: 'sample' }>;

/** The controller in its own process (soak-child.ts), fed and sampled over IPC. */
class ControllerProcess {
  private constructor(private readonly channel: ChildChannel<SoakFromChild, SoakToChild>) {}

  static async start(args: SoakChildArgs): Promise<ControllerProcess> {
    const child = fork(path.join(__dirname, 'soak-child.js'), [JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const channel = new ChildChannel<SoakFromChild, SoakToChild>(child, { name: 'the controller process' });
    await channel.next('ready', 60_000);
    return new ControllerProcess(channel);
  }

  send(events: Record<string, unknown>[]): void {
    this.channel.send({ type: 'events', events });
  }

  /** A sample waits behind the events sent before it (one ordered channel): generous. */
  sample(): Promise<ChildSample> {
    this.channel.send({ type: 'sample' });
    return this.channel.next('sample', 120_000);
  }

  /** A full garbage collection in the controller, then its heap in use and resident set. */
  live(): Promise<Extract<SoakFromChild, { type: 'live' }>> {
    this.channel.send({ type: 'live' });
    return this.channel.next('live', 60_000);
  }

  async close(): Promise<void> {
    this.channel.send({ type: 'close' });
    await this.channel.next('closed', 30_000);
  }
}

export async function soakBenchmark(): Promise<SoakResult> {
  const seconds = argNumber('soak-seconds', 600);
  const rate = argNumber('soak-rate', 1000);
  if (seconds < WARMUP_SECONDS + SAMPLE_SECONDS)
    throw new Error(`--soak-seconds must be at least ${WARMUP_SECONDS + SAMPLE_SECONDS}: the warm-up alone is ${WARMUP_SECONDS} s`);
  const prefix = `dwbench-soak-${randomBytes(3).toString('hex')}`;
  const ctl = await ControllerProcess.start({ prefix, retention: RETENTION });
  const redis = new Redis(REDIS_URL);
  const tag = randomBytes(2).toString('hex');
  const group = (kind: string, i: number): GroupInfo => {
    const id = `sg-0${kind}${tag}${String(i).padStart(11, '0')}`;
    return { groupId: id, groupName: id, vpcId: 'vpc-0123456789abcdef0', account: '111122223333', region: 'eu-west-1', tags: {} };
  };
  let items = 0;
  const send = (events: Record<string, unknown>[]) => {
    if (events.length === 0) return;
    items += events.filter((e) => e['detail-type'] === 'Config Configuration Item Change').length;
    ctl.send(events);
  };
  const closing: { at: number; g: GroupInfo; stateId: number }[] = [];
  const samples: {
    t: number;
    bytes: number;
    keys: number;
    used: number;
    resources: number;
    families: Map<string, number>;
    child: ChildSample;
  }[] = [];
  log(`soak: ${rate} distinct resources/s for ${seconds} s, retentions ${JSON.stringify(RETENTION)}, warm-up ${WARMUP_SECONDS} s`);
  const t0 = performance.now();
  let next = 0;
  let nextSample = WARMUP_SECONDS;
  let carry = 0;
  let offeredUntil = 0;
  for (;;) {
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed >= seconds) break;
    // 100 ms ticks: the new resources due since the last tick (a late tick catches up, so the
    // offered rate holds when the loop is busy; at most 1 s at once), and the drifts due to be fixed.
    carry += rate * Math.min(1, elapsed - offeredUntil);
    offeredUntil = elapsed;
    const batch: Record<string, unknown>[] = [];
    const now = Date.now();
    for (; carry >= 1; carry--, next++) {
      const k = next % 10;
      const stateId = now * 10 + (next % 10);
      if (k < 6) batch.push(configItemEvent(group('u', next), [SSH_WORLD], new Date(now), stateId));
      else if (k < 8) batch.push(configItemEvent(group('e', next), [], new Date(now), stateId));
      else {
        const g = group('d', next);
        batch.push(
          cloudTrailEvent(
            g,
            'AuthorizeSecurityGroupIngress',
            [SSH_WORLD],
            'arn:aws:sts::111122223333:assumed-role/developer/bench',
            new Date(now - 500),
          ),
        );
        batch.push(configItemEvent(g, [SSH_WORLD], new Date(now), stateId));
        closing.push({ at: now + OPEN_SECONDS * 1000, g, stateId });
      }
    }
    while (closing.length > 0 && closing[0].at <= now) {
      const c = closing.shift()!;
      batch.push(configItemEvent(c.g, [], new Date(now), c.stateId + 1));
    }
    for (let i = 0; i < batch.length; i += 100) send(batch.slice(i, i + 100));
    if (elapsed >= nextSample) {
      const m = await measure(redis, prefix);
      samples.push({
        t: Math.round(elapsed),
        bytes: m.bytes,
        keys: m.keys,
        used: await usedMemory(redis),
        resources: next,
        families: m.families,
        child: await ctl.sample(),
      });
      const s = samples[samples.length - 1];
      log(
        `  t=${Math.round(elapsed)} s: ${mb(m.bytes)} MB in ${m.keys} keys (redis used_memory ${mb(s.used)} MB), ${next} resources, ${s.child.decisions} decisions; ` +
          `controller RSS ${mb(s.child.rss)} MB, heap ${mb(s.child.heapUsed)} of ${mb(s.child.heapTotal)} MB, external ${mb(s.child.external)} MB, ${s.child.inflight} ingest calls in flight`,
      );
      nextSample += SAMPLE_SECONDS;
    }
    const due = t0 + (elapsed + 0.1) * 1000 - performance.now();
    if (due > 0) await sleep(due);
  }
  const elapsedS = (performance.now() - t0) / 1000;
  const end = await measure(redis, prefix);
  samples.push({
    t: Math.round(elapsedS),
    bytes: end.bytes,
    keys: end.keys,
    used: await usedMemory(redis),
    resources: next,
    families: end.families,
    child: await ctl.sample(),
  });
  const last = samples[samples.length - 1];
  log(
    `  end t=${Math.round(elapsedS)} s: ${mb(end.bytes)} MB in ${end.keys} keys; controller RSS ${mb(last.child.rss)} MB, ${last.child.inflight} ingest calls in flight`,
  );
  const families = [...end.families].sort((a, b) => b[1] - a[1]);
  log(`  by family at the end: ${families.map(([f, b]) => `${f} ${Math.round(b / 1024)} KB`).join(', ')}`);
  const live = await ctl.live();
  log(
    `  after a full garbage collection at the end: controller heap in use ${mb(live.heapUsed)} MB (was ${mb(last.child.heapUsed)}), RSS ${mb(live.rss)} MB`,
  );
  await ctl.close();
  redis.disconnect();
  await dropPrefix(prefix);
  if (last.child.failures > 0) throw new Error(`soak: ${last.child.failures} ingest calls failed (first: ${last.child.firstFailure})`);
  const start = samples[0];
  return {
    soak_seconds: Math.round(elapsedS),
    soak_events_per_s: rate,
    soak_offered_per_s: Math.round(next / elapsedS),
    soak_items: items,
    soak_decisions: last.child.decisions,
    soak_redis_mb_start: mb(start.bytes),
    soak_redis_mb_end: mb(last.bytes),
    soak_redis_mb_max_after_warmup: mb(Math.max(...samples.map((s) => s.bytes))),
    soak_keys_start: start.keys,
    soak_keys_end: last.keys,
    soak_resources_start: start.resources,
    soak_resources_end: last.resources,
    soak_used_memory_mb_start: mb(start.used),
    soak_used_memory_mb_end: mb(last.used),
    soak_families_kb_end: Object.fromEntries(families.map(([f, b]) => [f, Math.round(b / 1024)])),
    soak_rss_mb_start: mb(start.child.rss),
    soak_rss_mb_end: mb(last.child.rss),
    soak_rss_mb_max_after_warmup: mb(Math.max(...samples.map((x) => x.child.rss))),
    soak_heap_mb_start: mb(start.child.heapUsed),
    soak_heap_mb_end: mb(last.child.heapUsed),
    soak_heap_total_mb_end: mb(last.child.heapTotal),
    soak_heap_live_mb_end: mb(live.heapUsed),
    soak_ingest_backlog_end: last.child.inflight,
  };
}
