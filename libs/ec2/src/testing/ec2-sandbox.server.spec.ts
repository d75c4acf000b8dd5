/**
 * The sandbox's wire format, checked with the real SDK client over real HTTP: what
 * @aws-sdk/client-ec2 serialises must be understood, and what the sandbox answers must
 * deserialise into the SDK's output and error shapes.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifySecurityGroupRulesCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { ruleKey, rulesFromIpPermissions, rulesFromSecurityGroupRules } from '@driftwarden/kinds/security-group';
import { ACCESS_KEY_ID, OTHER_SG, PRINCIPAL, SG, VPC, rule, rules, sandboxClient } from '../../test/ec2-test-support';
import { EC2_XML_NAMESPACE } from './ec2-xml';
import { Ec2Sandbox, statusForCode } from './ec2-sandbox.server';
import type { SandboxChange } from './ec2-sandbox.state';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

const DEFAULT_SG = 'sg-0d0d0d0d0d0d0d0d0';

let sandbox: Ec2Sandbox;
let client: EC2Client;

beforeEach(async () => {
  sandbox = await Ec2Sandbox.start({ principals: { [ACCESS_KEY_ID]: PRINCIPAL } });
  sandbox.addGroup({
    groupId: SG,
    vpcId: VPC,
    groupName: 'web-sg',
    description: 'web tier',
    tags: { team: 'payments' },
    rules: [
      rules.sshFromWorld(),
      rules.httpsFromVpc(),
      rules.postgresFromGroup(),
      rules.allEgress(),
      rules.httpsToPrefixList(),
      rules.allFromWorldV6(),
    ],
  });
  sandbox.addGroup({ groupId: DEFAULT_SG, vpcId: 'vpc-0default000000000', isDefaultVpc: true, rules: [rules.sshFromWorld()] });
  client = sandboxClient(sandbox);
});

afterEach(async () => {
  client.destroy();
  await sandbox.close();
});

/** Rule identities, sorted (a referenced group's owner is not part of a rule's identity). */
const keys = (list: readonly PermissionRule[]) => list.map(ruleKey).sort();

function lastCall() {
  const call = sandbox.calls[sandbox.calls.length - 1];
  if (!call) throw new Error('no call recorded');
  return call;
}

/** The SDK error of a failing send. */
async function failure(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number; requestId?: string }; $fault?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { name: string; message: string; $metadata: { httpStatusCode?: number; requestId?: string }; $fault?: string };
  }
  throw new Error('expected the call to fail');
}

describe('DescribeSecurityGroups', () => {
  it('reads GroupId.N and answers securityGroupInfo the SDK parses into IpPermissions', async () => {
    const out = await client.send(new DescribeSecurityGroupsCommand({ GroupIds: [SG] }));

    expect(lastCall().params).toMatchObject({ Action: 'DescribeSecurityGroups', Version: '2016-11-15', 'GroupId.1': SG });
    expect(out.SecurityGroups).toHaveLength(1);
    const group = out.SecurityGroups![0]!;
    expect(group).toMatchObject({
      GroupId: SG,
      GroupName: 'web-sg',
      Description: 'web tier',
      VpcId: VPC,
      OwnerId: sandbox.accountId,
      Tags: [{ Key: 'team', Value: 'payments' }],
      SecurityGroupArn: `arn:aws:ec2:eu-west-1:${sandbox.accountId}:security-group/${SG}`,
    });
    const live = [
      ...rulesFromIpPermissions(group.IpPermissions, 'ingress'),
      ...rulesFromIpPermissions(group.IpPermissionsEgress, 'egress'),
    ];
    expect(keys(live)).toEqual(keys(sandbox.rules(SG)));
    // All traffic has no ports in an IpPermission; a referenced group carries its owner.
    expect(group.IpPermissions!.find((p) => p.IpProtocol === '-1')).not.toHaveProperty('FromPort');
    expect(group.IpPermissions!.find((p) => p.FromPort === 5432)!.UserIdGroupPairs).toEqual([
      { GroupId: OTHER_SG, UserId: sandbox.accountId },
    ]);
    expect(out.$metadata.requestId).toBe(lastCall().requestId);
  });

  it('filters by vpc-id (Filter.N.Name / Filter.N.Value.M)', async () => {
    const out = await client.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [VPC, 'vpc-none'] }] }));
    expect(lastCall().params).toMatchObject({ 'Filter.1.Name': 'vpc-id', 'Filter.1.Value.1': VPC, 'Filter.1.Value.2': 'vpc-none' });
    expect(out.SecurityGroups?.map((g) => g.GroupId)).toEqual([SG]);
  });

  it('answers InvalidGroup.NotFound (400) for an unknown group', async () => {
    const err = await failure(client.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0000000000000dead'] })));
    expect(err.name).toBe('InvalidGroup.NotFound');
    expect(err.message).toBe("The security group 'sg-0000000000000dead' does not exist");
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.$fault).toBe('client');
    expect(err.$metadata.requestId).toBe(lastCall().requestId);
  });
});

