import { backportBranch } from '@driftwarden/backport';
import { instanceStateResource } from '@driftwarden/sandbox/testing';
import { git } from '../backport/backport-world';
import { ACCOUNT, KindsWorld, PRINCIPALS, REGION } from './kinds-world';

const SG = { web: 'sg-0a000000000000001', admin: 'sg-0a0000000000000ad' };
const PAYMENTS = 'i-0aa00000000000001';
const BASTION = 'i-0bb00000000000002';

const MAIN_TF = `resource "aws_instance" "payments" {
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.small"
  vpc_security_group_ids = ["${SG.web}"]

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "optional" # legacy agent still uses IMDSv1
  }
}

resource "aws_instance" "bastion" {
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.micro"
  vpc_security_group_ids = ["${SG.web}"]

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }
}
`;

const base = {
  account: ACCOUNT,
  region: REGION,
  disableApiTermination: true,
  disableApiStop: false,
  httpEndpoint: 'enabled' as const,
  securityGroupIds: [SG.web],
};
const INSTANCES = [
  { name: 'payments', instanceId: PAYMENTS, instanceType: 't3.small', httpTokens: 'optional' as const, ...base },
  { name: 'bastion', instanceId: BASTION, instanceType: 't3.micro', httpTokens: 'required' as const, ...base },
];

/**
 * The Friday story of the `instance` kind, end to end (real controller, real Redis, the EC2
 * sandbox answering the instance calls over HTTP, CloudTrail attribution, the code through the
 * GitHub sandbox): during a freeze the on-call forces IMDSv2 on a compromised instance (emergency
 * patch: backport PR requires tokens in code); an attacker attaches a wide security group (held,
 * suspicious), detached after the freeze and verified; outside a freeze IMDSv1 allowed again is
 * reverted, the metadata endpoint turned off awaits approval (reverting weakens protection), and
 * an instance type change always awaits a human, saying it needs a stop.
 */
describe('instance: the Friday story', () => {
  const world = new KindsWorld();
  const ec2 = () => world.ec2!;

  beforeAll(async () => {
    await world.start({
      files: { 'terraform/shop/main.tf': MAIN_TF },
      setup: async (w) => {
        const sandbox = await w.startEc2();
        for (const g of [SG.web, SG.admin])
          sandbox.addGroup({ groupId: g, vpcId: 'vpc-0123456789abcdef0', groupName: g, rules: [], tags: {} });
        for (const i of INSTANCES)
          sandbox.instances.add({
            instanceId: i.instanceId,
            instanceType: i.instanceType,
            httpTokens: i.httpTokens,
            httpEndpoint: 'enabled',
            disableApiTermination: true,
            disableApiStop: false,
            securityGroupIds: [SG.web],
            tags: { team: 'checkout' },
          });
      },
      stateResources: () => INSTANCES.map((i) => instanceStateResource(i)),
      env: () => ({}),
    });
  }, 60_000);
  afterAll(() => world.stop());

  const change = async (id: string, c: Parameters<ReturnType<typeof ec2>['instances']['change']>[1], who: string) => {
    ec2().instances.change(id, c, who);
    await world.instances!.settled();
  };

  it('during a freeze: IMDSv2 forced by the on-call → backport PR; a security group attached by an attacker → held, suspicious, detached after the freeze', async () => {
    const freeze = await world.freeze('incident: payments instance compromised');
    await new Promise((r) => setTimeout(r, 1_000));
    await change(PAYMENTS, { httpTokens: 'required' }, PRINCIPALS.oncall);
    const patch = await world.driftOf(PAYMENTS, (d) => d.status === 'backport_open' && Boolean(d.links.pullRequest), 'the backport PR');
    expect(patch.resource.kind).toBe('instance');
    expect(patch.differences?.map((d) => [d.sentence, d.direction.change, d.decision.action])).toEqual([
      [`required IMDSv2 tokens on ${PAYMENTS} (http_tokens required; the code says optional)`, 'strengthens', 'backport'],
    ]);
    const diff = git(world.github, 'diff', `main...${backportBranch(PAYMENTS)}`);
    expect(diff).toContain(
      '-    http_tokens   = "optional" # legacy agent still uses IMDSv1\n+    http_tokens   = "required" # legacy agent still uses IMDSv1',
    );

    await change(BASTION, { securityGroupIds: [SG.web, SG.admin] }, PRINCIPALS.attacker);
    const held = await world.driftOf(BASTION, (d) => d.status === 'held', 'the held attachment');
    expect(held.flags).toContain('suspicious');
    expect(held.differences?.map((d) => [d.sentence, d.direction])).toEqual([
      [`attached security group ${SG.admin} to ${BASTION}`, { axis: 'exposure', change: 'widens', revert: 'narrows' }],
    ]);

    await world.lift(freeze);
    const reverted = await world.driftOf(BASTION, (d) => d.id === held.id && d.status === 'reverted', 'the detachment', 30_000);
    expect(reverted.evidence.apiCalls.filter((c) => c.operation === 'ModifyInstanceAttribute').map((c) => c.request)).toEqual([
      { InstanceId: BASTION, Groups: [SG.web] },
    ]);
    expect(ec2().instances.get(BASTION).securityGroupIds).toEqual([SG.web]);
    expect(ec2().instances.get(PAYMENTS).httpTokens).toBe('required');
  });

  it('outside a freeze: IMDSv1 allowed again is reverted; the endpoint turned off awaits approval; an instance type change always awaits a human', async () => {
    await change(BASTION, { httpTokens: 'optional' }, PRINCIPALS.developer);
    await world.driftOf(
      BASTION,
      (d) => d.status === 'reverted' && Boolean(d.differences?.some((x) => x.key === 'metadata_options.http_tokens')),
      'the IMDSv2 revert',
      30_000,
    );
    expect(ec2().instances.get(BASTION).httpTokens).toBe('required');

    await change(BASTION, { httpEndpoint: 'disabled' }, PRINCIPALS.developer);
    const off = await world.driftOf(BASTION, (d) => d.status === 'awaiting_approval', 'the approval wait');
    expect(off.differences?.[0]).toMatchObject({
      key: 'metadata_options.http_endpoint',
      direction: { change: 'strengthens', revert: 'weakens' },
      decision: { action: 'await_approval' },
    });
    expect(ec2().instances.get(BASTION).httpEndpoint).toBe('disabled');

    // The instance type: EC2 takes it only on a stopped instance (someone stopped it, resized it).
    ec2().instances.add({ ...ec2().instances.get(PAYMENTS), state: 'stopped' });
    await change(PAYMENTS, { instanceType: 't3.large' }, PRINCIPALS.developer);
    const resized = await world.driftOf(
      PAYMENTS,
      (d) => d.status === 'awaiting_approval' && Boolean(d.differences?.some((x) => x.key === 'instance_type')),
      'the instance type wait',
    );
    const type = resized.differences!.find((x) => x.key === 'instance_type')!;
    expect(type.sentence).toBe(`changed the instance type of ${PAYMENTS} from t3.small to t3.large`);
    expect(type.decision.reason).toContain('needs the instance stopped');
    expect(ec2().instances.get(PAYMENTS).instanceType).toBe('t3.large');
  });
});
