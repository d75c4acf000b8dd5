import { applyRuleDiff, diffRules } from './diff-rules';
import type { PermissionRule } from '../model/permission-rule';

const ssh: PermissionRule = { direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, peer: { kind: 'ipv4', cidr: '10.0.0.0/8' } };
const web: PermissionRule = {
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: 8080,
  toPort: 8080,
  peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
};
const allOut: PermissionRule = {
  direction: 'egress',
  protocol: '-1',
  fromPort: null,
  toPort: null,
  peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
};

describe('diffRules', () => {
  it('reports extra (live only) and missing (desired only) rules', () => {
    expect(diffRules([ssh, allOut], [ssh, web, allOut])).toEqual({ equal: false, extra: [], missing: [web], attributes: [] });
    expect(diffRules([ssh, web], [ssh])).toEqual({ equal: false, extra: [web], missing: [], attributes: [] });
  });

  it('compares by identity: descriptions and spellings of the same rule are equal', () => {
    const live: PermissionRule[] = [
      { ...ssh, protocol: '6', description: 'changed by hand' },
      { ...allOut, protocol: 'all', fromPort: 0, toPort: 0 },
      { direction: 'ingress', protocol: 'tcp', fromPort: 443, toPort: 443, peer: { kind: 'ipv6', cidr: '2001:DB8:0:0::/32' } },
    ];
    const desired: PermissionRule[] = [
      ssh,
      allOut,
      { direction: 'ingress', protocol: 'tcp', fromPort: 443, toPort: 443, peer: { kind: 'ipv6', cidr: '2001:db8::/32' } },
    ];
    expect(diffRules(live, desired)).toEqual({ equal: true, extra: [], missing: [], attributes: [] });
  });

  it('tells tcp 0-65535 from all traffic, and ingress from egress', () => {
    const tcpAll: PermissionRule = { ...allOut, protocol: 'tcp', fromPort: 0, toPort: 65535 };
    expect(diffRules([tcpAll], [allOut]).equal).toBe(false);
    expect(diffRules([{ ...ssh, direction: 'egress' }], [ssh]).equal).toBe(false);
  });

  it('returns canonical rules and ignores duplicates', () => {
    const diff = diffRules(
      [
        { ...web, protocol: '6' },
        { ...web, description: 'dup' },
      ],
      [],
    );
    expect(diff.extra).toEqual([web]);
  });

  it('applyRuleDiff (the revert) turns live into desired', () => {
    const live = [ssh, web];
    const desired = [ssh, allOut];
    expect(applyRuleDiff(live, diffRules(live, desired))).toEqual([ssh, allOut]);
  });
});
