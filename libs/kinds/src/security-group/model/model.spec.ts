import { cidrContains, isPublicCidr, normalizeCidr, parseCidr } from './cidr';
import { canonicalPorts, canonicalProtocol } from './protocol';
import { canonicalRuleKey, canonicalTrafficKey, canonicalizeRule, makeRule, ruleKey, sameRule, sortRules, uniqueRules } from './rule';
import type { PermissionRule } from './permission-rule';

describe('normalizeCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    [' 010.001.0.0/16 ', '10.1.0.0/16'],
    ['192.0.2.7', '192.0.2.7/32'],
    ['10.0.0.1/8', '10.0.0.1/8'], // host bits kept: EC2 matches revokes on the stored text
    ['::/0', '::/0'],
    ['0:0:0:0:0:0:0:0/0', '::/0'],
    ['2001:DB8:0:0:0:0:0:1/128', '2001:db8::1/128'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329/64', '2001:db8::ff00:42:8329/64'],
    ['2001:db8:0:0:1:0:0:1/64', '2001:db8::1:0:0:1/64'], // tie: the first run of zeros is compressed
    ['2001:db8:0:1:1:1:1:1/64', '2001:db8:0:1:1:1:1:1/64'], // a single zero group is not compressed
    ['1:0:0:2:0:0:0:3/128', '1:0:0:2::3/128'], // the longest run wins
    ['fe80::/10', 'fe80::/10'],
    ['::ffff:192.0.2.1/128', '::ffff:c000:201/128'],
    ['2001:db8::', '2001:db8::/128'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeCidr(input)).toBe(expected);
  });

  it.each([
    '10.0.0.256/8',
    '10.0.0/8',
    '10.0.0.0/33',
    '2001:db8::1::2/64',
    '2001:db8:::1/64',
    'fe80::/129',
    '12345::/16',
    'not-a-cidr',
    '10.0.0.0/-1',
  ])('rejects %s (parseCidr undefined; normalizeCidr only trims and lowercases)', (input) => {
    expect(parseCidr(input)).toBeUndefined();
    expect(normalizeCidr(` ${input.toUpperCase()} `)).toBe(input.toLowerCase());
  });
});

describe('cidrContains / isPublicCidr', () => {
  it.each([
    ['0.0.0.0/0', '203.0.113.5/32', true],
    ['10.0.0.0/8', '10.200.0.0/16', true],
    ['10.0.0.0/16', '10.0.0.0/8', false],
    ['10.0.0.0/16', '10.1.0.0/16', false],
    ['10.0.0.0/8', '10.0.0.0/8', true],
    ['10.1.2.3/8', '10.9.9.9/32', true], // host bits of the outer range are ignored
    ['::/0', '2001:db8::/32', true],
    ['2001:db8::/32', '2001:db8:ffff::/48', true],
    ['2001:db8::/32', '2001:db9::/48', false],
    ['2001:db8::/48', '2001:db8::/32', false],
    ['0.0.0.0/0', '::/0', false], // families never contain each other
    ['::/0', '0.0.0.0/0', false],
    ['::ffff:0:0/96', '10.0.0.0/8', false],
  ])('%s contains %s: %s', (outer, inner, expected) => {
    expect(cidrContains(outer, inner)).toBe(expected);
  });

  it('public means the whole address family', () => {
    expect(isPublicCidr('0.0.0.0/0')).toBe(true);
    expect(isPublicCidr('::/0')).toBe(true);
    expect(isPublicCidr('0:0::0/0')).toBe(true);
    expect(isPublicCidr('0.0.0.0/1')).toBe(false);
    expect(isPublicCidr('10.0.0.0/8')).toBe(false);
    expect(isPublicCidr('garbage')).toBe(false);
  });
});

describe('canonicalProtocol / canonicalPorts', () => {
  it.each([
    ['6', 'tcp'],
    [6, 'tcp'],
    ['17', 'udp'],
    ['1', 'icmp'],
    ['58', 'icmpv6'],
    ['-1', '-1'],
    [-1, '-1'],
    ['all', '-1'],
    ['ALL', '-1'],
    ['TCP', 'tcp'],
    ['ipv6-icmp', 'icmpv6'],
    ['esp', '50'],
    ['50', '50'],
    ['050', '50'],
  ])('%p → %s', (input, expected) => {
    expect(canonicalProtocol(input)).toBe(expected);
  });

  it('normalises every "all" spelling to null ports for -1 and port-less protocols', () => {
    for (const [from, to] of [
      [null, null],
      [undefined, undefined],
      [-1, -1],
      [0, 0],
    ] as const) {
      expect(canonicalPorts('-1', from, to)).toEqual({ fromPort: null, toPort: null });
      expect(canonicalPorts('50', from, to)).toEqual({ fromPort: null, toPort: null });
    }
  });

  it('keeps tcp 0-65535 as a range, and reads missing/-1 tcp ports as that range', () => {
    expect(canonicalPorts('tcp', 0, 65535)).toEqual({ fromPort: 0, toPort: 65535 });
    expect(canonicalPorts('tcp', null, null)).toEqual({ fromPort: 0, toPort: 65535 });
    expect(canonicalPorts('udp', -1, -1)).toEqual({ fromPort: 0, toPort: 65535 });
    expect(canonicalPorts('tcp', 8080, 8080)).toEqual({ fromPort: 8080, toPort: 8080 });
  });

  it('keeps icmp type/code, with -1 for "any" and no code without a type', () => {
    expect(canonicalPorts('icmp', 8, 0)).toEqual({ fromPort: 8, toPort: 0 });
    expect(canonicalPorts('icmp', 3, -1)).toEqual({ fromPort: 3, toPort: -1 });
    expect(canonicalPorts('icmp', null, null)).toEqual({ fromPort: -1, toPort: -1 });
    expect(canonicalPorts('icmpv6', -1, 4)).toEqual({ fromPort: -1, toPort: -1 });
  });
});

