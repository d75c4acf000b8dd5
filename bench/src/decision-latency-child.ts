/**
 * The controller under test for the decision-latency benchmark, in a process of its own (forked by
 * decision-latency.ts, which generates the load in the parent): the real bootstrap
 * (`startController`, roles api + worker + scheduler, dry-run, the benchmark's instant ports) on its
 * own Redis prefix, fed over IPC by the parent, one message per event, as a socket would feed it.
 *
 * Per decision the child records, on the clock both processes share (`performance.timeOrigin +
 * performance.now()`, wall-clock time at microsecond resolution): when the parent sent the event,
 * when the child handed it to `IngestService.ingest`, and when the evaluate worker recorded the
 * decision (WorkerHost.onCompleted). Per phase it also records this process's CPU time, its GC
 * pauses and its event-loop delay, and reports them at the end of the phase.
 */
import path from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import { IngestService } from '@driftwarden/pipeline';
import { DriftStore } from '@driftwarden/store';
import { startBenchController, type BenchController } from './bench-controller';
import { instantPorts } from './instant-ports';
import { sharedNow, type ChildArgs, type DecisionTimes, type FromChild, type ToChild } from './decision-latency-ipc';
import { dropPrefix, sleep } from './util';

const send = (m: FromChild): void => {
  process.send?.(m);
};

class Phase {
  readonly decisions: DecisionTimes[] = [];
  readonly pending = new Map<string, { sentAt: number; handedAt: number }>();
  readonly gcs: [number, number][] = [];
  failed = 0;
  firstFailure: string | null = null;
  private readonly cpu0 = process.cpuUsage();
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 5 });
  private seen = 0;
  // How far the phase got, once a second: what the load generator can say if it never ends.
  private readonly progress = setInterval(
    () => send({ type: 'progress', phase: this.name, settled: this.seen, expected: this.expected, failed: this.failed }),
    1000,
  );

  constructor(
    readonly name: string,
    private readonly expected: number,
  ) {
    this.loop.enable();
  }

  /** One event accounted for (decided or failed); the report goes out after the last one. */
  settle(): void {
    if (++this.seen < this.expected) return;
    clearInterval(this.progress);
    this.loop.disable();
    const cpu = process.cpuUsage(this.cpu0);
    send({
      type: 'phase-done',
      report: {
        name: this.name,
        decisions: this.decisions,
        failed: this.failed,
        firstFailure: this.firstFailure,
        cpuUs: cpu.user + cpu.system,
        gcs: this.gcs,
        loopDelayP99Ms: this.loop.percentile(99) / 1e6,
        loopDelayMaxMs: this.loop.max / 1e6,
      },
    });
  }
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${url}/readyz`).catch(() => null);
    const body = res ? ((await res.json().catch(() => null)) as { ready?: boolean } | null) : null;
    if (res?.status === 200 && body?.ready === true) return;
    if (Date.now() > deadline) throw new Error(`the controller was not ready after 30 s (last /readyz: ${res?.status ?? 'no answer'})`);
    await sleep(50);
  }
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as ChildArgs;
  const t0 = performance.now();
  const running: BenchController = await startBenchController(
    args.prefix,
    args.policies ? { policies: args.policies } : {},
    instantPorts(),
  );
  const { ctl } = running;
  const startMs = performance.now() - t0;
  await waitReady(ctl.url);
  const ingest = ctl.app.get(IngestService);
  let phase: Phase | null = null;
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      phase?.gcs.push([performance.timeOrigin + e.startTime, performance.timeOrigin + e.startTime + e.duration]);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  ctl.workers.onCompleted((resourceKey) => {
    const p = phase;
    const t = p?.pending.get(resourceKey);
    if (!p || !t) return;
    p.pending.delete(resourceKey);
    p.decisions.push({ sentAt: t.sentAt, handedAt: t.handedAt, recordedAt: sharedNow() });
    p.settle();
  });

  // The load generator is gone (it failed, or was stopped): nothing more to measure.
  process.once('disconnect', () => process.exit(1));
  process.on('message', (raw) => {
    const m = raw as ToChild;
    switch (m.type) {
      case 'ping':
        send({ type: 'pong', sentAt: m.sentAt, childAt: sharedNow() });
        return;
      case 'phase':
        phase = new Phase(m.name, m.events);
        return;
      case 'event': {
        const p = phase!;
        const handedAt = sharedNow();
        p.pending.set(m.key, { sentAt: m.sentAt, handedAt });
        ingest.ingest(m.event, { transport: 'http', actor: 'bench' }).catch((e: unknown) => {
          // Counted and reported, never an unhandled rejection that kills the benchmark.
          p.failed++;
          p.firstFailure ??= e instanceof Error ? e.message : String(e);
          if (p.pending.delete(m.key)) p.settle();
        });
        return;
      }
      case 'sample':
        // Which policies the decisions carry (checked on one of them): proof the gate ran.
        void ctl.app
          .get(DriftStore)
          .openFor(m.key)
          .then((open) =>
            send({
              type: 'sample',
              policyIds: open?.record.decision.policy?.matched.map((x) => x.id) ?? [],
              action: open?.record.decision.action ?? null,
            }),
          )
          .catch((e: unknown) => send({ type: 'error', message: `sample: ${e instanceof Error ? e.message : String(e)}` }));
        return;
      case 'close':
        gcObserver.disconnect();
        // DW_BENCH_HEAP_SNAPSHOT=dir (with DW_BENCH_CONTROLLER_FLAGS=--expose-gc): what the
        // controller still holds after the measured phase, as a heap snapshot.
        if (process.env.DW_BENCH_HEAP_SNAPSHOT) {
          (globalThis as { gc?: () => void }).gc?.();
          writeHeapSnapshot(path.join(process.env.DW_BENCH_HEAP_SNAPSHOT, `controller-${process.pid}.heapsnapshot`));
        }
        void ctl
          .close()
          .then(() => dropPrefix(args.prefix))
          .then(() => process.exit(0));
        return;
    }
  });
  send({ type: 'ready', startMs, readyMs: performance.now() - t0 });
}

main().catch((e: unknown) => {
  send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
});
