/**
 * Terraform attributes -> rules, for the three ways Terraform declares security group rules:
 * - `inline`: `ingress` / `egress` blocks of `aws_security_group`;
 * - `vpc-rule`: `aws_vpc_security_group_ingress_rule` / `_egress_rule` resources (one peer each);
 * - `legacy-rule`: `aws_security_group_rule` resources.
 * One block or resource is a "rule source": one protocol and port range, any number of peers.
 * Peers whose value is not a literal are kept as opaque peers (their count is checked, never
 * their value); a non-literal protocol, port, direction or `self` makes the source unreadable.
 * Protocols, ports and keys are the security-group model's (`../../model`).
 */
import { describeValue, type AttributeValue, type AttributeValues } from '@driftwarden/hcl-edit';
import { canonicalPorts, canonicalProtocol } from '../../model/protocol';
import { canonicalTrafficKey } from '../../model/rule';
import { parseGroupReference } from '../../normalize/terraform';
import type { PermissionRule, RuleDirection, RulePeer } from '../../model/permission-rule';

export type RuleStyle = 'inline' | 'vpc-rule' | 'legacy-rule';

export const VPC_RULE_TYPES: Record<RuleDirection, string> = {
  ingress: 'aws_vpc_security_group_ingress_rule',
  egress: 'aws_vpc_security_group_egress_rule',
};
export const LEGACY_RULE_TYPE = 'aws_security_group_rule';
export const SECURITY_GROUP_TYPE = 'aws_security_group';

/** What the rules are evaluated against. */
export interface RuleContext {
  /** Name of the group's `aws_security_group` block in this module, when it has one. */
  groupName?: string;
  /** The group's AWS id; needed to read `self = true` and self references as rules. */
  groupId?: string;
}

/** Where a peer comes from: an attribute, and an index when the attribute is a list. */
export interface PeerLocation {
  attribute: string;
  index: number | null;
}

export interface SourcePeer extends PeerLocation {
  peer: RulePeer;
}

export interface OpaquePeer extends PeerLocation {
  kind: RulePeer['kind'];
  /** The expression as written, for messages. */
  text: string;
}

export interface RuleSource {
  direction: RuleDirection;
  /** Canonical (`canonicalProtocol`), as are the ports (`canonicalPorts`). */
  protocol: string;
  fromPort: number | null;
  toPort: number | null;
  /** `canonicalTrafficKey` of direction, protocol and ports. */
  traffic: string;
  description?: string;
  peers: SourcePeer[];
  opaquePeers: OpaquePeer[];
}

/** A value the rules cannot be read from: `nonLiteral` when it is an expression only Terraform can evaluate. */
export interface RuleProblem {
  ok: false;
  problem: string;
  nonLiteral: boolean;
}

export type RuleSourceResult = { ok: true; source: RuleSource } | RuleProblem;

/** Whose rules a rule resource holds, from its `security_group_id`. */
export type GroupBinding =
  { kind: 'reference'; name: string } | { kind: 'id'; id: string } | { kind: 'unresolved'; text: string } | { kind: 'missing' };

const INLINE_PEERS: Array<[string, RulePeer['kind']]> = [
  ['cidr_blocks', 'ipv4'],
  ['ipv6_cidr_blocks', 'ipv6'],
  ['prefix_list_ids', 'prefixList'],
  ['security_groups', 'securityGroup'],
];
const VPC_PEERS: Array<[string, RulePeer['kind']]> = [
  ['cidr_ipv4', 'ipv4'],
  ['cidr_ipv6', 'ipv6'],
  ['prefix_list_id', 'prefixList'],
  ['referenced_security_group_id', 'securityGroup'],
];
const LEGACY_PEERS: Array<[string, RulePeer['kind']]> = [
  ['cidr_blocks', 'ipv4'],
  ['ipv6_cidr_blocks', 'ipv6'],
  ['prefix_list_ids', 'prefixList'],
];

