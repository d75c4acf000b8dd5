import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PermissionRule } from '@driftwarden/kinds/security-group';
import { ConfigAggregatorSandbox, SandboxAccount, configurationOf, terraformState, type GroupInfo } from '@driftwarden/sandbox/testing';
import { ReconcileHost } from '../../apps/controller/src/reconcile/reconcile-host.service';
import { SpyBackport } from '../support/fake-ports';
import { http } from '../support/http';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const ip4 = (port: number, cidr: string): PermissionRule => ({
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: port,
  toPort: port,
  peer: { kind: 'ipv4', cidr },
});
const HTTPS_INTERNAL = ip4(443, '10.0.0.0/8');
const SSH_WORLD = ip4(22, '0.0.0.0/0');
const MALLORY = `arn:aws:sts::${ACCOUNT}:assumed-role/developer/mallory`;
const HOUR = 3_600_000;
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 10 * HOUR;

interface Drift {
  id: string;
  status: string;
  decision?: { action: string };
  evidence: { event?: { captureTime?: string; delivery?: { transport?: string } } };
}

/**
 * The reconciling sweep through a Config aggregator (`reconcile.aggregator`, issue 17 §2), on the
 * real controller and Redis, a stand-in of Config's API over HTTP (JSON 1.1, reached through
 * AWS_ENDPOINT_URL_CONFIG_SERVICE) and the EC2 sandbox for the revert, with a fake clock: live
 * configuration comes from BatchGetAggregateResourceConfig, never from describe calls; the sweep
 * sees what Config has recorded (a change Config has not recorded yet is found by a later sweep);
 * throttling and unprocessed identifiers are retried; a resource Config does not record is
 * reported, never taken for gone.
 */
