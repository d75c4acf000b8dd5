/**
 * Property-based tests (fast-check): every normaliser round-trips with its reverse mapping, the
 * diff is exactly set difference by identity, and canonicalisation is stable.
 */
import fc from 'fast-check';
import { identityAndDescription, keySet, rule, rules, toCloudTrailIpPermissions, toConfigConfiguration } from './testing/arbitraries';
import { applyRuleDiff, diffRules } from './diff/diff-rules';
import { analyzeExposure } from './exposure/analyze-exposure';
import { ruleCovers } from './exposure/coverage';
import { cidrContains, formatCidr, normalizeCidr, parseCidr } from './model/cidr';
import { canonicalRuleKey, canonicalizeRule, compareRules, ruleKey, uniqueRules } from './model/rule';
import { rulesFromCloudTrailIpPermissions } from './normalize/cloudtrail';
import { rulesFromConfigConfiguration } from './normalize/config-item';
import { rulesFromIpPermissions, toIpPermissions } from './normalize/ec2';
import {
  ruleFromTerraformVpcRule,
  rulesFromTerraformInlineBlocks,
  rulesFromTerraformLegacyRule,
  toTerraformInlineBlocks,
  toTerraformLegacyRule,
  toTerraformVpcRule,
} from './normalize/terraform';
import type { PermissionRule } from './model/permission-rule';

const SELF = 'sg-0self0000000000001';
const sorted = (list: readonly PermissionRule[]) => [...list].sort(compareRules);

describe('canonical model (properties)', () => {
  it('canonical rules are fixed points of canonicalizeRule', () => {
    fc.assert(fc.property(rule, (r) => expect(canonicalizeRule(r)).toEqual(r)));
  });

  it('ruleKey ignores spelling: protocol numbers, "all", all-ports forms, IPv6 case and zero runs, descriptions', () => {
    const noisy = (r: PermissionRule, salt: number): PermissionRule => {
      const out: PermissionRule = { ...r, description: salt % 2 === 0 ? 'changed' : undefined };
      if (r.protocol === 'tcp') out.protocol = salt % 3 === 0 ? '6' : 'TCP';
      if (r.protocol === 'udp') out.protocol = '17';
      if (r.protocol === 'icmp') out.protocol = '1';
      if (r.protocol === 'icmpv6') out.protocol = '58';
      if (r.protocol === '-1') {
        out.protocol = salt % 3 === 0 ? 'all' : '-1';
        out.fromPort = salt % 2 === 0 ? 0 : -1;
        out.toPort = salt % 2 === 0 ? 0 : -1;
      }
      if (r.peer.kind === 'ipv6') {
        const parsed = parseCidr(r.peer.cidr);
        if (!parsed) throw new Error('unparsable arbitrary');
        const groups: string[] = [];
        for (let i = 7; i >= 0; i--)
          groups.push(((parsed.address >> BigInt(i * 16)) & 0xffffn).toString(16).padStart(4, '0').toUpperCase());
        out.peer = { kind: 'ipv6', cidr: `${groups.join(':')}/${parsed.prefix}` };
      }
      return out;
    };
    fc.assert(fc.property(rule, fc.nat(), (r, salt) => expect(ruleKey(noisy(r, salt))).toBe(ruleKey(r))));
  });

  it('normalizeCidr is idempotent and parse∘format is the identity', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({
            family: fc.constant(4 as const),
            address: fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }),
            prefix: fc.integer({ min: 0, max: 32 }),
          }),
          fc.record({
            family: fc.constant(6 as const),
            address: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
            prefix: fc.integer({ min: 0, max: 128 }),
          }),
        ),
        (cidr) => {
          const text = formatCidr(cidr);
          expect(parseCidr(text)).toEqual(cidr);
          expect(normalizeCidr(text)).toBe(text);
        },
      ),
    );
  });

  it('cidrContains agrees with a brute-force check on IPv4 addresses', () => {
    const v4 = fc.record({
      family: fc.constant(4 as const),
      address: fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }),
      prefix: fc.integer({ min: 16, max: 32 }),
    });
    fc.assert(
      fc.property(v4, v4, (outer, innerSeed) => {
        // Make overlap likely: put inner in outer's /16.
        const inner = { ...innerSeed, address: (outer.address & 0xffff0000n) | (innerSeed.address & 0xffffn) };
        const range = (c: { address: bigint; prefix: number }) => {
          const size = 1n << BigInt(32 - c.prefix);
          const start = (c.address / size) * size;
          return [start, start + size - 1n] as const;
        };
        const [os, oe] = range(outer);
        const [is, ie] = range(inner);
        expect(cidrContains(formatCidr(outer), formatCidr(inner))).toBe(os <= is && ie <= oe);
      }),
    );
  });
});

