import type { PermissionRule } from '@driftwarden/domain';
import { canonicalRule, normalisePorts, normaliseProtocol, ruleKey, securityGroupPeer } from './rule-shape';

describe('rule shape', () => {
  it.each([
    ['tcp', 'tcp'],
    ['TCP', 'tcp'],
    ['6', 'tcp'],
    ['17', 'udp'],
    ['1', 'icmp'],
    ['58', 'icmpv6'],
    ['all', '-1'],
    ['-1', '-1'],
    ['50', '50'],
  ])('protocol %s is %s', (raw, canonical) => {
    expect(normaliseProtocol(raw)).toBe(canonical);
  });

  it('writes ports the way AWS reports them', () => {
    expect(normalisePorts('-1', 0, 0)).toEqual({ fromPort: null, toPort: null });
    expect(normalisePorts('tcp', null, null)).toEqual({ fromPort: 0, toPort: 65535 });
    expect(normalisePorts('icmp', null, null)).toEqual({ fromPort: -1, toPort: -1 });
    expect(normalisePorts('icmp', 8, 0)).toEqual({ fromPort: 8, toPort: 0 });
    expect(normalisePorts('50', 0, 0)).toEqual({ fromPort: null, toPort: null });
  });

  it('keys a rule by direction, protocol, ports and peer; not by description or the peer account', () => {
    const terraform: PermissionRule = {
      direction: 'egress',
      protocol: 'all',
      fromPort: 0,
      toPort: 0,
      peer: securityGroupPeer('111122223333/sg-0abc'),
      description: 'x',
    };
    const aws: PermissionRule = { direction: 'egress', protocol: '-1', fromPort: null, toPort: null, peer: { kind: 'securityGroup', groupId: 'sg-0abc' } };
    expect(ruleKey(terraform)).toBe(ruleKey(aws));
    expect(ruleKey({ ...aws, direction: 'ingress' })).not.toBe(ruleKey(aws));
    expect(ruleKey({ ...aws, peer: { kind: 'ipv6', cidr: '2001:DB8::/32' } })).toBe(ruleKey({ ...aws, peer: { kind: 'ipv6', cidr: '2001:db8::/32' } }));
  });

  it('canonical rules drop empty descriptions', () => {
    expect(canonicalRule({ direction: 'ingress', protocol: '6', fromPort: 22, toPort: 22, peer: { kind: 'ipv4', cidr: '10.0.0.0/8' }, description: '' })).toEqual({
      direction: 'ingress',
      protocol: 'tcp',
      fromPort: 22,
      toPort: 22,
      peer: { kind: 'ipv4', cidr: '10.0.0.0/8' },
    });
  });
});
