import type { CandidateDifference, CloudTrailEvent, DifferenceDirection, DriftDifference, JsonObject } from '@driftwarden/domain';
import type { Analysis, CallChanges, DesiredResource, ResourceKind } from '@driftwarden/pipeline';
import { describePacket, diffEntries, entryDiffOf, entryDifferences, entryDirections } from './differences';
import { compareAllowed } from './model/evaluation';
import { entryKey, type NaclEntry, type NetworkAclDiff } from './model/entry';
import { associatedSubnets, entriesFromConfiguration, entryFromCloudTrail } from './normalize/sources';
import { NETWORK_ACL, type NetworkAclDesiredAttributes } from './state/network-acl-state';

/**
 * The CloudTrail calls that change a network ACL (infra/modules/intake-events lists the same).
 * ReplaceNetworkAclAssociation moves a subnet to another ACL: observed, never diffed or reverted.
 */
export const NETWORK_ACL_CALLS = [
  'CreateNetworkAclEntry',
  'ReplaceNetworkAclEntry',
  'DeleteNetworkAclEntry',
  'ReplaceNetworkAclAssociation',
  'CreateNetworkAcl',
  'DeleteNetworkAcl',
] as const;

export function desiredAttributes(desired: DesiredResource): NetworkAclDesiredAttributes {
  const a = desired.attributes as unknown as Partial<NetworkAclDesiredAttributes>;
  return {
    desiredEntries: a.desiredEntries ?? [],
    authoritative: a.authoritative !== false,
    ruleOwners: a.ruleOwners ?? {},
    style: a.style ?? 'inline',
    aclAddress: a.aclAddress ?? null,
    addresses: a.addresses ?? [],
    tags: a.tags ?? {},
    warnings: a.warnings ?? [],
  };
}

/**
 * The network-ACL kind (DESIGN §5): live (the Config item's entries) against desired (the
 * Terraform state's), as entry differences whose direction is their effect on the traffic the ACL
 * allows after rule-number evaluation; each CloudTrail entry call mapped to the entry it changed.
 */
export class NetworkAclKind implements ResourceKind {
  readonly name = 'network-acl';
  readonly configTypes = [NETWORK_ACL];
  readonly cloudTrailEventNames: readonly string[] = NETWORK_ACL_CALLS;

  analyze(live: JsonObject | null, desired: DesiredResource, context: { resourceId: string }): Analysis {
    const want = desiredAttributes(desired);
    const liveEntries = live ? entriesFromConfiguration(live) : [];
    let diff = diffEntries(liveEntries, want.desiredEntries);
    // An ACL Terraform does not own (only aws_network_acl_rule resources target it): only its declared entries are checked.
    if (!want.authoritative && diff.extra.length > 0) diff = { ...diff, extra: [], equal: diff.missing.length + diff.changed.length === 0 };
    const effective = diffedLive(want.desiredEntries, diff);
    const c = compareAllowed(want.desiredEntries, effective);
    const where = `${context.resourceId} (${desired.address})`;
    const subnets = associatedSubnets(live);
    return {
      diff,
      differences: entryDifferences(diff),
      changeWidensExposure: c.gained,
      revertWidensExposure: c.lost,
      explanations: [
        ...(c.gained
          ? [
              `the live entries allow traffic the code denies on ${where}, e.g. ${c.gainedExample ? describePacket(c.gainedExample) : 'some traffic'}; reverting narrows`,
            ]
          : []),
        ...(c.lost
          ? [
              `the live entries deny traffic the code allows on ${where}, e.g. ${c.lostExample ? describePacket(c.lostExample) : 'some traffic'}; reverting would allow it again`,
            ]
          : []),
        ...(subnets.length ? [`associated subnets (observed, never changed): ${subnets.join(', ')}`] : []),
        ...want.warnings,
      ],
    };
  }

  callChanges(events: readonly CloudTrailEvent[]): Map<string, CallChanges | null> {
    const out = new Map<string, CallChanges | null>();
    for (const e of events) out.set(e.eventId, changesOf(e));
    return out;
  }

  diffOf(differences: readonly DriftDifference[]): NetworkAclDiff {
    return entryDiffOf(differences);
  }

  directions(groups: readonly (readonly CandidateDifference[])[], desired: DesiredResource): Map<string, DifferenceDirection> {
    return entryDirections(groups, desiredAttributes(desired).desiredEntries);
  }
}

/** The code's entries with a diff applied as live has it. */
function diffedLive(desired: readonly NaclEntry[], diff: NetworkAclDiff): NaclEntry[] {
  const map = new Map(desired.map((e) => [entryKey(e), e]));
  for (const e of diff.missing) map.delete(entryKey(e));
  for (const e of diff.extra) map.set(entryKey(e), e);
  for (const c of diff.changed) map.set(entryKey(c.live), c.live);
  return [...map.values()];
}

function changesOf(e: CloudTrailEvent): CallChanges | null {
  if (e.errorCode) return null;
  switch (e.eventName) {
    case 'CreateNetworkAcl':
      return { added: [], removed: [], all: 'added' };
    case 'DeleteNetworkAcl':
      return { added: [], removed: [], all: 'removed' };
    case 'CreateNetworkAclEntry':
    case 'ReplaceNetworkAclEntry':
    case 'DeleteNetworkAclEntry': {
      let named;
      try {
        named = entryFromCloudTrail(e.eventName, e.requestParameters);
      } catch (err) {
        // A call we cannot read may have changed anything: it explains nothing, and its removals are opaque.
        return {
          added: [],
          removed: [],
          opaqueRemoval: `has request parameters driftwarden cannot read (${err instanceof Error ? err.message : String(err)})`,
        };
      }
      const key = entryKey(named);
      return e.eventName === 'DeleteNetworkAclEntry' ? { added: [], removed: [key] } : { added: [key], removed: [] };
    }
    default:
      // ReplaceNetworkAclAssociation: subnet associations are observed only.
      return null;
  }
}
