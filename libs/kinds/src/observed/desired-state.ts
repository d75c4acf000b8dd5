import type { ResourceRef } from '@driftwarden/domain';
import type { DesiredLookup } from '@driftwarden/pipeline';
import type { DesiredStateIndex, ManagedResourceRef, StateKind } from '@driftwarden/terraform-state';

/**
 * The observed kind keeps nothing of Terraform state beyond what the generic index keeps for
 * every managed resource of every stack (id and arn → address and type): it declares no
 * Terraform type.
 */
export const observedStateKind: StateKind<never, null> = {
  name: 'observed',
  terraformTypes: [],
  extract: () => undefined,
  index: () => null,
};

/**
 * Whether a configured stack's Terraform state holds the resource (by its id, else its ARN), and
 * at which address. Several instances can share an id (a bucket and its `aws_s3_bucket_versioning`):
 * the one whose ARN is the resource's, else one with an ARN (the resource itself rather than a
 * sub-resource), else the first, in config order; deposed objects only when nothing else holds it.
 * Throws when a covering state cannot be read (fail closed: never "unmanaged" from partial knowledge).
 */
export async function observedDesired(index: DesiredStateIndex, resource: ResourceRef): Promise<DesiredLookup> {
  let refs = await index.lookupManaged(resource.account, resource.region, resource.id);
  if (refs.length === 0 && resource.arn) refs = await index.lookupManaged(resource.account, resource.region, resource.arn);
  if (refs.length === 0) {
    const stacks = index.stacksCovering(resource.account, resource.region);
    return {
      managed: false,
      reason:
        stacks.length === 0
          ? `no configured stack covers account ${resource.account} in ${resource.region}`
          : `no configured stack's Terraform state (${stacks.join(', ')}) holds ${resource.type} ${resource.id}${resource.arn ? ` (${resource.arn})` : ''}`,
    };
  }
  const current = refs.filter((r) => !r.deposed);
  const pool = current.length > 0 ? current : refs;
  const primary: ManagedResourceRef =
    pool.find((r) => resource.arn !== undefined && r.arn === resource.arn) ?? pool.find((r) => r.arn !== undefined) ?? pool[0];
  return {
    managed: true,
    stack: primary.stack,
    address: primary.address,
    attributes: {
      terraformType: primary.type,
      // Every address that holds the id or ARN (e.g. the bucket and its sub-resources), `stack:address`.
      addresses: refs.map((r) => `${r.stack}:${r.address}${r.deposed ? ` (deposed ${r.deposed})` : ''}`),
    },
  };
}
