import type { CandidateDifference, CloudTrailEvent, DifferenceDirection, JsonObject, PermissionRule } from '@driftwarden/domain';
import type { Analysis, CallChanges, DesiredResource, ResourceAnalyzer } from '@driftwarden/pipeline';
import { diffRules } from './diff/diff-rules';
import { analyzeExposure } from './exposure/analyze-exposure';
import { rulesFromConfigConfiguration } from './normalize/config-item';
import { ruleCallChanges, ruleDifferences, ruleDirections } from './rule-differences';
import { SECURITY_GROUP } from './terraform-desired-state.adapter';

/**
 * Live (the Config item's rules) vs desired (the Terraform state's rules) for a security
 * group, with the exposure effect of the change and of reverting it (DESIGN §5).
 */
export class SecurityGroupAnalyzer implements ResourceAnalyzer {
  readonly resourceType = SECURITY_GROUP;

  analyze(live: JsonObject | null, desired: DesiredResource, context: { resourceId: string }): Analysis {
    const liveRules = live ? rulesFromConfigConfiguration(live) : [];
    const desiredRules = (desired.attributes['desiredRules'] ?? []) as unknown as PermissionRule[];
    let diff = diffRules(liveRules, desiredRules);
    // A group Terraform does not own (only rule resources target it) may carry rules added by
    // other systems: only its declared rules are checked.
    if (desired.attributes['authoritative'] === false && diff.extra.length > 0) {
      diff = { ...diff, extra: [], equal: diff.missing.length === 0 && diff.attributes.length === 0 };
    }
    const exposure = analyzeExposure(diff, { groupId: context.resourceId, address: desired.address });
    return {
      diff,
      differences: ruleDifferences(diff),
      changeWidensExposure: exposure.changeWidensExposure,
      revertWidensExposure: exposure.revertWidensExposure,
      explanations: [
        ...exposure.change.map((op) => op.explanation),
        ...exposure.revert.map((op) => op.explanation),
        ...((desired.attributes['warnings'] as string[] | undefined) ?? []),
      ],
    };
  }

  callChanges(events: readonly CloudTrailEvent[], desired: DesiredResource): Map<string, CallChanges | null> {
    const ids = (desired.attributes['ruleIds'] ?? {}) as Record<string, string>;
    return ruleCallChanges(events, new Map(Object.entries(ids)));
  }

  directions(groups: readonly (readonly CandidateDifference[])[], desired: DesiredResource, context: { resourceId: string }): Map<string, DifferenceDirection> {
    return ruleDirections(groups, { groupId: context.resourceId, address: desired.address });
  }
}
