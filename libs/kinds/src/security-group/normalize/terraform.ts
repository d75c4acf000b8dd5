/**
 * Terraform state attributes (CONTRACTS.md §E2) ↔ canonical rules, for the three ways the AWS
 * provider expresses security group rules:
 * - `aws_security_group` inline `ingress`/`egress` blocks: lists of CIDRs, prefix lists and
 *   groups per block, `self = true` for the group itself, protocol `-1` with ports 0;
 * - `aws_vpc_security_group_ingress_rule` / `_egress_rule`: one rule per resource, protocol
 *   `-1` with null ports;
 * - legacy `aws_security_group_rule`: `type` ingress|egress, lists of sources.
 */
import { z } from 'zod';
import { canonicalizeRule, groupPeer, makeRule, uniqueRules } from '../model/rule';
import { fail, parseShape } from '../security-group.errors';
import type { PermissionRule, RuleDirection, RulePeer } from '../model/permission-rule';

export const TF_SECURITY_GROUP = 'aws_security_group';
export const TF_VPC_INGRESS_RULE = 'aws_vpc_security_group_ingress_rule';
export const TF_VPC_EGRESS_RULE = 'aws_vpc_security_group_egress_rule';
export const TF_LEGACY_RULE = 'aws_security_group_rule';

export type TerraformVpcRuleType = typeof TF_VPC_INGRESS_RULE | typeof TF_VPC_EGRESS_RULE;

/** One inline `ingress`/`egress` block as the state stores it (every key present). */
export interface TerraformInlineRule {
  cidr_blocks: string[];
  description: string;
  from_port: number;
  ipv6_cidr_blocks: string[];
  prefix_list_ids: string[];
  protocol: string;
  security_groups: string[];
  self: boolean;
  to_port: number;
}

/** The rule attributes of an `aws_vpc_security_group_ingress_rule` / `_egress_rule`. */
export interface TerraformVpcRuleAttributes {
  security_group_id: string;
  ip_protocol: string;
  from_port: number | null;
  to_port: number | null;
  cidr_ipv4: string | null;
  cidr_ipv6: string | null;
  prefix_list_id: string | null;
  referenced_security_group_id: string | null;
  description: string | null;
}

/** The rule attributes of a legacy `aws_security_group_rule` holding one rule. */
export interface TerraformLegacyRuleAttributes {
  type: RuleDirection;
  security_group_id: string;
  protocol: string;
  from_port: number;
  to_port: number;
  cidr_blocks: string[];
  ipv6_cidr_blocks: string[];
  prefix_list_ids: string[];
  source_security_group_id: string | null;
  self: boolean;
  description: string | null;
}

const stringList = z
  .array(z.string())
  .nullish()
  .transform((v) => v ?? []);
const port = z.number().nullish();
const protocol = z.union([z.string(), z.number()]);

const inlineBlockSchema = z.looseObject({
  cidr_blocks: stringList,
  description: z.string().nullish(),
  from_port: port,
  ipv6_cidr_blocks: stringList,
  prefix_list_ids: stringList,
  protocol,
  security_groups: stringList,
  self: z.boolean().nullish(),
  to_port: port,
});

const securityGroupSchema = z.looseObject({
  id: z.string(),
  ingress: z.array(z.unknown()).nullish(),
  egress: z.array(z.unknown()).nullish(),
});

const vpcRuleSchema = z.looseObject({
  security_group_id: z.string().nullish(),
  ip_protocol: protocol,
  from_port: port,
  to_port: port,
  cidr_ipv4: z.string().nullish(),
  cidr_ipv6: z.string().nullish(),
  prefix_list_id: z.string().nullish(),
  referenced_security_group_id: z.string().nullish(),
  description: z.string().nullish(),
});

const legacyRuleSchema = z.looseObject({
  type: z.enum(['ingress', 'egress']),
  security_group_id: z.string(),
  protocol,
  from_port: port,
  to_port: port,
  cidr_blocks: stringList,
  ipv6_cidr_blocks: stringList,
  prefix_list_ids: stringList,
  source_security_group_id: z.string().nullish(),
  self: z.boolean().nullish(),
  description: z.string().nullish(),
});

/** `sg-123` or the cross-account form `123456789012/sg-123`. */
export function parseGroupReference(reference: string): Extract<RulePeer, { kind: 'securityGroup' }> {
  const slash = reference.indexOf('/');
  return slash < 0 ? groupPeer(reference) : groupPeer(reference.slice(slash + 1), reference.slice(0, slash));
}

