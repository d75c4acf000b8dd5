/**
 * Provider calls per poll interval under load: the controller polls PagerDuty (the fake, which
 * timestamps every request) every 1 s while events are offered at 100,000/hour (≈28/s) through
 * the ingest service, each decided with the real Redis-backed FreezeService. Calls are counted
 * in a window of 5 whole intervals that starts half an interval after an observed poll (so a
 * little scheduling jitter cannot move a poll across the window's edges). Target: 1.0 (one
 * list walk per provider per interval, whatever the event rate).
 */
import { randomBytes } from 'node:crypto';
import { IngestService } from '@driftwarden/pipeline';
import { PagerDutyFake } from '../../libs/incidents/src/testing/pagerduty.fake';
import type { FakeReply, ParsedFakeRequest } from '../../libs/incidents/src/testing/http-fake.fake';
import { startBenchController } from './bench-controller';
import { sgEvent } from './events';
import { instantPorts } from './instant-ports';
import { dropPrefix, sleep } from './util';

const PD_TOKEN = 'pd-bench-token';

/** The PagerDuty fake, with the time of every request. */
class TimedPagerDutyFake extends PagerDutyFake {
  readonly times: number[] = [];
  protected override handle(request: ParsedFakeRequest): { reply: FakeReply; problems: string[] } {
    this.times.push(performance.now());
    return super.handle(request);
  }
}

export interface ProviderCallsResult {
  calls: number;
  intervals: number;
  perInterval: number;
  eventsOffered: number;
  decisions: number;
  /** Requests the fake found invalid (should be 0). */
  invalidRequests: number;
}

export async function providerCalls(options: { intervals?: number; eventsPerHour?: number } = {}): Promise<ProviderCallsResult> {
  const intervals = options.intervals ?? 5;
  const perSecond = (options.eventsPerHour ?? 100_000) / 3600;
  const intervalMs = 1000;
  const prefix = `dwbench-pd-${randomBytes(3).toString('hex')}`;
  // Open incidents that are not major (P3): every list walk returns data but nothing freezes.
  const pd = await new TimedPagerDutyFake({ token: PD_TOKEN, contracts: 'optional' }).start();
  pd.setIncidents(Array.from({ length: 5 }, (_, i) => ({ id: `QMINOR${i}`, priority: 'P3', urgency: 'low' as const })));
  let running: Awaited<ReturnType<typeof startBenchController>> | null = null;
  let offering = true;
  let offer: Promise<void> = Promise.resolve();
  try {
    running = await startBenchController(
      prefix,
      {
        incidents: {
          pollIntervalSeconds: intervalMs / 1000,
          maxStalenessSeconds: 3,
          cooldownMinutes: 0,
          pagerduty: { token: PD_TOKEN, apiUrl: pd.url, webhookSecrets: [], major: { priorities: ['P1'] }, requestTimeoutMs: 1000 },
        },
      },
      instantPorts({ realFreeze: true }),
    );
    const { ctl } = running;
    const ingest = ctl.app.get(IngestService);
    let decisions = 0;
    ctl.workers.onCompleted(() => {
      decisions++;
    });
    let offered = 0;
    const tag = randomBytes(3).toString('hex');
    const t0 = performance.now();
    offer = (async () => {
      while (offering) {
        const due = t0 + offered * (1000 / perSecond);
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        if (!offering) break;
        const i = offered++;
        void ingest.ingest(sgEvent(`sg-${tag}${String(i).padStart(10, '0')}`, 1_750_000_000_000 + i), { transport: 'http', actor: 'bench' });
      }
    })();

    // Steady state: two polls seen, then a window of whole intervals starting mid-interval.
    const deadline = performance.now() + 10_000;
    while (pd.times.length < 2) {
      if (performance.now() > deadline) throw new Error(`the controller did not poll PagerDuty (requests: ${pd.times.length})`);
      await sleep(20);
    }
    const from = pd.times[pd.times.length - 1] + intervalMs / 2;
    const to = from + intervals * intervalMs;
    await sleep(to - performance.now() + 50);
    offering = false;
    await offer;
    const calls = pd.times.filter((t) => t >= from && t < to).length;
    return {
      calls,
      intervals,
      perInterval: calls / intervals,
      eventsOffered: offered,
      decisions,
      invalidRequests: pd.requests.filter((r) => r.problems.length > 0).length,
    };
  } finally {
    offering = false;
    await offer;
    if (running) await running.ctl.close();
    await pd.stop();
    await dropPrefix(prefix);
  }
}
