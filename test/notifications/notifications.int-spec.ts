import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { DRIFTWARDEN_CONFIG, redactConfig, type DriftwardenConfig } from '@driftwarden/config';
import { AuditFollower } from '@driftwarden/notifications';
import { http } from '../support/http';
import { sgEvent } from '../support/events';
import { fakePorts } from '../support/pipeline-harness';
import { dropPrefix, eventually, startTestController, TOKENS, uniquePrefix, type TestController } from '../support/test-controller';
import { keyBase, testRedis } from '../support/redis';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/**
 * DESIGN §4 rule 5 "notify": a revert that waits for approval is announced on the configured
 * webhook, once (whatever the number of replicas), signed, retried while the receiver fails,
 * and audited as `notification.failed` when it refuses. Real Redis, a real HTTP receiver.
 */
describe('notifications to an outgoing webhook', () => {
  let receiver: Server;
  let hookUrl: string;
  const received: Received[] = [];
  let answers: number[] = [];
  let redis: Redis;
  const ports = fakePorts();
  const controllers: TestController[] = [];
  let prefix: string;
  let n = 0;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body, at: Date.now() });
        res.writeHead(answers.shift() ?? 200);
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/oncall`;
    redis = testRedis();
  });
  afterAll(async () => {
    redis.disconnect();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });
  beforeEach(() => {
    prefix = uniquePrefix();
    received.length = 0;
    answers = [];
  });
  afterEach(async () => {
    for (const c of controllers.splice(0)) await c.close();
    await dropPrefix(prefix);
  });

  const start = async () => {
    const c = await startTestController({
      prefix,
      mode: 'enforce',
      overrides: ports.overrides,
      extra: {
        notifications: {
          linkBaseUrl: 'https://driftwarden.example.com',
          webhooks: [{ name: 'oncall', url: hookUrl, secret: 'notify-secret', requestTimeoutMs: 2000 }],
        },
      },
    });
    controllers.push(c);
    return c;
  };

  /** A change whose revert would widen exposure (desired has tcp/8080 open to the world): rule 5. */
  const awaitingApproval = async (c: TestController): Promise<string> => {
    const group = `sg-0ntf${String(++n).padStart(12, '0')}`;
    ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8', 'tcp/8080/0.0.0.0/0']);
    const res = await http<{ accepted: { eventId: string }[] }>(c.url, 'POST', '/v1/events', {
      token: TOKENS.ingest,
      body: sgEvent({ groupId: group, stateId: 1_748_000_000_000 + n, rules: ['tcp/443/10.0.0.0/8'] }),
    });
    return eventually(async () => {
      const h = await redis.hgetall(`${keyBase(prefix)}:item:${res.body.accepted[0].eventId}`);
      return h.outcome === 'decided' ? h.driftId : undefined;
    }, 'the decision');
  };

  it('announces a revert awaiting approval once, signed, with a link, even with two replicas following the log', async () => {
    const a = await start();
    await start();
    const driftId = await awaitingApproval(a);
    await eventually(async () => received.length > 0, 'the notification');
    // Give a second delivery every chance to happen: it must not.
    await new Promise((r) => setTimeout(r, 1500));
    expect(received).toHaveLength(1);
    const [r] = received;
    const body = JSON.parse(r.body) as { kind: string; driftId: string; title: string; links: { drift: string } };
    expect(body).toMatchObject({
      kind: 'awaiting_approval',
      driftId,
      links: { drift: `https://driftwarden.example.com/v1/drifts/${driftId}` },
    });
    expect(body.title).toMatch(/^Approval needed: reverting the change by .* on sg-0ntf\d+ \(111122223333, eu-west-1\)$/);
    expect(r.headers['x-driftwarden-signature']).toBe(`sha256=${createHmac('sha256', 'notify-secret').update(r.body).digest('hex')}`);
  });

  it('retries while the receiver fails (503, 503, then 200): delivered once it is back', async () => {
    answers = [503, 503];
    const a = await start();
    await awaitingApproval(a);
    await eventually(async () => received.length === 3, 'two failures and the delivery', 20_000);
    expect(new Set(received.map((r) => r.headers['x-driftwarden-delivery'])).size).toBe(1);
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    const metrics = await http<string>(a.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/driftwarden_notifications_total\{webhook="oncall",kind="awaiting_approval",outcome="retry"\} 2/);
    expect(metrics.body).toMatch(/driftwarden_notifications_total\{webhook="oncall",kind="awaiting_approval",outcome="sent"\} 1/);
  }, 30_000);

  it('a receiver that refuses (404) is not retried: notification.failed is audited, without the URL', async () => {
    answers = [404];
    const a = await start();
    const driftId = await awaitingApproval(a);
    const failed = await eventually(async () => {
      const page = await http<{ items: { type: string; reason?: string; driftId?: string; details?: Record<string, unknown> }[] }>(
        a.url,
        'GET',
        '/v1/audit?type=notification.failed',
        { token: TOKENS.viewer },
      );
      return page.body.items[0];
    }, 'the failure in the audit log');
    expect(failed).toMatchObject({
      driftId,
      reason: 'notification webhook oncall: refused with HTTP 404',
      details: { webhook: 'oncall', kind: 'awaiting_approval', attempts: 1 },
    });
    expect(JSON.stringify(failed)).not.toContain('/hooks/oncall');
    await new Promise((r) => setTimeout(r, 1500));
    expect(received).toHaveLength(1);
  });

  it('the config shows no webhook URL or secret', async () => {
    const a = await start();
    const shown = JSON.stringify(redactConfig(a.app.get<DriftwardenConfig>(DRIFTWARDEN_CONFIG, { strict: false })));
    expect(shown).not.toContain(hookUrl);
    expect(shown).not.toContain('notify-secret');
  });
});

