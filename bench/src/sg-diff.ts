/**
 * Rule diff + exposure analysis for one security group of 500 rules: `diffRules(live, desired)`
 * then `analyzeExposure(diff, …)`, as the analyzer runs them per event. The two sets are
 * generated deterministically and look like a large shared group: ingress from private
 * subnets, partner /32s, other security groups, prefix lists, IPv6, some UDP and ICMP, and
 * egress. They differ by 10%: 25 rules removed, 25 widened (a wider CIDR or port range in
 * place of the original) and 25 added, i.e. 50 `extra` and 50 `missing`.
 */
import { analyzeExposure, canonicalRuleKey, canonicalizeRule, diffRules } from '@driftwarden/kinds/security-group';
import { median, percentile } from './util';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

/** mulberry32: a small deterministic PRNG, so every run diffs the same sets. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON_PORTS = [22, 80, 443, 3306, 5432, 5672, 6379, 8080, 8443, 9090, 9200, 9300, 11211, 15672, 27017];

function generateRule(rand: () => number): PermissionRule {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const port = () => (rand() < 0.6 ? pick(COMMON_PORTS) : int(1024, 65000));
  const r = rand();
  if (r < 0.35) {
    const p = port();
    return {
      direction: 'ingress',
      protocol: 'tcp',
      fromPort: p,
      toPort: p,
      peer: { kind: 'ipv4', cidr: `10.${int(0, 255)}.${int(0, 255)}.0/24` },
      description: 'app subnet',
    };
  }
  if (r < 0.5) {
    const p = int(1024, 60000);
    return {
      direction: 'ingress',
      protocol: 'tcp',
      fromPort: p,
      toPort: p + int(0, 100),
      peer: { kind: 'ipv4', cidr: `203.0.${int(0, 255)}.${int(1, 254)}/32` },
      description: 'partner',
    };
  }
  if (r < 0.6) {
    const p = port();
    return {
      direction: 'ingress',
      protocol: 'tcp',
      fromPort: p,
      toPort: p,
      peer: { kind: 'securityGroup', groupId: `sg-0${int(0, 0xfffffff).toString(16).padStart(16, '0')}`, userId: '111122223333' },
    };
  }
  if (r < 0.68) {
    const p = port();
    return {
      direction: 'ingress',
      protocol: 'tcp',
      fromPort: p,
      toPort: p,
      peer: { kind: 'prefixList', prefixListId: `pl-0${int(0, 0xfffff).toString(16).padStart(8, '0')}` },
    };
  }
  if (r < 0.78) {
    const p = port();
    return {
      direction: 'ingress',
      protocol: 'tcp',
      fromPort: p,
      toPort: p,
      peer: { kind: 'ipv6', cidr: `2001:db8:${int(0, 0xffff).toString(16)}::/48` },
    };
  }
  if (r < 0.83) {
    const p = int(1, 65000);
    return {
      direction: 'ingress',
      protocol: 'udp',
      fromPort: p,
      toPort: p,
      peer: { kind: 'ipv4', cidr: `172.${int(16, 31)}.${int(0, 255)}.0/24` },
    };
  }
  if (r < 0.85) {
    return {
      direction: 'ingress',
      protocol: 'icmp',
      fromPort: pick([0, 3, 8, 11]),
      toPort: -1,
      peer: { kind: 'ipv4', cidr: `10.${int(0, 255)}.0.0/16` },
    };
  }
  const p = port();
  return {
    direction: 'egress',
    protocol: 'tcp',
    fromPort: p,
    toPort: p,
    peer: { kind: 'ipv4', cidr: `10.${int(0, 255)}.${int(0, 255)}.0/24` },
  };
}

/** A wider version of `rule`: a wider CIDR, a wider port range, or the whole internet. */
function widen(rule: PermissionRule, rand: () => number): PermissionRule {
  const r = rand();
  if (r < 0.4 && rule.peer.kind === 'ipv4')
    return { ...rule, peer: { kind: 'ipv4', cidr: rand() < 0.5 ? '0.0.0.0/0' : rule.peer.cidr.replace(/\.\d+\.\d+\/\d+$/, '.0.0/16') } };
  if (rule.fromPort !== null && rule.toPort !== null && rule.protocol !== 'icmp')
    return { ...rule, fromPort: Math.max(1, rule.fromPort - 100), toPort: Math.min(65535, rule.toPort + 100) };
  return { ...rule, peer: { kind: 'ipv4', cidr: '0.0.0.0/0' } };
}

export function generateRuleSets(size = 500, changedFraction = 0.1, seed = 500): { desired: PermissionRule[]; live: PermissionRule[] } {
  const rand = prng(seed);
  const seen = new Set<string>();
  const unique = (make: () => PermissionRule): PermissionRule => {
    for (;;) {
      const rule = make();
      const key = canonicalRuleKey(canonicalizeRule(rule));
      if (!seen.has(key)) {
        seen.add(key);
        return rule;
      }
    }
  };
  const desired = Array.from({ length: size }, () => unique(() => generateRule(rand)));
  const each = Math.round((size * changedFraction) / 2);
  // Indices spread over the group, alternately removed and widened.
  const step = Math.floor(size / (2 * each));
  const touched = Array.from({ length: 2 * each }, (_, k) => k * step);
  const removed = new Set(touched.filter((_, k) => k % 2 === 0));
  const widened = new Set(touched.filter((_, k) => k % 2 === 1));
  const live: PermissionRule[] = [];
  desired.forEach((rule, i) => {
    if (removed.has(i)) return;
    live.push(widened.has(i) ? unique(() => widen(rule, rand)) : rule);
  });
  for (let k = 0; k < each; k++) live.push(unique(() => generateRule(rand)));
  return { desired, live };
}

export interface SgDiffResult {
  rules: number;
  extra: number;
  missing: number;
  iterations: number;
  medianMs: number;
  p99Ms: number;
}

export function sgDiffBenchmark(options: { size?: number; iterations?: number } = {}): SgDiffResult {
  const { desired, live } = generateRuleSets(options.size ?? 500);
  const context = { groupId: 'sg-0b22c0ffee0000002', address: 'module.platform.aws_security_group.shared' };
  const run = () => analyzeExposure(diffRules(live, desired), context);
  const check = diffRules(live, desired);
  for (let i = 0; i < 30; i++) run(); // warm-up (JIT)
  const iterations = options.iterations ?? 300;
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return {
    rules: desired.length,
    extra: check.extra.length,
    missing: check.missing.length,
    iterations,
    medianMs: median(times),
    p99Ms: percentile(times, 99),
  };
}