describe('rule identity', () => {
  const open8080: PermissionRule = {
    direction: 'ingress',
    protocol: 'tcp',
    fromPort: 8080,
    toPort: 8080,
    peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
  };

  it('builds readable keys', () => {
    expect(ruleKey(open8080)).toBe('ingress|tcp|8080|8080|ipv4:0.0.0.0/0');
    expect(ruleKey({ direction: 'egress', protocol: 'all', fromPort: 0, toPort: 0, peer: { kind: 'ipv6', cidr: '0::0/0' } })).toBe(
      'egress|-1|*|*|ipv6:::/0',
    );
    expect(ruleKey({ ...open8080, peer: { kind: 'prefixList', prefixListId: 'pl-123' } })).toBe('ingress|tcp|8080|8080|pl:pl-123');
    expect(ruleKey({ ...open8080, peer: { kind: 'securityGroup', groupId: 'sg-1', userId: '111122223333' } })).toBe(
      'ingress|tcp|8080|8080|sg:sg-1',
    );
  });

  it('keys the traffic of a canonical rule the way its key starts, whatever the spelling it came in', () => {
    const traffic = (rule: Omit<PermissionRule, 'peer'>) =>
      canonicalTrafficKey(canonicalizeRule({ ...rule, peer: { kind: 'ipv4', cidr: '10.0.0.0/8' } }));
    expect(canonicalTrafficKey(open8080)).toBe('ingress|tcp|8080|8080');
    expect(traffic({ direction: 'egress', protocol: 'all', fromPort: 0, toPort: 0 })).toBe('egress|-1|*|*');
    expect(traffic({ direction: 'ingress', protocol: 'ESP', fromPort: 0, toPort: 0 })).toBe('ingress|50|*|*');
    expect(traffic({ direction: 'ingress', protocol: '6', fromPort: null, toPort: null })).toBe('ingress|tcp|0|65535');
    expect(traffic({ direction: 'ingress', protocol: 'icmp', fromPort: 8, toPort: null })).toBe('ingress|icmp|8|-1');
    const udp = canonicalizeRule({
      direction: 'egress',
      protocol: '17',
      fromPort: -1,
      toPort: -1,
      peer: { kind: 'ipv6', cidr: '2001:DB8::/32' },
    });
    expect(canonicalRuleKey(udp)).toBe(`${canonicalTrafficKey(udp)}|ipv6:2001:db8::/32`);
    expect(ruleKey(udp)).toBe(canonicalRuleKey(udp));
  });

  it('ignores descriptions and referenced-group owners, not direction, ports or peer', () => {
    expect(sameRule(open8080, { ...open8080, protocol: '6', description: 'temp' })).toBe(true);
    expect(
      sameRule(
        { ...open8080, peer: { kind: 'securityGroup', groupId: 'sg-1', userId: '111122223333' } },
        { ...open8080, peer: { kind: 'securityGroup', groupId: 'sg-1' } },
      ),
    ).toBe(true);
    expect(sameRule(open8080, { ...open8080, direction: 'egress' })).toBe(false);
    expect(sameRule(open8080, { ...open8080, toPort: 8081 })).toBe(false);
    expect(sameRule(open8080, { ...open8080, protocol: 'udp' })).toBe(false);
    expect(sameRule(open8080, { ...open8080, peer: { kind: 'ipv4', cidr: '0.0.0.0/1' } })).toBe(false);
  });

  it('canonicalises and drops empty descriptions', () => {
    expect(
      makeRule({
        direction: 'ingress',
        protocol: '6',
        fromPort: 22,
        toPort: 22,
        peer: { kind: 'ipv6', cidr: '2001:DB8::/32' },
        description: '',
      }),
    ).toEqual({
      direction: 'ingress',
      protocol: 'tcp',
      fromPort: 22,
      toPort: 22,
      peer: { kind: 'ipv6', cidr: '2001:db8::/32' },
    });
    expect(canonicalizeRule({ ...open8080, description: 'x' }).description).toBe('x');
  });

  it('uniqueRules keeps the first of each identity', () => {
    const list = uniqueRules([
      { ...open8080, description: 'first' },
      { ...open8080, protocol: '6', description: 'second' },
    ]);
    expect(list).toEqual([{ ...open8080, description: 'first' }]);
  });

  it('sorts by direction, protocol, ports and peer', () => {
    const egress: PermissionRule = {
      direction: 'egress',
      protocol: '-1',
      fromPort: null,
      toPort: null,
      peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
    };
    const ssh: PermissionRule = { ...open8080, fromPort: 22, toPort: 22 };
    expect(sortRules([egress, open8080, ssh])).toEqual([ssh, open8080, egress]);
  });
});
