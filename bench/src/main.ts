/**
 * `npm run bench [-- --json]`: measures, in one run on this machine's Redis,
 *  - raw BullMQ no-op throughput (add + process end to end) as the baseline,
 *  - the pipeline's events/s from ingest (normalisation included) to decision recorded,
 *  - their ratio (target >= 0.5),
 *  - decision latency p50/p99 at a fixed offered load of 500 events/s (target p99 <= 25 ms),
 *    without policies and with the shipped example policies (examples/policies, Cedar; every
 *    decision asks them twice: its revert is forbidden, its await_approval allowed), the
 *    controller in a process of its own, warmed up (decision-latency.ts);
 *    `--decision-only` runs just these two, interleaved,
 *  - freeze propagation p50/p99: signed PagerDuty webhook sent → freeze seen by a second
 *    process (freeze-propagation.ts; target p99 <= 50 ms),
 *  - PagerDuty calls per 1 s poll interval with events offered at 100k/hour (provider-calls.ts;
 *    target 1.0),
 *  - rule diff + exposure analysis of a 500-rule security group (sg-diff.ts; median),
 *  - the HCL backport edit of a 5,000-line stack file (the security-group kind's editBenchmark; target <= 50 ms)
 *    and, separately, HashiCorp's check of it,
 *  - GitHub API calls for one backport against the GitHub sandbox (backport-calls.ts; target <= 7),
 *  - CloudTrail LookupEvents per item of a resource driftwarden leaves alone (unmanaged-lookups.ts; target 0),
 *  - a 50,000-item burst, half without CloudTrail alongside: every item decided, no failed job (burst.ts),
 *  - the Terraform state index of 10k and 100k resources: build time, RSS, longest event-loop
 *    block (state-index.ts; `--state-only` runs this alone),
 *  - one reconciling sweep over 10,000 managed security groups, 1 % changed with their events
 *    lost (reconcile.ts; `--reconcile-only` runs this alone).
 *  - the audit append with the hash chain on, 8 connections at once, p50/p99 (audit-append.ts;
 *    `--audit-only` runs it with the decision latency at 500 events/s),
 *  - drift to verified revert p50/p99: an attacker's widening of a managed group, events in →
 *    revoke verified by re-reading, enforce mode, settle 0, the EC2 sandbox over HTTP (revert.ts;
 *    target p99 <= 1000 ms; `--revert-only` runs this alone).
 * `--soak` instead: Redis memory and the controller's RSS under 10 minutes of 1,000 events/s
 * (soak.ts; `--soak-seconds=`, `--soak-rate=`).
 * Every Redis key written is under a bench prefix, deleted at the end of its measurement.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance as nodePerformance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { parseConfigObject } from '@driftwarden/config';
import { editBenchmark } from '@driftwarden/kinds/security-group/hcl/bench/edit-benchmark';
import { IngestService } from '@driftwarden/pipeline';
import { startController } from '../../apps/controller/src/bootstrap';
import { backportCalls } from './backport-calls';
import { sgEvent } from './events';
import { freezePropagation } from './freeze-propagation';
import { instantPorts } from './instant-ports';
import { providerCalls } from './provider-calls';
import { sgDiffBenchmark } from './sg-diff';
import { kindsDiffBenchmark } from './kinds-diff';
import { soakBenchmark } from './soak';
import { unmanagedLookups } from './unmanaged-lookups';
import { burst } from './burst';
import { decisionLatency, decisionRun, describeTail } from './decision-latency';
import { auditAppendBenchmark, auditAppendSummary } from './audit-append';
import { STATE_INDEX_TARGETS, stateIndexBenchmark } from './state-index';
import { reconcileBenchmark } from './reconcile';
import { revertBenchmark } from './revert';
import { REDIS_URL, collectGarbage, dropPrefix, json, log, median, percentile, round2 } from './util';

const ROUNDS = 5;
// The AWS SDK's notice about Node 20 would interleave with the figures (it is about updates, not this run).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The baseline: BullMQ as shipped, on stock ioredis connections (no write coalescing, unlike the controller's). */
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
    await queue.addBulk(
      Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({ name: 'noop', data: { i: i + k }, opts: { removeOnComplete: true } })),
    );
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

/**
 * The pipeline's events/s at saturation: `events` distinct security groups (tcp/22 opened to the
 * world) offered in batches of 100, ingest → decision recorded, the controller in this process.
 */
