import {
  PermissionRule,
  SecurityGroupDiff,
  describePermissionRule,
  describePorts,
  securityGroupDiff,
  summarizeDiff,
} from './permission-rule';

const open8080: PermissionRule = {
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: 8080,
  toPort: 8080,
  peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
};

describe('plain-English descriptions', () => {
  it.each([
    [{ protocol: 'tcp', fromPort: 8080, toPort: 8080 }, 'tcp/8080'],
    [{ protocol: 'tcp', fromPort: 8000, toPort: 8100 }, 'tcp/8000-8100'],
    [{ protocol: 'udp', fromPort: 0, toPort: 65535 }, 'udp/all ports'],
    [{ protocol: '-1', fromPort: null, toPort: null }, 'all traffic'],
    [{ protocol: 'icmp', fromPort: 8, toPort: 0 }, 'icmp type 8 code 0'],
    [{ protocol: 'icmp', fromPort: -1, toPort: -1 }, 'icmp'],
    [{ protocol: '58', fromPort: 128, toPort: -1 }, 'icmpv6 type 128'],
  ])('%j -> %s', (rule, text) => {
    expect(describePorts(rule)).toBe(text);
  });

  it('describes rules with their direction and peer', () => {
    expect(describePermissionRule(open8080)).toBe('tcp/8080 from 0.0.0.0/0');
    expect(
      describePermissionRule({
        direction: 'egress',
        protocol: '-1',
        fromPort: null,
        toPort: null,
        peer: { kind: 'securityGroup', groupId: 'sg-0def', userId: '444455556666' },
      }),
    ).toBe('all traffic to security group 444455556666/sg-0def');
    expect(describePermissionRule({ ...open8080, peer: { kind: 'prefixList', prefixListId: 'pl-0123' } })).toBe(
      'tcp/8080 from prefix list pl-0123',
    );
  });

  it('summarises what the live change did', () => {
    const diff: SecurityGroupDiff = {
      equal: false,
      extra: [{ ...open8080, protocol: 'tcp', fromPort: 22, toPort: 22, peer: { kind: 'ipv6', cidr: '::/0' } }],
      missing: [open8080],
      attributes: [{ path: 'description', live: 'x', desired: 'y' }],
    };
    expect(summarizeDiff(diff)).toBe('opens ingress tcp/22 from ::/0; closes ingress tcp/8080 from 0.0.0.0/0; changes description');
    expect(summarizeDiff({ equal: true, extra: [], missing: [], attributes: [] })).toBe('no difference');
  });

  it('reads any record diff as a security group diff, absent rule lists as empty', () => {
    expect(securityGroupDiff({ equal: false })).toEqual({ equal: false, extra: [], missing: [], attributes: [] });
    expect(securityGroupDiff(undefined)).toEqual({ equal: false, extra: [], missing: [], attributes: [] });
    const full: SecurityGroupDiff = { equal: false, extra: [open8080], missing: [], attributes: [] };
    expect(securityGroupDiff(full)).toEqual(full);
  });
});
