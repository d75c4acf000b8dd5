/**
 * The network-ACL kind through its seam: a real-shaped Config item against the Terraform state's
 * entries, as differences with sentences and directions; CloudTrail entry calls as changes.
 */
import type { CloudTrailEvent, JsonObject } from '@driftwarden/domain';
import type { StateInstance } from '@driftwarden/terraform-state';
import { NetworkAclKind } from './network-acl.kind';
import { entriesFromConfiguration, entriesFromSdk, entryFromCloudTrail } from './normalize/sources';
import { networkAclEntry, type NetworkAclDesiredAttributes } from './state/network-acl-state';

const ACL = 'acl-0abc1234def567890';

/** As Config records AWS::EC2::NetworkAcl (camelCase DescribeNetworkAcls, the default rule included). */
function configuration(extra: JsonObject[] = []): JsonObject & { entries: JsonObject[] } {
  return {
    associations: [{ networkAclAssociationId: 'aclassoc-0a1b2c3d', networkAclId: ACL, subnetId: 'subnet-0aaa1111bbbb2222c' }],
    entries: [
      { cidrBlock: '0.0.0.0/0', egress: true, protocol: '-1', ruleAction: 'allow', ruleNumber: 100 },
      { cidrBlock: '0.0.0.0/0', egress: true, protocol: '-1', ruleAction: 'deny', ruleNumber: 32767 },
      { cidrBlock: '0.0.0.0/0', egress: false, portRange: { from: 443, to: 443 }, protocol: '6', ruleAction: 'allow', ruleNumber: 100 },
      { cidrBlock: '10.0.0.0/8', egress: false, icmpTypeCode: { code: -1, type: 8 }, protocol: '1', ruleAction: 'allow', ruleNumber: 110 },
      { cidrBlock: '0.0.0.0/0', egress: false, protocol: '-1', ruleAction: 'deny', ruleNumber: 32767 },
      { ipv6CidrBlock: '::/0', egress: false, protocol: '-1', ruleAction: 'deny', ruleNumber: 32768 - 1 },
      ...extra,
    ],
    isDefault: false,
    networkAclId: ACL,
    tags: [{ key: 'Name', value: 'public' }],
    vpcId: 'vpc-0123456789abcdef0',
    ownerId: '111122223333',
  };
}

function stateInstance(): StateInstance {
  return {
    stack: 'network',
    address: 'aws_network_acl.public',
    type: 'aws_network_acl',
    tainted: false,
    attributes: {
      id: ACL,
      arn: `arn:aws:ec2:eu-west-1:111122223333:network-acl/${ACL}`,
      vpc_id: 'vpc-0123456789abcdef0',
      subnet_ids: ['subnet-0aaa1111bbbb2222c'],
      egress: [
        {
          action: 'allow',
          cidr_block: '0.0.0.0/0',
          from_port: 0,
          icmp_code: 0,
          icmp_type: 0,
          ipv6_cidr_block: '',
          protocol: '-1',
          rule_no: 100,
          to_port: 0,
        },
      ],
      ingress: [
        {
          action: 'allow',
          cidr_block: '0.0.0.0/0',
          from_port: 443,
          icmp_code: 0,
          icmp_type: 0,
          ipv6_cidr_block: '',
          protocol: '6',
          rule_no: 100,
          to_port: 443,
        },
        {
          action: 'allow',
          cidr_block: '10.0.0.0/8',
          from_port: 0,
          icmp_code: -1,
          icmp_type: 8,
          ipv6_cidr_block: '',
          protocol: '1',
          rule_no: 110,
          to_port: 0,
        },
      ],
      tags: { Name: 'public' },
    },
  };
}

function desired() {
  const entry = networkAclEntry(stateInstance())!;
  const attributes: NetworkAclDesiredAttributes = {
    desiredEntries: entry.entries,
    authoritative: true,
    ruleOwners: {},
    style: 'inline',
    aclAddress: entry.address,
    addresses: [entry.address],
    tags: entry.tags,
    warnings: [],
  };
  return { stack: 'network', address: entry.address, attributes: attributes as never };
}

function call(eventName: string, requestParameters: Record<string, unknown>, extra: Partial<CloudTrailEvent> = {}): CloudTrailEvent {
  return {
    kind: 'cloudtrail',
    eventId: `ct-${eventName}-${JSON.stringify(requestParameters).length}`,
    eventName,
    eventSource: 'ec2.amazonaws.com',
    eventTime: '2026-12-04T15:00:00Z',
    account: '111122223333',
    region: 'eu-west-1',
    resourceIds: [ACL],
    principal: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/oncall/alice' },
    requestParameters,
    responseElements: { _return: true },
    delivery: { transport: 'http' } as never,
    ...extra,
  };
}

