/**
 * A security group's rules as HashiCorp's parser reads them (hcl2json output): the same
 * conversions as the edit uses, applied to an independent reading of the file.
 */
import {
  bindsTo,
  groupBinding,
  LEGACY_RULE_TYPE,
  readInlineRule,
  readLegacyRule,
  readVpcRule,
  SECURITY_GROUP_TYPE,
  VPC_RULE_TYPES,
  type RuleContext,
  type RuleSource,
  type RuleSourceResult,
} from '../rules/terraform-rules';
import { fromJson, type RuleValue } from '../rules/rule-values';

export type JsonRulesResult = { ok: true; sources: RuleSource[] } | { ok: false; problem: string };

export function readGroupRulesFromJson(json: unknown, ctx: RuleContext): JsonRulesResult {
  const sources: RuleSource[] = [];
  const resources = asObject(asObject(json)?.resource) ?? {};

  if (ctx.groupName !== undefined) {
    const group = first(asObject(resources[SECURITY_GROUP_TYPE])?.[ctx.groupName]);
    if (group) {
      if ('dynamic' in group) return { ok: false, problem: `${SECURITY_GROUP_TYPE}.${ctx.groupName} has dynamic blocks` };
      for (const direction of ['ingress', 'egress'] as const) {
        const blocks = group[direction];
        if (blocks === undefined) continue;
        if (!Array.isArray(blocks)) return { ok: false, problem: `${direction} is not a list of blocks` };
        for (const block of blocks) {
          const read = readInlineRule(direction, attributes(block), ctx);
          if (!read.ok) return { ok: false, problem: `${direction} block: ${read.problem}` };
          sources.push(read.source);
        }
      }
    }
  }

  const readers: Array<[string, (attrs: Map<string, RuleValue>) => RuleSourceResult]> = [
    [VPC_RULE_TYPES.ingress, (attrs) => readVpcRule('ingress', attrs, ctx)],
    [VPC_RULE_TYPES.egress, (attrs) => readVpcRule('egress', attrs, ctx)],
    [LEGACY_RULE_TYPE, (attrs) => readLegacyRule(attrs, ctx)],
  ];
  for (const [type, read] of readers) {
    const byName = asObject(resources[type]) ?? {};
    for (const [name, bodies] of Object.entries(byName)) {
      const body = first(bodies);
      if (!body) continue;
      const attrs = attributes(body);
      if (!bindsTo(groupBinding(attrs.get('security_group_id')), ctx)) continue;
      const result = read(attrs);
      if (!result.ok) return { ok: false, problem: `${type}.${name}: ${result.problem}` };
      sources.push(result.source);
    }
  }
  return { ok: true, sources };
}

function attributes(block: unknown): Map<string, RuleValue> {
  const attrs = new Map<string, RuleValue>();
  for (const [name, value] of Object.entries(asObject(block) ?? {})) attrs.set(name, fromJson(value));
  return attrs;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** hcl2json writes each block body as a one-element list. */
function first(value: unknown): Record<string, unknown> | undefined {
  return Array.isArray(value) ? asObject(value[0]) : asObject(value);
}