async function pipeline(
  events: number,
  redisCpu?: () => Promise<number>,
): Promise<{ rate: number; busy: number; window?: { nodeUs: number; redisUs: number } }> {
  const prefix = `dwbench-${randomBytes(3).toString('hex')}`;
  const config = parseConfigObject(
    {
      mode: 'dry-run',
      redis: { url: REDIS_URL, prefix },
      api: { port: 0 },
      ingest: { coalesceMilliseconds: 0 },
      workers: { concurrency: 50 },
      attribution: { cloudTrailWaitSeconds: 0, lookupEvents: false },
    },
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
  const tag = randomBytes(3).toString('hex');
  const keyOf = (i: number) => `111122223333/eu-west-1/AWS::EC2::SecurityGroup/sg-${tag}${String(i).padStart(10, '0')}`;
  const pending = new Set(Array.from({ length: events }, (_, i) => keyOf(i)));
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  ctl.workers.onCompleted((resourceKey) => {
    if (pending.delete(resourceKey) && pending.size === 0) finish();
  });
  const all = Array.from({ length: events }, (_, i) => sgEvent(`sg-${tag}${String(i).padStart(10, '0')}`, 1_750_000_000_000 + i));
  collectGarbage(); // the previous runs' garbage is collected now, not during this run
  // With `redisCpu` (profiling), the CPU both processes spent between the first event in and the last decision.
  const r0 = redisCpu ? await redisCpu() : 0;
  const cpu0 = process.cpuUsage();
  const elu0 = nodePerformance.eventLoopUtilization();
  const t0 = performance.now();
  // Batches of 100, as EventBridge API destinations or SQS batches deliver; 8 in flight.
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < events; i += 100) {
    inflight.push(ingest.ingest(all.slice(i, i + 100), { transport: 'http', actor: 'bench' }));
    if (inflight.length >= 8) await inflight.shift();
  }
  await Promise.all(inflight);
  await finished;
  const rate = events / ((performance.now() - t0) / 1000);
  const cpu1 = process.cpuUsage(cpu0);
  const window = redisCpu ? { nodeUs: (cpu1.user + cpu1.system) / events, redisUs: (((await redisCpu()) - r0) * 1e6) / events } : undefined;
  // How busy the event loop was: near 1, the main thread's CPU is the limit (not Redis, not waiting).
  const busy = nodePerformance.eventLoopUtilization(elu0).utilization;
  await ctl.close();
  await dropPrefix(prefix);
  return { rate, busy, ...(window ? { window } : {}) };
}

const TARGETS = {
  ratio: '>= 0.5',
  decision_p99_ms: '<= 25',
  decision_p99_with_policies_ms: '<= 25',
  freeze_propagation_p99_ms: '<= 50',
  provider_calls_per_interval: '1.0',
  hcl_edit_5000_lines_ms: '<= 50',
  github_calls_per_backport: '<= 7',
  lookup_events_per_unmanaged_event: '0',
  burst_50k_decided: '= 50000',
  drift_to_verified_revert_p99_ms: '<= 1000',
  ...STATE_INDEX_TARGETS,
};

/** `drift_to_verified_revert_p50_ms`/`_p99_ms`: attacker events in → revoke verified (revert.ts). */
async function revert(): Promise<{ drift_to_verified_revert_p50_ms: number; drift_to_verified_revert_p99_ms: number }> {
  const r = await revertBenchmark(200);
  const figures = {
    drift_to_verified_revert_p50_ms: round2(percentile(r.latencies, 50)),
    drift_to_verified_revert_p99_ms: round2(percentile(r.latencies, 99)),
  };
  log(
    `drift to verified revert (attacker opens tcp/22 on a managed group, no incident; enforce, settle 0, EC2 sandbox over HTTP; ${r.samples} reverts one after another, ${r.ec2CallsPerRevert.toFixed(1)} EC2 calls each): ` +
      `p50 ${figures.drift_to_verified_revert_p50_ms} ms, p99 ${figures.drift_to_verified_revert_p99_ms} ms, max ${round2(r.latencies[r.latencies.length - 1])} ms (target p99 <= 1000 ms)`,
  );
  return figures;
}