describe('DescribeSecurityGroupRules', () => {
  it('filters by group-id and returns each rule with its sgr id, -1 ports for all traffic', async () => {
    const out = await client.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [SG] }] }));
    expect(lastCall().params).toMatchObject({ 'Filter.1.Name': 'group-id', 'Filter.1.Value.1': SG });
    const identified = rulesFromSecurityGroupRules(out.SecurityGroupRules);
    expect(keys(identified.map((r) => r.rule))).toEqual(keys(sandbox.rules(SG)));
    expect(identified.map((r) => r.securityGroupRuleId)).toEqual(sandbox.identifiedRules(SG).map((r) => r.securityGroupRuleId));
    for (const id of identified) expect(id.securityGroupRuleId).toMatch(/^sgr-[0-9a-f]{17}$/);
    const all = out.SecurityGroupRules!.find((r) => r.IpProtocol === '-1' && !r.IsEgress)!;
    expect(all).toMatchObject({
      FromPort: -1,
      ToPort: -1,
      CidrIpv6: '::/0',
      IsEgress: false,
      GroupId: SG,
      GroupOwnerId: sandbox.accountId,
    });
    expect(all.SecurityGroupRuleArn).toMatch(/^arn:aws:ec2:eu-west-1:111122223333:security-group-rule\/sgr-/);
    expect(out.SecurityGroupRules!.find((r) => r.ReferencedGroupInfo)!.ReferencedGroupInfo).toEqual({
      GroupId: OTHER_SG,
      UserId: sandbox.accountId,
    });
    expect(out.SecurityGroupRules!.find((r) => r.PrefixListId)).toMatchObject({ PrefixListId: 'pl-0123abcd', IsEgress: true });
    expect(out.SecurityGroupRules!.find((r) => r.FromPort === 22)).toMatchObject({ Description: 'temp', Tags: [] });
    expect(out.NextToken).toBeUndefined();
  });

  it('paginates with MaxResults / NextToken until every rule is read', async () => {
    sandbox.addRules(
      SG,
      [8000, 8001, 8002, 8003, 8004, 8005].map((p) => rules.tcp(p)),
    );
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await client.send(
        new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [SG] }], MaxResults: 5, NextToken: token }),
      );
      expect(out.SecurityGroupRules!.length).toBeLessThanOrEqual(5);
      seen.push(...out.SecurityGroupRules!.map((r) => r.SecurityGroupRuleId!));
      token = out.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(lastCall().params).toMatchObject({ MaxResults: '5' });
    expect(lastCall().params['NextToken']).toEqual(expect.any(String));
    expect(seen).toEqual(sandbox.identifiedRules(SG).map((r) => r.securityGroupRuleId));
  });

  it('reads SecurityGroupRuleId.N', async () => {
    const [first] = sandbox.identifiedRules(SG);
    const out = await client.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [first!.securityGroupRuleId!] }));
    expect(lastCall().params).toMatchObject({ 'SecurityGroupRuleId.1': first!.securityGroupRuleId });
    expect(out.SecurityGroupRules?.map((r) => r.SecurityGroupRuleId)).toEqual([first!.securityGroupRuleId]);
  });

  it('returns no rules (no error) for a group-id filter naming no group, as EC2 does', async () => {
    const out = await client.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: ['sg-0000000000000dead'] }] }),
    );
    expect(out.SecurityGroupRules).toEqual([]);
  });

  it.each([
    ['MaxResults below 5', { MaxResults: 3 }, 'InvalidParameterValue'],
    ['a forged NextToken', { NextToken: 'not-a-token' }, 'InvalidPaginationToken'],
    ['an unknown filter', { Filters: [{ Name: 'nope', Values: ['x'] }] }, 'InvalidParameterValue'],
  ])('refuses %s', async (_name, input, code) => {
    const err = await failure(client.send(new DescribeSecurityGroupRulesCommand(input)));
    expect(err.name).toBe(code);
    expect(err.$metadata.httpStatusCode).toBe(400);
  });
});

