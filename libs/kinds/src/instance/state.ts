/**
 * What the `instance` kind keeps of Terraform state (`aws_instance`: instance_type,
 * metadata_options, disable_api_termination, disable_api_stop, vpc_security_group_ids) and the
 * desired state of one instance, minus what the code's `lifecycle { ignore_changes }` lists.
 */
import { PermanentError, type JsonObject, type ResourceRef } from '@driftwarden/domain';
import type { DesiredLookup } from '@driftwarden/pipeline';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';
import { lookupSingleResource, singleResourceStateKind } from '../attributes/single-resource-state';
import type { IgnoreChanges, StackCodePort } from '../stack-code';
import { NO_CODE_READER } from '../asg/state';
import {
  DISABLE_API_STOP,
  DISABLE_API_TERMINATION,
  HTTP_ENDPOINT,
  HTTP_TOKENS,
  INSTANCE_TYPE_ATTRIBUTE,
  SECURITY_GROUPS,
  TF_INSTANCE,
} from './model';

export const instanceStateKind = singleResourceStateKind('instance', [TF_INSTANCE], (a, instance) => {
  const where = `${instance.stack}: ${instance.address}`;
  const meta = Array.isArray(a['metadata_options']) ? (a['metadata_options'][0] as Record<string, unknown> | undefined) : undefined;
  const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const b = (v: unknown, name: string) => {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'boolean')
      throw new PermanentError(`${where}: attribute ${name} is ${JSON.stringify(v)}, expected true or false`, 'terraform_state_format');
    return v;
  };
  const groups = a['vpc_security_group_ids'];
  if (groups !== undefined && groups !== null && (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string'))) {
    throw new PermanentError(
      `${where}: attribute vpc_security_group_ids is ${JSON.stringify(groups)}, expected a list of sg-… ids`,
      'terraform_state_format',
    );
  }
  const kept: JsonObject = {
    [HTTP_TOKENS]: s(meta?.['http_tokens']),
    [HTTP_ENDPOINT]: s(meta?.['http_endpoint']),
    [DISABLE_API_TERMINATION]: b(a['disable_api_termination'], 'disable_api_termination'),
    [DISABLE_API_STOP]: b(a['disable_api_stop'], 'disable_api_stop'),
    [INSTANCE_TYPE_ATTRIBUTE]: s(a['instance_type']),
    [SECURITY_GROUPS]: Array.isArray(groups) ? [...(groups as string[])].sort() : null,
  };
  return kept;
});

/** `{ protection: {…the model…}, ignore, tainted }`, what InstanceKind reads back. */
export async function instanceDesired(index: DesiredStateIndex, code: StackCodePort | null, resource: ResourceRef): Promise<DesiredLookup> {
  const found = await lookupSingleResource(index, instanceStateKind, resource, [resource.id]);
  if (!found.managed) return found;
  const e = found.entry;
  const ignore: IgnoreChanges = code ? await code.ignoreChanges(e.stack, e.address) : { read: false, reason: NO_CODE_READER };
  return {
    managed: true,
    stack: e.stack,
    address: e.address,
    attributes: { protection: e.attributes, ignore: ignore as unknown as JsonObject, tainted: e.tainted },
  };
}
