import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxAccount, terraformState } from '@driftwarden/sandbox/testing';
import type { PermissionRule } from '@driftwarden/kinds/security-group';
import { ReconcileHost } from '../../apps/controller/src/reconcile/reconcile-host.service';
import { SpyBackport } from '../support/fake-ports';
import { http } from '../support/http';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { testKeys, testRedis } from '../support/redis';

const ip4 = (port: number, cidr: string): PermissionRule => ({
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: port,
  toPort: port,
  peer: { kind: 'ipv4', cidr },
});
const HTTPS_INTERNAL = ip4(443, '10.0.0.0/8');
const SSH_WORLD = ip4(22, '0.0.0.0/0');
const SSH_OFFICE = ip4(22, '192.0.2.0/24');
const MALLORY = 'arn:aws:sts::111122223333:assumed-role/developer/mallory';
const HOUR = 3_600_000;
// In the past: attribution measures a change's age in real time (a change "from the future" waits for CloudTrail).
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 10 * HOUR;

interface Drift {
  id: string;
  status: string;
  decision: { action: string; rule: number };
  evidence: { eventIds: string[]; event?: { delivery?: { transport?: string; shape?: string } } };
}

/**
 * The reconciling sweep (issue 17 §2) on the real controller, real Redis and the EC2 sandbox,
 * with a fake clock: a change whose events were all lost (the sink drops them) is found by the
 * sweep within one interval and goes through the normal pipeline (revert, freeze, no duplicate
 * record).
 */
