/**
 * Where a security group's rules are declared in one file, read with tree-sitter: the group's
 * inline `ingress` / `egress` blocks and the rule resources bound to it, each as a rule source
 * with the block it comes from. Anything that makes an in-place edit unsafe is reported.
 */
import { attribute, attributesOf, type HclBlock, type HclDocument } from '@driftwarden/hcl-edit';
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
  type RuleStyle,
} from '../rules/terraform-rules';
import { unsafe, type EditUnsafe } from './edit-result';
import type { RuleDirection } from '../../model/permission-rule';

export interface CodeRuleSource {
  style: RuleStyle;
  /** The `ingress` / `egress` block (inline) or the rule resource. */
  block: HclBlock;
  /** How to name it in messages: `ingress block at line 12`, `aws_security_group_rule.ssh`. */
  label: string;
  source: RuleSource;
}

export interface GroupCode {
  /** The group's `aws_security_group` block, when this file declares it. */
  group?: HclBlock;
  sources: CodeRuleSource[];
  /** Styles in use for this group in this file. */
  styles: Set<RuleStyle>;
  /** Rule resources whose `security_group_id` cannot be tied to a group, as `type.name (text)`. */
  unresolved: string[];
  /** Whether an existing rule resource names the group through `aws_security_group.<name>.id`. */
  referencedByName: boolean;
}

/**
 * The top-level blocks an edit of a group's rules reads: module calls, the group's own
 * `aws_security_group` block (any group's when no name is given) and every rule resource (to
 * find those bound to the group, and those whose binding cannot be told). The others need not
 * be parsed at all.
 */
export function holdsRules(type: string, labels: readonly string[], groupName?: string): boolean {
  if (type === 'module') return true;
  if (type !== 'resource') return false;
  const resourceType = labels[0];
  if (resourceType === SECURITY_GROUP_TYPE) return groupName === undefined || labels[1] === groupName;
  return resourceType === LEGACY_RULE_TYPE || resourceType === VPC_RULE_TYPES.ingress || resourceType === VPC_RULE_TYPES.egress;
}

export function readGroupCode(doc: HclDocument, ctx: RuleContext): GroupCode | EditUnsafe {
  const address = `${SECURITY_GROUP_TYPE}.${ctx.groupName ?? ctx.groupId ?? '?'}`;
  const code: GroupCode = { sources: [], styles: new Set(), unresolved: [], referencedByName: false };

  if (ctx.groupName !== undefined) {
    const group = doc.resource(SECURITY_GROUP_TYPE, ctx.groupName);
    if (group) {
      assertDeep(group);
      code.group = group;
      const problem = metaProblem(doc, group, address);
      if (problem) return problem;
      for (const attr of group.attributes) {
        if (attr.name === 'ingress' || attr.name === 'egress') {
          return unsafe(
            'attribute-form',
            `${address} sets ${attr.name} as an attribute (line ${doc.lineNumber(attr.span.start)}), not as blocks`,
          );
        }
      }
      for (const nested of group.blocks) {
        if (nested.type === 'dynamic' && (nested.labels[0] === 'ingress' || nested.labels[0] === 'egress')) {
          return unsafe('dynamic', `${address} uses dynamic "${nested.labels[0]}" blocks (line ${doc.lineNumber(nested.span.start)})`);
        }
        if (nested.type !== 'ingress' && nested.type !== 'egress') continue;
        const label = `${nested.type} block at line ${doc.lineNumber(nested.span.start)}`;
        const read = readInlineRule(nested.type, attributesOf(nested), ctx);
        const source = sourceOrUnsafe(read, `${address} ${label}`);
        if ('unsafe' in source) return source;
        code.sources.push({ style: 'inline', block: nested, label, source });
        code.styles.add('inline');
      }
    }
  }

  const resourceTypes: Array<[string, RuleStyle, RuleDirection | null]> = [
    [VPC_RULE_TYPES.ingress, 'vpc-rule', 'ingress'],
    [VPC_RULE_TYPES.egress, 'vpc-rule', 'egress'],
    [LEGACY_RULE_TYPE, 'legacy-rule', null],
  ];
  const ruleResources = doc
    .resources()
    .filter((block) => resourceTypes.some(([type]) => type === block.labels[0]))
    .sort((a, b) => a.span.start - b.span.start);
  for (const block of ruleResources) {
    assertDeep(block);
    const [type, name] = block.labels;
    const [, style, direction] = resourceTypes.find(([t]) => t === type) ?? resourceTypes[0];
    const attrs = attributesOf(block);
    const binding = groupBinding(attrs.get('security_group_id'));
    const label = `${type}.${name}`;
    if (binding.kind === 'unresolved' || binding.kind === 'missing') {
      code.unresolved.push(binding.kind === 'missing' ? `${label} (no security_group_id)` : `${label} (${binding.text})`);
      continue;
    }
    if (!bindsTo(binding, ctx)) continue;
    if (binding.kind === 'reference') code.referencedByName = true;
    const problem = metaProblem(doc, block, label);
    if (problem) return problem;
    const read = direction ? readVpcRule(direction, attrs, ctx) : readLegacyRule(attrs, ctx);
    const source = sourceOrUnsafe(read, label);
    if ('unsafe' in source) return source;
    code.sources.push({ style, block, label, source });
    code.styles.add(style);
  }
  return code;
}

/** A document parsed without this block in depth cannot be edited from: a caller's mistake. */
function assertDeep(block: HclBlock): void {
  if (!block.deep) {
    throw new Error(`${block.labels.join('.')} was not read in depth: parse with { deep: blocksToRead(target) }`);
  }
}

function metaProblem(doc: HclDocument, block: HclBlock, label: string): EditUnsafe | undefined {
  for (const meta of ['count', 'for_each'] as const) {
    const attr = attribute(block, meta);
    if (attr) return unsafe(meta, `${label} uses ${meta} (line ${doc.lineNumber(attr.span.start)})`);
  }
  return undefined;
}

function sourceOrUnsafe(read: RuleSourceResult, label: string): RuleSource | EditUnsafe {
  if (read.ok) return read.source;
  return unsafe(read.nonLiteral ? 'non-literal' : 'unreadable', `${label}: ${read.problem}`);
}
