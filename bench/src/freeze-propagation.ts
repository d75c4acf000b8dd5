/**
 * Freeze propagation: a signed PagerDuty `incident.triggered` webhook POSTed to the controller
 * (in this process) → the freeze visible to a SECOND process (freeze-observer.ts, forked), which
 * evaluates `effective(target).frozen` with its own FreezeService on every freeze-channel message
 * and reports the change over IPC.
 *
 * Per sample: t0 = just before the webhook POST is sent (so the figure includes the controller's
 * signature check, Redis writes and publish, and is never negative: the in-process controller
 * publishes before its 202 leaves); t1 = when this process receives the observer's IPC report
 * (the IPC hop is included too). The 202 round trip is measured as well, for comparison. Then
 * the incident is resolved (`incident.resolved` webhook; cooldown 0) and the next sample waits
 * until the observer reports unfrozen. The PagerDutyFake serves the same incident while it is
 * open (the webhook also queues a refresh poll, which must agree with it, as PagerDuty would).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ScopeTarget } from '@driftwarden/domain';
import {
  PAGERDUTY_SIGNATURE_HEADER,
  PAGERDUTY_WEBHOOK_ID_HEADER,
  pagerDutyWebhookBody,
  signPagerDutyBody,
  type PagerDutyWebhookOptions,
} from '@driftwarden/incidents';
import { PagerDutyFake } from '@driftwarden/incidents/testing';
import { freezeSettings } from '../../apps/controller/src/core/settings';
import { startBenchController } from './bench-controller';
import type { ObserverArgs, ObserverMessage } from './freeze-observer';
import { instantPorts } from './instant-ports';
import { REDIS_URL, dropPrefix, sleep, within } from './util';

const PD_TOKEN = 'pd-bench-token';
const TARGET: ScopeTarget = { account: '111122223333', region: 'eu-west-1', type: 'AWS::EC2::SecurityGroup', tags: { team: 'checkout' } };

export interface FreezePropagationResult {
  /** Webhook sent → observer's report received, ms, ascending. */
  propagation: number[];
  /** Webhook sent → 202 received, ms, ascending. */
  accepted: number[];
  /** Webhook sent → observer saw unfrozen after `incident.resolved`, ms, ascending. */
  unfreeze: number[];
}

const pagerDutyWebhook = (o: PagerDutyWebhookOptions): unknown => pagerDutyWebhookBody(o);

/** The observer process as seen from here: its last reported freeze, and waits on it. */
class Observer {
  frozen: boolean | null = null;
  sources: string[] = [];
  private changedAt = 0;
  private waiters: { frozen: boolean; resolve: (at: number) => void }[] = [];
  private failure: Error | null = null;
  private failed: ((err: Error) => void)[] = [];

  constructor(readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const at = performance.now();
      const m = raw as ObserverMessage;
      if (m.type === 'error') return this.fail(new Error(`freeze observer: ${m.message}`));
      this.frozen = m.frozen;
      this.sources = m.sources;
      this.changedAt = at;
      this.waiters = this.waiters.filter((w) => {
        if (w.frozen !== m.frozen) return true;
        w.resolve(at);
        return false;
      });
    });
    child.once('exit', (code) => this.fail(new Error(`freeze observer exited (${String(code)})`)));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const f of this.failed) f(err);
    this.failed = [];
  }

  /** When the observer's freeze became `frozen` (now, if it already is), by this process's clock. */
  until(frozen: boolean): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.frozen === frozen) return Promise.resolve(this.changedAt);
    return new Promise((resolve, reject) => {
      this.waiters.push({ frozen, resolve });
      this.failed.push(reject);
    });
  }
}