describe('network-acl kind', () => {
  const kind = new NetworkAclKind();

  it('reads a Config item like the Terraform state: equal, the default rule (32767) ignored', () => {
    expect(entriesFromConfiguration(configuration())).toHaveLength(3);
    const a = kind.analyze(configuration(), desired(), { resourceId: ACL });
    expect(a.diff.equal).toBe(true);
    expect(a.differences).toEqual([]);
  });

  it('the on-call adds a deny for the attacker at rule 50: one `added` difference that narrows, in plain English', () => {
    const deny = { cidrBlock: '203.0.113.0/24', egress: false, protocol: '-1', ruleAction: 'deny', ruleNumber: 50 };
    const a = kind.analyze(configuration([deny]), desired(), { resourceId: ACL });
    expect(a.differences.map((d) => [d.id, d.sentence])).toEqual([
      ['added ingress #50', 'added ingress rule #50: deny all traffic from 203.0.113.0/24'],
    ]);
    expect(a.changeWidensExposure).toBe(false);
    expect(a.revertWidensExposure).toBe(true);
    expect(a.explanations.join('\n')).toMatch(/reverting would allow it again/);
    expect(a.explanations.join('\n')).toMatch(/associated subnets \(observed, never changed\): subnet-0aaa1111bbbb2222c/);
    const directions = kind.directions([a.differences], desired());
    expect(directions.get('added ingress #50')).toEqual({ axis: 'exposure', change: 'narrows', revert: 'widens' });
  });

  it('someone opens tcp/22 from the internet by replacing rule 100: a `changed` difference that widens', () => {
    const item = configuration();
    item.entries[2]!['portRange'] = { from: 0, to: 65535 };
    const a = kind.analyze(item, desired(), { resourceId: ACL });
    expect(a.differences.map((d) => d.sentence)).toEqual([
      'changed ingress rule #100 from allow tcp/443 from 0.0.0.0/0 (the internet) to allow tcp (all ports) from 0.0.0.0/0 (the internet)',
    ]);
    expect(kind.directions([a.differences], desired()).get('changed ingress #100')).toEqual({
      axis: 'exposure',
      change: 'widens',
      revert: 'narrows',
    });
    expect(a.explanations[0]).toMatch(/allow traffic the code denies .* e\.g\. tcp port \d+ from 0\.0\.0\.0/);
  });

  it('an ACL only rule resources target (not authoritative): entries live adds are not drift', () => {
    const d = desired();
    (d.attributes as { authoritative: boolean }).authoritative = false;
    const extra = { cidrBlock: '198.51.100.0/24', egress: false, protocol: '-1', ruleAction: 'allow', ruleNumber: 20 };
    expect(kind.analyze(configuration([extra]), d, { resourceId: ACL }).differences).toEqual([]);
  });

  it('maps CloudTrail entry calls to the key they change (CloudTrail spells the protocol aclProtocol, values may be text)', () => {
    const events = [
      call('CreateNetworkAclEntry', {
        networkAclId: ACL,
        ruleNumber: 50,
        egress: false,
        ruleAction: 'deny',
        aclProtocol: '-1',
        cidrBlock: '203.0.113.0/24',
        icmpTypeCode: {},
        portRange: {},
      }),
      call('DeleteNetworkAclEntry', { networkAclId: ACL, ruleNumber: '110', egress: 'false' }),
      call('ReplaceNetworkAclEntry', {
        networkAclId: ACL,
        ruleNumber: 100,
        egress: true,
        ruleAction: 'allow',
        aclProtocol: '6',
        cidrBlock: '0.0.0.0/0',
        portRange: { from: 22, to: 22 },
      }),
      call('ReplaceNetworkAclAssociation', { associationId: 'aclassoc-0a1b2c3d', networkAclId: ACL }),
      call('DeleteNetworkAcl', { networkAclId: ACL }),
      call('CreateNetworkAclEntry', { networkAclId: ACL, ruleNumber: 60 }, { errorCode: 'NetworkAclEntryAlreadyExists' }),
      call('CreateNetworkAclEntry', { networkAclId: ACL, ruleNumber: 'x', egress: false }),
    ];
    const changes = [...kind.callChanges(events).values()];
    expect(changes).toEqual([
      { added: ['ingress #50'], removed: [] },
      { added: [], removed: ['ingress #110'] },
      { added: ['egress #100'], removed: [] },
      null,
      { added: [], removed: [], all: 'removed' },
      null,
      { added: [], removed: [], opaqueRemoval: expect.stringMatching(/cannot read .*expected a rule number, got "x"/) as string },
    ]);
  });

  it('refuses entries it cannot read with the path and what was expected', () => {
    expect(() =>
      entriesFromConfiguration({
        entries: [{ egress: false, protocol: 'gre', ruleAction: 'allow', ruleNumber: 5, cidrBlock: '0.0.0.0/0' }],
      }),
    ).toThrow(/configuration\.entries\[0\]: expected a protocol name .* got "gre"/);
    expect(() =>
      entriesFromConfiguration({
        entries: [{ egress: false, protocol: '6', ruleAction: 'allow', ruleNumber: 5, cidrBlock: '10.0.0.0/33' }],
      }),
    ).toThrow(/configuration\.entries\[0\]: "10\.0\.0\.0\/33" is not a valid IPv4 CIDR block/);
    expect(() =>
      entriesFromConfiguration({
        entries: [{ egress: 'maybe', protocol: '6', ruleAction: 'allow', ruleNumber: 5, cidrBlock: '10.0.0.0/8' }],
      }),
    ).toThrow(/expected egress true or false, got "maybe"/);
    expect(() => entryFromCloudTrail('CreateNetworkAclEntry', null)).toThrow(/requestParameters: missing/);
  });

  it('reads DescribeNetworkAcls entries (PascalCase) into the same model as the Config item', () => {
    const sdk = entriesFromSdk(
      [
        { RuleNumber: 100, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0', PortRange: { From: 443, To: 443 } },
        { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
      ],
      ACL,
    );
    expect(sdk).toEqual([entriesFromConfiguration(configuration()).find((e) => e.direction === 'ingress' && e.ruleNumber === 100)]);
  });

  it('diffOf gives back the record diff of some differences', () => {
    const deny = { cidrBlock: '203.0.113.0/24', egress: false, protocol: '-1', ruleAction: 'deny', ruleNumber: 50 };
    const a = kind.analyze(configuration([deny]), desired(), { resourceId: ACL });
    const diff = kind.diffOf(a.differences as never);
    expect(diff).toMatchObject({
      equal: false,
      extra: [{ ruleNumber: 50, action: 'deny', cidr: '203.0.113.0/24' }],
      missing: [],
      changed: [],
    });
  });
});
