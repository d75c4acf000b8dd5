import type { JsonObject, ResourceRef } from '@driftwarden/domain';
import type { DesiredLookup } from '@driftwarden/pipeline';
import type { SecurityGroupStates } from './state/security-group-lookup';

export const SECURITY_GROUP = 'AWS::EC2::SecurityGroup';

/**
 * The desired state of a security group (DESIGN §2): the union of its inline rules and the rule
 * resources targeting it in every stack covering its account and region, in the pipeline's terms
 * (`attributes` is what this kind's `analyze`, `callChanges` and backport read back).
 */
export async function securityGroupDesired(groups: SecurityGroupStates, resource: ResourceRef): Promise<DesiredLookup> {
  const found = await groups.lookup(resource.account, resource.region, resource.id);
  if (!found.managed) return { managed: false, reason: found.reason };
  const attributes: JsonObject = {
    desiredRules: found.desiredRules as unknown as JsonObject[],
    ruleOwners: Object.fromEntries(found.ruleOwners),
    // ruleKey → sgr-… for rules whose resource records an AWS rule id (resolves calls that name rules by id).
    ruleIds: Object.fromEntries(found.ruleIds),
    authoritative: found.authoritative,
    style: found.style,
    addresses: found.addresses,
    warnings: found.warnings,
    tags: found.tags,
    ...(found.groupAddress ? { groupAddress: found.groupAddress } : {}),
  };
  return { managed: true, stack: found.stack, address: found.groupAddress ?? found.addresses[0] ?? resource.id, attributes };
}
