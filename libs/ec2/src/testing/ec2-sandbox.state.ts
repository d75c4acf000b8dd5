/**
 * The sandbox account's security groups, in memory, with EC2's rule semantics (no HTTP here):
 * - a rule is one direction, protocol, port range and peer (the canonical model of
 *   @driftwarden/security-group); its identity ignores the description, as EC2's does;
 * - Authorize is all-or-nothing: one rule that already exists fails the call with
 *   `InvalidPermission.Duplicate` and adds nothing;
 * - Revoke by `SecurityGroupRuleIds` is all-or-nothing too (`InvalidSecurityGroupRuleId.NotFound`);
 * - Revoke by `IpPermissions` that match nothing: in a non-default VPC
 *   `InvalidPermission.NotFound` and nothing revoked; in a default VPC no error, the unmatched
 *   permissions come back as `UnknownIpPermissions` with `Return: false` (CONTRACTS.md §A9);
 * - a rule that refers to a security group that does not exist cannot be authorized, through the
 *   API or out of band: `InvalidGroup.NotFound` naming the referenced group, nothing added. A
 *   group's own id is always a valid reference. `addGroup` seeds existing state and accepts any
 *   reference (a live rule may outlive the group it refers to: AWS's stale rules).
 */
import { canonicalRuleKey, canonicalizeRule, sortRules, uniqueRules } from '@driftwarden/kinds/security-group';
import { Ec2ApiError, ec2Errors } from './ec2-sandbox.errors';
import type { QueryFilter } from './ec2-query';
import type { PermissionRule, RuleDirection } from '@driftwarden/kinds/security-group';

export interface SandboxTag {
  key: string;
  value: string;
}

/** What `addGroup` takes. Rules are canonical rules (no default egress rule is added). */
export interface SandboxGroupSpec {
  groupId: string;
  vpcId: string;
  /** A default VPC answers a non-matching revoke with `UnknownIpPermissions` instead of an error. */
  isDefaultVpc?: boolean;
  rules?: readonly PermissionRule[];
  groupName?: string;
  description?: string;
  /** Defaults to the sandbox account. */
  ownerId?: string;
  tags?: Record<string, string>;
}

export interface StoredRule {
  readonly securityGroupRuleId: string;
  readonly rule: PermissionRule;
  readonly tags: readonly SandboxTag[];
}

export interface StoredGroup {
  readonly groupId: string;
  readonly groupName: string;
  readonly description: string;
  readonly vpcId: string;
  readonly isDefaultVpc: boolean;
  readonly ownerId: string;
  readonly tags: readonly SandboxTag[];
  rules: StoredRule[];
}

/** One change to a group's rules, as the sandbox reports it to `onChange` listeners. */
export interface SandboxChange {
  groupId: string;
  /** The EC2 action that made it (out-of-band changes name the action they stand for). */
  action: string;
  added: PermissionRule[];
  removed: PermissionRule[];
  /** The group's rules after the change. */
  rules: PermissionRule[];
  principalArn?: string;
  /** The API request that made it; absent for out-of-band changes. */
  requestId?: string;
  at: string;
}

export interface ChangeContext {
  action: string;
  principalArn?: string;
  requestId?: string;
}

const GROUP_ID = /^sg-[0-9a-f]{8,17}$/;

export class SandboxSecurityGroups {
  private readonly groups = new Map<string, StoredGroup>();
  private nextRuleNumber: number;

  constructor(
    readonly accountId: string,
    readonly region: string,
    private readonly notify: (change: SandboxChange) => void,
    private readonly clock: () => Date,
    ruleIdSeed = 0x5a0000,
  ) {
    this.nextRuleNumber = ruleIdSeed;
  }

  addGroup(spec: SandboxGroupSpec): StoredGroup {
    if (!GROUP_ID.test(spec.groupId)) throw ec2Errors.groupIdMalformed(spec.groupId);
    if (this.groups.has(spec.groupId))
      throw new Ec2ApiError('InvalidGroup.Duplicate', `The security group '${spec.groupId}' already exists`);
    const group: StoredGroup = {
      groupId: spec.groupId,
      groupName: spec.groupName ?? spec.groupId,
      description: spec.description ?? `sandbox group ${spec.groupId}`,
      vpcId: spec.vpcId,
      isDefaultVpc: spec.isDefaultVpc ?? false,
      ownerId: spec.ownerId ?? this.accountId,
      tags: Object.entries(spec.tags ?? {}).map(([key, value]) => ({ key, value })),
      rules: uniqueRules(spec.rules ?? []).map((rule) => this.store(rule)),
    };
    this.groups.set(group.groupId, group);
    return group;
  }

  /** Deletes a group (someone else did, out of band). The controller itself never can. */
  removeGroup(groupId: string): void {
    this.group(groupId);
    this.groups.delete(groupId);
  }

