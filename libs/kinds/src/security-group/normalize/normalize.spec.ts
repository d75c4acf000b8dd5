import type { IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import { PermanentError } from '@driftwarden/domain';
import { ruleKey } from '../model/rule';
import { InvalidRuleShapeError } from '../security-group.errors';
import { rulesFromCloudTrailIpPermissions, rulesFromCloudTrailRequest, rulesFromCloudTrailResponse } from './cloudtrail';
import { rulesFromConfigConfiguration, rulesFromConfigPermissions } from './config-item';
import { rulesFromIpPermissions, rulesFromSecurityGroupRules, toIpPermissions } from './ec2';
import {
  parseGroupReference,
  ruleFromTerraformVpcRule,
  rulesFromTerraformLegacyRule,
  rulesFromTerraformSecurityGroup,
  toTerraformInlineBlocks,
  toTerraformLegacyRule,
  toTerraformVpcRule,
} from './terraform';
import type { PermissionRule } from '../model/permission-rule';

const SG = 'sg-0abc1234def567890';
const OTHER_SG = 'sg-0fedcba9876543210';

const https10: PermissionRule = {
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: 443,
  toPort: 443,
  peer: { kind: 'ipv4', cidr: '10.0.0.0/8' },
};
const allEgress: PermissionRule = {
  direction: 'egress',
  protocol: '-1',
  fromPort: null,
  toPort: null,
  peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
};

describe('AWS Config configuration (CONTRACTS.md §A4)', () => {
  /** The configuration of the §A4 example event, verbatim. */
  const a4Configuration = {
    groupId: SG,
    groupName: 'web-sg',
    description: 'web tier',
    ownerId: '111122223333',
    vpcId: 'vpc-0123456789abcdef0',
    ipPermissions: [
      {
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        ipRanges: ['10.0.0.0/8'],
        ipv4Ranges: [{ cidrIp: '10.0.0.0/8' }],
        ipv6Ranges: [],
        prefixListIds: [],
        userIdGroupPairs: [{ groupId: OTHER_SG, userId: '111122223333' }],
      },
      {
        ipProtocol: 'tcp',
        fromPort: 22,
        toPort: 22,
        ipRanges: ['0.0.0.0/0'],
        ipv4Ranges: [{ cidrIp: '0.0.0.0/0', description: 'temp' }],
        ipv6Ranges: [],
        prefixListIds: [],
        userIdGroupPairs: [],
      },
    ],
    ipPermissionsEgress: [
      {
        ipProtocol: '-1',
        ipRanges: ['0.0.0.0/0'],
        ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }],
        ipv6Ranges: [],
        prefixListIds: [],
        userIdGroupPairs: [],
      },
    ],
    tags: [{ key: 'team', value: 'payments' }],
  };

  it('reads the §A4 example: ipv4Ranges preferred (descriptions), ipRanges merged, groups, all-traffic egress', () => {
    expect(rulesFromConfigConfiguration(a4Configuration)).toEqual([
      https10,
      { ...https10, peer: { kind: 'securityGroup', groupId: OTHER_SG, userId: '111122223333' } },
      { direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, peer: { kind: 'ipv4', cidr: '0.0.0.0/0' }, description: 'temp' },
      allEgress,
    ]);
  });

  it('reads legacy CI 1.2 items that only have the ipRanges string array', () => {
    const legacy = {
      groupId: SG,
      ipPermissions: [
        {
          ipProtocol: 'tcp',
          fromPort: 8080,
          toPort: 8080,
          ipRanges: ['0.0.0.0/0', '192.0.2.0/24'],
          ipv6Ranges: [],
          prefixListIds: [],
          userIdGroupPairs: [],
        },
      ],
      ipPermissionsEgress: [{ ipProtocol: '-1', fromPort: null, toPort: null, ipRanges: ['0.0.0.0/0'] }],
    };
    expect(rulesFromConfigConfiguration(legacy)).toEqual([
      { direction: 'ingress', protocol: 'tcp', fromPort: 8080, toPort: 8080, peer: { kind: 'ipv4', cidr: '0.0.0.0/0' } },
      { direction: 'ingress', protocol: 'tcp', fromPort: 8080, toPort: 8080, peer: { kind: 'ipv4', cidr: '192.0.2.0/24' } },
      allEgress,
    ]);
  });

  it('never loses a CIDR that only one of ipRanges / ipv4Ranges lists', () => {
    const rules = rulesFromConfigPermissions(
      [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: ['0.0.0.0/0'], ipv4Ranges: [] }],
      'ingress',
    );
    expect(rules.map((r) => r.peer)).toEqual([{ kind: 'ipv4', cidr: '0.0.0.0/0' }]);
  });

  it('reads IPv6, prefix lists, icmp and protocol numbers', () => {
    const rules = rulesFromConfigPermissions(
      [
        {
          ipProtocol: '6',
          fromPort: 443,
          toPort: 443,
          ipv6Ranges: [{ cidrIpv6: '2001:DB8:0::/32', description: 'v6' }],
          prefixListIds: [{ prefixListId: 'pl-63a5400a' }],
        },
        { ipProtocol: 'icmp', fromPort: 8, toPort: -1, ipv4Ranges: [{ cidrIp: '10.0.0.0/8' }] },
        { ipProtocol: '58', fromPort: -1, toPort: -1, ipv6Ranges: [{ cidrIpv6: '::/0' }] },
      ],
      'ingress',
    );
    expect(rules).toEqual([
      {
        direction: 'ingress',
        protocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        peer: { kind: 'ipv6', cidr: '2001:db8::/32' },
        description: 'v6',
      },
      { direction: 'ingress', protocol: 'tcp', fromPort: 443, toPort: 443, peer: { kind: 'prefixList', prefixListId: 'pl-63a5400a' } },
      { direction: 'ingress', protocol: 'icmp', fromPort: 8, toPort: -1, peer: { kind: 'ipv4', cidr: '10.0.0.0/8' } },
      { direction: 'ingress', protocol: 'icmpv6', fromPort: -1, toPort: -1, peer: { kind: 'ipv6', cidr: '::/0' } },
    ]);
  });

  it('has no rules for an empty group, and rejects malformed shapes with the JSON path', () => {
    expect(rulesFromConfigConfiguration({ groupId: SG, ipPermissions: [], ipPermissionsEgress: [] })).toEqual([]);
    const err = (() => {
      try {
        rulesFromConfigConfiguration({ ipPermissions: [{ ipProtocol: 'tcp', ipv4Ranges: [{ cidr: 'x' }] }] });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InvalidRuleShapeError);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as InvalidRuleShapeError).path).toBe('configuration.ipPermissions[0].ipv4Ranges[0].cidrIp');
    expect(() => rulesFromConfigConfiguration(null)).toThrow(InvalidRuleShapeError);
  });
});