/** An `ingress` / `egress` block of `aws_security_group`. */
export function readInlineRule(direction: RuleDirection, attrs: AttributeValues, ctx: RuleContext): RuleSourceResult {
  return readSource(direction, attrs, ctx, 'protocol', INLINE_PEERS, true, ['self'], []);
}

/** An `aws_vpc_security_group_ingress_rule` / `_egress_rule` resource. */
export function readVpcRule(direction: RuleDirection, attrs: AttributeValues, ctx: RuleContext): RuleSourceResult {
  return readSource(direction, attrs, ctx, 'ip_protocol', VPC_PEERS, false, [], []);
}

/** An `aws_security_group_rule` resource. */
export function readLegacyRule(attrs: AttributeValues, ctx: RuleContext): RuleSourceResult {
  const type = attrs.get('type');
  if (!type || type.kind !== 'literal' || (type.value !== 'ingress' && type.value !== 'egress')) {
    return fail('type', type, 'expected "ingress" or "egress"');
  }
  return readSource(type.value, attrs, ctx, 'protocol', LEGACY_PEERS, true, ['self'], ['source_security_group_id']);
}

/** Which group a rule resource belongs to, from its `security_group_id`. */
export function groupBinding(value: AttributeValue | undefined): GroupBinding {
  if (!value) return { kind: 'missing' };
  if (value.kind === 'literal' && typeof value.value === 'string') return { kind: 'id', id: value.value };
  if (value.kind === 'opaque') {
    const match = /^aws_security_group\.([A-Za-z_][\w-]*)\.id$/.exec(value.text);
    if (match) return { kind: 'reference', name: match[1] };
    return { kind: 'unresolved', text: value.display };
  }
  return { kind: 'unresolved', text: describeValue(value) };
}

export function bindsTo(binding: GroupBinding, ctx: RuleContext): boolean {
  if (binding.kind === 'reference') return ctx.groupName !== undefined && binding.name === ctx.groupName;
  if (binding.kind === 'id') return ctx.groupId !== undefined && binding.id === ctx.groupId;
  return false;
}

/** The literal rules of a source, one per peer. */
export function sourceRules(source: RuleSource): PermissionRule[] {
  return source.peers.map((p) => {
    const rule: PermissionRule = {
      direction: source.direction,
      protocol: source.protocol,
      fromPort: source.fromPort,
      toPort: source.toPort,
      peer: p.peer,
    };
    if (source.description !== undefined) rule.description = source.description;
    return rule;
  });
}

function readSource(
  direction: RuleDirection,
  attrs: AttributeValues,
  ctx: RuleContext,
  protocolAttr: string,
  peerAttributes: Array<[string, RulePeer['kind']]>,
  /** Whether the peer attributes are lists (inline, legacy) or single values (vpc rules). */
  listPeers: boolean,
  selfAttrs: string[],
  groupAttrs: string[],
): RuleSourceResult {
  const protocolValue = attrs.get(protocolAttr);
  if (!protocolValue || protocolValue.kind !== 'literal' || protocolValue.value === null || typeof protocolValue.value === 'boolean') {
    return fail(protocolAttr, protocolValue);
  }
  const protocol = canonicalProtocol(protocolValue.value);
  const from = readPort(attrs, 'from_port');
  if (typeof from === 'object' && from !== null) return from;
  const to = readPort(attrs, 'to_port');
  if (typeof to === 'object' && to !== null) return to;
  const ports = canonicalPorts(protocol, from, to);

  const source: RuleSource = {
    direction,
    protocol,
    ...ports,
    traffic: canonicalTrafficKey({ direction, protocol, ...ports }),
    peers: [],
    opaquePeers: [],
  };
  const description = attrs.get('description');
  if (description?.kind === 'literal' && typeof description.value === 'string' && description.value !== '') {
    source.description = description.value;
  }

  const peerAttrs: Array<[string, RulePeer['kind'], boolean]> = [
    ...peerAttributes.map(([name, kind]): [string, RulePeer['kind'], boolean] => [name, kind, listPeers]),
    ...groupAttrs.map((name): [string, RulePeer['kind'], boolean] => [name, 'securityGroup', false]),
  ];
  for (const [name, kind, isList] of peerAttrs) {
    const value = attrs.get(name);
    if (!value || (value.kind === 'literal' && value.value === null)) continue;
    const problem = readPeerValue(source, name, kind, value, isList, ctx);
    if (problem) return problem;
  }
  for (const name of selfAttrs) {
    const value = attrs.get(name);
    if (!value) continue;
    if (value.kind !== 'literal' || (typeof value.value !== 'boolean' && value.value !== null)) {
      return fail(name, value);
    }
    if (value.value !== true) continue;
    if (ctx.groupId) source.peers.push({ peer: { kind: 'securityGroup', groupId: ctx.groupId }, attribute: name, index: null });
    else source.opaquePeers.push({ kind: 'securityGroup', attribute: name, index: null, text: 'true' });
  }
  return { ok: true, source };
}

