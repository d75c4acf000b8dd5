/**
 * The canonical rule model: one `PermissionRule` per direction, protocol, port range and single
 * peer, with canonical protocol, ports and CIDR text. Descriptions are kept but are not part of
 * a rule's identity; neither is the `userId` of a referenced group (group ids are unique, and
 * Terraform state does not record the owner).
 */
import { normalizeCidr } from './cidr';
import { canonicalPorts, canonicalProtocol } from './protocol';
import type { PermissionRule, RuleDirection, RulePeer } from './permission-rule';

/** A canonical rule together with the AWS rule id (`sgr-…`) it was read with, when known. */
export interface IdentifiedRule {
  rule: PermissionRule;
  securityGroupRuleId?: string;
  /** The group the rule belongs to (`sg-…`), when the source says. */
  groupId?: string;
}

export interface RuleInput {
  direction: RuleDirection;
  protocol: string | number;
  fromPort?: number | null;
  toPort?: number | null;
  peer: RulePeer;
  description?: string | null;
}

function canonicalDescription(description: string | null | undefined): string | undefined {
  return typeof description === 'string' && description !== '' ? description : undefined;
}

/** A referenced-group peer; the owner (`userId`) only when known. */
export function groupPeer(groupId: string, userId?: string | null): Extract<RulePeer, { kind: 'securityGroup' }> {
  return userId ? { kind: 'securityGroup', groupId, userId } : { kind: 'securityGroup', groupId };
}

export function canonicalizePeer(peer: RulePeer): RulePeer {
  switch (peer.kind) {
    case 'ipv4':
    case 'ipv6': {
      const cidr = normalizeCidr(peer.cidr);
      // Trust the address over the field it came in (an IPv6 CIDR listed as IPv4 is still IPv6).
      return { kind: cidr.includes(':') ? 'ipv6' : 'ipv4', cidr };
    }
    case 'prefixList':
      return { kind: 'prefixList', prefixListId: peer.prefixListId.trim() };
    case 'securityGroup': {
      return groupPeer(peer.groupId.trim(), peer.userId?.trim());
    }
  }
}

/** Builds a canonical rule from loosely typed parts (protocol numbers, -1/null ports, …). */
export function makeRule(input: RuleInput): PermissionRule {
  const protocol = canonicalProtocol(input.protocol);
  const { fromPort, toPort } = canonicalPorts(protocol, input.fromPort, input.toPort);
  const rule: PermissionRule = {
    direction: input.direction,
    protocol,
    fromPort,
    toPort,
    peer: canonicalizePeer(input.peer),
  };
  const description = canonicalDescription(input.description);
  if (description !== undefined) rule.description = description;
  return rule;
}

/** The canonical form of any `PermissionRule` (idempotent). */
export function canonicalizeRule(rule: PermissionRule): PermissionRule {
  return makeRule(rule);
}

/** `ipv4:0.0.0.0/0`, `ipv6:2001:db8::/32`, `pl:pl-123`, `sg:sg-123`. Assumes a canonical peer. */
function canonicalPeerKey(peer: RulePeer): string {
  switch (peer.kind) {
    case 'ipv4':
      return `ipv4:${peer.cidr}`;
    case 'ipv6':
      return `ipv6:${peer.cidr}`;
    case 'prefixList':
      return `pl:${peer.prefixListId}`;
    case 'securityGroup':
      return `sg:${peer.groupId}`;
  }
}

export function peerKey(peer: RulePeer): string {
  return canonicalPeerKey(canonicalizePeer(peer));
}

/**
 * The traffic part of the key of an already canonical rule (direction, protocol and ports; no
 * peer): `ingress|tcp|8080|8080`, `egress|-1|*|*`. The key of every rule with that traffic
 * starts with it and `|`.
 */
export function canonicalTrafficKey(traffic: Pick<PermissionRule, 'direction' | 'protocol' | 'fromPort' | 'toPort'>): string {
  const from = traffic.fromPort === null ? '*' : String(traffic.fromPort);
  const to = traffic.toPort === null ? '*' : String(traffic.toPort);
  return `${traffic.direction}|${traffic.protocol}|${from}|${to}`;
}

/** Identity key of an already canonical rule (no re-normalisation; for hot loops). */
export function canonicalRuleKey(rule: PermissionRule): string {
  return `${canonicalTrafficKey(rule)}|${canonicalPeerKey(rule.peer)}`;
}

/**
 * The identity of a rule: direction, protocol, ports and peer, after canonicalisation; the
 * description and a referenced group's owner are not part of it.
 * E.g. `ingress|tcp|8080|8080|ipv4:0.0.0.0/0`, `egress|-1|*|*|ipv6:::/0`.
 */
export function ruleKey(rule: PermissionRule): string {
  return canonicalRuleKey(canonicalizeRule(rule));
}

/** Same identity (ignores description and referenced-group owner). */
export function sameRule(a: PermissionRule, b: PermissionRule): boolean {
  return ruleKey(a) === ruleKey(b);
}

/** Canonicalises and drops duplicates by identity; the first occurrence (and its description) wins. */
export function uniqueRules(rules: readonly PermissionRule[]): PermissionRule[] {
  const seen = new Map<string, PermissionRule>();
  for (const rule of rules) {
    const canonical = canonicalizeRule(rule);
    const key = canonicalRuleKey(canonical);
    if (!seen.has(key)) seen.set(key, canonical);
  }
  return [...seen.values()];
}

const DIRECTION_ORDER: Record<RuleDirection, number> = { ingress: 0, egress: 1 };

/** A stable order for display and storage: direction, protocol, ports, peer. */
export function compareRules(a: PermissionRule, b: PermissionRule): number {
  return (
    DIRECTION_ORDER[a.direction] - DIRECTION_ORDER[b.direction] ||
    a.protocol.localeCompare(b.protocol) ||
    (a.fromPort ?? -2) - (b.fromPort ?? -2) ||
    (a.toPort ?? -2) - (b.toPort ?? -2) ||
    canonicalPeerKey(a.peer).localeCompare(canonicalPeerKey(b.peer))
  );
}

export function sortRules(rules: readonly PermissionRule[]): PermissionRule[] {
  return [...rules].sort(compareRules);
}
