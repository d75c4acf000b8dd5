/**
 * The security-group kind's record shapes: one permission rule (direction, protocol, port range,
 * one peer), the diff of a group's rules live vs desired, and the plain-English words for them
 * used in reasons, PR titles and audit lines.
 */
import type { AfterStateEvidence, AttributeDifference, DriftDiff } from '@driftwarden/domain';

export type RuleDirection = 'ingress' | 'egress';

/** Where a security group rule lets traffic come from (ingress) or go to (egress). */
export type RulePeer =
  | { kind: 'ipv4'; cidr: string }
  | { kind: 'ipv6'; cidr: string }
  | { kind: 'prefixList'; prefixListId: string }
  | { kind: 'securityGroup'; groupId: string; userId?: string };

/** One normalised security group permission: one protocol, one port range, one peer. */
export interface PermissionRule {
  direction: RuleDirection;
  /** `tcp`, `udp`, `icmp`, `icmpv6`, `-1` (all) or an IP protocol number as a string. */
  protocol: string;
  /** Start of the port range (ICMP: type); null when the protocol has no ports (`-1`). */
  fromPort: number | null;
  /** End of the port range (ICMP: code); null when the protocol has no ports (`-1`). */
  toPort: number | null;
  peer: RulePeer;
  description?: string;
}

/** A security group's rules, live vs desired (the Terraform state). */
export interface SecurityGroupDiff extends DriftDiff {
  /** In live, not in desired: a revert revokes them, a backport adds them to the code. */
  extra: PermissionRule[];
  /** In desired, not in live: a revert authorizes them, a backport removes them from the code. */
  missing: PermissionRule[];
  attributes: AttributeDifference[];
}

/** What the executor read back after a revert: the group's rules now, and what still differs. */
export interface SecurityGroupAfterState extends AfterStateEvidence {
  rules: PermissionRule[];
  remaining?: { extra: PermissionRule[]; missing: PermissionRule[] };
}

/**
 * A record's diff read as a security group's: rule lists that are absent (a diff written by an
 * older version, or `{ equal: false }` when nothing could be compared) read as empty.
 */
export function securityGroupDiff(diff: DriftDiff | undefined): SecurityGroupDiff {
  const d = (diff ?? { equal: false }) as Partial<SecurityGroupDiff>;
  return {
    ...d,
    equal: d.equal ?? false,
    extra: Array.isArray(d.extra) ? d.extra : [],
    missing: Array.isArray(d.missing) ? d.missing : [],
    attributes: Array.isArray(d.attributes) ? d.attributes : [],
  } as SecurityGroupDiff;
}

/** `tcp/8080`, `tcp/8000-8100`, `all traffic`, `icmp type 8 code 0`. */
export function describePorts(rule: Pick<PermissionRule, 'protocol' | 'fromPort' | 'toPort'>): string {
  const protocol = rule.protocol.toLowerCase();
  if (protocol === '-1' || protocol === 'all') return 'all traffic';
  if (protocol === 'icmp' || protocol === 'icmpv6' || protocol === '1' || protocol === '58') {
    const name = protocol === '1' ? 'icmp' : protocol === '58' ? 'icmpv6' : protocol;
    if (rule.fromPort === null || rule.fromPort === -1) return name;
    const code = rule.toPort === null || rule.toPort === -1 ? '' : ` code ${rule.toPort}`;
    return `${name} type ${rule.fromPort}${code}`;
  }
  if (rule.fromPort === null || rule.toPort === null) return `${protocol}/all ports`;
  if (rule.fromPort === 0 && rule.toPort === 65535) return `${protocol}/all ports`;
  if (rule.fromPort === rule.toPort) return `${protocol}/${rule.fromPort}`;
  return `${protocol}/${rule.fromPort}-${rule.toPort}`;
}

export function describePeer(peer: RulePeer): string {
  switch (peer.kind) {
    case 'ipv4':
    case 'ipv6':
      return peer.cidr;
    case 'prefixList':
      return `prefix list ${peer.prefixListId}`;
    case 'securityGroup':
      return `security group ${peer.userId ? `${peer.userId}/` : ''}${peer.groupId}`;
  }
}

/** `tcp/8080 from 0.0.0.0/0` (ingress) or `all traffic to 10.0.0.0/8` (egress). */
export function describePermissionRule(rule: PermissionRule): string {
  const preposition = rule.direction === 'ingress' ? 'from' : 'to';
  return `${describePorts(rule)} ${preposition} ${describePeer(rule.peer)}`;
}

/**
 * What the live change did, in plain English: rules only live has were opened, rules only the
 * code has were closed. E.g. `closes ingress tcp/8080 from 0.0.0.0/0`.
 */
export function summarizeDiff(diff: Pick<SecurityGroupDiff, 'equal' | 'extra' | 'missing' | 'attributes'>): string {
  if (diff.equal) return 'no difference';
  const parts = [
    ...diff.extra.map((r) => `opens ${r.direction} ${describePermissionRule(r)}`),
    ...diff.missing.map((r) => `closes ${r.direction} ${describePermissionRule(r)}`),
    ...diff.attributes.map((a) => `changes ${a.path}`),
  ];
  return parts.length > 0 ? parts.join('; ') : 'differs from the Terraform state';
}
