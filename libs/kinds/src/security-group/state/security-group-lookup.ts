/**
 * The desired state of one security group, from the state index's security-group part of every
 * stack covering its account and region: the union of the group's inline rules and all rule
 * resources targeting it (resolve-security-group.ts). Resolved groups are cached for as long as
 * the covering stacks' indexes are the same objects (a reload replaces them).
 */
import type { DesiredStateIndex, StackStateIndex } from '@driftwarden/terraform-state';
import { type ManagedSecurityGroup, type SecurityGroupLookup, resolveSecurityGroup } from './resolve-security-group';
import { type StateEntry, locationMatches, securityGroupStateKind } from './security-group-state';

/** Resolved groups kept at most (cleared whole when exceeded). */
const CACHE_LIMIT = 20_000;

/** A copy the caller may change: the cached rules are frozen and shared, the containers are not. */
function copyOf(sg: ManagedSecurityGroup): ManagedSecurityGroup {
  return {
    ...sg,
    stacks: [...sg.stacks],
    desiredRules: [...sg.desiredRules],
    ruleOwners: new Map(sg.ruleOwners),
    ruleStacks: new Map(sg.ruleStacks),
    ruleIds: new Map(sg.ruleIds),
    tags: { ...sg.tags },
    addresses: [...sg.addresses],
    unconfirmedInlineRules: [...sg.unconfirmedInlineRules],
    warnings: [...sg.warnings],
  };
}

export class SecurityGroupStates {
  private readonly cache = new Map<string, { states: readonly StackStateIndex[]; resolved: ManagedSecurityGroup }>();

  constructor(private readonly index: DesiredStateIndex) {}

  /**
   * The group's desired state, or `{ managed: false, reason }` when no stack covering the account
   * and region declares it. Throws when a covering stack's state cannot be read.
   */
  async lookup(account: string, region: string, groupId: string): Promise<SecurityGroupLookup> {
    const { stacks, indexes } = await this.index.kindIndexes(securityGroupStateKind, account, region);
    if (stacks.length === 0) return { managed: false, groupId, reason: `no configured stack covers account ${account} in ${region}` };
    const key = `${account}/${region}/${groupId}`;
    const states = indexes.map((i) => i.state);
    const cached = this.cache.get(key);
    if (cached && cached.states.length === states.length && cached.states.every((s, k) => s === states[k])) return copyOf(cached.resolved);
    const entries: StateEntry[] = [];
    for (const { index } of indexes) {
      for (const entry of index.entriesFor(groupId)) if (locationMatches(entry.location, account, region)) entries.push(entry);
    }
    const resolved = resolveSecurityGroup(groupId, entries);
    if (resolved) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, { states, resolved });
      return copyOf(resolved);
    }
    const names = stacks.map((s) => `"${s}"`).join(', ');
    return {
      managed: false,
      groupId,
      reason: `${groupId} is in the Terraform state of no stack covering account ${account} in ${region} (checked ${names})`,
    };
  }

  /** The rule resource that created AWS rule `ruleId` (`sgr-…`), if a covering stack has one. */
  async lookupRule(
    account: string,
    region: string,
    ruleId: string,
  ): Promise<{ stack: string; address: string; groupId: string } | undefined> {
    const { indexes } = await this.index.kindIndexes(securityGroupStateKind, account, region);
    for (const { index } of indexes) {
      const entry = index.ruleEntry(ruleId);
      if (entry && locationMatches(entry.location, account, region))
        return { stack: entry.stack, address: entry.address, groupId: entry.groupId };
    }
    return undefined;
  }
}
