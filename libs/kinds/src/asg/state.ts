/**
 * What the `asg` kind keeps of Terraform state (`aws_autoscaling_group`: name, arn, min_size,
 * max_size, desired_capacity) and the desired state of one group: the state's capacity, minus the
 * attributes the resource's `lifecycle { ignore_changes }` lists in the stack's code.
 */
import type { JsonObject, ResourceRef } from '@driftwarden/domain';
import type { DesiredLookup } from '@driftwarden/pipeline';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';
import { lookupSingleResource, singleResourceStateKind, stateNumber } from '../attributes/single-resource-state';
import type { IgnoreChanges, StackCodePort } from '../stack-code';
import { CAPACITY_ATTRIBUTES, TF_AUTOSCALING_GROUP, groupNameOf } from './model';

export const asgStateKind = singleResourceStateKind('asg', [TF_AUTOSCALING_GROUP], (a, instance) => {
  const where = `${instance.stack}: ${instance.address}`;
  const kept: JsonObject = { name: typeof a['name'] === 'string' ? a['name'] : null };
  for (const attr of CAPACITY_ATTRIBUTES) kept[attr] = stateNumber(a, attr, where);
  return kept;
});

/** Why the code was not read, when no reader is connected (no GitHub configured). */
export const NO_CODE_READER = 'no GitHub access is configured (github, stacks[].repo)';

/**
 * The group's desired state for the pipeline (`attributes` is what AsgKind reads back):
 * `{ name, capacity: {min_size, max_size, desired_capacity}, ignore, tainted }`.
 */
export async function asgDesired(index: DesiredStateIndex, code: StackCodePort | null, resource: ResourceRef): Promise<DesiredLookup> {
  const name = groupNameOf(resource.id);
  const found = await lookupSingleResource(index, asgStateKind, resource, [...new Set([resource.id, name])]);
  if (!found.managed) return found;
  const e = found.entry;
  const ignore: IgnoreChanges = code ? await code.ignoreChanges(e.stack, e.address) : { read: false, reason: NO_CODE_READER };
  const capacity: JsonObject = {};
  for (const attr of CAPACITY_ATTRIBUTES) capacity[attr] = e.attributes[attr] ?? null;
  return {
    managed: true,
    stack: e.stack,
    address: e.address,
    attributes: {
      name: (e.attributes['name'] as string | null) ?? name,
      capacity,
      ignore: ignore as unknown as JsonObject,
      tainted: e.tainted,
    },
  };
}