describe('CloudTrail (CONTRACTS.md §A8)', () => {
  /** The break-glass example's requestParameters and responseElements, verbatim. */
  const requestParameters = {
    groupId: SG,
    ipPermissions: {
      items: [
        {
          ipProtocol: 'tcp',
          fromPort: 22,
          toPort: 22,
          groups: {},
          ipRanges: { items: [{ cidrIp: '0.0.0.0/0', description: 'temp' }] },
          ipv6Ranges: {},
          prefixListIds: {},
        },
      ],
    },
  };
  const responseElements = {
    requestId: '5f1c…',
    _return: true,
    securityGroupRuleSet: {
      items: [
        {
          groupOwnerId: '111122223333',
          groupId: SG,
          securityGroupRuleId: 'sgr-0a1b2c3d4e5f60718',
          isEgress: false,
          ipProtocol: 'tcp',
          fromPort: 22,
          toPort: 22,
          cidrIpv4: '0.0.0.0/0',
          description: 'temp',
        },
      ],
    },
  };
  const ssh: PermissionRule = {
    direction: 'ingress',
    protocol: 'tcp',
    fromPort: 22,
    toPort: 22,
    peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
    description: 'temp',
  };

  it('reads the request of the break-glass example ({} empties)', () => {
    expect(rulesFromCloudTrailRequest('AuthorizeSecurityGroupIngress', requestParameters)).toEqual({
      action: 'authorize',
      direction: 'ingress',
      groupId: SG,
      rules: [ssh],
      securityGroupRuleIds: [],
    });
  });

  it('reads the response rule set with rule ids', () => {
    expect(rulesFromCloudTrailResponse(responseElements)).toEqual({
      created: [{ rule: ssh, securityGroupRuleId: 'sgr-0a1b2c3d4e5f60718', groupId: SG }],
      revoked: [],
    });
    expect(rulesFromCloudTrailResponse(null)).toEqual({ created: [], revoked: [] });
  });

  it('reads -1 ports as all traffic, groups, IPv6 and prefix lists; egress from the event name', () => {
    const request = {
      groupId: SG,
      ipPermissions: {
        items: [
          {
            ipProtocol: '-1',
            fromPort: -1,
            toPort: -1,
            groups: { items: [{ groupId: OTHER_SG, userId: '111122223333' }] },
            ipRanges: {},
            ipv6Ranges: { items: [{ cidrIpv6: '2001:DB8::/56' }] },
            prefixListIds: { items: [{ prefixListId: 'pl-0123' }] },
          },
        ],
      },
    };
    const result = rulesFromCloudTrailRequest('RevokeSecurityGroupEgress', request);
    expect(result?.action).toBe('revoke');
    expect(result?.rules).toEqual([
      { direction: 'egress', protocol: '-1', fromPort: null, toPort: null, peer: { kind: 'ipv6', cidr: '2001:db8::/56' } },
      { direction: 'egress', protocol: '-1', fromPort: null, toPort: null, peer: { kind: 'prefixList', prefixListId: 'pl-0123' } },
      {
        direction: 'egress',
        protocol: '-1',
        fromPort: null,
        toPort: null,
        peer: { kind: 'securityGroup', groupId: OTHER_SG, userId: '111122223333' },
      },
    ]);
  });

  it('treats a fully empty ipPermissions ({} or absent) as no rules, and reads revokes by rule id', () => {
    expect(rulesFromCloudTrailIpPermissions({}, 'ingress')).toEqual([]);
    expect(rulesFromCloudTrailIpPermissions(undefined, 'ingress')).toEqual([]);
    expect(
      rulesFromCloudTrailIpPermissions(
        { items: [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, groups: {}, ipRanges: {}, ipv6Ranges: {}, prefixListIds: {} }] },
        'ingress',
      ),
    ).toEqual([]);
    const byId = rulesFromCloudTrailRequest('RevokeSecurityGroupIngress', {
      groupId: SG,
      securityGroupRuleIds: { items: [{ securityGroupRuleId: 'sgr-1' }, 'sgr-2'] },
    });
    expect(byId).toEqual({ action: 'revoke', direction: 'ingress', groupId: SG, rules: [], securityGroupRuleIds: ['sgr-1', 'sgr-2'] });
  });

  it('reads the legacy flat request form and revoked rule sets with referenced groups and prefix lists', () => {
    expect(
      rulesFromCloudTrailRequest('AuthorizeSecurityGroupIngress', {
        groupId: SG,
        ipProtocol: 'tcp',
        fromPort: 8080,
        toPort: 8080,
        cidrIp: '0.0.0.0/0',
      })?.rules,
    ).toEqual([{ direction: 'ingress', protocol: 'tcp', fromPort: 8080, toPort: 8080, peer: { kind: 'ipv4', cidr: '0.0.0.0/0' } }]);
    const revoked = rulesFromCloudTrailResponse({
      revokedSecurityGroupRuleSet: {
        items: [
          { securityGroupRuleId: 'sgr-a', groupId: SG, isEgress: true, ipProtocol: '-1', fromPort: -1, toPort: -1, prefixListId: 'pl-1' },
          {
            securityGroupRuleId: 'sgr-b',
            groupId: SG,
            isEgress: false,
            ipProtocol: '6',
            fromPort: 5432,
            toPort: 5432,
            referencedGroupInfo: { groupId: OTHER_SG, userId: '111122223333' },
          },
        ],
      },
    }).revoked;
    expect(revoked.map((r) => r.rule)).toEqual([
      { direction: 'egress', protocol: '-1', fromPort: null, toPort: null, peer: { kind: 'prefixList', prefixListId: 'pl-1' } },
      {
        direction: 'ingress',
        protocol: 'tcp',
        fromPort: 5432,
        toPort: 5432,
        peer: { kind: 'securityGroup', groupId: OTHER_SG, userId: '111122223333' },
      },
    ]);
  });

  it('returns null for events that are not Authorize/Revoke, and rejects rules without a peer', () => {
    expect(rulesFromCloudTrailRequest('ModifySecurityGroupRules', {})).toBeNull();
    expect(() =>
      rulesFromCloudTrailResponse({ securityGroupRuleSet: { items: [{ isEgress: false, ipProtocol: 'tcp', fromPort: 1, toPort: 1 }] } }),
    ).toThrow(/securityGroupRuleSet\.items\[0\]: expected one of cidrIpv4/);
  });
});