describe('normalisers round-trip (properties)', () => {
  it('canonical → EC2 IpPermission → canonical', () => {
    fc.assert(
      fc.property(rules(), (list) => {
        const { ingress, egress } = toIpPermissions(list);
        const back = [...rulesFromIpPermissions(ingress, 'ingress'), ...rulesFromIpPermissions(egress, 'egress')];
        expect(sorted(back)).toEqual(sorted(list));
        // Grouped: one IpPermission per protocol and port range.
        const groups = (perms: typeof ingress) => perms.map((p) => `${p.IpProtocol}|${p.FromPort}|${p.ToPort}`);
        expect(new Set(groups(ingress)).size).toBe(ingress.length);
        expect(new Set(groups(egress)).size).toBe(egress.length);
      }),
    );
  });

  it('canonical → Terraform inline blocks → canonical (self groups become self = true)', () => {
    const withSelf = fc
      .tuple(rules(), fc.boolean())
      .map(([list, addSelf]) =>
        addSelf
          ? uniqueRules([
              ...list,
              { direction: 'ingress', protocol: 'tcp', fromPort: 5432, toPort: 5432, peer: { kind: 'securityGroup', groupId: SELF } },
            ])
          : list,
      );
    fc.assert(
      fc.property(withSelf, (list) => {
        const blocks = toTerraformInlineBlocks(list, SELF);
        const back = [
          ...rulesFromTerraformInlineBlocks(blocks.ingress, 'ingress', SELF),
          ...rulesFromTerraformInlineBlocks(blocks.egress, 'egress', SELF),
        ];
        expect(identityAndDescription(back)).toEqual(identityAndDescription(list));
        const all = [...blocks.ingress, ...blocks.egress];
        expect(all.some((b) => b.security_groups.includes(SELF))).toBe(false);
        expect(all.every((b) => Number.isInteger(b.from_port) && Number.isInteger(b.to_port))).toBe(true);
      }),
    );
  });

  it('canonical → aws_vpc_security_group_*_rule attributes → canonical', () => {
    fc.assert(
      fc.property(rule, (r) => {
        const { type, attributes } = toTerraformVpcRule(r, SELF);
        expect(type).toBe(r.direction === 'ingress' ? 'aws_vpc_security_group_ingress_rule' : 'aws_vpc_security_group_egress_rule');
        expect(identityAndDescription([ruleFromTerraformVpcRule(type, attributes)])).toEqual(identityAndDescription([r]));
      }),
    );
  });

  it('canonical → aws_security_group_rule attributes → canonical', () => {
    fc.assert(
      fc.property(rule, (r) => {
        expect(identityAndDescription(rulesFromTerraformLegacyRule(toTerraformLegacyRule(r, SELF)))).toEqual(identityAndDescription([r]));
      }),
    );
  });

  it('Config item configuration (CI 1.3 with ipv4Ranges, and legacy ipRanges-only) → canonical', () => {
    fc.assert(
      fc.property(rules(), fc.boolean(), (list, legacy) => {
        const back = rulesFromConfigConfiguration(toConfigConfiguration(list, { legacy }));
        if (legacy) {
          expect(keySet(back)).toEqual(keySet(list));
          // IPv4 descriptions only exist in ipv4Ranges; everything else keeps its description.
          const nonV4 = (l: readonly PermissionRule[]) => l.filter((r) => r.peer.kind !== 'ipv4');
          expect(sorted(nonV4(back))).toEqual(sorted(nonV4(list)));
        } else {
          expect(sorted(back)).toEqual(sorted(list));
        }
      }),
    );
  });

  it('CloudTrail requestParameters.ipPermissions ({items} wrappers, {} empties, -1 ports) → canonical', () => {
    fc.assert(
      fc.property(rules(), (list) => {
        const back = [
          ...rulesFromCloudTrailIpPermissions(toCloudTrailIpPermissions(list, 'ingress'), 'ingress'),
          ...rulesFromCloudTrailIpPermissions(toCloudTrailIpPermissions(list, 'egress'), 'egress'),
        ];
        expect(sorted(back)).toEqual(sorted(list));
      }),
    );
  });
});

