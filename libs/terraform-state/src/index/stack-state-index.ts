/**
 * The index of one stack's state: AWS id → the state entries that declare something about it
 * (CONTRACTS.md §E2). Security groups by `id`; `aws_vpc_security_group_*_rule` and
 * `aws_security_group_rule` by `security_group_id` (and by `security_group_rule_id` when set).
 * Only managed resources count (a data source reads a group, it does not own it); deposed
 * objects are skipped. Rule attributes are parsed lazily, on lookup.
 */
import { TF_LEGACY_RULE, TF_SECURITY_GROUP, TF_VPC_EGRESS_RULE, TF_VPC_INGRESS_RULE } from '@driftwarden/security-group';
import { instanceAddress } from '../state/address';
import type { TerraformState } from '../state/terraform-state.schema';

/** `aws_default_security_group` manages a VPC's default group with the same inline blocks. */
export const TF_DEFAULT_SECURITY_GROUP = 'aws_default_security_group';

/** Where an entry lives, as far as its attributes tell (absent = unknown, matches anything). */
export interface StateLocation {
  account?: string;
  region?: string;
}

interface EntryBase {
  stack: string;
  /** Terraform instance address, e.g. `module.web.aws_security_group.this`. */
  address: string;
  resourceType: string;
  /** The security group it is about (`sg-…`). */
  groupId: string;
  location: StateLocation;
  attributes: Readonly<Record<string, unknown>>;
  /** Marked tainted: Terraform will replace it on the next apply. */
  tainted: boolean;
}

export interface SecurityGroupEntry extends EntryBase {
  kind: 'security_group';
}

export interface VpcRuleEntry extends EntryBase {
  kind: 'vpc_rule';
  resourceType: typeof TF_VPC_INGRESS_RULE | typeof TF_VPC_EGRESS_RULE;
  /** `sgr-…`. */
  ruleId?: string;
}

export interface LegacyRuleEntry extends EntryBase {
  kind: 'legacy_rule';
  /** `sgr-…`, set by newer provider versions for single-source rules. */
  ruleId?: string;
}

export type StateEntry = SecurityGroupEntry | VpcRuleEntry | LegacyRuleEntry;

export interface StackStateSummary {
  stack: string;
  serial: number;
  lineage: string;
  terraformVersion?: string;
  securityGroups: number;
  ruleResources: number;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `arn:aws:ec2:eu-west-1:111122223333:security-group/sg-…` → region and account. */
function locationFromArn(arn: string | undefined): StateLocation {
  if (!arn) return {};
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return {};
  const location: StateLocation = {};
  if (parts[3]) location.region = parts[3];
  if (parts[4]) location.account = parts[4];
  return location;
}

function locationOf(attributes: Readonly<Record<string, unknown>>, identity: Readonly<Record<string, unknown>> | null | undefined): StateLocation {
  const fromArn = locationFromArn(str(attributes['arn']));
  const account = fromArn.account ?? str(attributes['owner_id']) ?? str(identity?.['account_id']);
  const region = str(attributes['region']) ?? fromArn.region ?? str(identity?.['region']);
  const location: StateLocation = {};
  if (account) location.account = account;
  if (region) location.region = region;
  return location;
}

export function locationMatches(location: StateLocation, account: string, region: string): boolean {
  return (location.account === undefined || location.account === account) && (location.region === undefined || location.region === region);
}

export class StackStateIndex {
  private readonly byGroup = new Map<string, StateEntry[]>();
  private readonly byRuleId = new Map<string, StateEntry>();
  private readonly addresses = new Set<string>();

  constructor(
    readonly stack: string,
    state: TerraformState,
  ) {
    this.serial = state.serial;
    this.lineage = state.lineage;
    this.terraformVersion = state.terraform_version ?? undefined;
    for (const resource of state.resources) {
      if (resource.mode !== 'managed') continue;
      const type = resource.type;
      if (type !== TF_SECURITY_GROUP && type !== TF_DEFAULT_SECURITY_GROUP && type !== TF_VPC_INGRESS_RULE && type !== TF_VPC_EGRESS_RULE && type !== TF_LEGACY_RULE) {
        continue;
      }
      for (const instance of resource.instances) {
        if (instance.deposed) continue;
        const attributes = instance.attributes;
        if (!attributes) continue;
        const address = instanceAddress(resource, instance.index_key);
        const base = { stack, address, attributes, location: locationOf(attributes, instance.identity), tainted: instance.status === 'tainted' };
        if (type === TF_SECURITY_GROUP || type === TF_DEFAULT_SECURITY_GROUP) {
          const groupId = str(attributes['id']);
          if (groupId) this.add({ ...base, kind: 'security_group', resourceType: type, groupId });
          continue;
        }
        const groupId = str(attributes['security_group_id']);
        if (!groupId) continue;
        if (type === TF_VPC_INGRESS_RULE || type === TF_VPC_EGRESS_RULE) {
          const ruleId = str(attributes['security_group_rule_id']) ?? str(attributes['id']);
          this.add({ ...base, kind: 'vpc_rule', resourceType: type, groupId, ...(ruleId ? { ruleId } : {}) });
        } else {
          const ruleId = str(attributes['security_group_rule_id']);
          this.add({ ...base, kind: 'legacy_rule', resourceType: type, groupId, ...(ruleId ? { ruleId } : {}) });
        }
      }
    }
  }

  readonly serial: number;
  readonly lineage: string;
  readonly terraformVersion: string | undefined;

  private add(entry: StateEntry): void {
    const list = this.byGroup.get(entry.groupId);
    if (list) list.push(entry);
    else this.byGroup.set(entry.groupId, [entry]);
    if (entry.kind !== 'security_group' && entry.ruleId?.startsWith('sgr-')) this.byRuleId.set(entry.ruleId, entry);
    this.addresses.add(entry.address);
  }

  /** Every entry about `groupId` (the group itself and the rule resources targeting it). */
  entriesFor(groupId: string): readonly StateEntry[] {
    return this.byGroup.get(groupId) ?? [];
  }

  /** The rule resource whose AWS rule id is `ruleId` (`sgr-…`). */
  ruleEntry(ruleId: string): StateEntry | undefined {
    return this.byRuleId.get(ruleId);
  }

  /** Security group ids this stack declares something about (the group or rules targeting it). */
  securityGroupIds(): string[] {
    return [...this.byGroup.keys()];
  }

  /** Security group ids whose `aws_security_group` (or default group) is in this stack. */
  ownedSecurityGroupIds(): string[] {
    return [...this.byGroup.entries()].filter(([, entries]) => entries.some((e) => e.kind === 'security_group')).map(([id]) => id);
  }

  summary(): StackStateSummary {
    let securityGroups = 0;
    let ruleResources = 0;
    for (const entries of this.byGroup.values()) {
      for (const e of entries) {
        if (e.kind === 'security_group') securityGroups++;
        else ruleResources++;
      }
    }
    const summary: StackStateSummary = { stack: this.stack, serial: this.serial, lineage: this.lineage, securityGroups, ruleResources };
    if (this.terraformVersion !== undefined) summary.terraformVersion = this.terraformVersion;
    return summary;
  }
}