/** The rules of inline `ingress` or `egress` blocks; `self = true` becomes `selfGroupId`. */
export function rulesFromTerraformInlineBlocks(
  blocks: unknown,
  direction: RuleDirection,
  selfGroupId: string,
  basePath: string = direction,
): PermissionRule[] {
  const list = parseShape('terraform', z.array(z.unknown()).nullish(), blocks, basePath) ?? [];
  const rules: PermissionRule[] = [];
  list.forEach((entry, i) => {
    const b = parseShape('terraform', inlineBlockSchema, entry, `${basePath}[${i}]`);
    const base = { direction, protocol: b.protocol, fromPort: b.from_port, toPort: b.to_port, description: b.description };
    for (const cidr of b.cidr_blocks) rules.push(makeRule({ ...base, peer: { kind: 'ipv4', cidr } }));
    for (const cidr of b.ipv6_cidr_blocks) rules.push(makeRule({ ...base, peer: { kind: 'ipv6', cidr } }));
    for (const id of b.prefix_list_ids) rules.push(makeRule({ ...base, peer: { kind: 'prefixList', prefixListId: id } }));
    for (const ref of b.security_groups) rules.push(makeRule({ ...base, peer: parseGroupReference(ref) }));
    if (b.self) rules.push(makeRule({ ...base, peer: { kind: 'securityGroup', groupId: selfGroupId } }));
  });
  return uniqueRules(rules);
}

/** The inline rules of an `aws_security_group`'s state attributes (`id` is the self group). */
export function rulesFromTerraformSecurityGroup(attributes: unknown): PermissionRule[] {
  const sg = parseShape('terraform', securityGroupSchema, attributes, 'attributes');
  return uniqueRules([
    ...rulesFromTerraformInlineBlocks(sg.ingress ?? [], 'ingress', sg.id, 'attributes.ingress'),
    ...rulesFromTerraformInlineBlocks(sg.egress ?? [], 'egress', sg.id, 'attributes.egress'),
  ]);
}

export function isTerraformVpcRuleType(type: string): type is TerraformVpcRuleType {
  return type === TF_VPC_INGRESS_RULE || type === TF_VPC_EGRESS_RULE;
}

/** The one rule of an `aws_vpc_security_group_ingress_rule` / `_egress_rule`. */
export function ruleFromTerraformVpcRule(type: TerraformVpcRuleType, attributes: unknown): PermissionRule {
  const r = parseShape('terraform', vpcRuleSchema, attributes, 'attributes');
  const peers: RulePeer[] = [];
  if (r.cidr_ipv4) peers.push({ kind: 'ipv4', cidr: r.cidr_ipv4 });
  if (r.cidr_ipv6) peers.push({ kind: 'ipv6', cidr: r.cidr_ipv6 });
  if (r.prefix_list_id) peers.push({ kind: 'prefixList', prefixListId: r.prefix_list_id });
  if (r.referenced_security_group_id) peers.push(parseGroupReference(r.referenced_security_group_id));
  const [peer] = peers;
  if (peers.length !== 1 || peer === undefined) {
    const found = `found ${peers.length}`;
    fail('terraform', 'attributes', `expected exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_security_group_id; ${found}`);
  }
  return makeRule({
    direction: type === TF_VPC_INGRESS_RULE ? 'ingress' : 'egress',
    protocol: r.ip_protocol,
    fromPort: r.from_port,
    toPort: r.to_port,
    peer,
    description: r.description,
  });
}

/** The rules of a legacy `aws_security_group_rule` (one per source; `self` = its group). */
export function rulesFromTerraformLegacyRule(attributes: unknown): PermissionRule[] {
  const r = parseShape('terraform', legacyRuleSchema, attributes, 'attributes');
  const base = { direction: r.type, protocol: r.protocol, fromPort: r.from_port, toPort: r.to_port, description: r.description };
  const rules: PermissionRule[] = [];
  for (const cidr of r.cidr_blocks) rules.push(makeRule({ ...base, peer: { kind: 'ipv4', cidr } }));
  for (const cidr of r.ipv6_cidr_blocks) rules.push(makeRule({ ...base, peer: { kind: 'ipv6', cidr } }));
  for (const id of r.prefix_list_ids) rules.push(makeRule({ ...base, peer: { kind: 'prefixList', prefixListId: id } }));
  if (r.source_security_group_id) rules.push(makeRule({ ...base, peer: parseGroupReference(r.source_security_group_id) }));
  if (r.self) rules.push(makeRule({ ...base, peer: { kind: 'securityGroup', groupId: r.security_group_id } }));
  return uniqueRules(rules);
}

