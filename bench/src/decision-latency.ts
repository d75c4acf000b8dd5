/**
 * Decision latency at a fixed offered load (500 events/s), without policies and with the shipped
 * example policies (examples/policies, Cedar; every decision of this load asks them twice: its
 * revert is forbidden, its await_approval allowed), in interleaved rounds.
 *
 * The controller runs in a process of its own (decision-latency-child.ts: the real bootstrap, all
 * roles, dry-run, instant ports) and this process is only the load generator, as in production
 * where events come from EventBridge or SQS: the two never share an event loop or a heap.
 *
 * Each round starts a fresh controller, waits for its /readyz, then offers a warm-up phase (JIT,
 * start-up sweeps, connection pools, Cedar's first evaluations) and only then the measured phase,
 * at the same rate, as latency benchmarks do. The warm-up's first second (a controller that just
 * started) is reported separately, not hidden.
 *
 * Decision time = from the moment the child hands the event to `IngestService.ingest` to the
 * moment the evaluate worker recorded the decision, both read by the child. The time from when
 * this process sent the event (IPC delivery and the child's event loop included: what a socket
 * would add) is reported beside it; the two processes share a clock (`performance.timeOrigin +
 * performance.now()`; the offset between them is measured by ping and reported).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { CedarPolicies } from '@driftwarden/policy';
import { sgEvent } from './events';
import { sharedNow, type ChildArgs, type DecisionTimes, type FromChild, type PhaseReport, type ToChild } from './decision-latency-ipc';
import { ChildChannel } from './child-channel';
import { REDIS_URL, log, median, percentile, round2, within } from './util';

/** The shipped example policies (run from the repository root, as `npm run bench` does). */
export const EXAMPLE_POLICIES = {
  files: ['production-approval.cedar', 'business-hours.cedar', 'more-examples.cedar'].map((f) => path.resolve('examples/policies', f)),
  timeZones: ['Europe/Berlin', 'America/New_York'],
};

const RATE = 500;
const WARMUP_EVENTS = 2_500;
const MEASURED_EVENTS = 5_000;

/** The controller process, with its last progress report (said when a phase does not end). */
function controllerChannel(child: ChildProcess): ChildChannel<FromChild, ToChild> {
  let progress = '';
  return new ChildChannel<FromChild, ToChild>(child, {
    name: 'the controller process',
    intercept: (m) => {
      if (m.type !== 'progress') return false;
      progress = `${m.phase}: ${m.settled} of ${m.expected} events decided or failed (${m.failed} failed at ingest)`;
      return true;
    },
    // An evaluation that failed for good is never reported as decided: say how far it got.
    hint: () => (progress ? `last progress: ${progress}` : ''),
  });
}

/** What one round (one fresh controller process) measured. */
export interface DecisionRun {
  /** Handed to ingest → decision recorded, measured phase, ms ascending. */
  latencies: number[];
  /** Sent by the load generator → decision recorded, measured phase, ms ascending. */
  fromSend: number[];
  /** Handed to ingest → recorded, for the events sent in the warm-up's first second, ms ascending. */
  firstSecond: number[];
  /** Controller CPU per decision in the measured phase, µs (every thread of its process). */
  cpuUsPerDecision: number;
  tail: TailReport;
  /** Load generator: how late the latest event was sent against its schedule, ms. */
  maxSendLagMs: number;
  /** Child clock minus this clock (median of pings), ms; and the ping round trip. */
  clockOffsetMs: number;
  pingRttMs: number;
  startMs: number;
  policyIds: string[];
  sampledAction: string | null;
}

/**
 * What the slowest 1% of the measured decisions have in common (the product's tail or the
 * machine's): how many overlapped a GC pause of the controller process, its event-loop delay.
 */
