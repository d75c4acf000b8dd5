import fc from 'fast-check';
import { Ec2Sandbox } from '@driftwarden/ec2/testing';
import { createEc2ClientProvider } from '@driftwarden/ec2';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { rulesFromConfigConfiguration } from '../normalize/config-item';
import { toIpPermissions } from '../normalize/ec2';
import { identityAndDescription, rules } from '../testing/arbitraries';
import { liveSecurityGroup, SecurityGroupLiveReader } from './live-reader';
import type { PermissionRule } from '../model/permission-rule';

const LOCATION = { account: '111122223333', region: 'eu-west-1' };

describe('live security groups as Config items', () => {
  it('EC2 IpPermissions → Config configuration keeps every rule and description (property)', () => {
    fc.assert(
      fc.property(rules(), (list) => {
        const { ingress, egress } = toIpPermissions(list);
        const live = liveSecurityGroup({ GroupId: 'sg-0123456789abcdef0', IpPermissions: ingress, IpPermissionsEgress: egress }, LOCATION);
        expect(identityAndDescription(rulesFromConfigConfiguration(live.configuration))).toEqual(identityAndDescription(list));
      }),
    );
  });
});

describe('SecurityGroupLiveReader against the EC2 sandbox', () => {
  let ec2: Ec2Sandbox;
  let reader: SecurityGroupLiveReader;
  const SSH: PermissionRule = {
    direction: 'ingress',
    protocol: 'tcp',
    fromPort: 22,
    toPort: 22,
    peer: { kind: 'ipv4', cidr: '10.0.0.0/8' },
  };

  beforeAll(async () => {
    ec2 = await Ec2Sandbox.start({ accountId: LOCATION.account, region: LOCATION.region });
    for (let i = 0; i < 7; i++) {
      ec2.addGroup({ groupId: `sg-0000000000000000${i}`, vpcId: 'vpc-1', groupName: `g${i}`, rules: [SSH], tags: { team: `t${i}` } });
    }
    const clients = createEc2ClientProvider({
      endpoint: ec2.url,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    reader = new SecurityGroupLiveReader(clients);
  });
  afterAll(async () => ec2.close());

  it('one filtered call for a batch; a group that is gone is answered `exists: false`, not an error', async () => {
    const before = ec2.calls.length;
    const live = await reader.describeLive(LOCATION, ['sg-00000000000000001', 'sg-0ffffffffffffffff', 'sg-00000000000000005']);
    expect(ec2.calls.slice(before).map((c) => c.action)).toEqual(['DescribeSecurityGroups']);
    expect(live.map((r) => [r.id, r.exists])).toEqual([
      ['sg-00000000000000001', true],
      ['sg-0ffffffffffffffff', false],
      ['sg-00000000000000005', true],
    ]);
    expect(live[0].tags).toEqual({ team: 't1' });
    expect(rulesFromConfigConfiguration(live[0].configuration)).toEqual([expect.objectContaining({ fromPort: 22, peer: SSH.peer })]);
  });

  it('maps EC2 failures: throttling is transient, a refusal is permanent', async () => {
    ec2.failNext('DescribeSecurityGroups', { code: 'RequestLimitExceeded', status: 503 });
    await expect(reader.describeLive(LOCATION, ['sg-00000000000000001'])).rejects.toBeInstanceOf(TransientError);
    ec2.failNext('DescribeSecurityGroups', { code: 'UnauthorizedOperation', status: 403 });
    await expect(reader.describeLive(LOCATION, ['sg-00000000000000001'])).rejects.toBeInstanceOf(PermanentError);
    ec2.failNext('DescribeSecurityGroups', { network: 'reset' });
    await expect(reader.describeLive(LOCATION, ['sg-00000000000000001'])).rejects.toBeInstanceOf(TransientError);
  });

  it('refuses a batch larger than EC2 takes', async () => {
    const ids = Array.from({ length: 201 }, (_, i) => `sg-${String(i).padStart(17, '0')}`);
    await expect(reader.describeLive(LOCATION, ids)).rejects.toThrow('at most 200 security groups per batch, got 201');
  });
});