/** Terraform writes "no ports" as 0 in inline blocks and legacy rules. */
function terraformPort(port: number | null): number {
  return port ?? 0;
}

/**
 * Canonical rules → inline `ingress`/`egress` blocks with every key present. Rules with the
 * same protocol, ports and description share a block (a block has one description); a group
 * equal to `selfGroupId` becomes `self = true`. Referenced groups are written by id only.
 */
export function toTerraformInlineBlocks(
  rules: readonly PermissionRule[],
  selfGroupId: string,
): { ingress: TerraformInlineRule[]; egress: TerraformInlineRule[] } {
  const out: Record<RuleDirection, Map<string, TerraformInlineRule>> = { ingress: new Map(), egress: new Map() };
  for (const rule of uniqueRules(rules.map(canonicalizeRule))) {
    const description = rule.description ?? '';
    const key = JSON.stringify([rule.protocol, rule.fromPort, rule.toPort, description]);
    let block = out[rule.direction].get(key);
    if (!block) {
      block = {
        cidr_blocks: [],
        description,
        from_port: terraformPort(rule.fromPort),
        ipv6_cidr_blocks: [],
        prefix_list_ids: [],
        protocol: rule.protocol,
        security_groups: [],
        self: false,
        to_port: terraformPort(rule.toPort),
      };
      out[rule.direction].set(key, block);
    }
    const peer = rule.peer;
    switch (peer.kind) {
      case 'ipv4':
        block.cidr_blocks.push(peer.cidr);
        break;
      case 'ipv6':
        block.ipv6_cidr_blocks.push(peer.cidr);
        break;
      case 'prefixList':
        block.prefix_list_ids.push(peer.prefixListId);
        break;
      case 'securityGroup':
        if (peer.groupId === selfGroupId) block.self = true;
        else block.security_groups.push(peer.groupId);
        break;
    }
  }
  return { ingress: [...out.ingress.values()], egress: [...out.egress.values()] };
}

/** A canonical rule → the resource type and attributes of an `aws_vpc_security_group_*_rule`. */
export function toTerraformVpcRule(
  rule: PermissionRule,
  groupId: string,
): { type: TerraformVpcRuleType; attributes: TerraformVpcRuleAttributes } {
  const r = canonicalizeRule(rule);
  const attributes: TerraformVpcRuleAttributes = {
    security_group_id: groupId,
    ip_protocol: r.protocol,
    from_port: r.fromPort,
    to_port: r.toPort,
    cidr_ipv4: r.peer.kind === 'ipv4' ? r.peer.cidr : null,
    cidr_ipv6: r.peer.kind === 'ipv6' ? r.peer.cidr : null,
    prefix_list_id: r.peer.kind === 'prefixList' ? r.peer.prefixListId : null,
    referenced_security_group_id: r.peer.kind === 'securityGroup' ? r.peer.groupId : null,
    description: r.description ?? null,
  };
  return { type: r.direction === 'ingress' ? TF_VPC_INGRESS_RULE : TF_VPC_EGRESS_RULE, attributes };
}

/** A canonical rule → the attributes of a legacy `aws_security_group_rule` (self when the peer is `groupId`). */
export function toTerraformLegacyRule(rule: PermissionRule, groupId: string): TerraformLegacyRuleAttributes {
  const r = canonicalizeRule(rule);
  const self = r.peer.kind === 'securityGroup' && r.peer.groupId === groupId;
  return {
    type: r.direction,
    security_group_id: groupId,
    protocol: r.protocol,
    from_port: terraformPort(r.fromPort),
    to_port: terraformPort(r.toPort),
    cidr_blocks: r.peer.kind === 'ipv4' ? [r.peer.cidr] : [],
    ipv6_cidr_blocks: r.peer.kind === 'ipv6' ? [r.peer.cidr] : [],
    prefix_list_ids: r.peer.kind === 'prefixList' ? [r.peer.prefixListId] : [],
    source_security_group_id: r.peer.kind === 'securityGroup' && !self ? r.peer.groupId : null,
    self,
    description: r.description ?? null,
  };
}
