/**
 * The desired state of one security group from every state entry about it, across stacks:
 * the union of the group's inline rules and all rule resources targeting it, which address
 * declares each rule, and which of the three styles the code uses.
 *
 * Ownership: a rule declared by a rule resource (`aws_vpc_security_group_*_rule`,
 * `aws_security_group_rule`) is owned by that resource even when the group's inline
 * `ingress`/`egress` attributes list it too — with rule resources, those attributes are
 * computed and mirror the live rules at the last refresh. Inline rules that no rule resource
 * declares are owned by the group's address; with rule resources also present the style is
 * `mixed` and a warning says the inline part may be such a mirror.
 */
import { PermanentError } from '@driftwarden/domain';
import { canonicalRuleKey, sortRules } from '../model/rule';
import { ruleFromTerraformVpcRule, rulesFromTerraformLegacyRule, rulesFromTerraformSecurityGroup } from '../normalize/terraform';
import type { StateEntry } from './security-group-state';
import type { PermissionRule } from '../model/permission-rule';

export type SecurityGroupStyle = 'inline' | 'vpc_rule' | 'legacy_rule' | 'mixed';

export interface ManagedSecurityGroup {
  managed: true;
  groupId: string;
  /** The stack that owns the `aws_security_group`; without one, the stack of the first rule resource. */
  stack: string;
  /** Every stack that declares something about the group (usually one). */
  stacks: string[];
  /** The `aws_security_group` address; absent when only rule resources target the group. */
  groupAddress?: string;
  /**
   * The group itself is in a state, so Terraform declares its full rule set. False when only
   * rule resources target it: the group belongs to something else (e.g. created by EKS), and a
   * live rule not declared here is not necessarily drift.
   */
  authoritative: boolean;
  /** Canonical, sorted, unique by identity. */
  desiredRules: PermissionRule[];
  /** `ruleKey` → the address that declares the rule (what a backport edits). */
  ruleOwners: Map<string, string>;
  /** `ruleKey` → the stack of that address. */
  ruleStacks: Map<string, string>;
  /** `ruleKey` → `sgr-…` for rules whose resource records an AWS rule id. */
  ruleIds: Map<string, string>;
  style: SecurityGroupStyle;
  /** `tags_all` (provider default tags included), else `tags`, of the group resource. */
  tags: Record<string, string>;
  /** Every address about the group: the group first, then rule resources. */
  addresses: string[];
  /** A resource Terraform will replace on the next apply is among them. */
  tainted: boolean;
  /**
   * Inline rules of the group that no rule resource declares, while rule resources also target
   * it: possibly only a computed mirror of live rules at the last refresh (included in
   * `desiredRules`, owned by `groupAddress`).
   */
  unconfirmedInlineRules: PermissionRule[];
  /** Things a human should know (duplicate declarations, probable computed mirrors). */
  warnings: string[];
}

export interface UnmanagedSecurityGroup {
  managed: false;
  groupId: string;
  reason: string;
}

export type SecurityGroupLookup = ManagedSecurityGroup | UnmanagedSecurityGroup;

function stringMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