describe('AuditFollower (a consumer group on the audit stream)', () => {
  let redis: Redis;
  const blocking: Redis[] = [];
  const stream = `${uniquePrefix()}:audit`;

  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    for (const b of blocking) b.disconnect();
    await redis.del(stream);
    redis.disconnect();
  });
  const follower = (consumer: string, claimIdleMs = 60_000) => {
    const conn = testRedis();
    blocking.push(conn);
    return new AuditFollower(conn, stream, { group: 'notify', consumer, blockMs: 100, claimIdleMs });
  };
  const append = async (type: string): Promise<string> =>
    (await redis.xadd(stream, '*', 'e', JSON.stringify({ at: new Date().toISOString(), type, actor: 'test' }))) ?? '';

  it('starts at the end of the log, hands each entry to one consumer, and lets another take over what a dead one left unacknowledged', async () => {
    await append('before.the.group');
    const a = follower('a');
    const b = follower('b', 200);
    await a.ensureGroup();
    await b.ensureGroup();
    const id = await append('decision');
    const gotA = await a.next();
    expect(gotA.map((e) => [e.id, e.entry.type])).toEqual([[id, 'decision']]);
    expect(await b.next()).toEqual([]);
    // a dies without acknowledging; once the entry has been idle long enough, b claims it.
    await new Promise((r) => setTimeout(r, 300));
    const gotB = await b.next();
    expect(gotB.map((e) => e.id)).toEqual([id]);
    await b.ack([id]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await b.next()).toEqual([]);
  });

  it('comes back after the stream and its group are lost (Redis emptied)', async () => {
    const a = follower('c');
    await a.ensureGroup();
    await redis.del(stream);
    expect(await a.next()).toEqual([]);
    const id = await append('remediation.failed');
    // The group was created again at the end of the new stream, before this entry.
    const got = await eventually(
      async () => {
        const batch = await a.next();
        return batch.length > 0 ? batch : undefined;
      },
      'the entry after the loss',
      4_000,
    );
    expect(got.map((e) => e.id)).toEqual([id]);
  });

  it('run(): a batch is acknowledged only after its handler returns; a failing handler gets it again after a back-off; stops when told', async () => {
    // A group of its own: the entries the tests above left pending are not this test's.
    const conn = testRedis();
    blocking.push(conn);
    const a = new AuditFollower(conn, stream, { group: 'run-test', consumer: 'run', blockMs: 100, claimIdleMs: 200 });
    await a.ensureGroup();
    const id = await append('remediation.failed');
    const seen: string[][] = [];
    const errors: number[] = [];
    let stopped = false;
    const running = a.run(
      async (batch) => {
        if (batch.length === 0) return;
        seen.push(batch.map((b) => b.id));
        if (seen.length === 1) throw new Error('receiver down');
      },
      { stopped: () => stopped, onError: (_err, failures) => errors.push(failures) },
    );
    await eventually(async () => seen.length >= 2 || undefined, 'the batch handed out again after the failure', 5_000);
    stopped = true;
    await running;
    expect(seen.slice(0, 2)).toEqual([[id], [id]]);
    expect(errors).toEqual([1]);
    // Acknowledged after the second, successful, handling: nothing is pending any more.
    const pending = (await redis.xpending(stream, 'run-test')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });
});