describe('EC2 SDK shapes (CONTRACTS.md §A9)', () => {
  it('reads DescribeSecurityGroupRules output with rule ids (-1 ports for all traffic)', () => {
    const described: SecurityGroupRule[] = [
      {
        SecurityGroupRuleId: 'sgr-1',
        GroupId: SG,
        GroupOwnerId: '111122223333',
        IsEgress: true,
        IpProtocol: '-1',
        FromPort: -1,
        ToPort: -1,
        CidrIpv4: '0.0.0.0/0',
      },
      {
        SecurityGroupRuleId: 'sgr-2',
        GroupId: SG,
        IsEgress: false,
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        CidrIpv6: '::/0',
        Description: 'https',
      },
      {
        SecurityGroupRuleId: 'sgr-3',
        GroupId: SG,
        IsEgress: false,
        IpProtocol: 'tcp',
        FromPort: 0,
        ToPort: 65535,
        ReferencedGroupInfo: { GroupId: SG, UserId: '111122223333' },
      },
      { SecurityGroupRuleId: 'sgr-4', GroupId: SG, IsEgress: false, IpProtocol: 'icmp', FromPort: 8, ToPort: 0, PrefixListId: 'pl-9' },
    ];
    expect(rulesFromSecurityGroupRules(described)).toEqual([
      { securityGroupRuleId: 'sgr-1', groupId: SG, rule: allEgress },
      {
        securityGroupRuleId: 'sgr-2',
        groupId: SG,
        rule: {
          direction: 'ingress',
          protocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          peer: { kind: 'ipv6', cidr: '::/0' },
          description: 'https',
        },
      },
      {
        securityGroupRuleId: 'sgr-3',
        groupId: SG,
        rule: {
          direction: 'ingress',
          protocol: 'tcp',
          fromPort: 0,
          toPort: 65535,
          peer: { kind: 'securityGroup', groupId: SG, userId: '111122223333' },
        },
      },
      {
        securityGroupRuleId: 'sgr-4',
        groupId: SG,
        rule: { direction: 'ingress', protocol: 'icmp', fromPort: 8, toPort: 0, peer: { kind: 'prefixList', prefixListId: 'pl-9' } },
      },
    ]);
  });

  it('reads IpPermissions (ports absent for -1)', () => {
    const permissions: IpPermission[] = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }];
    expect(rulesFromIpPermissions(permissions, 'egress')).toEqual([allEgress, { ...allEgress, peer: { kind: 'ipv6', cidr: '::/0' } }]);
    expect(() => rulesFromIpPermissions([{ IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], 'ingress')).toThrow(/IpPermissions\[0\]\.IpProtocol/);
  });

  it('writes IpPermissions grouped by protocol and ports, without ports for all traffic', () => {
    const rules: PermissionRule[] = [
      https10,
      { ...https10, peer: { kind: 'ipv6', cidr: '2001:db8::/32' }, description: 'v6' },
      { ...https10, peer: { kind: 'securityGroup', groupId: OTHER_SG } },
      { ...https10, fromPort: 80, toPort: 80 },
      allEgress,
      { ...allEgress, peer: { kind: 'prefixList', prefixListId: 'pl-1' } },
    ];
    expect(toIpPermissions(rules)).toEqual({
      ingress: [
        {
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          IpRanges: [{ CidrIp: '10.0.0.0/8' }],
          Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32', Description: 'v6' }],
          UserIdGroupPairs: [{ GroupId: OTHER_SG }],
        },
        { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
      ],
      egress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], PrefixListIds: [{ PrefixListId: 'pl-1' }] }],
    });
  });
});