  group(groupId: string): StoredGroup {
    const group = this.groups.get(groupId);
    if (!group) throw ec2Errors.groupNotFound(groupId);
    return group;
  }

  allGroups(): StoredGroup[] {
    return [...this.groups.values()];
  }

  ruleArn(group: StoredGroup, ruleId: string): string {
    return `arn:aws:ec2:${this.region}:${group.ownerId}:security-group-rule/${ruleId}`;
  }

  groupArn(group: StoredGroup): string {
    return `arn:aws:ec2:${this.region}:${group.ownerId}:security-group/${group.groupId}`;
  }

  // --- reads -----------------------------------------------------------------------------------

  describeGroups(groupIds: readonly string[], groupNames: readonly string[], queryFilters: readonly QueryFilter[]): StoredGroup[] {
    for (const id of groupIds) this.group(id);
    let result = this.allGroups();
    if (groupIds.length > 0) result = result.filter((g) => groupIds.includes(g.groupId));
    if (groupNames.length > 0) {
      for (const name of groupNames) {
        if (!result.some((g) => g.groupName === name))
          throw new Ec2ApiError('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC`);
      }
      result = result.filter((g) => groupNames.includes(g.groupName));
    }
    for (const f of queryFilters) {
      const pick: Record<string, (g: StoredGroup) => string> = {
        'group-id': (g) => g.groupId,
        'group-name': (g) => g.groupName,
        'vpc-id': (g) => g.vpcId,
        'owner-id': (g) => g.ownerId,
      };
      const field = pick[f.name];
      if (!field) throw ec2Errors.invalidParameterValue(`The filter '${f.name}' is invalid`);
      const values = new Set(f.values);
      result = result.filter((g) => values.has(field(g)));
    }
    return result;
  }

  describeRules(ruleIds: readonly string[], queryFilters: readonly QueryFilter[]): Array<{ group: StoredGroup; stored: StoredRule }> {
    let result = this.allGroups().flatMap((group) => group.rules.map((stored) => ({ group, stored })));
    if (ruleIds.length > 0) {
      for (const id of ruleIds) if (!result.some((r) => r.stored.securityGroupRuleId === id)) throw ec2Errors.ruleIdNotFound(id);
      result = result.filter((r) => ruleIds.includes(r.stored.securityGroupRuleId));
    }
    for (const f of queryFilters) {
      if (f.name === 'group-id') result = result.filter((r) => f.values.includes(r.group.groupId));
      else if (f.name === 'security-group-rule-id') result = result.filter((r) => f.values.includes(r.stored.securityGroupRuleId));
      else throw ec2Errors.invalidParameterValue(`The filter '${f.name}' is invalid`);
    }
    return result;
  }

  rules(groupId: string): PermissionRule[] {
    return sortRules(this.group(groupId).rules.map((r) => r.rule));
  }

  // --- writes ----------------------------------------------------------------------------------

  /** All-or-nothing: a rule that exists (by identity) fails the whole call. */
  authorize(
    groupId: string,
    direction: RuleDirection,
    rules: readonly PermissionRule[],
    tags: readonly SandboxTag[],
    ctx: ChangeContext,
  ): StoredRule[] {
    const group = this.group(groupId);
    const wanted = uniqueRules(rules);
    const existing = new Set(group.rules.map((r) => canonicalRuleKey(r.rule)));
    for (const rule of wanted) {
      if (rule.direction !== direction) throw ec2Errors.invalidParameterValue(`rule direction ${rule.direction} does not match the action`);
    }
    this.checkReferences(group, wanted);
    for (const rule of wanted) {
      if (existing.has(canonicalRuleKey(rule))) throw ec2Errors.duplicate(rule);
    }
    const added = wanted.map((rule) => this.store(rule, tags));
    group.rules.push(...added);
    this.changed(
      group,
      ctx,
      added.map((r) => r.rule),
      [],
    );
    return added;
  }

  /** All-or-nothing: one unknown id (or an id of the other direction) fails the whole call. */
  revokeByIds(groupId: string, direction: RuleDirection, ruleIds: readonly string[], ctx: ChangeContext): StoredRule[] {
    const group = this.group(groupId);
    const targets: StoredRule[] = [];
    for (const id of ruleIds) {
      const stored = group.rules.find((r) => r.securityGroupRuleId === id && r.rule.direction === direction);
      if (!stored) throw ec2Errors.ruleIdNotFound(id);
      if (!targets.includes(stored)) targets.push(stored);
    }
    group.rules = group.rules.filter((r) => !targets.includes(r));
    this.changed(
      group,
      ctx,
      [],
      targets.map((r) => r.rule),
    );
    return targets;
  }

  /**
   * By rule properties (identity, description ignored). Non-default VPC: any unmatched rule fails
   * the call with `InvalidPermission.NotFound` and nothing is revoked. Default VPC: the matched
   * rules are revoked and the unmatched ones are returned (EC2's `UnknownIpPermissions`).
   */
  revokeByRules(
    groupId: string,
    direction: RuleDirection,
    rules: readonly PermissionRule[],
    ctx: ChangeContext,
  ): { revoked: StoredRule[]; unknown: PermissionRule[] } {
    const group = this.group(groupId);
    const revoked: StoredRule[] = [];
    const unknown: PermissionRule[] = [];
    for (const rule of uniqueRules(rules)) {
      const key = canonicalRuleKey(rule);
      const stored = group.rules.find((r) => r.rule.direction === direction && canonicalRuleKey(r.rule) === key);
      if (stored) revoked.push(stored);
      else unknown.push(rule);
    }
    if (unknown.length > 0 && !group.isDefaultVpc) throw ec2Errors.permissionNotFound();
    if (revoked.length > 0) {
      group.rules = group.rules.filter((r) => !revoked.includes(r));
      this.changed(
        group,
        ctx,
        [],
        revoked.map((r) => r.rule),
      );
    }
    return { revoked, unknown };
  }

  /**
   * Out-of-band add (a human in the console): skips rules that exist; reports the change. Like
   * the console (which calls Authorize), refuses a rule that refers to a group that does not exist.
   */
  addRules(groupId: string, rules: readonly PermissionRule[], principalArn?: string): StoredRule[] {
    const group = this.group(groupId);
    this.checkReferences(group, rules);
    const existing = new Set(group.rules.map((r) => canonicalRuleKey(r.rule)));
    const added = uniqueRules(rules)
      .filter((rule) => !existing.has(canonicalRuleKey(rule)))
      .map((rule) => this.store(rule));
    if (added.length === 0) return [];
    group.rules.push(...added);
    for (const direction of ['ingress', 'egress'] as const) {
      const some = added.filter((r) => r.rule.direction === direction).map((r) => r.rule);
      if (some.length > 0) this.changed(group, { action: authorizeAction(direction), principalArn }, some, []);
    }
    return added;
  }

  /** Out-of-band removal: removes what matches (by identity); reports the change. */
  removeRules(groupId: string, rules: readonly PermissionRule[], principalArn?: string): PermissionRule[] {
    const group = this.group(groupId);
    const keys = new Set(rules.map((r) => canonicalRuleKey(canonicalizeRule(r))));
    const removed = group.rules.filter((r) => keys.has(canonicalRuleKey(r.rule)));
    if (removed.length === 0) return [];
    group.rules = group.rules.filter((r) => !removed.includes(r));
    for (const direction of ['ingress', 'egress'] as const) {
      const some = removed.filter((r) => r.rule.direction === direction).map((r) => r.rule);
      if (some.length > 0) this.changed(group, { action: revokeAction(direction), principalArn }, [], some);
    }
    return removed.map((r) => r.rule);
  }

  /**
   * Every security group a rule refers to must exist (in any VPC or owner the sandbox holds), as
   * EC2 checks on Authorize: the first that does not fails the call with `InvalidGroup.NotFound`
   * naming it (`The security group 'sg-…' does not exist`).
   */
  private checkReferences(group: StoredGroup, rules: readonly PermissionRule[]): void {
    for (const rule of rules) {
      if (rule.peer.kind !== 'securityGroup') continue;
      const referenced = rule.peer.groupId;
      if (referenced !== group.groupId && !this.groups.has(referenced)) throw ec2Errors.groupNotFound(referenced);
    }
  }

  private store(rule: PermissionRule, tags: readonly SandboxTag[] = []): StoredRule {
    const id = `sgr-0${(this.nextRuleNumber++).toString(16).padStart(16, '0')}`;
    return { securityGroupRuleId: id, rule: canonicalizeRule(rule), tags: [...tags] };
  }

  private changed(group: StoredGroup, ctx: ChangeContext, added: PermissionRule[], removed: PermissionRule[]): void {
    if (added.length === 0 && removed.length === 0) return;
    const change: SandboxChange = {
      groupId: group.groupId,
      action: ctx.action,
      added,
      removed,
      rules: sortRules(group.rules.map((r) => r.rule)),
      at: this.clock().toISOString(),
    };
    if (ctx.principalArn !== undefined) change.principalArn = ctx.principalArn;
    if (ctx.requestId !== undefined) change.requestId = ctx.requestId;
    this.notify(change);
  }
}

export function authorizeAction(direction: RuleDirection): 'AuthorizeSecurityGroupIngress' | 'AuthorizeSecurityGroupEgress' {
  return direction === 'ingress' ? 'AuthorizeSecurityGroupIngress' : 'AuthorizeSecurityGroupEgress';
}

export function revokeAction(direction: RuleDirection): 'RevokeSecurityGroupIngress' | 'RevokeSecurityGroupEgress' {
  return direction === 'ingress' ? 'RevokeSecurityGroupIngress' : 'RevokeSecurityGroupEgress';
}