describe('AuthorizeSecurityGroupIngress / Egress', () => {
  it('reads IpPermissions.N (IpRanges, Ipv6Ranges, PrefixListIds, Groups) and returns the new rules with sgr ids', async () => {
    // The referenced group belongs to a peer account (it must exist to be referenced).
    sandbox.addGroup({ groupId: OTHER_SG, vpcId: 'vpc-0peer00000000000', ownerId: '444455556666' });
    const out = await client.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: SG,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 8080,
            ToPort: 8081,
            IpRanges: [{ CidrIp: '192.0.2.0/24', Description: 'office' }],
            Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }],
            PrefixListIds: [{ PrefixListId: 'pl-0aaaa1111' }],
            UserIdGroupPairs: [{ GroupId: OTHER_SG, UserId: '444455556666' }],
          },
          { IpProtocol: 'icmp', FromPort: 8, ToPort: 0, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
        ],
      }),
    );
    expect(lastCall().params).toMatchObject({
      GroupId: SG,
      'IpPermissions.1.IpProtocol': 'tcp',
      'IpPermissions.1.FromPort': '8080',
      'IpPermissions.1.ToPort': '8081',
      'IpPermissions.1.IpRanges.1.CidrIp': '192.0.2.0/24',
      'IpPermissions.1.IpRanges.1.Description': 'office',
      'IpPermissions.1.Ipv6Ranges.1.CidrIpv6': '2001:db8::/32',
      'IpPermissions.1.PrefixListIds.1.PrefixListId': 'pl-0aaaa1111',
      'IpPermissions.1.Groups.1.GroupId': OTHER_SG,
      'IpPermissions.1.Groups.1.UserId': '444455556666',
      'IpPermissions.2.IpProtocol': 'icmp',
    });
    expect(out.Return).toBe(true);
    expect(out.SecurityGroupRules).toHaveLength(5);
    const added = rulesFromSecurityGroupRules(out.SecurityGroupRules);
    for (const a of added)
      expect(sandbox.identifiedRules(SG)).toContainEqual(expect.objectContaining({ securityGroupRuleId: a.securityGroupRuleId }));
    expect(out.SecurityGroupRules!.find((r) => r.ReferencedGroupInfo)!.ReferencedGroupInfo).toEqual({
      GroupId: OTHER_SG,
      UserId: '444455556666',
    });
    expect(sandbox.rules(SG)).toContainEqual(rule('ingress', 'icmp', 8, 0, { kind: 'ipv4', cidr: '10.0.0.0/8' }));
  });

  it('authorizes egress rules', async () => {
    const out = await client.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId: SG,
        IpPermissions: [{ IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '10.0.0.2/32' }] }],
      }),
    );
    expect(out.SecurityGroupRules?.[0]).toMatchObject({ IsEgress: true, IpProtocol: 'udp', FromPort: 53, CidrIpv4: '10.0.0.2/32' });
    expect(sandbox.rules(SG)).toContainEqual(rule('egress', 'udp', 53, 53, { kind: 'ipv4', cidr: '10.0.0.2/32' }));
  });

  it('fails the whole call with InvalidPermission.Duplicate (400) when one rule exists, adding nothing', async () => {
    const before = sandbox.rules(SG);
    const err = await failure(
      client.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: SG,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: 22,
              ToPort: 22,
              IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'another description' }, { CidrIp: '198.51.100.0/24' }],
            },
          ],
        }),
      ),
    );
    expect(err.name).toBe('InvalidPermission.Duplicate');
    expect(err.message).toBe('the specified rule "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW" already exists');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(sandbox.rules(SG)).toEqual(before);
  });

  it.each([
    [
      'an unknown group',
      {
        GroupId: 'sg-0000000000000dead',
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: '10.1.0.0/16' }] }],
      },
      'InvalidGroup.NotFound',
    ],
    [
      'a malformed CIDR',
      { GroupId: SG, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: '10.1.0.0/99' }] }] },
      'InvalidParameterValue',
    ],
    [
      'tcp without ports',
      { GroupId: SG, IpPermissions: [{ IpProtocol: 'tcp', IpRanges: [{ CidrIp: '10.1.0.0/16' }] }] },
      'InvalidParameterValue',
    ],
    ['a permission with no peer', { GroupId: SG, IpPermissions: [{ IpProtocol: '-1' }] }, 'InvalidParameterValue'],
    ['no permission', { GroupId: SG }, 'MissingParameter'],
    [
      'the legacy flat parameters',
      { GroupId: SG, CidrIp: '10.1.0.0/16', IpProtocol: 'tcp', FromPort: 1, ToPort: 1 },
      'UnsupportedOperation',
    ],
  ])('refuses %s', async (_name, input, code) => {
    const before = sandbox.rules(SG);
    const err = await failure(client.send(new AuthorizeSecurityGroupIngressCommand(input)));
    expect(err.name).toBe(code);
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(sandbox.rules(SG)).toEqual(before);
  });

  describe('a rule that refers to another security group', () => {
    const DEAD_SG = 'sg-0000000000000dead';
    const fromGroup = (groupId: string, port = 5433) => ({
      IpProtocol: 'tcp',
      FromPort: port,
      ToPort: port,
      UserIdGroupPairs: [{ GroupId: groupId }],
    });

    it.each([
      [
        'AuthorizeSecurityGroupIngress',
        (input: { GroupId: string; IpPermissions: object[] }) => client.send(new AuthorizeSecurityGroupIngressCommand(input)),
      ],
      [
        'AuthorizeSecurityGroupEgress',
        (input: { GroupId: string; IpPermissions: object[] }) => client.send(new AuthorizeSecurityGroupEgressCommand(input)),
      ],
    ] as const)('%s: refuses a group that does not exist with InvalidGroup.NotFound naming it, adding nothing', async (action, send) => {
      const before = sandbox.rules(SG);
      const changes: SandboxChange[] = [];
      sandbox.onChange((_g, _r, _a, _p, change) => changes.push(change));

      // A valid CIDR rule in the same call is not added either: the call is all-or-nothing.
      const err = await failure(
        send({
          GroupId: SG,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 7000, ToPort: 7000, IpRanges: [{ CidrIp: '10.7.0.0/16' }] }, fromGroup(DEAD_SG)],
        }),
      );

      expect(err.name).toBe('InvalidGroup.NotFound');
      expect(err.message).toBe(`The security group '${DEAD_SG}' does not exist`);
      expect(err.$metadata.httpStatusCode).toBe(400);
      expect(err.$fault).toBe('client');
      expect(lastCall()).toMatchObject({
        action,
        status: 400,
        error: { code: 'InvalidGroup.NotFound', message: `The security group '${DEAD_SG}' does not exist` },
      });
      expect(sandbox.rules(SG)).toEqual(before);
      expect(changes).toEqual([]);
    });

    it('accepts a group that exists, and the group itself; refuses it once it was deleted', async () => {
      sandbox.addGroup({ groupId: OTHER_SG, vpcId: VPC });
      await client.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId: SG, IpPermissions: [fromGroup(OTHER_SG), fromGroup(SG, 5434)] }),
      );
      expect(sandbox.rules(SG)).toEqual(
        expect.arrayContaining([
          rule('ingress', 'tcp', 5433, 5433, { kind: 'securityGroup', groupId: OTHER_SG }),
          rule('ingress', 'tcp', 5434, 5434, { kind: 'securityGroup', groupId: SG }),
        ]),
      );

      sandbox.removeGroup(OTHER_SG);
      const err = await failure(
        client.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: SG, IpPermissions: [fromGroup(OTHER_SG, 5435)] })),
      );

      expect(err.name).toBe('InvalidGroup.NotFound');
      expect(err.message).toBe(`The security group '${OTHER_SG}' does not exist`);
      expect(sandbox.rules(SG)).not.toContainEqual(expect.objectContaining({ fromPort: 5435 }));
    });

    it('names the target, not the reference, when the target itself does not exist', async () => {
      const err = await failure(
        client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: DEAD_SG, IpPermissions: [fromGroup(OTHER_SG)] })),
      );
      expect(err.message).toBe(`The security group '${DEAD_SG}' does not exist`);
    });

    it('refuses it out of band too (addRules, as the console would): Ec2ApiError, nothing added, no change reported', () => {
      const before = sandbox.rules(SG);
      const changes: SandboxChange[] = [];
      sandbox.onChange((_g, _r, _a, _p, change) => changes.push(change));

      expect(() =>
        sandbox.addRules(SG, [rules.tcp(7001), rule('egress', 'tcp', 5432, 5432, { kind: 'securityGroup', groupId: DEAD_SG })]),
      ).toThrow(
        expect.objectContaining({
          name: 'Ec2ApiError',
          code: 'InvalidGroup.NotFound',
          status: 400,
          message: `The security group '${DEAD_SG}' does not exist`,
        }),
      );
      expect(sandbox.rules(SG)).toEqual(before);
      expect(changes).toEqual([]);
    });
  });

  it('answers DryRunOperation (412) and changes nothing for DryRun', async () => {
    const before = sandbox.rules(SG);
    const err = await failure(
      client.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: SG,
          DryRun: true,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: '10.1.0.0/16' }] }],
        }),
      ),
    );
    expect(err.name).toBe('DryRunOperation');
    expect(err.$metadata.httpStatusCode).toBe(412);
    expect(sandbox.rules(SG)).toEqual(before);
  });
});

