/**
 * The network-ACL kind's part of the Terraform state index: `aws_network_acl` and
 * `aws_default_network_acl` by `id` (acl-…), with their inline `ingress`/`egress` blocks, and
 * `aws_network_acl_rule` by `network_acl_id`. Entries are read while the state streams by (an
 * entry the model cannot read makes the state unreadable, as a security group's would).
 */
import {
  locationFromArn,
  locationMatches,
  type DesiredStateIndex,
  type StateInstance,
  type StateKind,
  type StateLocation,
} from '@driftwarden/terraform-state';
import type { JsonObject, ResourceRef } from '@driftwarden/domain';
import type { DesiredLookup } from '@driftwarden/pipeline';
import { entryKey, sortEntries, type NaclEntry } from '../model/entry';
import { entriesFromTerraformInline, entryFromTerraformRule } from '../normalize/sources';

export const TF_NETWORK_ACL = 'aws_network_acl';
export const TF_DEFAULT_NETWORK_ACL = 'aws_default_network_acl';
export const TF_NETWORK_ACL_RULE = 'aws_network_acl_rule';
export const NETWORK_ACL = 'AWS::EC2::NetworkAcl';

export interface NetworkAclStateEntry {
  stack: string;
  address: string;
  resourceType: string;
  aclId: string;
  location: StateLocation;
  tainted: boolean;
  /** The ACL's inline entries, or the rule resource's one entry. */
  entries: NaclEntry[];
  tags: Record<string, string>;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function locationOf(attributes: Readonly<Record<string, unknown>>, identity?: Readonly<Record<string, unknown>>): StateLocation {
  const fromArn = locationFromArn(str(attributes['arn']));
  const account = fromArn.account ?? str(attributes['owner_id']) ?? str(identity?.['account_id']);
  const region = str(attributes['region']) ?? fromArn.region ?? str(identity?.['region']);
  return { ...(account ? { account } : {}), ...(region ? { region } : {}) };
}

export function networkAclEntry(instance: StateInstance): NetworkAclStateEntry | undefined {
  const { stack, address, type, attributes } = instance;
  const base = { stack, address, resourceType: type, location: locationOf(attributes, instance.identity), tainted: instance.tainted };
  if (type === TF_NETWORK_ACL || type === TF_DEFAULT_NETWORK_ACL) {
    const aclId = str(attributes['id']) ?? str(attributes['default_network_acl_id']);
    if (!aclId) return undefined;
    const tags = (attributes['tags_all'] ?? attributes['tags'] ?? {}) as Record<string, string>;
    return { ...base, aclId, entries: entriesFromTerraformInline(attributes, address), tags: { ...tags } };
  }
  if (type === TF_NETWORK_ACL_RULE) {
    const aclId = str(attributes['network_acl_id']);
    if (!aclId) return undefined;
    return { ...base, aclId, entries: [entryFromTerraformRule(attributes, address)], tags: {} };
  }
  return undefined;
}

export class NetworkAclStateIndex {
  private readonly byAcl = new Map<string, NetworkAclStateEntry[]>();
  readonly aclCount: number;

  constructor(entries: readonly NetworkAclStateEntry[]) {
    let acls = 0;
    for (const e of entries) {
      if (e.resourceType !== TF_NETWORK_ACL_RULE) acls++;
      const list = this.byAcl.get(e.aclId);
      if (list) list.push(e);
      else this.byAcl.set(e.aclId, [e]);
    }
    this.aclCount = acls;
  }

  entriesFor(aclId: string): readonly NetworkAclStateEntry[] {
    return this.byAcl.get(aclId) ?? [];
  }

  /** Every entry (the reconciling sweep enumerates them). */
  *entries(): IterableIterator<NetworkAclStateEntry> {
    for (const list of this.byAcl.values()) yield* list;
  }
}

export const networkAclStateKind: StateKind<NetworkAclStateEntry, NetworkAclStateIndex> = {
  name: 'network-acl',
  terraformTypes: [TF_NETWORK_ACL, TF_DEFAULT_NETWORK_ACL, TF_NETWORK_ACL_RULE],
  extract: networkAclEntry,
  index: (_stack, entries) => new NetworkAclStateIndex(entries),
  count: (index) => index.aclCount,
};

/** What the kind's `analyze`, `callChanges` and backport read back from `DesiredResource.attributes`. */
export interface NetworkAclDesiredAttributes {
  desiredEntries: NaclEntry[];
  /** Whether Terraform owns the whole ACL (an aws_network_acl / aws_default_network_acl is in state): then live-only entries are drift. */
  authoritative: boolean;
  /** entry key → the address of the aws_network_acl_rule that declares it (absent: inline on the ACL). */
  ruleOwners: Record<string, string>;
  /** `inline` (the ACL's blocks), `rule` (aws_network_acl_rule resources), or `mixed`. */
  style: 'inline' | 'rule' | 'mixed';
  aclAddress: string | null;
  addresses: string[];
  tags: Record<string, string>;
  warnings: string[];
}

/**
 * The desired state of one network ACL from every stack covering its account and region: the
 * union of the ACL's inline entries and the rule resources targeting it (a rule resource wins
 * over an inline entry of the same key: Terraform applies it after the ACL).
 */
export async function networkAclDesired(index: DesiredStateIndex, resource: ResourceRef): Promise<DesiredLookup> {
  const { stacks, indexes } = await index.kindIndexes(networkAclStateKind, resource.account, resource.region);
  if (stacks.length === 0)
    return { managed: false, reason: `no configured stack covers account ${resource.account} in ${resource.region}` };
  const found: NetworkAclStateEntry[] = [];
  for (const { index: i } of indexes) {
    for (const e of i.entriesFor(resource.id)) if (locationMatches(e.location, resource.account, resource.region)) found.push(e);
  }
  if (found.length === 0) {
    return {
      managed: false,
      reason: `${resource.id} is in the Terraform state of no stack covering account ${resource.account} in ${resource.region} (checked ${stacks.map((s) => `"${s}"`).join(', ')})`,
    };
  }
  const acl = found.find((e) => e.resourceType !== TF_NETWORK_ACL_RULE);
  const rules = found.filter((e) => e.resourceType === TF_NETWORK_ACL_RULE);
  const byKey = new Map<string, NaclEntry>();
  const ruleOwners: Record<string, string> = {};
  const warnings: string[] = [];
  for (const e of acl?.entries ?? []) byKey.set(entryKey(e), e);
  for (const r of rules) {
    for (const e of r.entries) {
      byKey.set(entryKey(e), e);
      ruleOwners[entryKey(e)] = r.address;
    }
  }
  if (found.some((e) => e.tainted)) warnings.push(`a Terraform resource of ${resource.id} is tainted: the next apply replaces it`);
  const inlineCount = acl?.entries.filter((e) => !ruleOwners[entryKey(e)]).length ?? 0;
  const style = rules.length === 0 ? 'inline' : inlineCount === 0 ? 'rule' : 'mixed';
  const attributes: NetworkAclDesiredAttributes = {
    desiredEntries: sortEntries([...byKey.values()]),
    authoritative: acl !== undefined,
    ruleOwners,
    style,
    aclAddress: acl?.address ?? null,
    addresses: found.map((e) => e.address),
    tags: acl?.tags ?? {},
    warnings,
  };
  return {
    managed: true,
    stack: (acl ?? found[0]!).stack,
    address: acl?.address ?? found[0]!.address,
    attributes: attributes as unknown as JsonObject,
  };
}
