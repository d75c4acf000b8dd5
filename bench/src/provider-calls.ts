/**
 * Provider calls per poll interval under load, with every incident source on: the controller
 * polls PagerDuty, Opsgenie, Jira Service Management and incident.io (each a fake that
 * timestamps every request) every 1 s, and a signed generic webhook source (push-only: it is
 * never polled) sends a heartbeat every interval, while events are offered at 100,000/hour
 * (≈28/s) through the ingest service, each decided with the real Redis-backed FreezeService.
 * Calls are counted in a window of 5 whole intervals that starts half an interval after an
 * observed poll of every source (so a little scheduling jitter cannot move a poll across the
 * window's edges). Target: 1.0 per polled source (one list walk per source per interval,
 * whatever the event rate); `provider_calls_per_interval` is the highest of them.
 */
import { randomBytes } from 'node:crypto';
import { IngestService } from '@driftwarden/pipeline';
import { signGenericWebhook } from '@driftwarden/incidents';
import {
  IncidentioFake,
  INCIDENTIO_FAKE_API_KEY,
  JsmFake,
  JSM_FAKE_API_TOKEN,
  JSM_FAKE_EMAIL,
  OpsgenieFake,
  PagerDutyFake,
  type FakeReply,
  type HttpFake,
  type ParsedFakeRequest,
} from '@driftwarden/incidents/testing';
import { startBenchController } from './bench-controller';
import { sgEvent } from './events';
import { instantPorts } from './instant-ports';
import { dropPrefix, sleep } from './util';

const PD_TOKEN = 'pd-bench-token';
const OG_KEY = 'og-bench-key';
const GENERIC_SECRET = 'generic-bench-secret';

type Handled = { reply: FakeReply; problems: string[]; commit?: () => void };

/** The time of every request a fake receives. */
interface Timed {
  readonly times: number[];
}

class TimedPagerDutyFake extends PagerDutyFake implements Timed {
  readonly times: number[] = [];
  protected override handle(request: ParsedFakeRequest): Handled {
    this.times.push(performance.now());
    return super.handle(request);
  }
}
class TimedOpsgenieFake extends OpsgenieFake implements Timed {
  readonly times: number[] = [];
  protected override handle(request: ParsedFakeRequest): Handled {
    this.times.push(performance.now());
    return super.handle(request);
  }
}
class TimedJsmFake extends JsmFake implements Timed {
  readonly times: number[] = [];
  protected override handle(request: ParsedFakeRequest): Handled {
    this.times.push(performance.now());
    return super.handle(request);
  }
}
class TimedIncidentioFake extends IncidentioFake implements Timed {
  readonly times: number[] = [];
  protected override handle(request: ParsedFakeRequest): Handled {
    this.times.push(performance.now());
    return super.handle(request);
  }
}

export interface ProviderCallsResult {
  /** Calls to the busiest polled source in the window. */
  calls: number;
  intervals: number;
  /** The highest calls per interval of any polled source (target 1.0). */
  perInterval: number;
  /** Per polled source: calls per interval. */
  perSource: Record<string, number>;
  /** Heartbeats the push-only source sent (it is never polled). */
  pushMessages: number;
  eventsOffered: number;
  decisions: number;
  /** Requests the fakes found invalid (should be 0). */
  invalidRequests: number;
}

