import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeEntry, type NaclEntry } from '@driftwarden/kinds/network-acl';
import type { PublicAccessBlock } from '@driftwarden/kinds/s3-bucket';
import {
  AsgSandboxAccount,
  InstanceEvents,
  SandboxAccount,
  asgStateResource,
  instanceStateResource,
  networkAclStateResource,
  publicAccessBlockStateResource,
  terraformState,
  withResources,
  type EventSink,
} from '@driftwarden/sandbox/testing';
import { ReconcileHost } from '../../apps/controller/src/reconcile/reconcile-host.service';
import { SpyBackport } from '../support/fake-ports';
import { http } from '../support/http';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const VPC = 'vpc-0123456789abcdef0';
const MALLORY = `arn:aws:sts::${ACCOUNT}:assumed-role/developer/mallory`;
const HOUR = 3_600_000;
// In the past: attribution measures a change's age in real time (a change "from the future" waits for CloudTrail).
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 10 * HOUR;

const entry = (ruleNumber: number, action: 'allow' | 'deny', cidr: string, port?: number, direction: 'ingress' | 'egress' = 'ingress') =>
  makeEntry(
    { direction, ruleNumber, protocol: port === undefined ? '-1' : 'tcp', action, cidrBlock: cidr, fromPort: port, toPort: port },
    'test',
  );
const ENTRIES: NaclEntry[] = [
  entry(100, 'allow', '0.0.0.0/0', 443),
  entry(200, 'deny', '0.0.0.0/0'),
  entry(100, 'allow', '0.0.0.0/0', undefined, 'egress'),
];
const ON: PublicAccessBlock = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };

const ACL = 'acl-0dec0de000000001';
const BUCKET = 'acme-invoices';
const GROUP = 'checkout';
const INSTANCE = 'i-0dec0de0000000001';
const SG_WEB = 'sg-0dec0de00000000b1';

interface Drift {
  id: string;
  status: string;
  resource: { type: string; id: string };
  decision?: { action: string; rule: number };
  evidence: { eventIds: string[]; event?: { delivery?: { transport?: string; shape?: string } } };
}

/**
 * The reconciling sweep (issue 17 §2) for the network-ACL, S3 bucket, Auto Scaling group and
 * instance kinds, on the real controller, real Redis and the EC2, S3 and Auto Scaling sandboxes
 * over HTTP, with a fake clock: a change to each whose events were all lost is found by the next
 * sweep (within one interval) and goes through the normal pipeline as an item with
 * `delivery.transport: reconcile`; later sweeps never record it twice.
 */