function readPort(attrs: AttributeValues, name: string): number | null | RuleProblem {
  const value = attrs.get(name);
  if (!value || (value.kind === 'literal' && value.value === null)) return null;
  if (value.kind === 'literal') {
    const number = typeof value.value === 'number' ? value.value : typeof value.value === 'string' ? Number(value.value) : NaN;
    if (Number.isInteger(number)) return number;
  }
  return fail(name, value, 'expected a whole number');
}

function fail(name: string, value: AttributeValue | undefined, expected?: string): RuleProblem {
  const problem = `${name} is ${value ? describeValue(value) : 'missing'}${value?.kind !== 'opaque' && expected ? ` (${expected})` : ''}`;
  return { ok: false, problem, nonLiteral: value?.kind === 'opaque' };
}

/** Adds the peers of one attribute (a list or a single value) to the source; returns a problem or undefined. */
function readPeerValue(
  source: RuleSource,
  attribute: string,
  kind: RulePeer['kind'],
  value: AttributeValue,
  isList: boolean,
  ctx: RuleContext,
): RuleProblem | undefined {
  const add = (item: AttributeValue, index: number | null): RuleProblem | undefined => {
    if (item.kind === 'opaque') {
      const groupId = kind === 'securityGroup' ? resolveGroupReference(item.text, ctx) : undefined;
      if (groupId) source.peers.push({ peer: { kind: 'securityGroup', groupId }, attribute, index });
      else source.opaquePeers.push({ kind, attribute, index, text: item.display });
      return undefined;
    }
    if (item.kind !== 'literal' || typeof item.value !== 'string') {
      return fail(`${attribute}${index === null ? '' : `[${index}]`}`, item, 'expected a string');
    }
    source.peers.push({ peer: peerOf(kind, item.value), attribute, index });
    return undefined;
  };
  if (!isList) return add(value, null);
  if (value.kind === 'list') {
    for (let i = 0; i < value.items.length; i += 1) {
      const problem = add(value.items[i], i);
      if (problem) return problem;
    }
    return undefined;
  }
  if (value.kind === 'opaque') {
    // A whole list from a variable, a local, a function…: an unknown number of peers.
    source.opaquePeers.push({ kind, attribute, index: null, text: value.display });
    return undefined;
  }
  return fail(attribute, value, 'expected a list');
}

function peerOf(kind: RulePeer['kind'], text: string): RulePeer {
  switch (kind) {
    case 'ipv4':
      return { kind: 'ipv4', cidr: text };
    case 'ipv6':
      return { kind: 'ipv6', cidr: text };
    case 'prefixList':
      return { kind: 'prefixList', prefixListId: text };
    case 'securityGroup':
      return parseGroupReference(text);
  }
}

/** `aws_security_group.<the group>.id` is the group itself. */
function resolveGroupReference(text: string, ctx: RuleContext): string | undefined {
  if (!ctx.groupName || !ctx.groupId) return undefined;
  return text === `aws_security_group.${ctx.groupName}.id` ? ctx.groupId : undefined;
}
