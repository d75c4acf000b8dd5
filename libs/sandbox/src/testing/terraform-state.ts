import { randomUUID } from 'node:crypto';
import { toTerraformInlineBlocks } from '@driftwarden/kinds/security-group';
import type { GroupInfo } from './aws-events';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

export interface StateGroup extends GroupInfo {
  /** Terraform resource name and optional module, e.g. `workers` in `module.net`. */
  name: string;
  module?: string;
  rules: readonly PermissionRule[];
}

/** A Terraform state (format version 4) declaring these groups with inline rules, and `others` (resources of other kinds) as given. */
export function terraformState(groups: readonly StateGroup[], serial = 1, others: readonly object[] = []): Record<string, unknown> {
  return {
    version: 4,
    terraform_version: '1.9.8',
    serial,
    lineage: randomUUID(),
    outputs: {},
    resources: groups
      .map((g) => {
        const blocks = toTerraformInlineBlocks(g.rules, g.groupId);
        return {
          ...(g.module ? { module: g.module } : {}),
          mode: 'managed',
          type: 'aws_security_group',
          name: g.name,
          provider: 'provider["registry.terraform.io/hashicorp/aws"]',
          instances: [
            {
              schema_version: 1,
              attributes: {
                id: g.groupId,
                arn: `arn:aws:ec2:${g.region}:${g.account}:security-group/${g.groupId}`,
                name: g.groupName,
                name_prefix: '',
                description: g.groupName,
                vpc_id: g.vpcId,
                owner_id: g.account,
                revoke_rules_on_delete: false,
                ingress: blocks.ingress,
                egress: blocks.egress,
                tags: g.tags,
                tags_all: g.tags,
                timeouts: null,
              },
              sensitive_attributes: [],
            },
          ],
        };
      })
      .concat(others as never[]),
    check_results: null,
  };
}