function parseRules(entry: StateEntry): readonly PermissionRule[] {
  try {
    switch (entry.kind) {
      case 'security_group':
        return rulesFromTerraformSecurityGroup(entry.attributes);
      case 'vpc_rule':
        return [ruleFromTerraformVpcRule(entry.resourceType, entry.attributes)];
      case 'legacy_rule':
        return rulesFromTerraformLegacyRule(entry.attributes);
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new PermanentError(`stack "${entry.stack}": cannot read the rules of ${entry.address}: ${reason}`, 'terraform_state_invalid', {
      cause: err,
    });
  }
}

/**
 * Normalised rules per entry, read once per loaded state version: entries are immutable and
 * replaced with their index, so a weak map keyed by entry forgets them with it.
 */
const rulesByEntry = new WeakMap<StateEntry, readonly PermissionRule[] | PermanentError>();

function readRules(entry: StateEntry): readonly PermissionRule[] {
  let rules = rulesByEntry.get(entry);
  if (rules === undefined) {
    try {
      rules = Object.freeze(parseRules(entry).map(freezeRule));
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      rules = err;
    }
    rulesByEntry.set(entry, rules);
  }
  if (rules instanceof PermanentError) throw rules;
  return rules;
}

/** Cached rules are shared between lookups: frozen, so no caller can change another's answer. */
function freezeRule(rule: PermissionRule): PermissionRule {
  Object.freeze(rule.peer);
  return Object.freeze(rule);
}

type Owner = { entry: StateEntry; style: Exclude<SecurityGroupStyle, 'mixed'> };

/** Combines the entries about `groupId` (already filtered to the right account and region). */
export function resolveSecurityGroup(groupId: string, entries: readonly StateEntry[]): ManagedSecurityGroup | undefined {
  if (entries.length === 0) return undefined;
  const warnings: string[] = [];
  const groups = entries.filter((e) => e.kind === 'security_group');
  const ruleResources = entries.filter((e) => e.kind !== 'security_group');
  const [group, ...duplicateGroups] = groups;
  for (const dup of duplicateGroups) {
    warnings.push(`${groupId} is declared twice: ${group?.stack}:${group?.address} and ${dup.stack}:${dup.address}; using the first`);
  }

  const rules = new Map<string, PermissionRule>();
  const owners = new Map<string, Owner>();
  const ruleIds = new Map<string, string>();
  const declare = (rule: PermissionRule, owner: Owner) => {
    const key = canonicalRuleKey(rule);
    const existing = owners.get(key);
    if (existing) {
      if (existing.style !== 'inline' && owner.style !== 'inline' && existing.entry.address !== owner.entry.address) {
        warnings.push(`the rule ${key} is declared twice: ${existing.entry.address} and ${owner.entry.address}; using the first`);
      }
      return;
    }
    rules.set(key, rule);
    owners.set(key, owner);
    if (owner.entry.kind !== 'security_group' && owner.entry.ruleId) ruleIds.set(key, owner.entry.ruleId);
  };

  // Rule resources first: they own rules that a computed inline mirror repeats.
  for (const entry of ruleResources) {
    const style = entry.kind === 'vpc_rule' ? 'vpc_rule' : 'legacy_rule';
    for (const rule of readRules(entry)) declare(rule, { entry, style });
  }
  const inlineOnly: PermissionRule[] = [];
  if (group) {
    for (const rule of readRules(group)) {
      if (!owners.has(canonicalRuleKey(rule))) inlineOnly.push(rule);
      declare(rule, { entry: group, style: 'inline' });
    }
  }

  const styles = new Set([...owners.values()].map((o) => o.style));
  let style: SecurityGroupStyle;
  if (styles.size > 1) style = 'mixed';
  else if (styles.size === 1) style = [...styles][0] ?? 'inline';
  else if (ruleResources.length > 0) style = ruleResources[0]?.kind === 'legacy_rule' ? 'legacy_rule' : 'vpc_rule';
  else style = 'inline';
  const unconfirmed = group && ruleResources.length > 0 ? inlineOnly : [];
  if (group && unconfirmed.length > 0) {
    warnings.push(
      `${group.address} lists ${unconfirmed.length} inline rule(s) that no rule resource declares while rule resources also target ${groupId}; ` +
        'with rule resources the inline attributes are computed and may only mirror live rules at the last refresh',
    );
  }

  const first = group ?? ruleResources[0];
  if (!first) return undefined;
  if (!group) {
    warnings.push(
      `no stack declares the aws_security_group ${groupId} itself, only rule resources targeting it; rules they do not declare may belong to another system`,
    );
  }
  const stacks = [...new Set(entries.map((e) => e.stack))];
  const addresses = [...new Set([...(group ? [group.address] : []), ...ruleResources.map((e) => e.address)])];
  const result: ManagedSecurityGroup = {
    managed: true,
    groupId,
    stack: first.stack,
    stacks,
    authoritative: group !== undefined,
    desiredRules: sortRules([...rules.values()]),
    ruleOwners: new Map([...owners].map(([key, o]) => [key, o.entry.address])),
    ruleStacks: new Map([...owners].map(([key, o]) => [key, o.entry.stack])),
    ruleIds,
    style,
    tags: (group && (stringMap(group.attributes['tags_all']) ?? stringMap(group.attributes['tags']))) ?? {},
    addresses,
    tainted: entries.some((e) => e.tainted),
    unconfirmedInlineRules: sortRules(unconfirmed),
    warnings,
  };
  if (group) result.groupAddress = group.address;
  return result;
}
