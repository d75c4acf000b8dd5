/**
 * Live vs desired security group rules, by identity (`ruleKey`): descriptions do not count.
 * Linear in the number of rules (one map per side).
 */
import { canonicalRuleKey, canonicalizeRule } from '../model/rule';
import type { PermissionRule } from '../model/permission-rule';
import type { SecurityGroupDiff } from '../model/permission-rule';

function keyed(rules: readonly PermissionRule[]): Map<string, PermissionRule> {
  const map = new Map<string, PermissionRule>();
  for (const rule of rules) {
    const canonical = canonicalizeRule(rule);
    const key = canonicalRuleKey(canonical);
    if (!map.has(key)) map.set(key, canonical);
  }
  return map;
}

/**
 * `extra`: in live, not in desired (a revert revokes them); `missing`: in desired, not in live
 * (a revert authorizes them). `equal` exactly when both sets are equal by identity. Rules come
 * back canonical, in input order; `attributes` is empty (rules only).
 */
export function diffRules(live: readonly PermissionRule[], desired: readonly PermissionRule[]): SecurityGroupDiff {
  const liveByKey = keyed(live);
  const desiredByKey = keyed(desired);
  const extra: PermissionRule[] = [];
  const missing: PermissionRule[] = [];
  for (const [key, rule] of liveByKey) if (!desiredByKey.has(key)) extra.push(rule);
  for (const [key, rule] of desiredByKey) if (!liveByKey.has(key)) missing.push(rule);
  return { equal: extra.length === 0 && missing.length === 0, extra, missing, attributes: [] };
}

/**
 * `rules` with the diff applied: `extra` removed, `missing` added (by identity). Applying
 * `diffRules(live, desired)` to `live` yields `desired`; use it to predict the after-state of a
 * revert or to check a partial one.
 */
export function applyRuleDiff(rules: readonly PermissionRule[], diff: Pick<SecurityGroupDiff, 'extra' | 'missing'>): PermissionRule[] {
  const result = keyed(rules);
  for (const rule of diff.extra) result.delete(canonicalRuleKey(canonicalizeRule(rule)));
  for (const rule of diff.missing) {
    const canonical = canonicalizeRule(rule);
    const key = canonicalRuleKey(canonical);
    if (!result.has(key)) result.set(key, canonical);
  }
  return [...result.values()];
}
