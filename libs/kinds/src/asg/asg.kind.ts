import type { CandidateDifference, CloudTrailEvent, DifferenceDirection, DriftDifference, JsonObject } from '@driftwarden/domain';
import type { Analysis, CallChanges, DesiredResource, ResourceKind } from '@driftwarden/pipeline';
import { attributeDetail, attributeDiffOf, detailJson } from '../attributes/attribute-differences';
import { ignoreChangesNote, ignoreOf, isIgnored, unreadCodeReason, type IgnoreChanges } from '../stack-code';
import {
  ASG_TYPE,
  CAPACITY_ATTRIBUTES,
  CAPACITY_NAMES,
  capacityDirection,
  capacityFromConfig,
  capacitySentence,
  isCapacityAttribute,
  type CapacityAttribute,
} from './model';

/**
 * The calls that change a group's capacity (infra/modules/intake-events lists the same): set it
 * (UpdateAutoScalingGroup, SetDesiredCapacity), create or delete the group, and every call that
 * moves the desired capacity as a side effect.
 */
export const ASG_CALLS = [
  'UpdateAutoScalingGroup',
  'SetDesiredCapacity',
  'CreateAutoScalingGroup',
  'DeleteAutoScalingGroup',
  'TerminateInstanceInAutoScalingGroup',
  'DetachInstances',
  'AttachInstances',
  'EnterStandby',
  'ExitStandby',
  'ExecutePolicy',
] as const;

interface AsgDesired {
  name: string;
  capacity: Record<CapacityAttribute, number | null>;
  ignore: IgnoreChanges;
}

function desiredOf(desired: DesiredResource): AsgDesired {
  const a = desired.attributes;
  return {
    name: typeof a['name'] === 'string' ? a['name'] : desired.address,
    capacity: (a['capacity'] ?? {}) as AsgDesired['capacity'],
    ignore: ignoreOf(a),
  };
}

/** What a call's request did to the capacity (CloudTrail `requestParameters`, camelCase as logged). */
export function asgCallChange(event: CloudTrailEvent, groupName: string): CallChanges | null {
  const p = event.requestParameters ?? {};
  const named = p['autoScalingGroupName'];
  if (typeof named === 'string' && named !== groupName) return null;
  const set = (keys: CapacityAttribute[]): CallChanges | null => (keys.length ? { added: keys, removed: [] } : null);
  switch (event.eventName) {
    case 'CreateAutoScalingGroup':
      return { added: [...CAPACITY_ATTRIBUTES], removed: [], all: 'added' };
    case 'DeleteAutoScalingGroup':
      return { added: [], removed: [...CAPACITY_ATTRIBUTES], all: 'removed' };
    case 'UpdateAutoScalingGroup':
      return set(CAPACITY_ATTRIBUTES.filter((a) => typeof p[CAPACITY_NAMES[a].config] === 'number'));
    case 'SetDesiredCapacity':
    case 'AttachInstances':
    case 'ExitStandby':
    case 'ExecutePolicy':
      return set(['desired_capacity']);
    case 'DetachInstances':
    case 'EnterStandby':
    case 'TerminateInstanceInAutoScalingGroup':
      // Only with ShouldDecrementDesiredCapacity does the desired capacity move.
      return set(p['shouldDecrementDesiredCapacity'] === true ? ['desired_capacity'] : []);
    default:
      return null;
  }
}

/**
 * The Auto Scaling group capacity kind (DESIGN §5): live (the Config item's minSize, maxSize,
 * desiredCapacity) against the Terraform state's, minus what the code's `lifecycle {
 * ignore_changes }` lists. A revert that lowers capacity, or one whose ignore list could not be
 * read, is never made unattended.
 */
export class AsgKind implements ResourceKind {
  readonly name = 'asg';
  readonly configTypes = [ASG_TYPE];
  readonly cloudTrailEventNames: readonly string[] = ASG_CALLS;

  analyze(live: JsonObject | null, desired: DesiredResource, context: { resourceId: string }): Analysis {
    const d = desiredOf(desired);
    const differences: CandidateDifference[] = [];
    const explanations: string[] = [];
    if (live === null) {
      differences.push({
        id: 'group:removed',
        key: 'group',
        side: 'removed',
        sentence: `deleted the Auto Scaling group ${d.name}`,
        detail: detailJson({ attribute: 'group', live: null, desired: d.name }),
      });
      explanations.push(`${d.name} no longer exists; driftwarden never recreates an Auto Scaling group`);
    } else {
      const now = capacityFromConfig(live, `Config item of ${context.resourceId}`);
      for (const attr of CAPACITY_ATTRIBUTES) {
        const want = d.capacity[attr] ?? null;
        const have = now[attr];
        if (want === null || have === null || have === want) continue;
        if (isIgnored(d.ignore, attr)) {
          explanations.push(
            `${attr} of ${d.name} is ${have} live and ${want} in the state, but the code ignores it (lifecycle.ignore_changes)`,
          );
          continue;
        }
        differences.push({
          id: `${attr}:changed`,
          key: attr,
          side: 'changed',
          sentence: capacitySentence(attr, d.name, have, want),
          detail: detailJson({ attribute: attr, live: have, desired: want }),
        });
        if (have > want)
          explanations.push(`reverting would lower ${attr} of ${d.name} from ${have} to ${want} (fewer instances: an outage risk)`);
      }
    }
    explanations.push(ignoreChangesNote(d.ignore));
    const dirs = differences.map((c) => this.directionOf(c));
    return {
      diff: attributeDiffOf(differences),
      differences,
      changeWidensExposure: dirs.some((x) => x.change === 'lowers'),
      revertWidensExposure: dirs.some((x) => x.revert === 'lowers'),
      explanations,
    };
  }

  callChanges(events: readonly CloudTrailEvent[], desired: DesiredResource): Map<string, CallChanges | null> {
    const name = desiredOf(desired).name;
    return new Map(events.map((e) => [e.eventId, asgCallChange(e, name)]));
  }

  directions(groups: readonly (readonly CandidateDifference[])[]): Map<string, DifferenceDirection> {
    return new Map(groups.flat().map((c) => [c.id, this.directionOf(c)]));
  }

  diffOf(differences: readonly DriftDifference[]) {
    return attributeDiffOf(differences);
  }

  revertNeedsHuman(c: CandidateDifference, desired: DesiredResource): string | null {
    const d = desiredOf(desired);
    const a = attributeDetail(c);
    if (c.key === 'group') return `the Auto Scaling group ${d.name} was deleted; driftwarden never recreates it`;
    const reasons: string[] = [];
    if (typeof a.live === 'number' && typeof a.desired === 'number' && a.live > a.desired) {
      reasons.push(`reverting lowers ${a.attribute} of ${d.name} from ${a.live} to ${a.desired}: fewer instances can cause an outage`);
    }
    const unread = unreadCodeReason(d.ignore, a.attribute);
    if (unread) reasons.push(unread);
    return reasons.length ? reasons.join('; ') : null;
  }

  private directionOf(c: CandidateDifference): DifferenceDirection {
    if (c.key === 'group') return { axis: 'capacity', change: 'lowers', revert: 'raises' };
    const a = attributeDetail(c);
    if (!isCapacityAttribute(a.attribute)) return { axis: 'capacity', change: 'lowers', revert: 'lowers' };
    return capacityDirection(typeof a.live === 'number' ? a.live : null, typeof a.desired === 'number' ? a.desired : null);
  }
}