/** `reconcile_10k_resources_s`: one sweep over 10k managed groups (reconcile.ts). */
async function reconcile(): Promise<{ reconcile_10k_resources_s: number; reconcile_10k_fed: number; reconcile_10k_decided_s: number }> {
  const r = await reconcileBenchmark(10_000, 0.01);
  log(
    `reconciling sweep over ${r.resources} managed security groups (${r.changed} changed with their events lost; ${r.describeCalls} DescribeSecurityGroups at the default 5 calls/s): ` +
      `${(r.sweepMs / 1000).toFixed(2)} s, ${r.checked} compared, ${r.fed} fed, ${r.errors} errors; all ${r.changed} decided after ${(r.decidedMs / 1000).toFixed(2)} s`,
  );
  return {
    reconcile_10k_resources_s: round2(r.sweepMs / 1000),
    reconcile_10k_fed: r.fed,
    reconcile_10k_decided_s: round2(r.decidedMs / 1000),
  };
}

async function main(): Promise<void> {
  log('driftwarden benchmark (one process, local Redis)');
  // The controller is run with the young generation it ships with (Dockerfile, npm start): say so when this run is not.
  log(`node ${process.version} ${process.execArgv.join(' ') || '(no flags)'}`);
  if (!process.execArgv.includes('--max-semi-space-size=32'))
    log(
      'note: not run as `npm run bench` (node --max-semi-space-size=32): the controller ships with that flag, and the pipeline figures here are lower without it',
    );
  if (process.argv.includes('--soak')) {
    // Redis memory and the controller's RSS under steady load, with retentions shortened so expiry shows (soak.ts; 10 minutes by default).
    const soak = await soakBenchmark();
    if (json) process.stdout.write(`${JSON.stringify({ ...soak, node: process.version, cpus: cpus().length })}\n`);
    return;
  }
  if (process.argv.includes('--revert-only')) {
    const r = await revert();
    if (json) process.stdout.write(`${JSON.stringify({ ...r, node: process.version, cpus: cpus().length })}\n`);
    return;
  }
  if (process.argv.includes('--reconcile-only')) {
    const r = await reconcile();
    if (json) process.stdout.write(`${JSON.stringify({ ...r, node: process.version, cpus: cpus().length })}\n`);
    return;
  }
  if (process.argv.includes('--state-only')) {
    const state = await stateIndexBenchmark();
    if (json)
      process.stdout.write(`${JSON.stringify({ ...state, targets: STATE_INDEX_TARGETS, node: process.version, cpus: cpus().length })}\n`);
    return;
  }
  if (process.argv.includes('--profile-pipeline')) {
    // For profiling with --cpu-prof: the raw baseline and the saturation run, each with its CPU
    // per job/event in this process and in the Redis server. CPU per event varies far less
    // than throughput on a shared machine: it is the figure to compare two versions by.
    const redis = new Redis(REDIS_URL);
    const redisCpu = async () => {
      const info = await redis.info('cpu');
      return ['used_cpu_user', 'used_cpu_sys'].reduce((sum, k) => sum + Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0), 0);
    };
    for (let i = 0; i < 3; i++) {
      const [cpu0, r0] = [process.cpuUsage(), await redisCpu()];
      const rate = await rawBullmq(20_000);
      const [cpu1, r1] = [process.cpuUsage(cpu0), await redisCpu()];
      log(
        `raw BullMQ: ${rate.toFixed(0)} jobs/s; CPU per job: node ${((cpu1.user + cpu1.system) / 20_000).toFixed(0)} µs, redis ${(((r1 - r0) * 1e6) / 20_000).toFixed(0)} µs`,
      );
    }
    // Redis commands per event over the pipeline runs (start and clean-up included): where the
    // server's time goes, and how many round trips an event costs (INFO commandstats before and
    // after; the server's counters are not reset).
    const commandStats = async () =>
      new Map(
        ((await redis.info('commandstats')) as string)
          .split('\n')
          .map((line) => /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim()))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => [m[1], { calls: Number(m[2]), usec: Number(m[3]) }]),
      );
    const statsBefore = await commandStats();
    const PROFILE_RUNS = 5;
    const PROFILE_EVENTS = 10_000;
    for (let i = 0; i < PROFILE_RUNS; i++) {
      const [cpu0, r0] = [process.cpuUsage(), await redisCpu()];
      const { rate, busy, window } = await pipeline(PROFILE_EVENTS, redisCpu);
      const [cpu1, r1] = [process.cpuUsage(cpu0), await redisCpu()];
      log(
        `pipeline: ${rate.toFixed(0)} events/s; CPU per event: node ${((cpu1.user + cpu1.system) / PROFILE_EVENTS).toFixed(0)} µs, redis ${(((r1 - r0) * 1e6) / PROFILE_EVENTS).toFixed(0)} µs (run incl. start and clean-up), ` +
          `node ${window!.nodeUs.toFixed(0)} µs, redis ${window!.redisUs.toFixed(0)} µs (first event in to last decision); event loop busy ${(busy * 100).toFixed(0)} % of the run`,
      );
    }
    const events = PROFILE_RUNS * PROFILE_EVENTS;
    const stats = [...(await commandStats())]
      .map(([command, after]) => {
        const before = statsBefore.get(command) ?? { calls: 0, usec: 0 };
        return { command, calls: (after.calls - before.calls) / events, usec: (after.usec - before.usec) / events };
      })
      .sort((a, b) => b.usec - a.usec);
    log(
      `Redis commands per pipeline event (calls, server µs): ${stats
        .filter((s) => s.calls >= 0.01)
        .map((s) => `${s.command} ${s.calls.toFixed(2)} / ${s.usec.toFixed(1)}`)
        .join('; ')}`,
    );
    redis.disconnect();
    return;
  }
  if (process.argv.includes('--audit-only')) {
    // The chained audit append, and the decision latency it is part of (every decision appends one entry).
    const run = await decisionRun(null);
    const audit = await auditAppendBenchmark();
    const summary = auditAppendSummary(audit);
    const decision = {
      decision_p50_ms: round2(percentile(run.latencies, 50)),
      decision_p99_ms: round2(percentile(run.latencies, 99)),
    };
    log(
      `audit append, hash chain on, ${audit.appends} appends over ${audit.connections} connections: p50 ${summary.audit_append_p50_ms} ms, p99 ${summary.audit_append_p99_ms} ms; verify ${audit.verifyEntriesPerSecond} entries/s (ok: ${audit.verifiedOk})`,
    );
    log(
      `decision latency at 500 events/s offered (the controller in its own process, as --decision-only measures it, one round without policies): p50 ${decision.decision_p50_ms} ms, p99 ${decision.decision_p99_ms} ms (target <= 25 ms); ${describeTail([run.tail])}`,
    );
    if (json)
      process.stdout.write(
        `${JSON.stringify({ ...summary, audit_verify_entries_per_s: audit.verifyEntriesPerSecond, ...decision, node: process.version, cpus: cpus().length })}
`,
      );
    return;
  }
  if (process.argv.includes('--decision-only')) {
    const d = await decisionLatency();
    if (json) process.stdout.write(`${JSON.stringify({ ...d, node: process.version, cpus: cpus().length })}\n`);
    return;
  }
  if (process.argv.includes('--burst-only')) {
    const only = await burst(50_000);
    log(
      `burst: ${only.decided} of ${only.items} decided in ${only.seconds.toFixed(1)} s; ${only.evaluateJobFailures} failed evaluate jobs; ${only.lookupEventsCalls} LookupEvents calls`,
    );
    if (json)
      process.stdout.write(
        `${JSON.stringify({ burst_50k_decided: only.decided, burst_50k_seconds: Number(only.seconds.toFixed(1)), burst_50k_job_failures: only.evaluateJobFailures, burst_50k_lookup_events_calls: only.lookupEventsCalls })}\n`,
      );
    return;
  }
  // Warm-up (JIT, connection pools, Lua script cache), not counted.
  await rawBullmq(5_000);
  await pipeline(3_000);
  // Interleaved pairs, so a drift in this machine's speed (a shared VM varies by 1.5x within
  // minutes) moves both figures alike; the ratio is the median of the pairs' ratios.
  const rawRuns: number[] = [];
  const pipeRuns: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    rawRuns.push(await rawBullmq(20_000));
    pipeRuns.push((await pipeline(10_000)).rate);
    ratios.push(pipeRuns[r] / rawRuns[r]);
  }
  const raw = median(rawRuns);
  const pipe = median(pipeRuns);
  const ratio = median(ratios);
  log(`raw BullMQ add+process, no-op, concurrency 50: ${raw.toFixed(0)} jobs/s (median of ${ROUNDS})`);
  log(`pipeline ingest -> decision recorded, distinct resources: ${pipe.toFixed(0)} events/s (median of ${ROUNDS})`);
  log(`ratio, median of ${ROUNDS} interleaved pairs: ${ratio.toFixed(3)} (pairs: ${ratios.map((x) => x.toFixed(3)).join(', ')})`);
  if (process.argv.includes('--throughput-only')) {
    // For comparing changes quickly: the two throughput figures and their ratio, nothing else.
    if (json)
      process.stdout.write(
        `${JSON.stringify({ raw_jobs_per_s: Math.round(raw), pipeline_events_per_s: Math.round(pipe), ratio: Number(ratio.toFixed(3)) })}\n`,
      );
    return;
  }
  const decisions = await decisionLatency();

  const freeze = await freezePropagation(50);
  const fp50 = percentile(freeze.propagation, 50);
  const fp99 = percentile(freeze.propagation, 99);
  log(
    `freeze propagation, webhook sent -> freeze seen by a second process (IPC report received), ${freeze.propagation.length} samples: p50 ${fp50.toFixed(2)} ms, p99 ${fp99.toFixed(2)} ms (nearest rank), max ${freeze.propagation[freeze.propagation.length - 1].toFixed(2)} ms` +
      ` (202 received after p50 ${percentile(freeze.accepted, 50).toFixed(2)} ms; unfreeze after incident.resolved p50 ${percentile(freeze.unfreeze, 50).toFixed(2)} ms, p99 ${percentile(freeze.unfreeze, 99).toFixed(2)} ms)`,
  );

  const pd = await providerCalls();
  log(
    `provider calls with polling every 1 s (PagerDuty, Opsgenie, JSM, incident.io; a push-only webhook source sent ${pd.pushMessages} heartbeats) and ${pd.eventsOffered} events offered at 100k/hour, per interval over ${pd.intervals} intervals: ` +
      `${Object.entries(pd.perSource)
        .map(([name, n]) => `${name} ${n.toFixed(2)}`)
        .join(', ')} (${pd.decisions} decisions recorded, ${pd.invalidRequests} invalid requests)`,
  );

  const sg = sgDiffBenchmark();
  log(
    `security group rule diff + exposure analysis, ${sg.rules} rules (${sg.extra} extra, ${sg.missing} missing): median ${sg.medianMs.toFixed(3)} ms, p99 ${sg.p99Ms.toFixed(3)} ms (${sg.iterations} iterations)`,
  );

  const kd = kindsDiffBenchmark();
  log(
    `diff + direction per kind (${kd.iterations} iterations each): ${kd.byCase.map((c) => `${c.name}, ${c.differences} differences: median ${c.medianMs.toFixed(3)} ms, p99 ${c.p99Ms.toFixed(3)} ms`).join('; ')}; all: p99 ${kd.p99Ms.toFixed(3)} ms`,
  );

  const hcl = await editBenchmark(5000);
  log(
    `HCL backport edit, ${hcl.lines}-line stack file: median ${hcl.editMs.median.toFixed(2)} ms, p95 ${hcl.editMs.p95.toFixed(2)} ms (${hcl.iterations} iterations); HashiCorp check ${hcl.checkMs.toFixed(2)} ms (median)`,
  );

  const gh = await backportCalls();
  log(
    `GitHub calls for one backport (${gh.kind}, fresh sandbox repository, ${gh.ms.toFixed(0)} ms): ${gh.calls} (the sandbox saw ${gh.sandboxCalls}):`,
  );
  for (const c of gh.list) log(`  ${c}`);
  log(
    `GitHub calls for a second drift on the same resource (${gh.update.kind}: a commit on the same branch, the same PR updated): ${gh.update.calls}:`,
  );
  for (const c of gh.update.list) log(`  ${c}`);

  const b = await burst(50_000);
  log(
    `burst of ${b.items} managed security-group items (half with CloudTrail alongside, half attributed by the shared LookupEvents walk after a 5 s delivery wait): ${b.decided} decided in ${b.seconds.toFixed(1)} s; evaluate jobs failed: ${b.evaluateJobFailures}; LookupEvents calls: ${b.lookupEventsCalls}`,
  );

  const unmanaged = await unmanagedLookups();
  log(
    `CloudTrail LookupEvents per Config item of an unmanaged resource or unsupported type (${unmanaged.events} items, real attribution, LookupEvents on): ${unmanaged.perEvent} (${unmanaged.awsRequests} AWS requests in all)`,
  );
  const reverts = await revert();
  const state = await stateIndexBenchmark();
  const rec = await reconcile();
  const auditAppend = await auditAppendBenchmark();
  const auditSummary = auditAppendSummary(auditAppend);
  log(
    `audit append, hash chain on, ${auditAppend.appends} appends over ${auditAppend.connections} connections: p50 ${auditSummary.audit_append_p50_ms} ms, p99 ${auditSummary.audit_append_p99_ms} ms; verify ${auditAppend.verifyEntriesPerSecond} entries/s`,
  );

  const result = {
    raw_jobs_per_s: Math.round(raw),
    pipeline_events_per_s: Math.round(pipe),
    ratio: Number(ratio.toFixed(3)),
    ...decisions,
    freeze_propagation_p50_ms: round2(fp50),
    freeze_propagation_p99_ms: round2(fp99),
    provider_calls_per_interval: round2(pd.perInterval),
    provider_calls_per_interval_by_source: Object.fromEntries(Object.entries(pd.perSource).map(([name, n]) => [name, round2(n)])),
    sg_diff_500_rules_ms: Number(sg.medianMs.toFixed(3)),
    kinds_diff_p99_ms: Number(kd.p99Ms.toFixed(3)),
    kinds_diff_p99_ms_by_kind: Object.fromEntries(kd.byCase.map((c) => [c.name, Number(c.p99Ms.toFixed(3))])),
    hcl_edit_5000_lines_ms: round2(hcl.editMs.median),
    hcl_check_5000_lines_ms: round2(hcl.checkMs),
    github_calls_per_backport: gh.calls,
    github_calls_per_backport_update: gh.update.calls,
    lookup_events_per_unmanaged_event: unmanaged.perEvent,
    burst_50k_decided: b.decided,
    burst_50k_seconds: Number(b.seconds.toFixed(1)),
    burst_50k_job_failures: b.evaluateJobFailures,
    burst_50k_lookup_events_calls: b.lookupEventsCalls,
    ...reverts,
    ...state,
    ...rec,
    ...auditSummary,
    audit_verify_entries_per_s: auditAppend.verifyEntriesPerSecond,
    targets: TARGETS,
    node: process.version,
    node_flags: process.execArgv.join(' '),
    cpus: cpus().length,
  };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
    log(
      `ratio ${result.ratio} (target >= 0.5: ${verdict(result.ratio >= 0.5)}), decision p99 ${result.decision_p99_ms} ms (target <= 25 ms: ${verdict(result.decision_p99_ms <= 25)})`,
    );
    log(
      `decision p99 with the example policies ${result.decision_p99_with_policies_ms} ms (target <= 25 ms: ${verdict(result.decision_p99_with_policies_ms <= 25)})`,
    );
    log(
      `freeze propagation p99 ${result.freeze_propagation_p99_ms} ms (target <= 50 ms: ${verdict(result.freeze_propagation_p99_ms <= 50)})`,
    );
    log(
      `provider calls per interval ${result.provider_calls_per_interval.toFixed(2)} (target 1.0: ${verdict(result.provider_calls_per_interval === 1)})`,
    );
    log(`HCL edit ${result.hcl_edit_5000_lines_ms} ms (target <= 50 ms: ${verdict(result.hcl_edit_5000_lines_ms <= 50)})`);
    log(`GitHub calls per backport ${result.github_calls_per_backport} (target <= 7: ${verdict(result.github_calls_per_backport <= 7)})`);
    log(
      `burst: ${result.burst_50k_decided} of 50000 decided in ${result.burst_50k_seconds} s, ${result.burst_50k_job_failures} failed jobs (target all decided, 0 failed: ${verdict(result.burst_50k_decided === 50_000 && result.burst_50k_job_failures === 0)})`,
    );
    log(
      `LookupEvents per unmanaged event ${result.lookup_events_per_unmanaged_event} (target 0: ${verdict(result.lookup_events_per_unmanaged_event === 0)})`,
    );
    log(
      `drift to verified revert p99 ${result.drift_to_verified_revert_p99_ms} ms (target <= 1000: ${verdict(result.drift_to_verified_revert_p99_ms <= 1000)})`,
    );
    log(
      `state index 100k: build ${state['state_index_100k_build_ms']} ms (target <= 2000: ${verdict((state['state_index_100k_build_ms'] ?? Infinity) <= 2000)}), ` +
        `RSS ${state['state_index_100k_rss_mb']} MB (target <= 300: ${verdict((state['state_index_100k_rss_mb'] ?? Infinity) <= 300)}), ` +
        `longest block ${state['state_index_100k_max_block_ms']} ms (target <= 50: ${verdict((state['state_index_100k_max_block_ms'] ?? Infinity) <= 50)})`,
    );
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
