/**
 * The world the browser suite drives: the real controller (enforce mode, fake cloud ports, a
 * real Redis under its own prefix), a PagerDuty fake it polls, and a few drift records made by
 * the pipeline from real events. A small control server lets the tests do what happens outside
 * the browser (a PagerDuty incident opens or resolves: its signed webhook is sent). Prints one
 * JSON line with what the tests need, then runs until SIGTERM.
 *
 * Run with `node -r ./register.cjs console-world.ts` (see global-setup.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PagerDutyFake } from '@driftwarden/incidents/testing';
import { sgEvent } from '../../support/events';
import { http } from '../../support/http';
import { pagerDutyWebhook, signed } from '../../support/pagerduty-webhook';
import { fakePorts } from '../../support/pipeline-harness';
import { keyBase, testRedis } from '../../support/redis';
import { ALICE_TOKEN, TOKENS, dropPrefix, eventually, startTestController, type TestController } from '../../support/test-controller';

const PD_SECRET = 'console-world-pd-secret';
const ACCOUNT = '111122223333';

export interface WorldInfo {
  url: string;
  /** The controller's Redis prefix: the global teardown removes its keys once the world has exited. */
  prefix: string;
  control: string;
  tokens: typeof TOKENS & { alice: string };
  drifts: { approve: string; reject: string; viewer: string; suspicious: string; reverted: string; adopt: string };
}

async function main(): Promise<void> {
  const pd = await new PagerDutyFake().start();
  const ports = fakePorts();
  const ctl: TestController = await startTestController({
    mode: 'enforce',
    overrides: ports.overrides,
    extra: {
      incidents: {
        pollIntervalSeconds: 5,
        maxStalenessSeconds: 3600,
        cooldownMinutes: 0,
        pagerduty: {
          token: 'pd-fake-token',
          apiUrl: pd.url,
          webhookSecrets: [PD_SECRET],
          major: { priorities: ['P1', 'P2'] },
          requestTimeoutMs: 2000,
        },
      },
    },
  });
  const redis = testRedis();
  let n = 0;

  /** One security group drift decided by the pipeline from a Config item (and the principal the fake attribution names). */
  async function drift(o: {
    desired: string[];
    live: string[];
    principal?: string;
    tags?: Record<string, string>;
    declaredAtChange?: boolean;
    status: string;
  }): Promise<string> {
    const group = `sg-0c0e${String(++n).padStart(13, '0')}`;
    ports.desiredState.desired.set(group, o.desired);
    if (o.principal) ports.attribution.byResource.set(group, o.principal);
    ports.freeze.declaredAtChange = o.declaredAtChange ?? false;
    try {
      const res = await http<{ accepted: { eventId: string }[] }>(ctl.url, 'POST', '/v1/events', {
        token: TOKENS.ingest,
        body: sgEvent({
          groupId: group,
          account: ACCOUNT,
          stateId: 1_760_000_000_000 + n,
          rules: o.live,
          ...(o.tags ? { tags: o.tags } : {}),
        }),
      });
      const id = await eventually(async () => {
        const h = await redis.hgetall(`${keyBase(ctl.prefix)}:item:${res.body.accepted[0].eventId}`);
        return h.outcome === 'decided' ? h.driftId : undefined;
      }, `the decision on ${group}`);
      await eventually(
        async () => (await http<{ status: string }>(ctl.url, 'GET', `/v1/drifts/${id}`, { token: TOKENS.viewer })).body.status === o.status,
        `${id} to be ${o.status}`,
      );
      return id;
    } finally {
      ports.freeze.declaredAtChange = false;
    }
  }

  // Someone closed tcp/8080 to the world: reverting would re-open it (rule 5, awaiting approval).
  const widening = {
    desired: ['tcp/443/10.0.0.0/8', 'tcp/8080/0.0.0.0/0'],
    live: ['tcp/443/10.0.0.0/8'],
    principal: 'arn:aws:sts::111122223333:assumed-role/dev/bob',
    status: 'awaiting_approval',
  };
  const drifts: WorldInfo['drifts'] = {
    approve: await drift(widening),
    reject: await drift(widening),
    viewer: await drift(widening),
    adopt: await drift(widening),
    // During a declared freeze someone who is not break-glass opened tcp/22 on a critical group: suspicious.
    suspicious: await drift({
      desired: ['tcp/443/10.0.0.0/8'],
      live: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'],
      principal: 'arn:aws:sts::111122223333:assumed-role/dev/mallory',
      tags: { tier: 'critical' },
      declaredAtChange: true,
      status: 'awaiting_approval',
    }),
    // An unauthorized door opened outside any freeze: reverted (rule 6).
    reverted: await drift({
      desired: ['tcp/443/10.0.0.0/8'],
      live: ['tcp/443/10.0.0.0/8', 'tcp/3389/0.0.0.0/0'],
      principal: 'arn:aws:sts::111122223333:assumed-role/dev/carol',
      status: 'reverted',
    }),
  };

  let incidentSeq = 0;
  let open: { id: string; number: number; createdAt: string } | null = null;
  const webhook = async (type: 'incident.triggered' | 'incident.resolved') => {
    const inc = open!;
    const body = pagerDutyWebhook({
      eventId: `EVT-${type}-${inc.id}`,
      type,
      incidentId: inc.id,
      number: inc.number,
      priority: 'P1',
      status: type === 'incident.resolved' ? 'resolved' : 'triggered',
      createdAt: inc.createdAt,
      title: 'Checkout API returns 502s',
    });
    const s = signed(body, PD_SECRET);
    return http(ctl.url, 'POST', '/v1/webhooks/pagerduty', {
      raw: s.raw,
      headers: { 'content-type': 'application/json', 'x-pagerduty-signature': s.signature, 'x-webhook-id': `W-${type}-${inc.id}` },
    });
  };
  const control = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      let answer: unknown;
      if (req.method === 'POST' && req.url === '/incident/trigger') {
        incidentSeq++;
        open = {
          id: `QCONSOLE${incidentSeq}`,
          number: 400 + incidentSeq,
          createdAt: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
        };
        // The provider shows it first, so the refresh poll the webhook asks for agrees with it.
        pd.setIncidents([
          { id: open.id, number: open.number, priority: 'P1', createdAt: open.createdAt, title: 'Checkout API returns 502s' },
        ]);
        const r = await webhook('incident.triggered');
        answer = { status: r.status, body: r.body, incident: open };
      } else if (req.method === 'POST' && req.url === '/incident/resolve') {
        pd.setIncidents([]);
        const r = open ? await webhook('incident.resolved') : { status: 200, body: null };
        answer = { status: r.status, body: r.body };
        open = null;
      } else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    })().catch((e: unknown) => res.writeHead(500).end(String(e)));
  });
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));

  const info: WorldInfo = {
    url: ctl.url,
    prefix: ctl.prefix,
    control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    tokens: { ...TOKENS, alice: ALICE_TOKEN },
    drifts,
  };
  process.stdout.write(`WORLD ${JSON.stringify(info)}\n`);

  const stop = async () => {
    control.close();
    await ctl.close();
    await pd.stop();
    redis.disconnect();
    await dropPrefix(ctl.prefix);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`console world failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