describe('reconciling sweep: drift whose event was lost', () => {
  let world: SandboxAccount;
  let ctl: TestController;
  let host: ReconcileHost;
  let now = T0;
  let deliver = true;
  const groups: string[] = [];

  const drifts = async (group: string): Promise<Drift[]> =>
    (await http<{ items: Drift[] }>(ctl.url, 'GET', `/v1/drifts?resource=${group}`, { token: TOKENS.viewer })).body.items;
  const readyz = async () => (await http<{ reconcile?: Record<string, unknown> }>(ctl.url, 'GET', '/readyz')).body.reconcile;

  beforeAll(async () => {
    world = await SandboxAccount.start({ clock: () => new Date(now) });
    const state = [];
    for (const [i, name] of ['web', 'db', 'cache'].entries()) {
      const info = world.addGroup({ groupId: `sg-0dec0de00000000a${i}`, groupName: name, vpcId: 'vpc-0123456789abcdef0', tags: {} }, [
        HTTPS_INTERNAL,
      ]);
      groups.push(info.groupId);
      state.push({ ...info, name, rules: [HTTPS_INTERNAL] });
    }
    const dir = mkdtempSync(join(tmpdir(), 'dw-reconcile-'));
    const statePath = join(dir, 'network.tfstate');
    writeFileSync(statePath, JSON.stringify(terraformState(state)));
    process.env['AWS_ENDPOINT_URL_EC2'] = world.url;
    ctl = await startTestController({
      mode: 'enforce',
      settleSeconds: 0,
      clock: () => new Date(now),
      overrides: { backport: new SpyBackport() },
      extra: {
        stacks: [{ name: 'network', accounts: ['111122223333'], regions: ['eu-west-1'], state: { file: statePath } }],
        reconcile: { intervalMinutes: 60, callsPerSecond: 50 },
      },
    });
    host = ctl.app.get(ReconcileHost);
    world.setSink(async (events) => {
      if (!deliver) return; // lost on the way (a disabled rule, a delivery failure, …)
      const res = await http(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: events });
      if (res.status !== 202) throw new Error(`events rejected: ${JSON.stringify(res.body)}`);
    });
  }, 30_000);

  afterAll(async () => {
    await ctl?.close();
    await world?.close();
    delete process.env['AWS_ENDPOINT_URL_EC2'];
    if (ctl) await dropPrefix(ctl.prefix);
  });

  it('the schedule sweeps once at start (one job scheduler for all replicas), and /readyz says when it completed', async () => {
    const reconcile = await eventually(async () => {
      const r = await readyz();
      return r?.['last'] ? r : null;
    }, 'the first sweep');
    expect(reconcile).toMatchObject({
      enabled: true,
      intervalMinutes: 60,
      last: { checked: 3, fed: 0, errors: 0, outcome: 'ok', startedAt: new Date(T0).toISOString() },
    });
    const redis = testRedis();
    try {
      const scheduler = await redis.hgetall(`${testKeys(ctl.prefix).bullPrefix}:reconcile:repeat:reconcile`);
      expect(Number(scheduler['every'])).toBe(HOUR);
    } finally {
      redis.disconnect();
    }
    // Only reads, batched: one DescribeSecurityGroups for the three groups.
    expect(world.ec2.calls.filter((c) => c.action === 'DescribeSecurityGroups')).toHaveLength(1);
    expect(await drifts(groups[0])).toEqual([]);
  });

  it('a change whose events were dropped is found by the next sweep (within one interval) and reverted through the normal pipeline', async () => {
    deliver = false;
    now = T0 + 5 * 60_000;
    await world.change(groups[0], { authorize: [SSH_WORLD] }, MALLORY);
    expect(await drifts(groups[0])).toEqual([]);

    // A duplicate request early in the interval does not sweep again.
    now = T0 + 10 * 60_000;
    expect(await host.sweep()).toMatchObject({ status: 'not_due' });

    // One interval after the last sweep started: due.
    deliver = true; // the controller's own revert is delivered again
    now = T0 + HOUR;
    const outcome = await host.sweep();
    expect(outcome).toMatchObject({ status: 'completed', last: { checked: 3, fed: 1, errors: 0 } });

    const reverted = await eventually(async () => (await drifts(groups[0])).find((d) => d.status === 'reverted'), 'the revert');
    expect(reverted.decision).toMatchObject({ action: 'revert', rule: 6 });
    expect(reverted.evidence.event?.delivery).toMatchObject({ transport: 'reconcile', shape: 'live' });
    expect(world.rules(groups[0])).toEqual([HTTPS_INTERNAL]);
    // The evaluation was asked for with trigger `reconcile`, and the fence was taken as for any revert.
    const audit = await http<{ items: { type: string; details?: Record<string, unknown> }[] }>(
      ctl.url,
      'GET',
      `/v1/audit?drift=${reverted.id}`,
      { token: TOKENS.viewer },
    );
    expect(audit.body.items.map((e) => e.type)).toEqual(
      expect.arrayContaining(['decision', 'remediation.started', 'remediation.reverted']),
    );

    // The revert came back as the controller's own change: the next sweep finds nothing new.
    await world.settled();
    await eventually(async () => (await readyz())?.['running'] === undefined, 'the sweep to end');
    now = T0 + 2 * HOUR;
    expect(await host.sweep()).toMatchObject({ status: 'completed', last: { fed: 0, errors: 0 } });
    expect((await drifts(groups[0])).filter((d) => d.status !== 'reverted')).toEqual([]);
  }, 30_000);

  it('same freeze: a lost change during a manual freeze is held, and later sweeps never record it twice', async () => {
    const freeze = await http<{ id: string }>(ctl.url, 'POST', '/v1/freezes', {
      token: TOKENS.operator,
      body: { reason: 'game day', ttl: '1d' },
    });
    expect(freeze.status).toBe(201);
    deliver = false;
    now = T0 + 2 * HOUR + 60_000;
    await world.change(groups[1], { authorize: [SSH_OFFICE] }, MALLORY);

    now = T0 + 3 * HOUR;
    expect(await host.sweep()).toMatchObject({ status: 'completed', last: { fed: 1 } });
    const held = await eventually(async () => (await drifts(groups[1])).find((d) => d.status === 'held'), 'the hold');
    expect(held.decision).toMatchObject({ action: 'hold', rule: 4 });
    expect(world.rules(groups[1])).toEqual(expect.arrayContaining([SSH_OFFICE]));

    // The drift is open and live has not changed since: nothing is fed, no second record.
    now = T0 + 4 * HOUR;
    expect(await host.sweep()).toMatchObject({ status: 'completed', last: { fed: 0 } });
    now = T0 + 5 * HOUR;
    expect(await host.sweep()).toMatchObject({ status: 'completed', last: { fed: 0 } });
    const all = await drifts(groups[1]);
    expect(all).toHaveLength(1);
    expect(all[0].id).toBe(held.id);
    expect(all[0].evidence.eventIds).toHaveLength(1);
    await http(ctl.url, 'DELETE', `/v1/freezes/${freeze.body.id}`, { token: TOKENS.operator });
  }, 30_000);

  it('a throttled describe is retried; a batch that keeps failing is reported (partial) and the sweep goes on', async () => {
    // Once its freeze is gone, the held drift of the test before is reverted: let that finish, so
    // that the sweep's are the only EC2 calls from here on (an injected failure goes to the sweep).
    await eventually(async () => (await drifts(groups[1])).find((d) => d.status === 'reverted'), 'the held drift reverted');
    // The sweep's describe asks for the three groups at once.
    const describes = () =>
      world.ec2.calls.filter((c) => c.action === 'DescribeSecurityGroups' && c.params['Filter.1.Value.3'] !== undefined).length;
    world.ec2.failNext('DescribeSecurityGroups', { code: 'RequestLimitExceeded', status: 503 }, { times: 1 });
    now = T0 + 6 * HOUR;
    let before = describes();
    expect(await host.sweep()).toMatchObject({ status: 'completed', last: { errors: 0, outcome: 'ok' } });
    expect(describes() - before).toBe(2);

    // Throttled three times: the batch's three attempts are the sweep's own, each under its rate
    // limit (the SDK does not retry on top of them), then the batch is reported.
    world.ec2.failNext('DescribeSecurityGroups', { code: 'RequestLimitExceeded', status: 503 }, { times: 3 });
    now = T0 + 6.5 * HOUR;
    before = describes();
    expect(await host.sweep({ force: true })).toMatchObject({ status: 'completed', last: { checked: 3, errors: 3, outcome: 'partial' } });
    expect(describes() - before).toBe(3);

    world.ec2.failNext('DescribeSecurityGroups', { code: 'UnauthorizedOperation', status: 403 }, { times: 1 });
    now = T0 + 7 * HOUR;
    expect(await host.sweep()).toMatchObject({ status: 'completed', last: { checked: 3, errors: 3, outcome: 'partial' } });
    const metrics = (await http<string>(ctl.url, 'GET', '/metrics')).body;
    expect(metrics).toMatch(/driftwarden_reconcile_resources_total\{result="error"\} 6/);
    expect(metrics).toMatch(/driftwarden_reconcile_last_completed_timestamp_seconds \d+/);
  }, 60_000);
});