describe('reconciling sweep through a Config aggregator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-reconcile-agg-'));
  let world: SandboxAccount;
  let config: ConfigAggregatorSandbox;
  let ctl: TestController;
  let host: ReconcileHost;
  let now = T0;
  let deliver = true;
  const groups: GroupInfo[] = [];

  const drifts = async (id: string): Promise<Drift[]> =>
    (await http<{ items: Drift[] }>(ctl.url, 'GET', `/v1/drifts?resource=${id}`, { token: TOKENS.viewer })).body.items;
  /** Config records a group as it is now (what the aggregator answers from then on). */
  const record = (g: GroupInfo) =>
    config.record({
      account: g.account,
      region: g.region,
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: g.groupId,
      arn: `arn:aws:ec2:${g.region}:${g.account}:security-group/${g.groupId}`,
      configuration: configurationOf(g, world.rules(g.groupId)),
    });

  beforeAll(async () => {
    world = await SandboxAccount.start({ account: ACCOUNT, region: REGION, clock: () => new Date(now) });
    config = await ConfigAggregatorSandbox.start({ aggregatorName: 'org-aggregator', clock: () => new Date(now) });
    const state = [];
    for (const [i, name] of ['web', 'db', 'unrecorded'].entries()) {
      const g = world.addGroup({ groupId: `sg-0a99000000000000${i}`, groupName: name, vpcId: 'vpc-0123456789abcdef0', tags: {} }, [
        HTTPS_INTERNAL,
      ]);
      groups.push(g);
      state.push({ ...g, name, rules: [HTTPS_INTERNAL] });
    }
    record(groups[0]);
    record(groups[1]); // groups[2]: Config does not record it
    const statePath = join(dir, 'network.tfstate');
    writeFileSync(statePath, JSON.stringify(terraformState(state)));
    process.env['AWS_ENDPOINT_URL_EC2'] = world.url;
    process.env['AWS_ENDPOINT_URL_CONFIG_SERVICE'] = config.url;
    ctl = await startTestController({
      mode: 'enforce',
      settleSeconds: 0,
      clock: () => new Date(now),
      overrides: { backport: new SpyBackport() },
      extra: {
        stacks: [{ name: 'network', accounts: [ACCOUNT], regions: [REGION], state: { file: statePath } }],
        reconcile: { intervalMinutes: 60, aggregator: { name: 'org-aggregator', region: REGION, callsPerSecond: 20 } },
      },
    });
    host = ctl.app.get(ReconcileHost);
    world.setSink(async (events) => {
      if (!deliver) return;
      const res = await http(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: events });
      if (res.status !== 202) throw new Error(`events rejected: ${JSON.stringify(res.body)}`);
    });
  }, 30_000);

  afterAll(async () => {
    await ctl?.close();
    await world?.close();
    await config?.close();
    delete process.env['AWS_ENDPOINT_URL_EC2'];
    delete process.env['AWS_ENDPOINT_URL_CONFIG_SERVICE'];
    if (ctl) await dropPrefix(ctl.prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads every managed resource in one BatchGetAggregateResourceConfig, no describe call; one Config does not record is reported', async () => {
    const last = await eventually(async () => {
      const r = (await http<{ reconcile?: { last?: Record<string, unknown> } }>(ctl.url, 'GET', '/readyz')).body.reconcile;
      return r?.last ?? null;
    }, 'the first sweep');
    expect(last).toMatchObject({ checked: 3, fed: 0, errors: 1, outcome: 'partial' });
    expect(config.batchGets()).toHaveLength(1);
    expect(
      config
        .batchGets()[0]
        .identifiers.map((i) => i.ResourceId)
        .sort(),
    ).toEqual(groups.map((g) => g.groupId).sort());
    expect(world.ec2.calls.filter((c) => c.action === 'DescribeSecurityGroups')).toEqual([]);
    expect(await drifts(groups[2].groupId)).toEqual([]);
  });

  it('sees what Config has recorded: a lost change is found once Config records it; throttling and unprocessed identifiers are retried', async () => {
    deliver = false;
    now = T0 + 5 * 60_000;
    await world.change(groups[0].groupId, { authorize: [SSH_WORLD] }, MALLORY);

    // Config has not recorded the change yet: the sweep cannot see it.
    now = T0 + HOUR;
    expect(await host.sweep()).toMatchObject({ status: 'completed', last: { checked: 3, fed: 0 } });
    expect(await drifts(groups[0].groupId)).toEqual([]);

    now = T0 + HOUR + 10 * 60_000;
    record(groups[0]); // Config records it
    config.failNext({ type: 'ThrottlingException', status: 400, message: 'Rate exceeded' });
    config.failNext({ unprocessed: 1 });
    deliver = true;
    now = T0 + 2 * HOUR;
    const before = config.batchGets().length;
    expect(await host.sweep()).toMatchObject({ status: 'completed', last: { checked: 3, fed: 1, errors: 1 } });
    expect(
      config
        .batchGets()
        .slice(before)
        .map((c) => [c.error ?? 'ok', c.identifiers.length]),
    ).toEqual([
      ['ThrottlingException', 3],
      ['ok', 3],
      ['ok', 1],
    ]);

    const reverted = await eventually(async () => (await drifts(groups[0].groupId)).find((d) => d.status === 'reverted'), 'the revert');
    expect(reverted.evidence.event?.delivery).toMatchObject({ transport: 'reconcile' });
    // The item carries Config's capture time, not the sweep's.
    expect(reverted.evidence.event?.captureTime).toBe(new Date(T0 + HOUR + 10 * 60_000).toISOString());
    expect(world.rules(groups[0].groupId)).toEqual([HTTPS_INTERNAL]);

    // Config still has the drifted copy (it lags), the controller knows better from its own revert's events: not fed again.
    await world.settled();
    await eventually(
      async () => (await http<{ reconcile?: { running?: unknown } }>(ctl.url, 'GET', '/readyz')).body.reconcile?.running === undefined,
      'the sweep to end',
    );
    now = T0 + 3 * HOUR;
    expect(await host.sweep()).toMatchObject({ status: 'completed', last: { fed: 0 } });
    expect((await drifts(groups[0].groupId)).map((d) => d.id)).toEqual([reverted.id]);
  }, 60_000);

  it('a batch Config keeps failing (5xx, a body that is not JSON) is reported and the sweep completes', async () => {
    config.failNext({ type: 'InternalFailure', status: 500 });
    config.failNext({ malformed: true });
    config.failNext({ type: 'ServiceUnavailableException', status: 503 });
    now = T0 + 4 * HOUR;
    expect(await host.sweep()).toMatchObject({ status: 'completed', last: { checked: 3, errors: 3, outcome: 'partial' } });
  }, 30_000);
});
