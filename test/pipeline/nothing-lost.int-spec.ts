/**
 * Issue 11 §1, "No event is ever lost silently", reproduced:
 * - a burst of distinct security-group items with no CloudTrail event alongside used to fail for
 *   good (the shared 2-per-second LookupEvents limiter threw a retryable error that spent one of
 *   the job's attempts about every second): now waiting spends no attempt, one LookupEvents walk
 *   serves every pending item of the window, and every item is decided with what is known;
 * - a job that does fail for good leaves a `failed` record with the reason and the item, an
 *   audit entry and a notification, and `replay --failed` decides it again.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { PermanentError, type ResourceRef } from '@driftwarden/domain';
import type { DesiredLookup } from '@driftwarden/pipeline';
import { configItemEvent, terraformState, type GroupInfo } from '@driftwarden/sandbox/testing';
import { http } from '../support/http';
import { FakeDesiredState } from '../support/fake-ports';
import { fakePorts } from '../support/pipeline-harness';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import type { PermissionRule } from '@driftwarden/kinds/security-group';
import { keyBase, testRedis } from '../support/redis';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const HTTPS: PermissionRule = {
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: 443,
  toPort: 443,
  peer: { kind: 'ipv4', cidr: '10.0.0.0/8' },
};
const SSH: PermissionRule = { direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, peer: { kind: 'ipv4', cidr: '0.0.0.0/0' } };
const group = (i: number): GroupInfo => ({
  groupId: `sg-0b0${String(i).padStart(14, '0')}`,
  groupName: `g${i}`,
  vpcId: 'vpc-0123456789abcdef0',
  tags: {},
  account: ACCOUNT,
  region: REGION,
});

describe('a burst with no CloudTrail events alongside: every item is decided, no job fails', () => {
  const N = 600;
  let cloudtrail: Server;
  const lookups: string[] = [];
  let ctl: TestController;
  let redis: Redis;
  const dir = mkdtempSync(join(tmpdir(), 'dw-burst-'));
  const saved = { ...process.env };

  beforeAll(async () => {
    // CloudTrail's LookupEvents (JSON protocol): no calls in any window. Every request is counted.
    cloudtrail = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        lookups.push(`${String(req.headers['x-amz-target'])} ${body}`);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ Events: [] }));
      });
    });
    await new Promise<void>((resolve) => cloudtrail.listen(0, '127.0.0.1', resolve));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_CLOUDTRAIL: `http://127.0.0.1:${(cloudtrail.address() as AddressInfo).port}`,
      AWS_ACCESS_KEY_ID: 'AKIDBURST',
      AWS_SECRET_ACCESS_KEY: 'burst',
      AWS_REGION: REGION,
    });
    const state = join(dir, 'net.tfstate');
    writeFileSync(
      state,
      JSON.stringify(terraformState(Array.from({ length: N }, (_, i) => ({ ...group(i), name: `g${i}`, rules: [HTTPS] })))),
    );
    ctl = await startTestController({
      mode: 'dry-run',
      extra: {
        // A short delivery wait (the default is 300 s) so the burst is decided within the test.
        attribution: { cloudTrailWaitSeconds: 2, lookupEvents: true },
        stacks: [{ name: 'net', accounts: [ACCOUNT], regions: [REGION], state: { file: state } }],
      },
    });
    redis = testRedis();
  }, 60_000);

  afterAll(async () => {
    await ctl?.close();
    redis?.disconnect();
    await new Promise<void>((resolve) => cloudtrail.close(() => resolve()));
    process.env = saved;
    if (ctl) await dropPrefix(ctl.prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('decides all of them with what is known (principal unknown), with a handful of LookupEvents walks and no failed job', async () => {
    const now = Date.now();
    const items = Array.from({ length: N }, (_, i) => configItemEvent(group(i), [HTTPS, SSH], new Date(now), now * 10 + i));
    const ids: string[] = [];
    for (let i = 0; i < N; i += 100) {
      const res = await http<{ accepted: { eventId: string }[] }>(ctl.url, 'POST', '/v1/events', {
        token: TOKENS.ingest,
        body: items.slice(i, i + 100),
      });
      expect(res.status).toBe(202);
      ids.push(...res.body.accepted.map((a) => a.eventId));
    }
    await eventually(
      async () => {
        const outcomes = await Promise.all(ids.map((id) => redis.hget(`${keyBase(ctl.prefix)}:item:${id}`, 'outcome')));
        return outcomes.every((o) => o === 'decided') ? true : undefined;
      },
      `all ${N} items decided`,
      300_000,
    );
    const metrics = (await http<string>(ctl.url, 'GET', '/metrics')).body;
    expect(metrics).not.toMatch(/driftwarden_job_failures_total\{queue="evaluate"\} [1-9]/);
    // One walk per window (and again once the delivery lag has passed), not one call per item.
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups.length).toBeLessThan(20);
    expect(lookups.every((l) => l.includes('LookupEvents') && l.includes('"AttributeKey":"ReadOnly"'))).toBe(true);
    const sample = (
      await http<{
        items: { decision: { action: string }; differences?: { madeBy: { source: string; principal: { class: string } } }[] }[];
      }>(ctl.url, 'GET', `/v1/drifts?resource=${group(7).groupId}`, { token: TOKENS.viewer })
    ).body.items[0];
    expect(sample.differences?.[0].madeBy).toMatchObject({ source: 'config-item', principal: { class: 'unknown' } });
  }, 400_000);
});

class BrokenState extends FakeDesiredState {
  broken = new Set<string>();
  override async lookup(resource: ResourceRef): Promise<DesiredLookup> {
    if (this.broken.has(resource.id))
      throw new PermanentError(`stack network: the state file cannot be read (truncated JSON at byte 1024)`, 'state_unreadable');
    return super.lookup(resource);
  }
}

describe('an evaluation that fails for good is recorded, notified and can be replayed', () => {
  let ctl: TestController;
  const ports = fakePorts();
  const state = new BrokenState();

  beforeAll(async () => {
    ctl = await startTestController({ mode: 'dry-run', overrides: { ...ports.overrides, desiredState: state } });
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });

  it('a failed record with the reason and the item, an evaluation.failed audit entry; replay --failed decides it again', async () => {
    const g = group(9001);
    state.desired.set(g.groupId, ['tcp/443/10.0.0.0/8']);
    state.broken.add(g.groupId);
    const res = await http<{ accepted: { eventId: string }[] }>(ctl.url, 'POST', '/v1/events', {
      token: TOKENS.ingest,
      body: configItemEvent(g, [HTTPS, SSH], new Date(), 1_760_000_000_000),
    });
    const eventId = res.body.accepted[0].eventId;
    type Drift = {
      id: string;
      status: string;
      failure?: { stage: string; code: string; message: string; eventId?: string; replays?: number };
      decision: { action: string };
    };
    const failed = await eventually(async () => {
      const page = await http<{ items: Drift[] }>(ctl.url, 'GET', `/v1/drifts?resource=${g.groupId}`, { token: TOKENS.viewer });
      return page.body.items.find((d) => d.status === 'failed');
    }, 'the failed record');
    expect(failed.failure).toMatchObject({ stage: 'evaluate', code: 'state_unreadable', eventId });
    expect(failed.failure?.message).toMatch(/truncated JSON/);
    const audit = await http<{ items: { type: string; driftId?: string; reason?: string }[] }>(
      ctl.url,
      'GET',
      `/v1/audit?drift=${failed.id}`,
      { token: TOKENS.viewer },
    );
    expect(audit.body.items.find((e) => e.type === 'evaluation.failed')?.reason).toMatch(/replay --failed/);

    // Fixed (the state file is readable again): replay it.
    state.broken.delete(g.groupId);
    const replay = await http<{ requeued: { driftId: string; eventId: string }[]; skipped: unknown[] }>(
      ctl.url,
      'POST',
      '/v1/replay/failed',
      { token: TOKENS.operator, body: {} },
    );
    expect(replay.status).toBe(200);
    expect(replay.body.requeued).toEqual([{ driftId: failed.id, eventId }]);
    const decided = await eventually(async () => {
      const d = (await http<Drift>(ctl.url, 'GET', `/v1/drifts/${failed.id}`, { token: TOKENS.viewer })).body;
      return d.status !== 'failed' ? d : undefined;
    }, 'the replayed decision');
    expect(decided.status).toBe('detected'); // dry-run: decided, nothing written
    expect(decided.decision.action).toBe('revert');
    // A viewer may not replay.
    expect((await http(ctl.url, 'POST', '/v1/replay/failed', { token: TOKENS.viewer, body: {} })).status).toBe(403);
  });
});
