import type { JsonObject, ResourceRef } from '@driftwarden/domain';

/** What Terraform last applied for a resource. */
export interface DesiredResource {
  stack: string;
  /** Terraform address, e.g. `module.net.aws_security_group.workers`. */
  address: string;
  /** Desired attributes in the analyzer's own terms (e.g. canonical rules for a security group). */
  attributes: JsonObject;
  /** The state file's serial and lineage the attributes were read from (evidence). */
  state?: { serial: number; lineage: string };
}

export type DesiredLookup = ({ managed: true } & DesiredResource) | { managed: false; reason: string };

export abstract class DesiredStatePort {
  abstract lookup(resource: ResourceRef): Promise<DesiredLookup>;
  /** Re-reads the desired state (after an IaC apply, rule 1). */
  abstract refresh(resource: ResourceRef): Promise<void>;
}
