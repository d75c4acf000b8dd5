import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermanentError, TransientError } from '@driftwarden/domain';
import type { Notification } from './notification-rules';
import { SIGNATURE_HEADER, sendWebhook, type WebhookTarget } from './webhook-sender';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  path: string;
}

const N: Notification = {
  kind: 'awaiting_approval',
  title: 'Approval needed: reverting the change by bob on sg-0abc (111122223333, eu-west-1)',
  reason: 'needs human approval: reverting would widen exposure',
  driftId: 'drf_abc',
  resourceKey: '111122223333/eu-west-1/AWS::EC2::SecurityGroup/sg-0abc',
  auditId: '1750000000000-0',
  at: '2026-11-22T10:00:00.000Z',
};

describe('sendWebhook (a real HTTP receiver)', () => {
  let server: Server;
  let base: string;
  const received: Received[] = [];
  let answer: (req: IncomingMessage) => { status: number; headers?: Record<string, string>; hang?: boolean } = () => ({ status: 200 });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body, path: req.url ?? '' });
        const a = answer(req);
        if (a.hang) return;
        res.writeHead(a.status, a.headers ?? {});
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    received.length = 0;
    answer = () => ({ status: 200 });
  });

  const target = (over: Partial<WebhookTarget> = {}): WebhookTarget => ({
    name: 'oncall',
    url: `${base}/hooks/T000/B000/s3cr3t-token`,
    format: 'json',
    requestTimeoutMs: 2000,
    ...over,
  });
  const rejection = async (p: Promise<unknown>): Promise<Error> => {
    try {
      await p;
    } catch (err) {
      return err as Error;
    }
    throw new Error('expected a rejection');
  };

  it('posts the JSON message signed with HMAC-SHA256 of the exact body, and a stable delivery id', async () => {
    await sendWebhook(target({ secret: 'notify-secret' }), N, { drift: 'https://dw.example.com/v1/drifts/drf_abc' });
    const [r] = received;
    expect(JSON.parse(r.body)).toEqual({
      kind: 'awaiting_approval',
      title: N.title,
      reason: N.reason,
      at: N.at,
      driftId: 'drf_abc',
      resourceKey: N.resourceKey,
      auditId: N.auditId,
      links: { drift: 'https://dw.example.com/v1/drifts/drf_abc' },
    });
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-driftwarden-delivery']).toBe('1750000000000-0:awaiting_approval');
    // What a receiver does: recompute and compare in constant time.
    const expected = Buffer.from(`sha256=${createHmac('sha256', 'notify-secret').update(r.body).digest('hex')}`);
    const got = Buffer.from(String(r.headers[SIGNATURE_HEADER]));
    expect(got.length === expected.length && timingSafeEqual(got, expected)).toBe(true);
  });

  it('no signature without a secret; Slack gets {text} with a link', async () => {
    await sendWebhook(target(), N);
    expect(received[0].headers[SIGNATURE_HEADER]).toBeUndefined();
    await sendWebhook(target({ format: 'slack', secret: 'ignored' }), N, { drift: 'https://dw.example.com/v1/drifts/drf_abc' });
    expect(JSON.parse(received[1].body)).toEqual({ text: `*${N.title}*\n${N.reason}\n<https://dw.example.com/v1/drifts/drf_abc|drf_abc>` });
    expect(received[1].headers[SIGNATURE_HEADER]).toBeUndefined();
  });

  it.each([500, 502, 503])('HTTP %i is transient (retried by the queue)', async (status) => {
    answer = () => ({ status });
    const err = await rejection(sendWebhook(target(), N));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: 'notify_unavailable' });
  });

  it("429 is transient and keeps the receiver's Retry-After", async () => {
    answer = () => ({ status: 429, headers: { 'retry-after': '7' } });
    const err = await rejection(sendWebhook(target(), N));
    expect(err).toMatchObject({ code: 'notify_rate_limited', retryAfterMs: 7000 });
  });

  it.each([400, 401, 403, 404, 410])('HTTP %i is permanent (the receiver refused it)', async (status) => {
    answer = () => ({ status });
    const err = await rejection(sendWebhook(target(), N));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toBe(`notification webhook oncall: refused with HTTP ${status}`);
  });

  it('a redirect is refused, not followed (the message stays where it was sent), and not retried (a setting to fix)', async () => {
    answer = () => ({ status: 302, headers: { location: 'http://127.0.0.1:9/elsewhere' } });
    const err = await rejection(sendWebhook(target(), N));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toBe('notification webhook oncall: redirected (HTTP 302); configure the URL it redirects to');
    expect(received).toHaveLength(1);
  });

  it('a receiver that never answers times out (transient); one that is down is unreachable', async () => {
    answer = () => ({ status: 200, hang: true });
    expect(await rejection(sendWebhook(target({ requestTimeoutMs: 200 }), N))).toMatchObject({ code: 'notify_timeout' });
    expect(await rejection(sendWebhook(target({ url: 'http://127.0.0.1:9/hook' }), N))).toMatchObject({ code: 'notify_unreachable' });
  });

  it('never puts the URL (it may carry a token) in an error', async () => {
    for (const a of [() => ({ status: 500 }), () => ({ status: 404 }), () => ({ status: 200, hang: true })]) {
      answer = a;
      const err = await rejection(sendWebhook(target({ requestTimeoutMs: 200 }), N));
      expect(`${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`).not.toContain('s3cr3t-token');
    }
  });
});
