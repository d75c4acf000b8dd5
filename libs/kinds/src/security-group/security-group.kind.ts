import type { CandidateDifference, CloudTrailEvent, DifferenceDirection, DriftDifference, JsonObject } from '@driftwarden/domain';
import type { Analysis, CallChanges, DesiredResource, ResourceKind } from '@driftwarden/pipeline';
import { diffRules } from './diff/diff-rules';
import { analyzeExposure } from './exposure/analyze-exposure';
import { rulesFromConfigConfiguration } from './normalize/config-item';
import { ruleCallChanges, ruleDiffOf, ruleDifferences, ruleDirections } from './rule-differences';
import { SECURITY_GROUP } from './desired-state';
import type { PermissionRule } from './model/permission-rule';
import type { SecurityGroupDiff } from './model/permission-rule';

/** The API calls that change a security group's rules (CONTRACTS §A8; infra/modules/intake-events lists them too). */
export const SECURITY_GROUP_CALLS = [
  'AuthorizeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress',
  'RevokeSecurityGroupIngress',
  'RevokeSecurityGroupEgress',
  'ModifySecurityGroupRules',
  'UpdateSecurityGroupRuleDescriptionsIngress',
  'UpdateSecurityGroupRuleDescriptionsEgress',
  'CreateSecurityGroup',
  'DeleteSecurityGroup',
] as const;

/**
 * The security-group kind (the first behind the seam, DESIGN §5): live (the Config item's rules)
 * vs desired (the Terraform state's rules) as rule differences, with the exposure effect of each
 * change and of reverting it, and what each CloudTrail call did to the rules.
 */
export class SecurityGroupKind implements ResourceKind {
  readonly name = 'security-group';
  readonly configTypes = [SECURITY_GROUP];
  readonly cloudTrailEventNames: readonly string[] = SECURITY_GROUP_CALLS;

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

  diffOf(differences: readonly DriftDifference[]): SecurityGroupDiff {
    return ruleDiffOf(differences);
  }

  directions(
    groups: readonly (readonly CandidateDifference[])[],
    desired: DesiredResource,
    context: { resourceId: string },
  ): Map<string, DifferenceDirection> {
    return ruleDirections(groups, { groupId: context.resourceId, address: desired.address });
  }
}
