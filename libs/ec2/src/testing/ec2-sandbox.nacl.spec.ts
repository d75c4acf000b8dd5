/**
 * The EC2 sandbox's network ACL actions over HTTP, through the real SDK client: what EC2 answers
 * (entries with the default deny listed, the entry errors), so the network-ACL executor is tested
 * against behaviour, not against itself.
 */
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  ReplaceNetworkAclEntryCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { makeEntry } from '@driftwarden/kinds/network-acl';
import { ACCESS_KEY_ID, PRINCIPAL, sandboxClient } from '../../test/ec2-test-support';
import { Ec2Sandbox } from './ec2-sandbox.server';
import type { SandboxAclChange } from './ec2-sandbox.nacl';

const ACL = 'acl-0abc1234def567890';
const HTTPS = makeEntry(
  { direction: 'ingress', ruleNumber: 100, protocol: '6', action: 'allow', cidrBlock: '0.0.0.0/0', fromPort: 443, toPort: 443 },
  't',
);

describe('EC2 sandbox: network ACLs', () => {
  let sandbox: Ec2Sandbox;
  let client: EC2Client;
  const changes: SandboxAclChange[] = [];

  beforeEach(async () => {
    sandbox = await Ec2Sandbox.start({ principals: { [ACCESS_KEY_ID]: PRINCIPAL } });
    client = sandboxClient(sandbox);
    sandbox.addNetworkAcl({ aclId: ACL, vpcId: 'vpc-0123456789abcdef0', entries: [HTTPS], subnetIds: ['subnet-0aaa'] });
    changes.length = 0;
    sandbox.onNetworkAclChange((c) => changes.push(c));
  });
  afterEach(async () => {
    client.destroy();
    await sandbox.close();
  });

  it('describes an ACL as EC2 does: its entries, the default deny of each direction, associations', async () => {
    const out = await client.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [ACL] }));
    expect(out.NetworkAcls?.[0]).toMatchObject({
      NetworkAclId: ACL,
      Associations: [{ NetworkAclId: ACL, SubnetId: 'subnet-0aaa' }],
      Entries: [
        { RuleNumber: 100, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0', PortRange: { From: 443, To: 443 } },
        { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
        { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
      ],
    });
  });

  it('creates, replaces and deletes entries (ICMP type/code and IPv6 included), reporting each change with its principal', async () => {
    await client.send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: ACL,
        RuleNumber: 50,
        Egress: false,
        Protocol: '1',
        RuleAction: 'deny',
        CidrBlock: '203.0.113.0/24',
        IcmpTypeCode: { Type: 8, Code: -1 },
      }),
    );
    await client.send(
      new ReplaceNetworkAclEntryCommand({
        NetworkAclId: ACL,
        RuleNumber: 100,
        Egress: false,
        Protocol: '-1',
        RuleAction: 'allow',
        Ipv6CidrBlock: '::/0',
      }),
    );
    await client.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: ACL, RuleNumber: 50, Egress: false }));
    expect(changes.map((c) => [c.action, c.entry.ruleNumber, c.principalArn])).toEqual([
      ['CreateNetworkAclEntry', 50, PRINCIPAL],
      ['ReplaceNetworkAclEntry', 100, PRINCIPAL],
      ['DeleteNetworkAclEntry', 50, PRINCIPAL],
    ]);
    expect(changes[0]?.entry).toMatchObject({ protocol: '1', icmpType: 8, icmpCode: -1 });
    expect(sandbox.networkAclEntries(ACL)).toEqual([{ ...HTTPS, protocol: '-1', cidr: '::/0', fromPort: null, toPort: null }]);
  });

  it.each([
    [
      'a taken number',
      () =>
        new CreateNetworkAclEntryCommand({
          NetworkAclId: ACL,
          RuleNumber: 100,
          Egress: false,
          Protocol: '-1',
          RuleAction: 'deny',
          CidrBlock: '0.0.0.0/0',
        }),
      'NetworkAclEntryAlreadyExists',
    ],
    [
      'replacing a free number',
      () =>
        new ReplaceNetworkAclEntryCommand({
          NetworkAclId: ACL,
          RuleNumber: 7,
          Egress: true,
          Protocol: '-1',
          RuleAction: 'deny',
          CidrBlock: '0.0.0.0/0',
        }),
      'InvalidNetworkAclEntry.NotFound',
    ],
    [
      'deleting a free number',
      () => new DeleteNetworkAclEntryCommand({ NetworkAclId: ACL, RuleNumber: 7, Egress: false }),
      'InvalidNetworkAclEntry.NotFound',
    ],
    [
      'an unknown ACL',
      () => new DeleteNetworkAclEntryCommand({ NetworkAclId: 'acl-0fff', RuleNumber: 100, Egress: false }),
      'InvalidNetworkAclID.NotFound',
    ],
    [
      'the default rule',
      () => new DeleteNetworkAclEntryCommand({ NetworkAclId: ACL, RuleNumber: 32767, Egress: false }),
      'InvalidNetworkAclEntry.NotFound',
    ],
    [
      'an unknown protocol',
      () =>
        new CreateNetworkAclEntryCommand({
          NetworkAclId: ACL,
          RuleNumber: 60,
          Egress: false,
          Protocol: 'gre',
          RuleAction: 'deny',
          CidrBlock: '0.0.0.0/0',
        }),
      'InvalidParameterValue',
    ],
  ])('refuses %s as EC2 does, changing nothing', async (_what, command, code) => {
    await expect(client.send(command() as never)).rejects.toMatchObject({ name: code });
    expect(changes).toEqual([]);
    expect(sandbox.networkAclEntries(ACL)).toEqual([HTTPS]);
  });
});
