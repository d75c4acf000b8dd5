import type { CandidateDifference, CloudTrailEvent, DifferenceDirection, DriftDifference, JsonObject } from '@driftwarden/domain';
import type { Analysis, CallChanges, DesiredResource, ResourceKind } from '@driftwarden/pipeline';
import { attributeDetail, attributeDiffOf, detailJson } from '../attributes/attribute-differences';
import { ignoreChangesNote, ignoreOf, isIgnored, unreadCodeReason, type IgnoreChanges } from '../stack-code';
import {
  DISABLE_API_STOP,
  DISABLE_API_TERMINATION,
  HTTP_ENDPOINT,
  HTTP_TOKENS,
  INSTANCE_TYPE,
  INSTANCE_TYPE_ATTRIBUTE,
  SCALAR_ATTRIBUTES,
  SECURITY_GROUPS,
  protectionFromConfig,
  scalarDirection,
  scalarSentence,
  type InstanceProtection,
} from './model';

/** The calls that change what this kind compares (infra/modules/intake-events lists the same). */
export const INSTANCE_CALLS = ['ModifyInstanceMetadataOptions', 'ModifyInstanceAttribute', 'ModifyNetworkInterfaceAttribute'] as const;

/** Why these are never reverted unattended. */
export const NEEDS_STOP: Readonly<Record<string, string>> = {
  [INSTANCE_TYPE_ATTRIBUTE]: 'changing the instance type needs the instance stopped, and driftwarden never stops an instance',
};

interface InstanceDesired {
  protection: InstanceProtection;
  ignore: IgnoreChanges;
}

function desiredOf(desired: DesiredResource): InstanceDesired {
  const a = desired.attributes;
  return {
    protection: (a['protection'] ?? {}) as unknown as InstanceProtection,
    ignore: ignoreOf(a),
  };
}

const memberKey = (sg: string) => `${SECURITY_GROUPS}:${sg}`;

/** `{items:[{groupId}]}` or a list of ids. */
function groupIds(v: unknown): string[] | null {
  const items = Array.isArray(v)
    ? v
    : typeof v === 'object' && v !== null && Array.isArray((v as JsonObject)['items'])
      ? ((v as JsonObject)['items'] as unknown[])
      : null;
  if (!items) return null;
  return items
    .map((i) => (typeof i === 'string' ? i : typeof i === 'object' && i !== null ? String((i as JsonObject)['groupId'] ?? '') : ''))
    .filter(Boolean);
}

/** What one call's request set (CloudTrail `requestParameters`, as logged). */
export function instanceCallChange(event: CloudTrailEvent, desiredGroups: readonly string[]): CallChanges | null {
  const p = (event.requestParameters ?? {}) as JsonObject;
  const added: string[] = [];
  const removed: string[] = [];
  const groupsSet = (ids: string[]) => {
    for (const g of ids) added.push(memberKey(g));
    for (const g of desiredGroups) if (!ids.includes(g)) removed.push(memberKey(g));
  };
  switch (event.eventName) {
    case 'ModifyInstanceMetadataOptions': {
      const r = (
        typeof p['ModifyInstanceMetadataOptionsRequest'] === 'object' && p['ModifyInstanceMetadataOptionsRequest'] !== null
          ? p['ModifyInstanceMetadataOptionsRequest']
          : p
      ) as JsonObject;
      if (r['HttpTokens'] !== undefined || r['httpTokens'] !== undefined) added.push(HTTP_TOKENS);
      if (r['HttpEndpoint'] !== undefined || r['httpEndpoint'] !== undefined) added.push(HTTP_ENDPOINT);
      break;
    }
    case 'ModifyInstanceAttribute': {
      // Both shapes: `disableApiTermination: {value}`, or `attribute` + `value`.
      const named = typeof p['attribute'] === 'string' ? p['attribute'] : null;
      if (p['disableApiTermination'] !== undefined || named === 'disableApiTermination') added.push(DISABLE_API_TERMINATION);
      if (p['disableApiStop'] !== undefined || named === 'disableApiStop') added.push(DISABLE_API_STOP);
      if (p['instanceType'] !== undefined || named === 'instanceType') added.push(INSTANCE_TYPE_ATTRIBUTE);
      const ids = groupIds(p['groupSet'] ?? p['groupId']);
      if (ids) groupsSet(ids);
      break;
    }
    case 'ModifyNetworkInterfaceAttribute': {
      const ids = groupIds(p['groupSet']);
      if (ids) groupsSet(ids);
      break;
    }
    default:
      return null;
  }
  return added.length || removed.length ? { added, removed } : null;
}

