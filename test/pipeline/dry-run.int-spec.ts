import type { Redis } from 'ioredis';
import { startController } from '../../apps/controller/src/bootstrap';
import { dropPrefix, eventually, startTestController, testRuntime, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { sgEvent } from '../support/events';
import { fakePorts } from '../support/pipeline-harness';
import { keyBase, keysMatching, testRedis } from '../support/redis';

interface Accepted {
  accepted: { eventId: string }[];
}
interface Drift {
  id: string;
  status: string;
  dryRun: boolean;
  decision: { action: string; rule: number };
}

const BREAK_GLASS = 'arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/alice@example.com';

async function decide(ctl: TestController, redis: Redis, ev: Record<string, unknown>): Promise<Drift> {
  const res = await http<Accepted>(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: ev });
  const id = res.body.accepted[0].eventId;
  const driftId = await eventually(async () => {
    const h = await redis.hgetall(`${keyBase(ctl.prefix)}:item:${id}`);
    return h.outcome === 'decided' ? h.driftId : undefined;
  }, 'the decision');
  return (await http<Drift>(ctl.url, 'GET', `/v1/drifts/${driftId}`, { token: TOKENS.viewer })).body;
}

describe('dry-run makes every decision and no write', () => {
  let ctl: TestController;
  let redis: Redis;
  const ports = fakePorts();

  beforeAll(async () => {
    // The spy write adapters are passed in: dry-run must still never reach them.
    ctl = await startTestController({ mode: 'dry-run', overrides: ports.overrides });
    redis = testRedis();
  });
  afterAll(async () => {
    await ctl.close();
    redis.disconnect();
    await dropPrefix(ctl.prefix);
  });

  it('records revert, backport and approval decisions with dryRun: true and status detected, and writes nothing', async () => {
    ports.desiredState.desired.set('sg-0dry0000000000001', ['tcp/443/10.0.0.0/8']);
    ports.desiredState.desired.set('sg-0dry0000000000002', ['tcp/443/10.0.0.0/8', 'tcp/8080/0.0.0.0/0']);
    ports.desiredState.desired.set('sg-0dry0000000000003', ['tcp/443/10.0.0.0/8', 'tcp/8080/0.0.0.0/0']);
    const revert = await decide(
      ctl,
      redis,
      sgEvent({ groupId: 'sg-0dry0000000000001', stateId: 1_744_000_000_000, rules: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'] }),
    );
    // A break-glass engineer closed tcp/8080 to the world: an emergency patch, backported.
    ports.attribution.byResource.set('sg-0dry0000000000002', BREAK_GLASS);
    const backport = await decide(
      ctl,
      redis,
      sgEvent({ groupId: 'sg-0dry0000000000002', stateId: 1_744_000_000_001, rules: ['tcp/443/10.0.0.0/8'] }),
    );
    const approval = await decide(
      ctl,
      redis,
      sgEvent({ groupId: 'sg-0dry0000000000003', stateId: 1_744_000_000_002, rules: ['tcp/443/10.0.0.0/8'] }),
    );

    expect(revert).toMatchObject({ dryRun: true, status: 'detected', decision: { action: 'revert', rule: 6 } });
    expect(backport).toMatchObject({ dryRun: true, status: 'detected', decision: { action: 'backport', rule: 3 } });
    expect(approval).toMatchObject({ dryRun: true, status: 'detected', decision: { action: 'await_approval', rule: 5 } });
    expect(ports.remediation.calls).toEqual([]);
    expect(ports.backport.calls).toEqual([]);
    // No remediation or backport job was even queued.
    expect(await keysMatching(redis, `${keyBase(ctl.prefix)}:q:remediate:rem-*`)).toEqual([]);
    expect(await keysMatching(redis, `${keyBase(ctl.prefix)}:q:backport:bp-*`)).toEqual([]);
  });
});

describe('enforce mode', () => {
  it('refuses to start while a capability is not installed', async () => {
    await expect(startController({ runtime: testRuntime({ mode: 'enforce' }), port: 0, host: '127.0.0.1' })).rejects.toThrow(
      /refusing to start in enforce mode: these capabilities are not installed yet: backport \(configure github/,
    );
  });

  it('refuses to start when Redis is unreachable, with one clear message', async () => {
    const runtime = testRuntime({ mode: 'dry-run' });
    runtime.config.redis.url = 'redis://127.0.0.1:1';
    await expect(startController({ runtime, port: 0, host: '127.0.0.1', redisTimeoutMs: 500 })).rejects.toThrow(
      /Redis is unreachable at redis:\/\/127\.0\.0\.1:1/,
    );
  });

  it('reverts after settle through the remediation port, fenced, and records the result', async () => {
    const ports = fakePorts();
    const ctl = await startTestController({ mode: 'enforce', settleSeconds: 0, overrides: ports.overrides });
    const redis = testRedis();
    try {
      ports.desiredState.desired.set('sg-0enf0000000000001', ['tcp/443/10.0.0.0/8']);
      const drift = await decide(
        ctl,
        redis,
        sgEvent({ groupId: 'sg-0enf0000000000001', stateId: 1_744_100_000_000, rules: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'] }),
      );
      expect(drift.decision).toMatchObject({ action: 'revert', rule: 6 });
      const done = await eventually(async () => {
        const d = (
          await http<Drift & { evidence: { apiCalls: unknown[] } }>(ctl.url, 'GET', `/v1/drifts/${drift.id}`, { token: TOKENS.viewer })
        ).body;
        return d.status === 'reverted' ? d : undefined;
      }, 'the revert');
      expect(ports.remediation.calls).toEqual([drift.id]);
      expect(ports.fence.calls).toBe(1);
      expect(done.evidence.apiCalls).toHaveLength(1);
    } finally {
      await ctl.close();
      redis.disconnect();
      await dropPrefix(ctl.prefix);
    }
  });

  it('holds instead of reverting when a freeze started during settle', async () => {
    const ports = fakePorts();
    const ctl = await startTestController({ mode: 'enforce', settleSeconds: 1, overrides: ports.overrides });
    const redis = testRedis();
    try {
      ports.desiredState.desired.set('sg-0enf0000000000002', ['tcp/443/10.0.0.0/8']);
      const drift = await decide(
        ctl,
        redis,
        sgEvent({ groupId: 'sg-0enf0000000000002', stateId: 1_744_100_000_100, rules: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'] }),
      );
      ports.freeze.frozenNow = true;
      const held = await eventually(async () => {
        const d = (await http<Drift>(ctl.url, 'GET', `/v1/drifts/${drift.id}`, { token: TOKENS.viewer })).body;
        return d.status === 'held' ? d : undefined;
      }, 'the hold');
      expect(held.decision.action).toBe('hold');
      expect(ports.remediation.calls).toEqual([]);
    } finally {
      await ctl.close();
      redis.disconnect();
      await dropPrefix(ctl.prefix);
    }
  });
});