/**
 * Closing the controller stops a sweep in progress between API calls: shutdown never waits for
 * the rest of a sweep (at a low rate limit, or against an API that keeps failing, hours).
 */
describe('reconciling sweep: shutdown', () => {
  it('a sweep waiting for its rate limit stops at once when the controller closes; the lease and the running status are released', async () => {
    const world = await SandboxAccount.start();
    const dir = mkdtempSync(join(tmpdir(), 'dw-reconcile-stop-'));
    const statePath = join(dir, 'network.tfstate');
    const info = world.addGroup({ groupId: 'sg-0dec0de00000000b0', groupName: 'web', vpcId: 'vpc-0123456789abcdef0', tags: {} }, [
      HTTPS_INTERNAL,
    ]);
    writeFileSync(statePath, JSON.stringify(terraformState([{ ...info, name: 'web', rules: [HTTPS_INTERNAL] }])));
    // Every describe is throttled: after the SDK's own retries, the sweep's retry must wait 100 s for its rate limit (0.01 calls per second).
    world.ec2.failNext('DescribeSecurityGroups', { code: 'RequestLimitExceeded', status: 503 }, { times: 1000 });
    process.env['AWS_ENDPOINT_URL_EC2'] = world.url;
    let ctl: TestController | null = null;
    const redis = testRedis();
    try {
      ctl = await startTestController({
        mode: 'enforce',
        overrides: { backport: new SpyBackport() },
        extra: {
          stacks: [{ name: 'network', accounts: ['111122223333'], regions: ['eu-west-1'], state: { file: statePath } }],
          reconcile: { intervalMinutes: 60, callsPerSecond: 0.01 },
        },
      });
      const running = ctl;
      const statusKey = testKeys(running.prefix).key('reconcile', 'status');
      await eventually(
        async () => world.ec2.calls.some((c) => c.action === 'DescribeSecurityGroups') && (await redis.hexists(statusKey, 'running')) === 1,
        'the first sweep reading live',
      );
      // Closing returns long before the sweep's next call would be allowed (the test's own timeout is far shorter).
      await running.close();
      ctl = null;
      expect(await redis.hexists(statusKey, 'running')).toBe(0);
      expect(await redis.exists(testKeys(running.prefix).key('reconcile', 'lease'))).toBe(0);
      // The sweep's job completed as stopped: not a failure, and the next due sweep starts over.
      const bull = `${testKeys(running.prefix).bullPrefix}:reconcile`;
      const completed = await redis.zrange(`${bull}:completed`, '0', '-1');
      expect(await redis.zcard(`${bull}:failed`)).toBe(0);
      expect(await Promise.all(completed.map((id) => redis.hget(`${bull}:${id}`, 'returnvalue')))).toContain('"stopped"');
      await dropPrefix(running.prefix);
    } finally {
      if (ctl) await ctl.close();
      redis.disconnect();
      await world.close();
      delete process.env['AWS_ENDPOINT_URL_EC2'];
    }
  }, 30_000);
});