describe('reconciling sweep: every kind that can read itself live', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-reconcile-kinds-'));
  let world: SandboxAccount;
  let asg: AsgSandboxAccount;
  let instances: InstanceEvents;
  let ctl: TestController;
  let host: ReconcileHost;
  let groupArn = '';
  let now = T0;
  let deliver = true;
  const env: Record<string, string> = {};

  const driftsOf = async (id: string): Promise<Drift[]> =>
    (await http<{ items: Drift[] }>(ctl.url, 'GET', `/v1/drifts?resource=${encodeURIComponent(id)}`, { token: TOKENS.viewer })).body.items;

  beforeAll(async () => {
    world = await SandboxAccount.start({ account: ACCOUNT, region: REGION, clock: () => new Date(now) });
    asg = await AsgSandboxAccount.start({ account: ACCOUNT, region: REGION });
    instances = new InstanceEvents(world.ec2, REGION);
    const acl = world.addNetworkAcl({ aclId: ACL, vpcId: VPC, subnetIds: ['subnet-0dec0de000000001'], tags: { Name: 'public' } }, ENTRIES);
    const bucket = world.addBucket(BUCKET, ON);
    groupArn = asg.addGroup({ name: GROUP, minSize: 2, maxSize: 6, desiredCapacity: 2, tags: { team: 'checkout' } });
    world.ec2.addGroup({ groupId: SG_WEB, vpcId: VPC, groupName: 'web', rules: [], tags: {} });
    world.ec2.instances.add({
      instanceId: INSTANCE,
      instanceType: 't3.small',
      httpTokens: 'required',
      httpEndpoint: 'enabled',
      disableApiTermination: true,
      disableApiStop: false,
      securityGroupIds: [SG_WEB],
      tags: { team: 'checkout' },
    });
    const statePath = join(dir, 'shop.tfstate');
    writeFileSync(
      statePath,
      JSON.stringify(
        withResources(terraformState([]), [
          networkAclStateResource(acl, 'public', ENTRIES),
          publicAccessBlockStateResource(bucket, 'invoices', ON),
          asgStateResource({ name: 'checkout', groupName: GROUP, arn: groupArn, minSize: 2, maxSize: 6, desiredCapacity: 2 }),
          instanceStateResource({
            name: 'payments',
            instanceId: INSTANCE,
            account: ACCOUNT,
            region: REGION,
            instanceType: 't3.small',
            httpTokens: 'required',
            httpEndpoint: 'enabled',
            disableApiTermination: true,
            disableApiStop: false,
            securityGroupIds: [SG_WEB],
          }),
        ]),
      ),
    );
    Object.assign(env, { AWS_ENDPOINT_URL_EC2: world.url, AWS_ENDPOINT_URL_S3: world.s3.url, AWS_ENDPOINT_URL_AUTO_SCALING: asg.url });
    for (const [k, v] of Object.entries(env)) process.env[k] = v;
    ctl = await startTestController({
      mode: 'enforce',
      settleSeconds: 0,
      clock: () => new Date(now),
      overrides: { backport: new SpyBackport() },
      extra: {
        stacks: [{ name: 'shop', accounts: [ACCOUNT], regions: [REGION], state: { file: statePath } }],
        reconcile: { intervalMinutes: 60, callsPerSecond: 50 },
      },
    });
    host = ctl.app.get(ReconcileHost);
    const sink: EventSink = async (events) => {
      if (!deliver) return; // lost on the way
      const res = await http(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: events });
      if (res.status !== 202) throw new Error(`events rejected: ${JSON.stringify(res.body)}`);
    };
    world.setSink(sink);
    asg.setSink(sink);
    instances.setSink(sink);
  }, 30_000);

  afterAll(async () => {
    await ctl?.close();
    instances?.close();
    await asg?.close();
    await world?.close();
    for (const k of Object.keys(env)) delete process.env[k];
    if (ctl) await dropPrefix(ctl.prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the first sweep reads each kind in one batch of the calls the kind reads with, and finds nothing', async () => {
    const first = await eventually(async () => {
      const r = (await http<{ reconcile?: { last?: Record<string, unknown> } }>(ctl.url, 'GET', '/readyz')).body.reconcile;
      return r?.last ?? null;
    }, 'the first sweep');
    expect(first).toMatchObject({ checked: 4, fed: 0, errors: 0, outcome: 'ok' });
    const ec2 = world.ec2.calls.map((c) => c.action);
    expect(ec2.filter((a) => a === 'DescribeNetworkAcls')).toHaveLength(1);
    expect(ec2.filter((a) => a === 'DescribeInstances')).toHaveLength(1);
    // DescribeInstances does not say whether termination and stop protection are on.
    expect(world.ec2.calls.filter((c) => c.action === 'DescribeInstanceAttribute').map((c) => c.params['Attribute'])).toEqual([
      'disableApiTermination',
      'disableApiStop',
    ]);
    expect(asg.autoscaling.calls.filter((c) => c.action === 'DescribeAutoScalingGroups')).toHaveLength(1);
    expect(world.s3.calls.filter((c) => c.operation === 'GetPublicAccessBlock').map((c) => c.bucket)).toEqual([BUCKET]);
  });

  it('changes whose events were all dropped are found by the next sweep and decided through the normal pipeline, once', async () => {
    deliver = false;
    now = T0 + 5 * 60_000;
    await world.changeNetworkAcl(ACL, { create: entry(50, 'allow', '0.0.0.0/0') }, MALLORY);
    await world.setBucketBlock(BUCKET, { ...ON, blockPublicPolicy: false, restrictPublicBuckets: false }, MALLORY);
    await asg.scale(GROUP, { maxSize: 40, desiredCapacity: 30 }, MALLORY);
    world.ec2.instances.change(INSTANCE, { httpTokens: 'optional' }, MALLORY);
    await instances.settled();
    for (const id of [ACL, BUCKET, groupArn, INSTANCE]) expect(await driftsOf(id)).toEqual([]);

    // Within the interval a duplicate request does nothing; one interval after the last sweep started it sweeps.
    now = T0 + 10 * 60_000;
    expect(await host.sweep()).toMatchObject({ status: 'not_due' });
    deliver = true; // the controller's own reverts are delivered again
    now = T0 + HOUR;
    expect(await host.sweep()).toMatchObject({ status: 'completed', last: { checked: 4, fed: 4, errors: 0 } });

    const found: Record<string, Drift> = {};
    for (const [id, type] of [
      [ACL, 'AWS::EC2::NetworkAcl'],
      [BUCKET, 'AWS::S3::Bucket'],
      [groupArn, 'AWS::AutoScaling::AutoScalingGroup'],
      [INSTANCE, 'AWS::EC2::Instance'],
    ] as const) {
      found[id] = await eventually(
        async () => (await driftsOf(id)).find((d) => d.decision !== undefined),
        `the decision on ${type}`,
        20_000,
      );
      expect(found[id].resource.type).toBe(type);
      expect(found[id].evidence.event?.delivery).toMatchObject({ transport: 'reconcile', shape: 'live' });
    }
    // Widening changes by an unknown hand outside a freeze are reverted, as from an event; the
    // instance and group kinds, without the stack's code to read for ignore_changes, ask a human.
    const reverted = async (id: string) =>
      eventually(async () => (await driftsOf(id)).find((d) => d.status === 'reverted'), `the revert of ${id}`, 20_000);
    await reverted(ACL);
    await reverted(BUCKET);
    expect(world.networkAclEntries(ACL)).toEqual(expect.not.arrayContaining([expect.objectContaining({ ruleNumber: 50 })]));
    expect(world.bucketBlock(BUCKET)).toEqual(ON);
    expect(found[INSTANCE].decision?.action).toBe('await_approval');
    expect(found[groupArn].decision?.action).toBe('await_approval');

    // Later sweeps: nothing is recorded twice.
    await world.settled();
    await asg.settled();
    await instances.settled();
    await eventually(
      async () => (await http<{ reconcile?: { running?: unknown } }>(ctl.url, 'GET', '/readyz')).body.reconcile?.running === undefined,
      'the sweep to end',
    );
    now = T0 + 2 * HOUR;
    expect(await host.sweep()).toMatchObject({ status: 'completed', last: { checked: 4, errors: 0 } });
    now = T0 + 3 * HOUR;
    expect(await host.sweep()).toMatchObject({ status: 'completed', last: { checked: 4, fed: 0, errors: 0 } });
    for (const id of [ACL, BUCKET, groupArn, INSTANCE]) {
      const all = await driftsOf(id);
      expect(all.map((d) => d.id)).toEqual([found[id].id]);
    }
  }, 90_000);
});
