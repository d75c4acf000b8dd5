/**
 * The small part of security-group rule normalisation the HCL edit needs: one canonical form for
 * protocols and port ranges so that a rule written in Terraform (`protocol = "6"`, ports `0` for
 * all traffic) and a rule read from AWS (`tcp`, ports null) compare equal, and a key that
 * identifies a rule regardless of its description.
 */
import type { PermissionRule, RuleDirection, RulePeer } from '@driftwarden/domain';

const PROTOCOL_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };

/** `tcp`, `udp`, `icmp`, `icmpv6`, `-1` or a protocol number, lower case. */
export function normaliseProtocol(protocol: string): string {
  const lower = protocol.trim().toLowerCase();
  return PROTOCOL_NAMES[lower] ?? lower;
}

export interface PortRange {
  fromPort: number | null;
  toPort: number | null;
}

/**
 * Ports as AWS reports them: none for all traffic (`-1`) and protocols without ports; tcp/udp
 * without ports mean 0-65535; icmp without type/code means -1/-1.
 */
export function normalisePorts(protocol: string, fromPort: number | null, toPort: number | null): PortRange {
  const p = normaliseProtocol(protocol);
  if (p === 'tcp' || p === 'udp') return { fromPort: fromPort ?? 0, toPort: toPort ?? 65535 };
  if (p === 'icmp' || p === 'icmpv6') return { fromPort: fromPort ?? -1, toPort: toPort ?? -1 };
  return { fromPort: null, toPort: null };
}

/** Canonical CIDR text (IPv6 lower case). */
export function normaliseCidr(cidr: string): string {
  return cidr.trim().toLowerCase();
}

/** A security group reference as Terraform writes it: `sg-…` or `<account>/sg-…`. */
export function securityGroupPeer(text: string): RulePeer {
  const slash = text.indexOf('/');
  if (slash > 0) return { kind: 'securityGroup', groupId: text.slice(slash + 1), userId: text.slice(0, slash) };
  return { kind: 'securityGroup', groupId: text };
}

export function peerKey(peer: RulePeer): string {
  switch (peer.kind) {
    case 'ipv4':
      return `ipv4:${normaliseCidr(peer.cidr)}`;
    case 'ipv6':
      return `ipv6:${normaliseCidr(peer.cidr)}`;
    case 'prefixList':
      return `pl:${peer.prefixListId}`;
    case 'securityGroup':
      return `sg:${peer.groupId}`;
  }
}

/** direction, protocol and ports: what a rule allows, without the peer. */
export function trafficKey(direction: RuleDirection, protocol: string, fromPort: number | null, toPort: number | null): string {
  const p = normaliseProtocol(protocol);
  const ports = normalisePorts(p, fromPort, toPort);
  return `${direction}|${p}|${ports.fromPort ?? ''}|${ports.toPort ?? ''}`;
}

/** Identifies a rule: direction, protocol, ports and peer (not the description, not the peer's account). */
export function ruleKey(rule: PermissionRule): string {
  return `${trafficKey(rule.direction, rule.protocol, rule.fromPort, rule.toPort)}|${peerKey(rule.peer)}`;
}

/** The rule in canonical form (protocol name, ports as AWS reports them). */
export function canonicalRule(rule: PermissionRule): PermissionRule {
  const protocol = normaliseProtocol(rule.protocol);
  const ports = normalisePorts(protocol, rule.fromPort, rule.toPort);
  const canonical: PermissionRule = { direction: rule.direction, protocol, ...ports, peer: rule.peer };
  if (rule.description !== undefined && rule.description !== '') canonical.description = rule.description;
  return canonical;
}
