import { PagerDutyFake } from '@driftwarden/incidents/testing';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { sgEvent } from '../support/events';
import { pagerDutyWebhook, signed } from '../support/pagerduty-webhook';

interface FreezeView {
  frozen: boolean;
  sources: { id: string; type: string; since: string; reason: string; incident?: { id: string } }[];
  providers: Record<string, { ok: boolean; fetchedAt: string | null; error?: string }>;
}

/** The controller against a real HTTP PagerDuty fake that validates every request against the official spec. */
describe('incident awareness end to end (PagerDuty)', () => {
  let pd: PagerDutyFake;
  let ctl: TestController;

  beforeAll(async () => {
    pd = await new PagerDutyFake().start();
    ctl = await startTestController({
      extra: {
        incidents: {
          pollIntervalSeconds: 1,
          maxStalenessSeconds: 3,
          cooldownMinutes: 0,
          pagerduty: {
            token: 'pd-fake-token',
            apiUrl: pd.url,
            webhookSecrets: ['old-secret', 'new-secret'],
            major: { priorities: ['P1', 'P2'] },
            requestTimeoutMs: 1000,
          },
        },
      },
    });
  });
  afterAll(async () => {
    await ctl.close();
    await pd.stop();
    await dropPrefix(ctl.prefix);
  });
  beforeEach(() => {
    pd.reset();
    pd.setIncidents([]);
  });

  const freeze = async () => (await http<FreezeView>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body;

  it('freezes from the provider created_at while a major incident is open, and not for a minor one', async () => {
    const createdAt = new Date(Math.floor((Date.now() - 40 * 24 * 3600_000) / 1000) * 1000).toISOString(); // older than a month: needs date_range=all
    pd.setIncidents([
      { id: 'QMINOR1', priority: 'P3', createdAt: new Date().toISOString() },
      { id: 'QMAJOR1', priority: 'P1', createdAt },
    ]);
    const view = await eventually(async () => {
      const f = await freeze();
      return f.sources.some((s) => s.type === 'incident') ? f : undefined;
    }, 'the incident freeze');
    const sources = view.sources.filter((s) => s.type === 'incident');
    expect(sources.map((s) => s.incident?.id)).toEqual(['QMAJOR1']);
    expect(Date.parse(sources[0].since)).toBe(Date.parse(createdAt));
    // Every request the adapter made was one the real API accepts.
    expect(pd.requests.every((r) => r.problems.length === 0)).toBe(true);
    pd.setIncidents([]);
    await eventually(async () => !(await freeze()).frozen, 'the freeze to end when the incident resolves (no cooldown here)');
  });

  it('fails closed: a provider outage makes the state unknown (frozen), and readiness stays up', async () => {
    pd.failNext({ status: 503 }, 1000);
    const view = await eventually(
      async () => {
        const f = await freeze();
        return f.sources.some((s) => s.type === 'unknown') ? f : undefined;
      },
      'the unknown freeze',
      10_000,
    );
    expect(view.frozen).toBe(true);
    expect(view.providers['pagerduty']).toMatchObject({ ok: false });
    const ready = await http<{ ready: boolean; providers: Record<string, { ok: boolean }> }>(ctl.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.providers['pagerduty'].ok).toBe(false);
    pd.reset();
    await eventually(async () => !(await freeze()).frozen, 'fresh data to unfreeze', 10_000);
  });

  it('applies a signed webhook at once, accepts the rotated secret, rejects forged or unsigned ones, and deduplicates replays', async () => {
    const createdAt = new Date().toISOString();
    // No poll may see the incident first (its refresh poll would race the webhook): the
    // provider fails meanwhile, so the freeze below can only come from the webhook.
    pd.failNext({ status: 503 }, 1000);
    pd.setIncidents([{ id: 'QHOOK1', priority: 'P1', createdAt }]);
    const body = pagerDutyWebhook({
      eventId: 'EVT1',
      type: 'incident.triggered',
      incidentId: 'QHOOK1',
      number: 77,
      priority: 'P1',
      status: 'triggered',
      createdAt,
    });
    const post = (raw: string, headers: Record<string, string>) =>
      http<{ duplicate?: boolean; applied?: boolean; error?: { code: string } }>(ctl.url, 'POST', '/v1/webhooks/pagerduty', {
        raw,
        headers: { 'content-type': 'application/json', ...headers },
      });

    const forged = signed(body, 'not-the-secret');
    expect((await post(forged.raw, { 'x-pagerduty-signature': forged.signature, 'x-webhook-id': 'W1' })).status).toBe(401);
    expect((await post(JSON.stringify(body), { 'x-webhook-id': 'W1' })).status).toBe(401);
    const tampered = signed(body, 'new-secret');
    expect(
      (await post(tampered.raw.replace('QHOOK1', 'QHOOK9'), { 'x-pagerduty-signature': tampered.signature, 'x-webhook-id': 'W1' })).status,
    ).toBe(401);

    // During rotation PagerDuty signs with both secrets; either configured secret is accepted.
    const rotated = signed(body, 'unknown-secret', 'new-secret');
    const first = await post(rotated.raw, { 'x-pagerduty-signature': rotated.signature, 'x-webhook-id': 'W1' });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ duplicate: false, applied: true });
    // Visible at once, before any poll could have seen it.
    const view = await freeze();
    expect(view.sources.some((s) => s.incident?.id === 'QHOOK1')).toBe(true);

    const replay = await post(rotated.raw, { 'x-pagerduty-signature': rotated.signature, 'x-webhook-id': 'W1' });
    expect(replay.body).toMatchObject({ duplicate: true });
    // The same signed body under a fresh X-Webhook-Id (which the signature does not cover) is the same event.
    const reheadered = await post(rotated.raw, { 'x-pagerduty-signature': rotated.signature, 'x-webhook-id': 'W-FRESH' });
    expect(reheadered.body).toMatchObject({ duplicate: true });

    const metrics = await http<string>(ctl.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="pagerduty",reason="bad_signature"\} 2/);
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="pagerduty",reason="unsigned"\} 1/);
  });

  it('a captured event older than the replay window is not applied (a months-old "resolved" must not end a freeze)', async () => {
    const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    pd.setIncidents([{ id: 'QOLDEV', number: 91, priority: 'P1', createdAt }]);
    await eventually(
      async () => ((await freeze()).sources.some((s) => s.incident?.id === 'QOLDEV') ? true : undefined),
      'the incident freeze',
    );
    const old = signed(
      pagerDutyWebhook({
        eventId: 'EVT-OLD',
        type: 'incident.resolved',
        incidentId: 'QOLDEV',
        number: 91,
        priority: 'P1',
        status: 'resolved',
        createdAt,
        occurredAt: new Date(Date.now() - 4 * 24 * 3_600_000).toISOString(),
      }),
      'new-secret',
    );
    const res = await http<{ applied?: boolean; ignored?: string }>(ctl.url, 'POST', '/v1/webhooks/pagerduty', {
      raw: old.raw,
      headers: { 'content-type': 'application/json', 'x-pagerduty-signature': old.signature, 'x-webhook-id': 'W-OLD' },
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ applied: false, ignored: expect.stringContaining('replay window') });
    expect((await freeze()).sources.some((s) => s.incident?.id === 'QOLDEV')).toBe(true);
  });

  it('a priority change is applied at once: raised to major it freezes, lowered below major the incident freeze ends', async () => {
    const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const post = async (eventId: string, priority: string) => {
      const hook = signed(
        pagerDutyWebhook({
          eventId,
          type: 'incident.priority_updated',
          incidentId: 'QPRIO1',
          number: 88,
          priority,
          status: 'acknowledged',
          createdAt,
        }),
        'new-secret',
      );
      return http<{ applied?: boolean }>(ctl.url, 'POST', '/v1/webhooks/pagerduty', {
        raw: hook.raw,
        headers: { 'content-type': 'application/json', 'x-pagerduty-signature': hook.signature, 'x-webhook-id': eventId },
      });
    };
    const hasIt = (f: FreezeView) => f.sources.some((s) => s.incident?.id === 'QPRIO1');
    pd.setIncidents([{ id: 'QPRIO1', number: 88, priority: 'P3', status: 'acknowledged', createdAt }]);
    await eventually(async () => ((await freeze()).providers['pagerduty']?.ok ? true : undefined), 'a good poll');
    expect(hasIt(await freeze())).toBe(false);

    // "At once" means before any poll: the provider fails from here on. Otherwise the refresh
    // poll each webhook queues (or one already running) may see the new priority first, and the
    // webhook then rightly changes nothing (`applied: false`): that race made this test flaky.
    pd.failNext({ status: 503 }, 1000);
    pd.setIncidents([{ id: 'QPRIO1', number: 88, priority: 'P1', status: 'acknowledged', createdAt }]);
    const raised = await post('EVT-PRIO-UP', 'P1');
    expect(raised.status).toBe(202);
    expect(raised.body.applied).toBe(true);
    const frozen = await freeze();
    expect(hasIt(frozen)).toBe(true);
    expect(frozen.sources.find((s) => s.incident?.id === 'QPRIO1')?.since).toBe(createdAt);

    pd.setIncidents([{ id: 'QPRIO1', number: 88, priority: 'P3', status: 'acknowledged', createdAt }]);
    const lowered = await post('EVT-PRIO-DOWN', 'P3');
    expect(lowered.status).toBe(202);
    expect(lowered.body.applied).toBe(true);
    expect(hasIt(await freeze())).toBe(false);
    expect(pd.requests.every((r) => r.problems.length === 0)).toBe(true);
  });

  it('does not call the provider more often when events flow: one list walk per interval', async () => {
    pd.reset();
    const start = Date.now();
    for (let i = 0; i < 10; i++) {
      const batch = Array.from({ length: 30 }, (_, k) =>
        sgEvent({ groupId: `sg-0pdrate${String(i * 30 + k).padStart(11, '0')}`, stateId: 1_746_000_000_000 + i * 30 + k }),
      );
      await http(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: batch });
    }
    await eventually(async () => Date.now() - start > 3000, 'three poll intervals');
    const seconds = (Date.now() - start) / 1000;
    // One GET /incidents per 1 s interval (no incidents: one page), whatever the 300 events did.
    expect(pd.callCount).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    expect(pd.callCount).toBeGreaterThanOrEqual(2);
  });
});