describe('Terraform state attributes (CONTRACTS.md §E2)', () => {
  /** The aws_security_group instance attributes of the §E2 example, verbatim. */
  const e2SecurityGroup = {
    id: SG,
    arn: `arn:aws:ec2:eu-west-1:111122223333:security-group/${SG}`,
    name: 'web-sg',
    name_prefix: '',
    description: 'web tier',
    vpc_id: 'vpc-0123456789abcdef0',
    owner_id: '111122223333',
    revoke_rules_on_delete: false,
    ingress: [
      {
        cidr_blocks: ['10.0.0.0/8'],
        description: '',
        from_port: 443,
        to_port: 443,
        ipv6_cidr_blocks: [],
        prefix_list_ids: [],
        protocol: 'tcp',
        security_groups: [],
        self: false,
      },
    ],
    egress: [
      {
        cidr_blocks: ['0.0.0.0/0'],
        description: '',
        from_port: 0,
        to_port: 0,
        ipv6_cidr_blocks: [],
        prefix_list_ids: [],
        protocol: '-1',
        security_groups: [],
        self: false,
      },
    ],
    tags: { team: 'payments' },
    tags_all: { team: 'payments' },
    timeouts: null,
  };

  it('reads inline blocks of the §E2 example (protocol -1 with ports 0 = all traffic)', () => {
    expect(rulesFromTerraformSecurityGroup(e2SecurityGroup)).toEqual([https10, allEgress]);
  });

  it('expands a block with several sources, self and cross-account groups', () => {
    const sg = {
      id: SG,
      ingress: [
        {
          cidr_blocks: ['10.0.0.0/8', '192.0.2.0/24'],
          description: 'db',
          from_port: 5432,
          to_port: 5432,
          ipv6_cidr_blocks: ['2001:DB8::/32'],
          prefix_list_ids: ['pl-1'],
          protocol: '6',
          security_groups: [OTHER_SG, '444455556666/sg-0cross000000000001'],
          self: true,
        },
      ],
      egress: [],
    };
    const base = { direction: 'ingress' as const, protocol: 'tcp', fromPort: 5432, toPort: 5432, description: 'db' };
    expect(rulesFromTerraformSecurityGroup(sg)).toEqual([
      { ...base, peer: { kind: 'ipv4', cidr: '10.0.0.0/8' } },
      { ...base, peer: { kind: 'ipv4', cidr: '192.0.2.0/24' } },
      { ...base, peer: { kind: 'ipv6', cidr: '2001:db8::/32' } },
      { ...base, peer: { kind: 'prefixList', prefixListId: 'pl-1' } },
      { ...base, peer: { kind: 'securityGroup', groupId: OTHER_SG } },
      { ...base, peer: { kind: 'securityGroup', groupId: 'sg-0cross000000000001', userId: '444455556666' } },
      { ...base, peer: { kind: 'securityGroup', groupId: SG } },
    ]);
  });

  it('reads the §E2 vpc ingress rule and an all-traffic egress rule with null ports', () => {
    const e2Rule = {
      id: 'sgr-0a1b2c3d4e5f60718',
      security_group_rule_id: 'sgr-0a1b2c3d4e5f60718',
      security_group_id: SG,
      ip_protocol: 'tcp',
      from_port: 22,
      to_port: 22,
      cidr_ipv4: '198.51.100.0/24',
      cidr_ipv6: null,
      prefix_list_id: null,
      referenced_security_group_id: null,
      description: 'office',
      tags: null,
      tags_all: {},
    };
    expect(ruleFromTerraformVpcRule('aws_vpc_security_group_ingress_rule', e2Rule)).toEqual({
      direction: 'ingress',
      protocol: 'tcp',
      fromPort: 22,
      toPort: 22,
      peer: { kind: 'ipv4', cidr: '198.51.100.0/24' },
      description: 'office',
    });
    expect(
      ruleFromTerraformVpcRule('aws_vpc_security_group_egress_rule', {
        ...e2Rule,
        ip_protocol: '-1',
        from_port: null,
        to_port: null,
        cidr_ipv4: null,
        referenced_security_group_id: OTHER_SG,
        description: null,
      }),
    ).toEqual({ direction: 'egress', protocol: '-1', fromPort: null, toPort: null, peer: { kind: 'securityGroup', groupId: OTHER_SG } });
    expect(() => ruleFromTerraformVpcRule('aws_vpc_security_group_ingress_rule', { ...e2Rule, cidr_ipv4: null })).toThrow(/found 0/);
    expect(() => ruleFromTerraformVpcRule('aws_vpc_security_group_ingress_rule', { ...e2Rule, cidr_ipv6: '::/0' })).toThrow(/found 2/);
  });

  it('reads legacy aws_security_group_rule (several sources, self, source group)', () => {
    const base = {
      type: 'ingress',
      security_group_id: SG,
      protocol: 'tcp',
      from_port: 8080,
      to_port: 8080,
      cidr_blocks: ['0.0.0.0/0'],
      ipv6_cidr_blocks: ['::/0'],
      prefix_list_ids: [],
      source_security_group_id: null,
      self: false,
      description: null,
    };
    const rule = { direction: 'ingress' as const, protocol: 'tcp', fromPort: 8080, toPort: 8080 };
    expect(rulesFromTerraformLegacyRule(base)).toEqual([
      { ...rule, peer: { kind: 'ipv4', cidr: '0.0.0.0/0' } },
      { ...rule, peer: { kind: 'ipv6', cidr: '::/0' } },
    ]);
    expect(rulesFromTerraformLegacyRule({ ...base, cidr_blocks: [], ipv6_cidr_blocks: [], self: true })).toEqual([
      { ...rule, peer: { kind: 'securityGroup', groupId: SG } },
    ]);
    expect(
      rulesFromTerraformLegacyRule({
        ...base,
        type: 'egress',
        protocol: 'all',
        from_port: 0,
        to_port: 0,
        cidr_blocks: [],
        ipv6_cidr_blocks: [],
        source_security_group_id: OTHER_SG,
      }),
    ).toEqual([{ direction: 'egress', protocol: '-1', fromPort: null, toPort: null, peer: { kind: 'securityGroup', groupId: OTHER_SG } }]);
  });

  it('reads a group reference as Terraform writes it: sg-… or <account>/sg-… (the owner is not part of the key)', () => {
    expect(parseGroupReference(OTHER_SG)).toEqual({ kind: 'securityGroup', groupId: OTHER_SG });
    expect(parseGroupReference(`444455556666/${OTHER_SG}`)).toEqual({ kind: 'securityGroup', groupId: OTHER_SG, userId: '444455556666' });
    const rule = { direction: 'ingress' as const, protocol: 'tcp', fromPort: 22, toPort: 22 };
    expect(ruleKey({ ...rule, peer: parseGroupReference(`444455556666/${OTHER_SG}`) })).toBe(
      ruleKey({ ...rule, peer: { kind: 'securityGroup', groupId: OTHER_SG } }),
    );
  });

  it('writes inline blocks in the state shape (every key, 0 ports for all traffic, self)', () => {
    const blocks = toTerraformInlineBlocks(
      [
        https10,
        { ...https10, peer: { kind: 'securityGroup', groupId: SG } },
        { ...https10, peer: { kind: 'prefixList', prefixListId: 'pl-1' } },
        allEgress,
      ],
      SG,
    );
    expect(blocks).toEqual({
      ingress: [
        {
          cidr_blocks: ['10.0.0.0/8'],
          description: '',
          from_port: 443,
          ipv6_cidr_blocks: [],
          prefix_list_ids: ['pl-1'],
          protocol: 'tcp',
          security_groups: [],
          self: true,
          to_port: 443,
        },
      ],
      egress: [
        {
          cidr_blocks: ['0.0.0.0/0'],
          description: '',
          from_port: 0,
          ipv6_cidr_blocks: [],
          prefix_list_ids: [],
          protocol: '-1',
          security_groups: [],
          self: false,
          to_port: 0,
        },
      ],
    });
  });

  it('writes vpc rule attributes (null ports for all traffic) and legacy rule attributes', () => {
    expect(toTerraformVpcRule(allEgress, SG)).toEqual({
      type: 'aws_vpc_security_group_egress_rule',
      attributes: {
        security_group_id: SG,
        ip_protocol: '-1',
        from_port: null,
        to_port: null,
        cidr_ipv4: '0.0.0.0/0',
        cidr_ipv6: null,
        prefix_list_id: null,
        referenced_security_group_id: null,
        description: null,
      },
    });
    expect(toTerraformLegacyRule({ ...https10, peer: { kind: 'securityGroup', groupId: SG }, description: 'self' }, SG)).toEqual({
      type: 'ingress',
      security_group_id: SG,
      protocol: 'tcp',
      from_port: 443,
      to_port: 443,
      cidr_blocks: [],
      ipv6_cidr_blocks: [],
      prefix_list_ids: [],
      source_security_group_id: null,
      self: true,
      description: 'self',
    });
  });
});