describe('RevokeSecurityGroupIngress / Egress', () => {
  const idOf = (r: ReturnType<typeof rules.sshFromWorld>) =>
    sandbox
      .identifiedRules(SG)
      .find((x) => x.rule.fromPort === r.fromPort && x.rule.direction === r.direction && x.rule.protocol === r.protocol)!
      .securityGroupRuleId!;

  it('revokes by SecurityGroupRuleId.N and lists the revoked rules', async () => {
    const id = idOf(rules.sshFromWorld());
    const out = await client.send(new RevokeSecurityGroupIngressCommand({ GroupId: SG, SecurityGroupRuleIds: [id] }));
    expect(lastCall().params).toMatchObject({ GroupId: SG, 'SecurityGroupRuleId.1': id });
    expect(out.Return).toBe(true);
    expect(out.RevokedSecurityGroupRules).toEqual([
      {
        SecurityGroupRuleId: id,
        GroupId: SG,
        IsEgress: false,
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        CidrIpv4: '0.0.0.0/0',
        Description: 'temp',
      },
    ]);
    expect(out.UnknownIpPermissions).toBeUndefined();
    expect(sandbox.rules(SG)).not.toContainEqual(rules.sshFromWorld());
  });

  it('revokes egress by id; an ingress id on the egress call is not found', async () => {
    const egressId = idOf(rules.allEgress());
    const ingressId = idOf(rules.sshFromWorld());
    const err = await failure(client.send(new RevokeSecurityGroupEgressCommand({ GroupId: SG, SecurityGroupRuleIds: [ingressId] })));
    expect(err.name).toBe('InvalidSecurityGroupRuleId.NotFound');
    const out = await client.send(new RevokeSecurityGroupEgressCommand({ GroupId: SG, SecurityGroupRuleIds: [egressId] }));
    expect(out.RevokedSecurityGroupRules?.[0]).toMatchObject({
      SecurityGroupRuleId: egressId,
      IsEgress: true,
      IpProtocol: '-1',
      FromPort: -1,
      ToPort: -1,
    });
    expect(sandbox.rules(SG)).not.toContainEqual(rules.allEgress());
  });

  it('is all-or-nothing by id: one unknown id revokes none (InvalidSecurityGroupRuleId.NotFound)', async () => {
    const before = sandbox.rules(SG);
    const err = await failure(
      client.send(
        new RevokeSecurityGroupIngressCommand({ GroupId: SG, SecurityGroupRuleIds: [idOf(rules.sshFromWorld()), 'sgr-0000000000000dead'] }),
      ),
    );
    expect(err.name).toBe('InvalidSecurityGroupRuleId.NotFound');
    expect(err.message).toContain('sgr-0000000000000dead');
    expect(sandbox.rules(SG)).toEqual(before);
  });

  it('revokes by IpPermissions, matching rule properties (description ignored)', async () => {
    const out = await client.send(
      new RevokeSecurityGroupIngressCommand({ GroupId: SG, IpPermissions: [{ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] }] }),
    );
    expect(lastCall().params).toMatchObject({ 'IpPermissions.1.IpProtocol': '-1', 'IpPermissions.1.Ipv6Ranges.1.CidrIpv6': '::/0' });
    expect(out.Return).toBe(true);
    expect(sandbox.rules(SG)).not.toContainEqual(rules.allFromWorldV6());
  });

  it('non-default VPC: a permission that matches nothing fails with InvalidPermission.NotFound and revokes nothing', async () => {
    const before = sandbox.rules(SG);
    const err = await failure(
      client.send(
        new RevokeSecurityGroupIngressCommand({
          GroupId: SG,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '203.0.113.0/24' }] },
          ],
        }),
      ),
    );
    expect(err.name).toBe('InvalidPermission.NotFound');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(sandbox.rules(SG)).toEqual(before);
  });

  it('default VPC: no error, Return false and the unmatched permissions in UnknownIpPermissions', async () => {
    const out = await client.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: DEFAULT_SG,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    expect(out.Return).toBe(false);
    expect(out.UnknownIpPermissions).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 3389,
        ToPort: 3389,
        IpRanges: [{ CidrIp: '0.0.0.0/0' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      },
    ]);
    expect(sandbox.rules(DEFAULT_SG)).toEqual([rules.sshFromWorld()]);
  });

  it('refuses SecurityGroupRuleIds together with IpPermissions', async () => {
    const err = await failure(
      client.send(
        new RevokeSecurityGroupIngressCommand({
          GroupId: SG,
          SecurityGroupRuleIds: [idOf(rules.sshFromWorld())],
          IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        }),
      ),
    );
    expect(err.name).toBe('InvalidParameterCombination');
  });
});

