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
import { jsonAttributesOf, jsonBlockBody, jsonObject, type AttributeValue } from '@driftwarden/hcl-edit';

export type JsonRulesResult = { ok: true; sources: RuleSource[] } | { ok: false; problem: string };

export function readGroupRulesFromJson(json: unknown, ctx: RuleContext): JsonRulesResult {
  const sources: RuleSource[] = [];
  const resources = jsonObject(jsonObject(json)?.resource) ?? {};

  if (ctx.groupName !== undefined) {
    const group = jsonBlockBody(jsonObject(resources[SECURITY_GROUP_TYPE])?.[ctx.groupName]);
    if (group) {
      if ('dynamic' in group) return { ok: false, problem: `${SECURITY_GROUP_TYPE}.${ctx.groupName} has dynamic blocks` };
      for (const direction of ['ingress', 'egress'] as const) {
        const blocks = group[direction];
        if (blocks === undefined) continue;
        if (!Array.isArray(blocks)) return { ok: false, problem: `${direction} is not a list of blocks` };
        for (const block of blocks) {
          const read = readInlineRule(direction, jsonAttributesOf(block), ctx);
          if (!read.ok) return { ok: false, problem: `${direction} block: ${read.problem}` };
          sources.push(read.source);
        }
      }
    }
  }

  const readers: Array<[string, (attrs: Map<string, AttributeValue>) => RuleSourceResult]> = [
    [VPC_RULE_TYPES.ingress, (attrs) => readVpcRule('ingress', attrs, ctx)],
    [VPC_RULE_TYPES.egress, (attrs) => readVpcRule('egress', attrs, ctx)],
    [LEGACY_RULE_TYPE, (attrs) => readLegacyRule(attrs, ctx)],
  ];
  for (const [type, read] of readers) {
    const byName = jsonObject(resources[type]) ?? {};
    for (const [name, bodies] of Object.entries(byName)) {
      const body = jsonBlockBody(bodies);
      if (!body) continue;
      const attrs = jsonAttributesOf(body);
      if (!bindsTo(groupBinding(attrs.get('security_group_id')), ctx)) continue;
      const result = read(attrs);
      if (!result.ok) return { ok: false, problem: `${type}.${name}: ${result.problem}` };
      sources.push(result.source);
    }
  }
  return { ok: true, sources };
}
