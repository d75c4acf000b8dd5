import { diffRules } from '../diff/diff-rules';
import { analyzeExposure } from './analyze-exposure';
import { CoverageIndex, ruleCovers } from './coverage';
import type { PermissionRule } from '../model/permission-rule';

const SG = 'sg-0abc1234def567890';
const ADDRESS = 'module.net.aws_security_group.workers';
const ctx = { groupId: SG, address: ADDRESS, selfGroupId: SG };

const tcp = (port: number | [number, number], cidr: string, direction: 'ingress' | 'egress' = 'ingress'): PermissionRule => {
  const [fromPort, toPort] = typeof port === 'number' ? [port, port] : port;
  return { direction, protocol: 'tcp', fromPort, toPort, peer: { kind: cidr.includes(':') ? 'ipv6' : 'ipv4', cidr } };
};

describe('analyzeExposure', () => {
  it('break glass: closing tcp/8080 to the internet is not widening; reverting it would re-open it', () => {
    const desired = [tcp(8080, '0.0.0.0/0'), tcp(443, '0.0.0.0/0')];
    const live = [tcp(443, '0.0.0.0/0')];
    const a = analyzeExposure(diffRules(live, desired), ctx);

    expect(a.changeWidensExposure).toBe(false);
    expect(a.change).toEqual([
      expect.objectContaining({
        action: 'revoke',
        widens: false,
        public: true,
        explanation: `closed tcp/8080 to 0.0.0.0/0 on ${SG} (${ADDRESS})`,
      }),
    ]);
    expect(a.revertWidensExposure).toBe(true);
    expect(a.revertOpensToInternet).toBe(true);
    expect(a.revert).toEqual([
      expect.objectContaining({
        action: 'authorize',
        widens: true,
        public: true,
        explanation: `would re-open tcp/8080 to the internet (0.0.0.0/0) on ${SG} (${ADDRESS})`,
      }),
    ]);
    expect(a.revertSummary).toBe(a.revert[0]?.explanation);
  });

  it('someone opened SSH to the world: the change widens, its revert does not', () => {
    const a = analyzeExposure(diffRules([tcp(22, '0.0.0.0/0')], []), { groupId: SG });
    expect(a.changeWidensExposure).toBe(true);
    expect(a.changeOpensToInternet).toBe(true);
    expect(a.change[0]?.explanation).toBe(`opened tcp/22 to the internet (0.0.0.0/0) on ${SG}`);
    expect(a.revertWidensExposure).toBe(false);
    expect(a.revert[0]?.explanation).toBe(`would close tcp/22 to 0.0.0.0/0 on ${SG}`);
  });

  it('widening a CIDR counts as widening; the revert that narrows it back does not', () => {
    const a = analyzeExposure(diffRules([tcp(22, '10.0.0.0/8')], [tcp(22, '10.1.0.0/16')]), ctx);
    expect(a.changeWidensExposure).toBe(true);
    expect(a.changeOpensToInternet).toBe(false);
    const opened = a.change.find((op) => op.action === 'authorize');
    expect(opened?.explanation).toBe(`opened tcp/22 to 10.0.0.0/8 (wider than 10.1.0.0/16) on ${SG} (${ADDRESS})`);
    expect(opened?.widerThan).toEqual([tcp(22, '10.1.0.0/16')]);
    expect(a.revertWidensExposure).toBe(false);
    const reopened = a.revert.find((op) => op.action === 'authorize');
    expect(reopened?.widens).toBe(false);
    expect(reopened?.coveredBy).toEqual([tcp(22, '10.0.0.0/8')]);
    expect(reopened?.explanation).toContain('narrower than 10.0.0.0/8, which it replaces');
  });

  it('narrowing an emergency patch (a CIDR replaced by a smaller one) is not widening', () => {
    const a = analyzeExposure(diffRules([tcp(8080, '10.0.0.0/16')], [tcp(8080, '0.0.0.0/0')]), ctx);
    expect(a.changeWidensExposure).toBe(false);
    expect(a.revertWidensExposure).toBe(true);
  });

  it('widening a port range counts as widening; moving to a disjoint range or CIDR too', () => {
    expect(analyzeExposure(diffRules([tcp([8000, 8100], '10.0.0.0/8')], [tcp(8080, '10.0.0.0/8')]), ctx).change[0]?.explanation).toBe(
      `opened tcp/8000-8100 to 10.0.0.0/8 (wider than tcp/8080) on ${SG} (${ADDRESS})`,
    );
    expect(analyzeExposure(diffRules([tcp(8081, '10.0.0.0/8')], [tcp(8080, '10.0.0.0/8')]), ctx).changeWidensExposure).toBe(true);
    expect(analyzeExposure(diffRules([tcp(22, '10.2.0.0/16')], [tcp(22, '10.1.0.0/16')]), ctx).changeWidensExposure).toBe(true);
    // all traffic replaced by one port: narrower
    const allTraffic: PermissionRule = {
      direction: 'ingress',
      protocol: '-1',
      fromPort: null,
      toPort: null,
      peer: { kind: 'ipv4', cidr: '10.0.0.0/8' },
    };
    expect(analyzeExposure(diffRules([tcp(443, '10.0.0.0/8')], [allTraffic]), ctx).changeWidensExposure).toBe(false);
  });

  it('handles IPv6 containment and never lets an IPv4 rule cover an IPv6 one', () => {
    expect(analyzeExposure(diffRules([tcp(443, '2001:db8::/32')], [tcp(443, '2001:db8:1::/48')]), ctx).changeWidensExposure).toBe(true);
    expect(analyzeExposure(diffRules([tcp(443, '2001:db8:1::/48')], [tcp(443, '2001:db8::/32')]), ctx).changeWidensExposure).toBe(false);
    expect(analyzeExposure(diffRules([tcp(443, '::/0')], [tcp(443, '0.0.0.0/0')]), ctx)).toMatchObject({
      changeWidensExposure: true,
      changeOpensToInternet: true,
      revertWidensExposure: true,
    });
  });

  it('treats prefix lists and referenced groups as sources, and names self-references', () => {
    const self: PermissionRule = {
      direction: 'ingress',
      protocol: 'tcp',
      fromPort: 5432,
      toPort: 5432,
      peer: { kind: 'securityGroup', groupId: SG },
    };
    const pl: PermissionRule = {
      direction: 'egress',
      protocol: '-1',
      fromPort: null,
      toPort: null,
      peer: { kind: 'prefixList', prefixListId: 'pl-1' },
    };
    const a = analyzeExposure(diffRules([], [self, pl]), ctx);
    expect(a.revertWidensExposure).toBe(true);
    expect(a.revertOpensToInternet).toBe(false);
    expect(a.revert.map((op) => op.explanation)).toEqual([
      `would re-open tcp/5432 to its own members (security group ${SG}) on ${SG} (${ADDRESS})`,
      `would re-open outbound all traffic to prefix list pl-1 on ${SG} (${ADDRESS})`,
    ]);
  });

  it('icmp: any type covers a specific type, not the other way round', () => {
    const icmp = (type: number, code: number): PermissionRule => ({
      direction: 'ingress',
      protocol: 'icmp',
      fromPort: type,
      toPort: code,
      peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
    });
    expect(ruleCovers(icmp(-1, -1), icmp(8, 0))).toBe(true);
    expect(ruleCovers(icmp(8, -1), icmp(8, 0))).toBe(true);
    expect(ruleCovers(icmp(8, 0), icmp(8, -1))).toBe(false);
    expect(ruleCovers(icmp(3, -1), icmp(8, 0))).toBe(false);
    const a = analyzeExposure(diffRules([icmp(-1, -1)], [icmp(8, 0)]), ctx);
    expect(a.change[0]?.explanation).toBe(`opened icmp to the internet (0.0.0.0/0) (wider than icmp type 8 code 0) on ${SG} (${ADDRESS})`);
    expect(a.changeWidensExposure).toBe(true);
  });

  it('an egress rule never covers an ingress rule', () => {
    expect(analyzeExposure(diffRules([tcp(22, '10.0.0.0/16')], [tcp(22, '10.0.0.0/8', 'egress')]), ctx).changeWidensExposure).toBe(true);
  });

  it('no difference: nothing widens', () => {
    const a = analyzeExposure(diffRules([tcp(22, '10.0.0.0/8')], [tcp(22, '10.0.0.0/8')]), ctx);
    expect(a).toMatchObject({
      change: [],
      revert: [],
      changeWidensExposure: false,
      revertWidensExposure: false,
      changeSummary: 'no rule changes',
    });
  });
});

describe('CoverageIndex', () => {
  it('finds covering rules at every prefix length, across families and ports', () => {
    const index = new CoverageIndex([
      tcp([0, 65535], '0.0.0.0/0'),
      tcp(22, '10.0.0.0/8'),
      tcp(22, '10.1.0.0/16'),
      tcp(22, '::/0'),
      tcp(23, '10.1.2.0/24'),
    ]);
    expect(index.covering(tcp(22, '10.1.2.3/32'))).toEqual(
      expect.arrayContaining([tcp([0, 65535], '0.0.0.0/0'), tcp(22, '10.0.0.0/8'), tcp(22, '10.1.0.0/16')]),
    );
    expect(index.covering(tcp(22, '10.1.2.3/32'))).toHaveLength(3);
    expect(index.covering(tcp(22, '2001:db8::/64'))).toEqual([tcp(22, '::/0')]);
    expect(index.covering(tcp(22, '10.0.0.0/8', 'egress'))).toEqual([]);
  });
});