describe('other actions', () => {
  it.each([
    ['DeleteSecurityGroup', (c: EC2Client) => c.send(new DeleteSecurityGroupCommand({ GroupId: SG }))],
    ['CreateSecurityGroup', (c: EC2Client) => c.send(new CreateSecurityGroupCommand({ GroupName: 'x', Description: 'x', VpcId: VPC }))],
    ['ModifySecurityGroupRules', (c: EC2Client) => c.send(new ModifySecurityGroupRulesCommand({ GroupId: SG, SecurityGroupRules: [] }))],
  ] as const)('refuses %s with InvalidAction (400) and changes nothing', async (action, send) => {
    const before = sandbox.rules(SG);
    const err = await failure(send(client));
    expect(err.name).toBe('InvalidAction');
    expect(err.message).toBe(`The action ${action} is not valid for this web service.`);
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(sandbox.hasGroup(SG)).toBe(true);
    expect(sandbox.rules(SG)).toEqual(before);
  });
});

describe('raw HTTP', () => {
  async function post(
    body: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; text: string; requestId: string | null }> {
    const res = await fetch(sandbox.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/20261113/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=00`,
        ...headers,
      },
      body,
    });
    return { status: res.status, text: await res.text(), requestId: res.headers.get('x-amzn-requestid') };
  }

  it('answers in the EC2 namespace with a requestId', async () => {
    const res = await post(`Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1=${SG}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`<DescribeSecurityGroupsResponse xmlns="${EC2_XML_NAMESPACE}"><requestId>${res.requestId}</requestId>`);
  });

  it('answers errors as <Response><Errors><Error> with Code, Message and RequestID', async () => {
    const res = await post('Action=RunInstances&Version=2016-11-15');
    expect(res.status).toBe(400);
    expect(res.text).toBe(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidAction</Code><Message>The action RunInstances is not valid for this web service.</Message></Error></Errors><RequestID>${res.requestId}</RequestID></Response>`,
    );
  });

  it('refuses a parameter the action does not know (UnknownParameter)', async () => {
    const res = await post(
      `Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=${SG}&IpPermissions.1.UserIdGroupPairs.1.GroupId=${OTHER_SG}`,
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>UnknownParameter</Code>');
  });

  it('refuses an unsigned request (AuthFailure, 401) and a request without Action', async () => {
    const unsigned = await post('Action=DescribeSecurityGroups&Version=2016-11-15', { authorization: '' });
    expect(unsigned.status).toBe(401);
    expect(unsigned.text).toContain('<Code>AuthFailure</Code>');
    const noAction = await post('Version=2016-11-15');
    expect(noAction.text).toContain('<Code>MissingAction</Code>');
  });
});

describe('failNext', () => {
  it.each([
    ['RequestLimitExceeded', 503],
    ['UnauthorizedOperation', 403],
    ['AuthFailure', 401],
    ['InternalError', 500],
  ])('injects %s with HTTP %i, once', async (code, status) => {
    expect(statusForCode(code)).toBe(status);
    sandbox.failNext('DescribeSecurityGroupRules', { code, status });
    const err = await failure(client.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [SG] }] })));
    expect(err.name).toBe(code);
    expect(err.$metadata.httpStatusCode).toBe(status);
    expect(err.$fault).toBe(status >= 500 ? 'server' : 'client');
    expect(lastCall()).toMatchObject({ injected: true, status, error: { code } });
    await expect(
      client.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [SG] }] })),
    ).resolves.toBeDefined();
  });

  it('injects into the next N calls of any action with *', async () => {
    sandbox.failNext('*', { code: 'RequestLimitExceeded', status: 503 }, { times: 2 });
    await expect(client.send(new DescribeSecurityGroupsCommand({}))).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    await expect(client.send(new DescribeSecurityGroupRulesCommand({}))).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    await expect(client.send(new DescribeSecurityGroupsCommand({}))).resolves.toBeDefined();
  });

  it('lets the SDK retry a throttled call when the client allows attempts', async () => {
    const retrying = sandboxClient(sandbox, { maxAttempts: 2 });
    sandbox.failNext('DescribeSecurityGroups', { code: 'RequestLimitExceeded', status: 503 });
    const out = await retrying.send(new DescribeSecurityGroupsCommand({ GroupIds: [SG] }));
    retrying.destroy();
    expect(out.$metadata.attempts).toBe(2);
    expect(sandbox.calls.map((c) => c.status)).toEqual([503, 200]);
  });

  it('resets the connection', async () => {
    sandbox.failNext('DescribeSecurityGroups', { network: 'reset' });
    const err = await failure(client.send(new DescribeSecurityGroupsCommand({})));
    // No HTTP answer at all: Node's "socket hang up" (the SDK names it TimeoutError/ECONNRESET).
    expect(err.$metadata.httpStatusCode).toBeUndefined();
    expect(err.message).toContain('socket hang up');
    expect(lastCall()).toMatchObject({ injected: true, status: 0 });
  });

  it('never answers: the client times out', async () => {
    const impatient = sandboxClient(sandbox, { requestTimeoutMs: 200 });
    sandbox.failNext('DescribeSecurityGroups', { network: 'hang' });
    const err = await failure(impatient.send(new DescribeSecurityGroupsCommand({})));
    impatient.destroy();
    expect(err.name).toBe('TimeoutError');
  });

  it('carries out a call and then never answers (hang-after-apply): the change is made, the caller cannot know', async () => {
    const impatient = sandboxClient(sandbox, { requestTimeoutMs: 200 });
    const id = sandbox.identifiedRules(SG).find((r) => r.rule.fromPort === 22)!.securityGroupRuleId!;
    sandbox.failNext('RevokeSecurityGroupIngress', { network: 'hang-after-apply' });
    const err = await failure(impatient.send(new RevokeSecurityGroupIngressCommand({ GroupId: SG, SecurityGroupRuleIds: [id] })));
    impatient.destroy();
    expect(err.name).toBe('TimeoutError');
    expect(sandbox.rules(SG)).not.toContainEqual(rules.sshFromWorld());
    expect(lastCall()).toMatchObject({ action: 'RevokeSecurityGroupIngress', injected: true, status: 0 });
  });

  it('simulates the default-VPC revoke quirk: Return false, UnknownIpPermissions, nothing revoked', async () => {
    const id = sandbox.identifiedRules(SG).find((r) => r.rule.fromPort === 22)!.securityGroupRuleId!;
    sandbox.failNext('RevokeSecurityGroupIngress', { quirk: 'unknown-ip-permissions' });
    const out = await client.send(new RevokeSecurityGroupIngressCommand({ GroupId: SG, SecurityGroupRuleIds: [id] }));
    expect(out.Return).toBe(false);
    expect(rulesFromIpPermissions(out.UnknownIpPermissions, 'ingress')).toEqual([rules.sshFromWorld()]);
    expect(sandbox.rules(SG)).toContainEqual(rules.sshFromWorld());
    expect(() => sandbox.failNext('DescribeSecurityGroups', { quirk: 'unknown-ip-permissions' })).toThrow(TypeError);
  });
});

describe('changes', () => {
  it('reports API changes with the group rules, the action and the principal of the access key', async () => {
    const changes: SandboxChange[] = [];
    sandbox.onChange((groupId, rulesNow, action, principalArn, change) => {
      expect(groupId).toBe(change.groupId);
      expect(rulesNow).toBe(change.rules);
      expect(action).toBe(change.action);
      expect(principalArn).toBe(change.principalArn);
      changes.push(change);
    });
    await client.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: SG,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    expect(changes).toEqual([
      expect.objectContaining({
        groupId: SG,
        action: 'AuthorizeSecurityGroupIngress',
        principalArn: PRINCIPAL,
        added: [rules.tcp(8080)],
        removed: [],
        rules: sandbox.rules(SG),
        requestId: lastCall().requestId,
      }),
    ]);
    expect(lastCall()).toMatchObject({ accessKeyId: ACCESS_KEY_ID, principalArn: PRINCIPAL });
  });

  it('reports out-of-band changes as the action they stand for, and keeps listener errors out of the API', async () => {
    const actions: string[] = [];
    const off = sandbox.onChange((_g, _r, action) => {
      actions.push(action);
      throw new Error('listener bug');
    });
    sandbox.addRules(
      SG,
      [rules.tcp(9000), rule('egress', 'tcp', 9000, 9000, { kind: 'ipv4', cidr: '10.0.0.0/8' })],
      'arn:aws:iam::111122223333:user/alice',
    );
    sandbox.removeRules(SG, [rules.tcp(9000)]);
    off();
    sandbox.removeRules(SG, [rules.sshFromWorld()]);
    expect(actions).toEqual(['AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupIngress']);
    expect(sandbox.listenerErrors).toHaveLength(3);
  });
});