export interface TailReport {
  slowest: number;
  overlappingGc: number;
  gcPauseMs: number;
  gcPauseMaxMs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

function tailReport(report: PhaseReport): TailReport {
  const spans = report.decisions.map((d) => [d.handedAt, d.recordedAt] as const);
  const slow = [...spans].sort((a, b) => b[1] - b[0] - (a[1] - a[0])).slice(0, Math.max(1, Math.ceil(spans.length / 100)));
  const gcs = report.gcs;
  return {
    slowest: slow.length,
    overlappingGc: slow.filter(([s, e]) => gcs.some(([gs, ge]) => gs < e && ge > s)).length,
    gcPauseMs: round2(gcs.reduce((sum, [s, e]) => sum + (e - s), 0)),
    gcPauseMaxMs: round2(Math.max(0, ...gcs.map(([s, e]) => e - s))),
    loopDelayP99Ms: round2(report.loopDelayP99Ms),
    loopDelayMaxMs: round2(report.loopDelayMaxMs),
  };
}

export function describeTail(t: readonly TailReport[]): string {
  const sum = (f: (x: TailReport) => number) => t.reduce((n, x) => n + f(x), 0);
  return (
    `slowest 1% (${sum((x) => x.slowest)} decisions): ${sum((x) => x.overlappingGc)} overlapped a GC pause of the controller; ` +
    `GC paused it ${round2(sum((x) => x.gcPauseMs))} ms in all (longest ${Math.max(...t.map((x) => x.gcPauseMaxMs))} ms); ` +
    `its event-loop delay p99 ${Math.max(...t.map((x) => x.loopDelayP99Ms))} ms, max ${Math.max(...t.map((x) => x.loopDelayMaxMs))} ms`
  );
}

const ascending = (xs: number[]): number[] => xs.sort((a, b) => a - b);

/**
 * Offers `events` events at `rate`/s, one IPC message each, evenly spaced; resolves with the
 * child's report once every one of them is decided (or failed).
 */
async function offer(
  ctl: ChildChannel<FromChild, ToChild>,
  phase: string,
  events: number,
  rate: number,
  tag: string,
): Promise<{ report: PhaseReport; t0: number; maxLagMs: number; lastKey: string }> {
  const all = Array.from({ length: events }, (_, i) => {
    const id = `sg-${tag}${String(i).padStart(10, '0')}`;
    return { key: `111122223333/eu-west-1/AWS::EC2::SecurityGroup/${id}`, event: sgEvent(id, 1_750_000_000_000 + i) };
  });
  ctl.send({ type: 'phase', name: phase, events });
  const interval = 1000 / rate;
  const t0 = sharedNow();
  let maxLagMs = 0;
  for (let i = 0; i < events; i++) {
    const due = t0 + i * interval;
    const wait = due - sharedNow();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sentAt = sharedNow();
    maxLagMs = Math.max(maxLagMs, sentAt - due);
    ctl.send({ type: 'event', key: all[i].key, sentAt, event: all[i].event });
  }
  // A machine too busy to keep up shows as latency, not as a hang: generous, but bounded.
  const { report } = await ctl.next('phase-done', (events / rate) * 1000 + 120_000);
  if (report.failed > 0) throw new Error(`${report.failed} of ${events} ingest calls failed in ${phase} (first: ${report.firstFailure})`);
  return { report, t0, maxLagMs, lastKey: all[events - 1].key };
}

/** One round: a fresh controller process, ready, warmed up, then measured. */
export async function decisionRun(
  policies: typeof EXAMPLE_POLICIES | null,
  opts: { warmupEvents?: number; events?: number; rate?: number } = {},
): Promise<DecisionRun> {
  const rate = opts.rate ?? RATE;
  const args: ChildArgs = { prefix: `dwbench-dl-${randomBytes(3).toString('hex')}`, policies };
  // DW_BENCH_CONTROLLER_FLAGS: Node flags for the controller process only (e.g. `--cpu-prof` or
  // `--trace-gc`, whose output then appears on this process's stdout), to see where its time goes.
  const flags = process.env.DW_BENCH_CONTROLLER_FLAGS?.split(/\s+/).filter(Boolean) ?? [];
  const child = fork(path.join(__dirname, 'decision-latency-child.js'), [JSON.stringify(args)], {
    stdio: ['ignore', flags.length ? 'inherit' : 'ignore', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...flags],
    env: { ...process.env, REDIS_URL, NODE_NO_WARNINGS: '1' },
  });
  const ctl = controllerChannel(child);
  try {
    const ready = await ctl.next('ready', 60_000);
    // The shared clock's offset between the two processes (both read the system clock at start).
    const offsets: number[] = [];
    const rtts: number[] = [];
    for (let i = 0; i < 20; i++) {
      ctl.send({ type: 'ping', sentAt: sharedNow() });
      const pong = await ctl.next('pong', 10_000);
      const back = sharedNow();
      offsets.push(pong.childAt - (pong.sentAt + back) / 2);
      rtts.push(back - pong.sentAt);
    }
    const tag = randomBytes(3).toString('hex');
    const warm = await offer(ctl, 'warm-up', opts.warmupEvents ?? WARMUP_EVENTS, rate, `${tag}w`);
    const measured = await offer(ctl, 'measured', opts.events ?? MEASURED_EVENTS, rate, `${tag}m`);
    ctl.send({ type: 'sample', key: measured.lastKey });
    const sample = await ctl.next('sample', 10_000);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    ctl.send({ type: 'close' });
    await within(exited, 30_000, 'the controller process to exit');
    const decisions = measured.report.decisions;
    const span = (d: DecisionTimes) => d.recordedAt - d.handedAt;
    return {
      latencies: ascending(decisions.map(span)),
      fromSend: ascending(decisions.map((d) => d.recordedAt - d.sentAt)),
      firstSecond: ascending(warm.report.decisions.filter((d) => d.sentAt - warm.t0 < 1000).map(span)),
      cpuUsPerDecision: measured.report.cpuUs / decisions.length,
      tail: tailReport(measured.report),
      maxSendLagMs: Math.max(warm.maxLagMs, measured.maxLagMs),
      clockOffsetMs: median(offsets),
      pingRttMs: median(rtts),
      startMs: ready.startMs,
      policyIds: sample.policyIds,
      sampledAction: sample.action,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/**
 * Decision latency at 500 events/s offered, without policies and with the shipped examples, in
 * interleaved rounds (the latencies of each side pooled), so a drift in the machine's speed
 * moves both alike.
 */
export async function decisionLatency(rounds = 3): Promise<{
  decision_p50_ms: number;
  decision_p99_ms: number;
  decision_p50_with_policies_ms: number;
  decision_p99_with_policies_ms: number;
  policies_matched: string[];
  policy_check_cpu_us: number;
  decision_p99_from_send_ms: number;
  decision_p99_with_policies_from_send_ms: number;
  decision_first_second_p99_ms: number;
  decision_first_second_p99_with_policies_ms: number;
  controller_cpu_us_per_decision: number;
  controller_cpu_us_per_decision_with_policies: number;
}> {
  const plain: DecisionRun[] = [];
  const gated: DecisionRun[] = [];
  for (let r = 0; r < rounds; r++) {
    plain.push(await decisionRun(null));
    gated.push(await decisionRun(EXAMPLE_POLICIES));
  }
  const pool = (runs: DecisionRun[], f: (x: DecisionRun) => number[]) => ascending(runs.flatMap(f));
  const p = (runs: DecisionRun[], f: (x: DecisionRun) => number[], q: number) => round2(percentile(pool(runs, f), q));
  const cpu = (runs: DecisionRun[]) => Math.round(median(runs.map((x) => x.cpuUsPerDecision)));
  const ids = gated[gated.length - 1].policyIds;
  const checkCpu = policyCheckCpu();
  const figures = {
    decision_p50_ms: p(plain, (x) => x.latencies, 50),
    decision_p99_ms: p(plain, (x) => x.latencies, 99),
    decision_p50_with_policies_ms: p(gated, (x) => x.latencies, 50),
    decision_p99_with_policies_ms: p(gated, (x) => x.latencies, 99),
    policies_matched: ids,
    policy_check_cpu_us: checkCpu,
    decision_p99_from_send_ms: p(plain, (x) => x.fromSend, 99),
    decision_p99_with_policies_from_send_ms: p(gated, (x) => x.fromSend, 99),
    decision_first_second_p99_ms: p(plain, (x) => x.firstSecond, 99),
    decision_first_second_p99_with_policies_ms: p(gated, (x) => x.firstSecond, 99),
    controller_cpu_us_per_decision: cpu(plain),
    controller_cpu_us_per_decision_with_policies: cpu(gated),
  };
  const all = [...plain, ...gated];
  log(
    `decision latency at ${RATE} events/s offered, the controller in its own process (load generator in this one), ` +
      `${rounds} interleaved rounds per side, each a fresh controller: ready (/readyz), then ${WARMUP_EVENTS} warm-up events not counted, then ${MEASURED_EVENTS} measured ` +
      `(${plain.reduce((n, x) => n + x.latencies.length, 0)} decisions per side); handed to ingest → decision recorded:`,
  );
  log(
    `  no policies p50 ${figures.decision_p50_ms} ms, p99 ${figures.decision_p99_ms} ms; ` +
      `with the ${EXAMPLE_POLICIES.files.length} example policy files p50 ${figures.decision_p50_with_policies_ms} ms, p99 ${figures.decision_p99_with_policies_ms} ms ` +
      `(a sampled decision is ${gated[gated.length - 1].sampledAction ?? 'missing'} and names ${ids.length > 0 ? ids.join(', ') : 'NO policy: the gate did not run'})`,
  );
  log(
    `  from the load generator's send (IPC and the controller's event loop included): no policies p50 ${p(plain, (x) => x.fromSend, 50)} ms, p99 ${figures.decision_p99_from_send_ms} ms; ` +
      `with policies p50 ${p(gated, (x) => x.fromSend, 50)} ms, p99 ${figures.decision_p99_with_policies_from_send_ms} ms ` +
      `(clock offset between the processes ${round2(Math.max(...all.map((x) => Math.abs(x.clockOffsetMs))))} ms at most, ping round trip ${round2(median(all.map((x) => x.pingRttMs)))} ms; ` +
      `load generator at most ${round2(Math.max(...all.map((x) => x.maxSendLagMs)))} ms behind schedule)`,
  );
  log(
    `  a controller's first second (warm-up events sent within 1 s of /readyz, not in the figures above): no policies p50 ${p(plain, (x) => x.firstSecond, 50)} ms, p99 ${figures.decision_first_second_p99_ms} ms; ` +
      `with policies p50 ${p(gated, (x) => x.firstSecond, 50)} ms, p99 ${figures.decision_first_second_p99_with_policies_ms} ms ` +
      `(start-up to listening: median ${Math.round(median(all.map((x) => x.startMs)))} ms)`,
  );
  log(
    `  controller CPU per decision (median of rounds; CPU time, steadier than wall time on a shared machine): no policies ${figures.controller_cpu_us_per_decision} µs, ` +
      `with policies ${figures.controller_cpu_us_per_decision_with_policies} µs; one Cedar check of the example policies costs ${checkCpu} µs (median of 5 × 2,000)`,
  );
  const perRound = (runs: DecisionRun[]) =>
    runs.map((x) => `${round2(percentile(x.latencies, 99))} (generator ≤ ${round2(x.maxSendLagMs)} ms late)`).join(', ');
  log(`  each round's p99, in order: no policies ${perRound(plain)}; with policies ${perRound(gated)}`);
  log(`  the tail without policies: ${describeTail(plain.map((x) => x.tail))}`);
  log(`  the tail with policies: ${describeTail(gated.map((x) => x.tail))}`);
  return figures;
}

/** CPU time of one policy check (the example policies, the bench's decision: a revert of an unknown principal's change). */
export function policyCheckCpu(): number {
  const policies = CedarPolicies.load(EXAMPLE_POLICIES);
  const request = {
    principal: { arn: null, class: 'unknown' as const },
    resource: {
      type: 'AWS::EC2::SecurityGroup',
      kind: 'security-group',
      id: 'sg-0123456789abcdef0',
      account: '111122223333',
      region: 'eu-west-1',
      tags: { team: 'payments' },
      critical: false,
      differences: [],
    },
    difference: {
      id: 'added:ingress',
      sentence: 'opened ingress tcp/22 from the internet (0.0.0.0/0)',
      side: 'added',
      direction: { axis: 'exposure' as const, change: 'widens' as const, revert: 'narrows' as const },
      madeBy: 'unknown' as const,
    },
    rule: 6,
    freeze: { now: { frozen: false, sources: [] }, atChange: { declared: false, unknown: false, withinLookback: false, sources: [] } },
    incident: null,
    at: new Date(),
    dryRun: true,
  };
  for (let i = 0; i < 500; i++) policies.check(request, 'revert');
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < 2_000; i++) policies.check(request, 'revert');
    const used = process.cpuUsage(t0);
    runs.push((used.user + used.system) / 2_000);
  }
  return round2(median(runs));
}