export async function providerCalls(options: { intervals?: number; eventsPerHour?: number } = {}): Promise<ProviderCallsResult> {
  const intervals = options.intervals ?? 5;
  const perSecond = (options.eventsPerHour ?? 100_000) / 3600;
  const intervalMs = 1000;
  const prefix = `dwbench-pd-${randomBytes(3).toString('hex')}`;
  // Open incidents that are not major on every source: every list walk returns data but nothing freezes.
  const pd = await new TimedPagerDutyFake({ token: PD_TOKEN, contracts: 'optional' }).start();
  pd.setIncidents(Array.from({ length: 5 }, (_, i) => ({ id: `QMINOR${i}`, priority: 'P3', urgency: 'low' as const })));
  const og = await new TimedOpsgenieFake({ apiKey: OG_KEY }).start();
  og.setIncidents(Array.from({ length: 5 }, (_, i) => ({ id: `og-minor-${i}`, priority: 'P4' as const })));
  const jsm = await new TimedJsmFake().start();
  jsm.setIssues(Array.from({ length: 5 }, (_, i) => ({ key: `OPS-${i + 1}`, priority: 'Low' })));
  const iio = await new TimedIncidentioFake().start();
  iio.setIncidents(Array.from({ length: 5 }, (_, i) => ({ id: `01MINOR${i}`, severity: 'Minor' })));
  const polled: Record<string, HttpFake & Timed> = { pagerduty: pd, opsgenie: og, jsm, incidentio: iio };
  let running: Awaited<ReturnType<typeof startBenchController>> | null = null;
  let offering = true;
  let offer: Promise<void> = Promise.resolve();
  let pushing: Promise<void> = Promise.resolve();
  let pushMessages = 0;
  try {
    running = await startBenchController(
      prefix,
      {
        incidents: {
          pollIntervalSeconds: intervalMs / 1000,
          maxStalenessSeconds: 3,
          cooldownMinutes: 0,
          pagerduty: { token: PD_TOKEN, apiUrl: pd.url, webhookSecrets: [], major: { priorities: ['P1'] }, requestTimeoutMs: 1000 },
          opsgenie: { apiKey: OG_KEY, apiUrl: og.url, major: { priorities: ['P1'] }, requestTimeoutMs: 1000 },
          jsm: { apiUrl: jsm.url, email: JSM_FAKE_EMAIL, apiToken: JSM_FAKE_API_TOKEN, requestTimeoutMs: 1000 },
          incidentio: { apiKey: INCIDENTIO_FAKE_API_KEY, apiUrl: iio.url, major: { severities: ['Critical'] }, requestTimeoutMs: 1000 },
          webhook: { sources: { bench: { secrets: [GENERIC_SECRET], maxStalenessSeconds: 3 } } },
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
        void ingest.ingest(sgEvent(`sg-${tag}${String(i).padStart(10, '0')}`, 1_750_000_000_000 + i), {
          transport: 'http',
          actor: 'bench',
        });
      }
    })();
    // The push-only source: a signed heartbeat every interval (it is never polled).
    pushing = (async () => {
      while (offering) {
        const raw = JSON.stringify({ type: 'heartbeat' });
        const res = await fetch(`${ctl.url}/v1/webhooks/incidents/bench`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signGenericWebhook(raw, new Date(), GENERIC_SECRET) },
          body: raw,
        });
        if (res.status !== 202) throw new Error(`heartbeat refused: ${res.status} ${await res.text()}`);
        pushMessages++;
        await sleep(intervalMs);
      }
    })();

    // Steady state: two polls of every source seen, then a window of whole intervals starting mid-interval.
    const deadline = performance.now() + 15_000;
    while (Object.values(polled).some((f) => f.times.length < 2)) {
      if (performance.now() > deadline) {
        throw new Error(
          `the controller did not poll every source (requests: ${Object.entries(polled)
            .map(([n, f]) => `${n} ${f.times.length}`)
            .join(', ')})`,
        );
      }
      await sleep(20);
    }
    const from = Math.max(...Object.values(polled).map((f) => f.times[f.times.length - 1])) + intervalMs / 2;
    const to = from + intervals * intervalMs;
    await sleep(to - performance.now() + 50);
    offering = false;
    await offer;
    await pushing;
    const perSource: Record<string, number> = {};
    for (const [name, fake] of Object.entries(polled)) perSource[name] = fake.times.filter((t) => t >= from && t < to).length / intervals;
    const busiest = Math.max(...Object.values(perSource));
    return {
      calls: Math.round(busiest * intervals),
      intervals,
      perInterval: busiest,
      perSource,
      pushMessages,
      eventsOffered: offered,
      decisions,
      invalidRequests: Object.values(polled).reduce((n, f) => n + f.requests.filter((r) => r.problems.length > 0).length, 0),
    };
  } finally {
    offering = false;
    await offer;
    await pushing.catch(() => undefined);
    if (running) await running.ctl.close();
    await Promise.all(Object.values(polled).map((f) => f.stop()));
    await dropPrefix(prefix);
  }
}
