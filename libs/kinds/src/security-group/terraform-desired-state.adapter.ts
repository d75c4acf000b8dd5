import type { JsonObject, ResourceRef } from '@driftwarden/domain';
import { DesiredStatePort, type DesiredLookup } from '@driftwarden/pipeline';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';

export const SECURITY_GROUP = 'AWS::EC2::SecurityGroup';

/**
 * Desired state from Terraform state files (DESIGN §2): what the owning stack last applied.
 * A resource no stack declares is unmanaged (recorded, never reverted). A covering stack whose
 * state cannot be read makes the lookup fail (the evaluation retries), never "unmanaged".
 */
export class TerraformDesiredState extends DesiredStatePort {
  constructor(private readonly index: DesiredStateIndex) {
    super();
  }

  async lookup(resource: ResourceRef): Promise<DesiredLookup> {
    if (resource.type !== SECURITY_GROUP) {
      return { managed: false, reason: `driftwarden reads no desired state for ${resource.type} yet` };
    }
    const found = await this.index.lookupSecurityGroup(resource.account, resource.region, resource.id);
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
    return {
      managed: true,
      stack: found.stack,
      address: found.groupAddress ?? found.addresses[0] ?? resource.id,
      attributes,
    };
  }

  /** After an IaC apply (rule 1) the state has changed: re-read it (ETag-cached). */
  async refresh(resource: ResourceRef): Promise<void> {
    const stacks = this.index.stacksCovering(resource.account, resource.region);
    for (const s of stacks) await this.index.refresh(s);
  }
}
