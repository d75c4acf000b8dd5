/**
 * The check after an edit, with HashiCorp's parser only (independent of tree-sitter):
 * 1. it reads the file before the edit, and its reading of the group's rules must be the one the
 *    edit worked from (tree-sitter's), so a misreading cannot go unnoticed;
 * 2. it must accept the edited file;
 * 3. the group's rules it reads there must be exactly before − removed + added, the added ones
 *    with their descriptions, and with as many non-literal peers as before.
 * Anything else and the edit is refused: never a broken file.
 */
import { checkParsesWithHashicorp } from '@driftwarden/hcl-edit';
import { canonicalRuleKey, canonicalizeRule } from '../../model/rule';
import type { EditDraft } from '../edit/security-group-edit';
import { unsafe, type EditResult, type EditUnsafe } from '../edit/edit-result';
import { sourceRules, type RuleContext } from '../rules/terraform-rules';
import { readGroupRulesFromJson } from './json-rules';
import { describePermissionRule, type PermissionRule } from '../../model/permission-rule';

interface ReadRules {
  rules: Map<string, PermissionRule>;
  opaque: Map<string, number>;
}

export async function checkSecurityGroupEdit(draft: EditDraft): Promise<EditResult> {
  const before = await readWithHashicorp(draft.filename, draft.original, draft.context, 'the file as it is');
  if ('unsafe' in before) return before;
  const { expected } = draft;
  const misread = differences(before, { rules: expected.before, opaque: expected.opaque }, false);
  if (misread.length > 0) {
    return unsafe('check-failed', `HashiCorp's parser reads the group's rules differently from the editor: ${misread.join('; ')}`);
  }

  const after = await readWithHashicorp(draft.filename, draft.text, draft.context, 'the edited file');
  if ('unsafe' in after) return after;
  const wanted: ReadRules = { rules: new Map(before.rules), opaque: before.opaque };
  for (const key of expected.removed) wanted.rules.delete(key);
  for (const [key, rule] of expected.added) wanted.rules.set(key, rule);
  const problems = differences(after, wanted, true);
  for (const [key, rule] of expected.added) {
    const found = after.rules.get(key);
    if (found && found.description !== rule.description) {
      problems.push(
        `${describe(found)} has description ${JSON.stringify(found.description ?? '')}, expected ${JSON.stringify(rule.description ?? '')}`,
      );
    }
  }
  if (problems.length > 0) {
    return unsafe('check-failed', `after the edit the code's rules would not be the live rules: ${problems.join('; ')}`);
  }
  return { unsafe: false, text: draft.text, spans: draft.spans, style: draft.style, changes: draft.changes };
}

async function readWithHashicorp(filename: string, text: string, ctx: RuleContext, what: string): Promise<ReadRules | EditUnsafe> {
  const parsed = await checkParsesWithHashicorp(filename, text);
  if (!parsed.ok) return unsafe('parser-rejected', `HashiCorp's HCL parser rejects ${what}: ${parsed.message}`);
  const read = readGroupRulesFromJson(parsed.json, ctx);
  if (!read.ok) return unsafe('check-failed', `the group's rules in ${what} cannot be read: ${read.problem}`);
  const rules = new Map<string, PermissionRule>();
  const opaque = new Map<string, number>();
  for (const source of read.sources) {
    for (const rule of sourceRules(source).map(canonicalizeRule)) rules.set(canonicalRuleKey(rule), rule);
    for (const o of source.opaquePeers) {
      const key = `${source.traffic}|${o.kind}`;
      opaque.set(key, (opaque.get(key) ?? 0) + 1);
    }
  }
  return { rules, opaque };
}

/** What differs between what was read and what was wanted (rules by key, opaque peers by count). */
function differences(actual: ReadRules, wanted: ReadRules, afterEdit: boolean): string[] {
  const problems: string[] = [];
  const missing = [...wanted.rules].filter(([key]) => !actual.rules.has(key)).map(([, rule]) => rule);
  const extra = [...actual.rules].filter(([key]) => !wanted.rules.has(key)).map(([, rule]) => rule);
  if (missing.length) problems.push(`${afterEdit ? 'missing' : 'not seen by HashiCorp'}: ${missing.map(describe).join(', ')}`);
  if (extra.length) problems.push(`${afterEdit ? 'unexpected' : 'not seen by the editor'}: ${extra.map(describe).join(', ')}`);
  for (const key of new Set([...wanted.opaque.keys(), ...actual.opaque.keys()])) {
    if ((wanted.opaque.get(key) ?? 0) !== (actual.opaque.get(key) ?? 0)) {
      problems.push(`the non-literal ${key.split('|').pop() ?? ''} peers of ${key.split('|').slice(0, -1).join(' ')} differ`);
    }
  }
  return problems;
}

function describe(rule: PermissionRule): string {
  return `${rule.direction} ${describePermissionRule(rule)}`;
}