/**
 * The instance protection kind (DESIGN §5): IMDSv1 allowed again, protection removed or a
 * security group attached weaken or widen; changes that need a stop (the instance type) are never
 * reverted unattended and say why.
 */
export class InstanceKind implements ResourceKind {
  readonly name = 'instance';
  readonly configTypes = [INSTANCE_TYPE];
  readonly cloudTrailEventNames: readonly string[] = INSTANCE_CALLS;

  analyze(live: JsonObject | null, desired: DesiredResource, context: { resourceId: string }): Analysis {
    const d = desiredOf(desired);
    const id = context.resourceId;
    const differences: CandidateDifference[] = [];
    const explanations: string[] = [];
    if (live === null) {
      differences.push({
        id: 'instance:removed',
        key: 'instance',
        side: 'removed',
        sentence: `terminated the instance ${id}`,
        detail: detailJson({ attribute: 'instance', live: null, desired: id }),
      });
    } else {
      const now = protectionFromConfig(live, `Config item of ${id}`);
      for (const attr of SCALAR_ATTRIBUTES) {
        const want = d.protection[attr] ?? null;
        const have = now[attr];
        if (want === null || have === null || have === want) continue;
        if (isIgnored(d.ignore, attr)) {
          explanations.push(`${attr} of ${id} differs, but the code ignores it (lifecycle.ignore_changes)`);
          continue;
        }
        differences.push({
          id: `${attr}:changed`,
          key: attr,
          side: 'changed',
          sentence: scalarSentence(attr, id, have, want),
          detail: detailJson({ attribute: attr, live: have, desired: want }),
        });
      }
      if (now[DISABLE_API_TERMINATION] === null)
        explanations.push(`the Config item of ${id} does not record termination or stop protection: they were not compared`);
      const want = d.protection[SECURITY_GROUPS];
      const have = now[SECURITY_GROUPS];
      if (want && have && !isIgnored(d.ignore, SECURITY_GROUPS)) {
        for (const sg of have.filter((g) => !want.includes(g)).sort()) {
          differences.push({
            id: `${memberKey(sg)}:added`,
            key: memberKey(sg),
            side: 'added',
            sentence: `attached security group ${sg} to ${id}`,
            detail: detailJson({ attribute: SECURITY_GROUPS, member: sg, live: sg, desired: null }),
          });
        }
        for (const sg of want.filter((g) => !have.includes(g)).sort()) {
          differences.push({
            id: `${memberKey(sg)}:removed`,
            key: memberKey(sg),
            side: 'removed',
            sentence: `detached security group ${sg} from ${id}`,
            detail: detailJson({ attribute: SECURITY_GROUPS, member: sg, live: null, desired: sg }),
          });
        }
      }
    }
    explanations.push(ignoreChangesNote(d.ignore));
    const dirs = differences.map((c) => this.directionOf(c));
    return {
      diff: attributeDiffOf(differences),
      differences,
      changeWidensExposure: dirs.some((x) => x.change === 'weakens' || x.change === 'widens'),
      revertWidensExposure: dirs.some((x) => x.revert === 'weakens' || x.revert === 'widens'),
      explanations,
    };
  }

  callChanges(events: readonly CloudTrailEvent[], desired: DesiredResource): Map<string, CallChanges | null> {
    const groups = desiredOf(desired).protection[SECURITY_GROUPS] ?? [];
    return new Map(events.map((e) => [e.eventId, instanceCallChange(e, groups)]));
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
    if (c.key === 'instance') return `the instance ${String(a.desired)} was terminated; driftwarden never recreates an instance`;
    const reasons: string[] = [];
    const stop = NEEDS_STOP[a.attribute];
    if (stop) reasons.push(stop);
    const unread = unreadCodeReason(d.ignore, a.attribute);
    if (unread) reasons.push(unread);
    return reasons.length ? reasons.join('; ') : null;
  }

  private directionOf(c: CandidateDifference): DifferenceDirection {
    if (c.key === 'instance') return { axis: 'protection', change: 'weakens', revert: 'strengthens' };
    const a = attributeDetail(c);
    if (a.attribute === SECURITY_GROUPS) {
      return c.side === 'added'
        ? { axis: 'exposure', change: 'widens', revert: 'narrows' }
        : { axis: 'exposure', change: 'narrows', revert: 'widens' };
    }
    return scalarDirection(a.attribute, a.live, a.desired);
  }
}