export async function freezePropagation(samples: number, warmup = 5): Promise<FreezePropagationResult> {
  const prefix = `dwbench-frz-${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(18).toString('base64url');
  const pd = await new PagerDutyFake({ token: PD_TOKEN, contracts: 'optional' }).start();
  let child: ChildProcess | null = null;
  let running: Awaited<ReturnType<typeof startBenchController>> | null = null;
  try {
    running = await startBenchController(
      prefix,
      {
        incidents: {
          // Only webhooks matter: the scheduled poll is hourly (staleness limit above it).
          pollIntervalSeconds: 3600,
          maxStalenessSeconds: 7200,
          cooldownMinutes: 0,
          pagerduty: { token: PD_TOKEN, apiUrl: pd.url, webhookSecrets: [secret], major: { priorities: ['P1'] }, requestTimeoutMs: 2000 },
        },
      },
      instantPorts({ realFreeze: true }),
    );
    const { ctl, config } = running;
    const args: ObserverArgs = { redisUrl: REDIS_URL, prefix, settings: freezeSettings(config), target: TARGET };
    child = fork(join(__dirname, 'freeze-observer.js'), [JSON.stringify(args)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    const observer = new Observer(child);
    // Ready once it has subscribed and the first poll has recorded a snapshot (no data = unknown = frozen).
    await within(
      observer.until(false),
      15_000,
      `the second process to see an unfrozen state (sources: ${observer.sources.join(', ') || 'none'})`,
    );

    const tag = randomBytes(2).toString('hex').toUpperCase();
    const url = `${ctl.url}/v1/webhooks/pagerduty`;
    let delivery = 0;
    const post = async (body: unknown): Promise<{ status: number; answer: { applied?: boolean } }> => {
      const raw = JSON.stringify(body);
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [PAGERDUTY_SIGNATURE_HEADER]: signPagerDutyBody(raw, secret),
          [PAGERDUTY_WEBHOOK_ID_HEADER]: `W${tag}${++delivery}`,
        },
        body: raw,
      });
      return { status: res.status, answer: (await res.json()) as { applied?: boolean } };
    };

    const result: FreezePropagationResult = { propagation: [], accepted: [], unfreeze: [] };
    for (let i = 0; i < warmup + samples; i++) {
      if (observer.frozen !== false) throw new Error(`sample ${i}: the second process is still frozen (${observer.sources.join(', ')})`);
      const incidentId = `QB${tag}${String(i).padStart(5, '0')}`;
      const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000).toISOString();
      // PagerDuty has the incident open by the time it sends the webhook.
      pd.setIncidents([{ id: incidentId, number: 1000 + i, priority: 'P1', urgency: 'high', createdAt, title: 'checkout returns 5xx' }]);
      const triggered = pagerDutyWebhook({
        eventId: `E${tag}T${i}`,
        type: 'incident.triggered',
        incidentId,
        number: 1000 + i,
        status: 'triggered',
        createdAt,
      });
      const seen = observer.until(true);
      seen.catch(() => undefined); // awaited below; a failure while posting must not go unhandled
      const t0 = performance.now();
      const reply = await post(triggered);
      const t202 = performance.now();
      if (reply.status !== 202 || reply.answer.applied !== true)
        throw new Error(`sample ${i}: webhook answered ${reply.status} ${JSON.stringify(reply.answer)}`);
      const t1 = await within(seen, 5_000, `sample ${i}: the second process to see the freeze`);
      if (!observer.sources.includes(`inc_pagerduty_${incidentId}`))
        throw new Error(`sample ${i}: frozen for another reason (${observer.sources.join(', ')})`);

      pd.setIncidents([]);
      const resolved = pagerDutyWebhook({
        eventId: `E${tag}R${i}`,
        type: 'incident.resolved',
        incidentId,
        number: 1000 + i,
        status: 'resolved',
        createdAt,
      });
      const u0 = performance.now();
      const r = await post(resolved);
      if (r.status !== 202) throw new Error(`sample ${i}: resolve webhook answered ${r.status} ${JSON.stringify(r.answer)}`);
      const u1 = await within(observer.until(false), 5_000, `sample ${i}: the second process to see the freeze end`);
      if (i >= warmup) {
        result.propagation.push(t1 - t0);
        result.accepted.push(t202 - t0);
        result.unfreeze.push(u1 - u0);
      }
      // Let the refresh poll the webhooks queued finish before the next incident (and avoid lock-step).
      await sleep(20 + Math.random() * 20);
    }
    for (const xs of [result.propagation, result.accepted, result.unfreeze]) xs.sort((a, b) => a - b);
    return result;
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child?.once('exit', () => resolve()));
      if (child.connected) child.disconnect();
      await within(exited, 3_000, 'the freeze observer to exit').catch(() => child?.kill());
    }
    if (running) await running.ctl.close();
    await pd.stop();
    await dropPrefix(prefix);
  }
}