describe('diffRules (properties)', () => {
  /** Two rule sets that share a good part of their rules, with re-spelled descriptions. */
  const pair = fc.tuple(rules(30), fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), rules(10)).chain(([base, keep, extra]) => {
    const b = [...base.filter((_, i) => keep[i]), ...extra].map((r) => ({
      ...r,
      description: r.description ? `${r.description}!` : undefined,
    }));
    return fc.tuple(fc.constant(base), fc.shuffledSubarray(b, { minLength: b.length, maxLength: b.length }));
  });

  it('is empty exactly when the rule sets are equal by identity', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          pair,
          rules().map((r) => [r, [...r].reverse()] as const),
        ),
        ([a, b]) => {
          const diff = diffRules(a, b);
          const setsEqual = JSON.stringify(keySet(a)) === JSON.stringify(keySet(b));
          expect(diff.equal).toBe(setsEqual);
          expect(diff.extra.length === 0 && diff.missing.length === 0).toBe(setsEqual);
          expect(diff.attributes).toEqual([]);
        },
      ),
    );
  });

  it('diff(a, b).extra equals diff(b, a).missing', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(diffRules(a, b).extra).toEqual(diffRules(b, a).missing);
        expect(diffRules(a, b).missing).toEqual(diffRules(b, a).extra);
      }),
    );
  });

  it('applying the diff to live yields desired', () => {
    fc.assert(
      fc.property(pair, ([live, desired]) => {
        expect(keySet(applyRuleDiff(live, diffRules(live, desired)))).toEqual(keySet(desired));
      }),
    );
  });

  it('extra and missing are disjoint and drawn from live and desired respectively', () => {
    fc.assert(
      fc.property(pair, ([live, desired]) => {
        const diff = diffRules(live, desired);
        const liveKeys = new Set(live.map(canonicalRuleKey));
        const desiredKeys = new Set(desired.map(canonicalRuleKey));
        for (const r of diff.extra) expect(liveKeys.has(canonicalRuleKey(r)) && !desiredKeys.has(canonicalRuleKey(r))).toBe(true);
        for (const r of diff.missing) expect(desiredKeys.has(canonicalRuleKey(r)) && !liveKeys.has(canonicalRuleKey(r))).toBe(true);
      }),
    );
  });
});

describe('analyzeExposure (properties)', () => {
  const context = { groupId: SELF };

  it('a revoke never widens; an authorize widens exactly when no replaced rule covers it', () => {
    fc.assert(
      fc.property(rules(15), rules(15), (extra, missing) => {
        const a = analyzeExposure({ extra, missing }, context);
        for (const op of [...a.change, ...a.revert]) if (op.action === 'revoke') expect(op.widens).toBe(false);
        for (const op of a.change.filter((o) => o.action === 'authorize')) {
          expect(op.widens).toBe(!missing.some((m) => ruleCovers(m, op.rule)));
        }
        for (const op of a.revert.filter((o) => o.action === 'authorize')) {
          expect(op.widens).toBe(!extra.some((x) => ruleCovers(x, op.rule)));
        }
        expect(a.changeWidensExposure).toBe(a.change.some((o) => o.widens));
        expect(a.revertWidensExposure).toBe(a.revert.some((o) => o.widens));
      }),
    );
  });

  it('a pure addition always widens the change and never the revert', () => {
    fc.assert(
      fc.property(
        rules(15).filter((l) => l.length > 0),
        (extra) => {
          const a = analyzeExposure({ extra, missing: [] }, context);
          expect(a.changeWidensExposure).toBe(true);
          expect(a.revertWidensExposure).toBe(false);
          expect(a.change).toHaveLength(extra.length);
          expect(a.revert.every((op) => op.action === 'revoke')).toBe(true);
        },
      ),
    );
  });
});
