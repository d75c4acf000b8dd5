import { OpsgenieFake, OPSGENIE_FAKE_DEFAULT_KEY } from '@driftwarden/incidents/testing';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';

interface FreezeView {
  frozen: boolean;
  sources: { type: string; incident?: { provider: string; id: string } }[];
  providers: Record<string, { ok: boolean }>;
}

/** The controller against a real HTTP Opsgenie fake that validates every request against the official spec. */
describe('incident awareness end to end (Opsgenie)', () => {
  let og: OpsgenieFake;
  let ctl: TestController;
  const WEBHOOK_TOKEN = 'og-webhook-shared-secret-0123456789';

  beforeAll(async () => {
    og = await new OpsgenieFake().start();
    ctl = await startTestController({
      extra: {
        incidents: {
          pollIntervalSeconds: 1,
          maxStalenessSeconds: 3,
          cooldownMinutes: 0,
          opsgenie: {
            apiKey: OPSGENIE_FAKE_DEFAULT_KEY,
            apiUrl: og.url,
            webhookToken: WEBHOOK_TOKEN,
            major: { priorities: ['P1', 'P2'] },
            requestTimeoutMs: 1000,
          },
        },
      },
    });
  });
  afterAll(async () => {
    await ctl.close();
    await og.stop();
    await dropPrefix(ctl.prefix);
  });

  const freeze = async () => (await http<FreezeView>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body;

  it('freezes while a P1 Opsgenie incident is open (a P3 does not), with requests the real API accepts', async () => {
    og.setIncidents([
      { id: 'og-minor', priority: 'P3', status: 'open', message: 'slow dashboard' },
      { id: 'og-major', priority: 'P1', status: 'open', message: 'checkout down' },
    ]);
    const view = await eventually(async () => {
      const f = await freeze();
      return f.sources.some((s) => s.type === 'incident') ? f : undefined;
    }, 'the Opsgenie incident freeze');
    expect(view.sources.filter((s) => s.type === 'incident').map((s) => s.incident?.id)).toEqual(['og-major']);
    expect(og.requests.every((r) => r.problems.length === 0)).toBe(true);
    expect(og.requests[0].headers['authorization']).toBe(`GenieKey ${OPSGENIE_FAKE_DEFAULT_KEY}`);
    og.setIncidents([]);
    await eventually(async () => !(await freeze()).frozen, 'the freeze to end');
  });

  it('fails closed when Opsgenie answers 429: unknown, frozen', async () => {
    og.failNext({ status: 429, headers: { 'X-RateLimit-State': 'THROTTLED', 'X-RateLimit-Period-In-Sec': '60' } }, 1000);
    await eventually(async () => (await freeze()).sources.some((s) => s.type === 'unknown'), 'the unknown freeze', 10_000);
    og.reset();
    await eventually(async () => !(await freeze()).frozen, 'fresh data to unfreeze', 10_000);
  });

  it('accepts a webhook with the shared secret (ms and ns timestamps), rejects a wrong or missing one (401), deduplicates a replay', async () => {
    const body = JSON.stringify({
      action: 'Create',
      integrationId: '7f3c0000-0000-4000-8000-000000000001',
      integrationName: 'driftwarden',
      source: { name: 'api', type: 'API' },
      alert: {
        alertId: 'a1b2c3d4',
        tinyId: '4711',
        alias: 'checkout-5xx',
        message: 'checkout returns 5xx',
        entity: 'checkout',
        tags: ['p1'],
        username: 'System',
        userId: 'u1',
        createdAt: 1741083330123,
        updatedAt: 1741083330123000000,
      },
    });
    const post = (headers: Record<string, string>) =>
      http<{ duplicate?: boolean; error?: { code: string } }>(ctl.url, 'POST', '/v1/webhooks/opsgenie', {
        raw: body,
        headers: { 'content-type': 'application/json', ...headers },
      });
    expect((await post({ 'x-opsgenie-token': 'wrong' })).status).toBe(401);
    expect((await post({})).status).toBe(401);
    const ok = await post({ 'x-opsgenie-token': WEBHOOK_TOKEN });
    expect(ok.status).toBe(202);
    expect(ok.body.duplicate).toBe(false);
    expect((await post({ 'x-opsgenie-token': WEBHOOK_TOKEN })).body.duplicate).toBe(true);
    const metrics = await http<string>(ctl.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="opsgenie",reason="bad_token"\} 1/);
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="opsgenie",reason="unsigned"\} 1/);
  });
});
