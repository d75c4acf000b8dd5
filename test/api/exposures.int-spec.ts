import { Writable } from 'node:stream';
import { FreezeStore } from '@driftwarden/freeze';
import { signPagerDutyBody } from '@driftwarden/incidents';
import { createLogger } from '@driftwarden/observability';
import { startController } from '../../apps/controller/src/bootstrap';
import { http } from '../support/http';
import { dropPrefix, eventually, startTestController, testRuntime, TOKENS, type TestController } from '../support/test-controller';

interface ErrorBody {
  error: { code: string; message: string; problems?: { path: string; message: string }[] };
}

/** Webhook providers configured (their APIs are never called: role `api` only, no polling). */
const PROVIDERS = {
  incidents: {
    pagerduty: { token: 'pd-token', apiUrl: 'http://127.0.0.1:9', webhookSecrets: ['pd-secret'] },
    opsgenie: { apiKey: 'og-key', apiUrl: 'http://127.0.0.1:9', webhookToken: 'og-token' },
  },
  github: { apiUrl: 'http://127.0.0.1:9', token: 'gh-token', webhookSecret: 'gh-secret' },
};

/** Issue 11 §6: smaller exposures of the HTTP edge. */
describe('smaller exposures', () => {
  let ctl: TestController;
  beforeAll(async () => {
    ctl = await startTestController({ roles: ['api'], extra: PROVIDERS });
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });

  it.each([
    ['GET', '/healthz', undefined, 200],
    ['GET', '/v1/drifts', undefined, 401],
    ['GET', '/v1/drifts?bogus=1', TOKENS.viewer, 400],
    ['GET', '/nope', undefined, 404],
    ['GET', '/docs', undefined, 200],
  ])('%s %s (token %s) answers %d: no framework banner (X-Powered-By)', async (method, path, token, status) => {
    const res = await http(ctl.url, method, path, { token });
    expect(res.status).toBe(status);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  describe('authentication comes before the body is parsed', () => {
    it.each([
      ['POST', '/v1/events', undefined],
      ['POST', '/v1/events', 'not-a-configured-token'],
      ['POST', '/v1/freezes', undefined],
      ['POST', '/v1/freeze/overrides', 'not-a-configured-token'],
      ['POST', '/v1/exceptions', undefined],
      ['POST', '/v1/drifts/drf_x/approve', 'not-a-configured-token'],
    ])('%s %s with a malformed body and token %s: 401, not 400', async (method, path, token) => {
      const res = await http<ErrorBody>(ctl.url, method, path, { token, raw: '{"detail-type": ' });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    });

    it('an unauthenticated body over the size limit: 401, not 413', async () => {
      const res = await http<ErrorBody>(ctl.url, 'POST', '/v1/events', { raw: JSON.stringify({ pad: 'x'.repeat(1_100_000) }) });
      expect(res.status).toBe(401);
    });

    it('an authenticated caller still gets 400 invalid_json and 413 payload_too_large', async () => {
      const bad = await http<ErrorBody>(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, raw: '{"detail-type": ' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_json');
      const big = await http<ErrorBody>(ctl.url, 'POST', '/v1/events', {
        token: TOKENS.ingest,
        raw: JSON.stringify({ pad: 'x'.repeat(1_100_000) }),
      });
      expect(big.status).toBe(413);
      expect(big.body.error.code).toBe('payload_too_large');
    });

    it('a wrong role with a malformed body: 403, the body unread', async () => {
      const res = await http<ErrorBody>(ctl.url, 'POST', '/v1/freezes', { token: TOKENS.viewer, raw: '{' });
      expect(res.status).toBe(403);
    });

    it.each([
      ['/v1/webhooks/pagerduty', 'bad_signature'],
      ['/v1/webhooks/github', 'bad_signature'],
      ['/v1/webhooks/opsgenie', 'bad_token'],
    ])('an unsigned webhook with a malformed body (%s) is refused as unsigned: 401 %s', async (path, code) => {
      const res = await http<ErrorBody>(ctl.url, 'POST', path, { raw: '{"event": ' });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe(code);
    });
  });

  it.each([
    ['/v1/webhooks/pagerduty', (raw: string) => ({ 'x-pagerduty-signature': signPagerDutyBody(raw, 'pd-secret') })],
    ['/v1/webhooks/opsgenie', () => ({ 'x-opsgenie-token': 'og-token' })],
  ])('a correctly signed webhook (%s) whose body is not JSON is a 400 invalid_json, not a 500', async (path, sign) => {
    const raw = '{"event": ';
    const res = await http<ErrorBody>(ctl.url, 'POST', path, { raw, headers: sign(raw) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  describe('public endpoints answer codes, not raw error texts', () => {
    it('/readyz names a failing provider with a code; the error text stays behind authentication', async () => {
      const store = ctl.app.get(FreezeStore);
      const now = new Date().toISOString();
      const error = 'connect ECONNREFUSED 10.20.30.40:443 (pd-proxy.internal.example.com)';
      await store.recordSnapshot(
        { provider: 'pagerduty', ok: false, fetchedAt: null, attemptedAt: now, error, incidents: [] },
        'scheduler',
      );
      const ready = await http<{ providers: Record<string, { ok: boolean; error?: string }> }>(ctl.url, 'GET', '/readyz');
      expect(ready.body.providers['pagerduty']).toMatchObject({ ok: false, error: 'poll_failed' });
      expect(ready.body.providers['opsgenie']).toMatchObject({ ok: false, error: 'no_data_yet' });
      expect(JSON.stringify(ready.body)).not.toContain('10.20.30.40');
      const freeze = await http<{ providers: Record<string, { error?: string }> }>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer });
      expect(freeze.body.providers['pagerduty'].error).toBe(error);
    });
  });
});

describe('failed authentications are limited per client and counted', () => {
  let ctl: TestController;
  beforeAll(async () => {
    // One proxy in front: the client is the right-most X-Forwarded-For address.
    ctl = await startTestController({
      roles: ['api'],
      extra: { api: { port: 0, tokens: testTokens(), trustProxy: 1, authFailureLimit: { maxFailures: 3, windowSeconds: 60 } } },
    });
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });
  const from = (client: string, token?: string) =>
    http<ErrorBody>(ctl.url, 'GET', '/v1/drifts', { token, headers: { 'x-forwarded-for': client } });

  it('the failure past the limit is a 429 with Retry-After; other clients and public routes are unaffected', async () => {
    // A request without a token is not a guess: it does not count.
    for (let i = 0; i < 5; i++) expect((await from('203.0.113.7')).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await from('203.0.113.7', `guess-${i}`)).status).toBe(401);
    const limited = await from('203.0.113.7', 'guess-3');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('too_many_auth_failures');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Refused before the token is looked at: a right guess gets no different answer.
    expect((await from('203.0.113.7', TOKENS.viewer)).status).toBe(429);
    // Another client, and public routes, are not affected.
    expect((await from('203.0.113.8', 'guess-x')).status).toBe(401);
    expect((await from('203.0.113.8', TOKENS.viewer)).status).toBe(200);
    expect((await http(ctl.url, 'GET', '/healthz', { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);

    const metrics = (await http<string>(ctl.url, 'GET', '/metrics')).body;
    expect(metrics).toContain('driftwarden_auth_failures_total{reason="missing_token"} 5');
    expect(metrics).toContain('driftwarden_auth_failures_total{reason="invalid_token"} 4');
    expect(metrics).toContain('driftwarden_auth_failures_total{reason="rate_limited"} 2');
  });
});

describe('query values of credential-like parameters never reach the log', () => {
  it('redacts ?access_token=, ?token=, ?X-Amz-Signature= and keeps the rest', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const runtime = testRuntime({}, ['api']);
    const ctl = await startController({ runtime, logger: createLogger('info', sink), port: 0, host: '127.0.0.1' });
    try {
      await http(ctl.url, 'GET', '/v1/drifts?access_token=s3cr3t-one&limit=5', { token: TOKENS.viewer });
      await http(ctl.url, 'GET', '/v1/nope?token=s3cr3t-two&X-Amz-Signature=s3cr3t-three&page=2');
      await http(ctl.url, 'GET', '/v1/drifts?api%5Fkey=s3cr3t-four', {
        headers: { referer: 'https://console.example.com/?session=s3cr3t-five' },
      });
      const requestLines = await eventually(async () => {
        const found = lines.filter((l) => l.includes('"req"'));
        return found.length >= 3 ? found : undefined;
      }, 'three request log lines');
      const all = lines.join('\n');
      for (const secret of ['s3cr3t-one', 's3cr3t-two', 's3cr3t-three', 's3cr3t-four', 's3cr3t-five']) expect(all).not.toContain(secret);
      const urls = requestLines.map((l) => (JSON.parse(l) as { req: { url: string } }).req.url);
      expect(urls).toEqual(
        expect.arrayContaining([
          '/v1/drifts?access_token=[redacted]&limit=5',
          '/v1/nope?token=[redacted]&X-Amz-Signature=[redacted]&page=2',
          '/v1/drifts?api%5Fkey=[redacted]',
        ]),
      );
    } finally {
      await ctl.close();
      await dropPrefix(runtime.config.redis.prefix);
    }
  });
});

/** The test config's tokens (the `api` section is replaced as a whole by `extra`). */
function testTokens(): unknown {
  return (testRuntime().config.api.tokens as { name: string; sha256: string; role: string; identity?: string }[]).map((t) => ({ ...t }));
}
