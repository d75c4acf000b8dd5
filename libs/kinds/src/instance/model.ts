/**
 * The instance protection model (DESIGN §5, kind `instance`): an EC2 instance's metadata options
 * (IMDSv2: `http_tokens`, `http_endpoint`), termination and stop protection, its security groups,
 * and its instance type (observed: changing it needs a stop, never done unattended). Live comes
 * from the Config item (`configuration.metadataOptions`, `securityGroups`, `instanceType`;
 * awslabs/aws-config-resource-schema AWS::EC2::Instance). Config does not record termination or
 * stop protection: they are compared only when the item carries `disableApiTermination` /
 * `disableApiStop` (the README says so), and the executor always reads them back itself.
 */
import { PermanentError, type DifferenceDirection, type JsonObject } from '@driftwarden/domain';

export const INSTANCE_TYPE = 'AWS::EC2::Instance';
export const TF_INSTANCE = 'aws_instance';

export const HTTP_TOKENS = 'metadata_options.http_tokens';
export const HTTP_ENDPOINT = 'metadata_options.http_endpoint';
export const DISABLE_API_TERMINATION = 'disable_api_termination';
export const DISABLE_API_STOP = 'disable_api_stop';
export const SECURITY_GROUPS = 'vpc_security_group_ids';
export const INSTANCE_TYPE_ATTRIBUTE = 'instance_type';

export const SCALAR_ATTRIBUTES = [HTTP_TOKENS, HTTP_ENDPOINT, DISABLE_API_TERMINATION, DISABLE_API_STOP, INSTANCE_TYPE_ATTRIBUTE] as const;
export type ScalarAttribute = (typeof SCALAR_ATTRIBUTES)[number];
export const INSTANCE_ATTRIBUTES = [...SCALAR_ATTRIBUTES, SECURITY_GROUPS] as const;

/** The model of one instance; null: unknown (not in the Config item, or not in the state). */
export interface InstanceProtection {
  [HTTP_TOKENS]: string | null;
  [HTTP_ENDPOINT]: string | null;
  [DISABLE_API_TERMINATION]: boolean | null;
  [DISABLE_API_STOP]: boolean | null;
  [INSTANCE_TYPE_ATTRIBUTE]: string | null;
  [SECURITY_GROUPS]: string[] | null;
}

function str(v: unknown, where: string, path: string, allowed?: readonly string[]): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || (allowed && !allowed.includes(v))) {
    throw new PermanentError(
      `${where}: ${path} is ${JSON.stringify(v)}, expected ${allowed ? allowed.map((a) => `"${a}"`).join(' or ') : 'a string'}`,
      'config_item_invalid',
    );
  }
  return v;
}

function bool(v: unknown, where: string, path: string): boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean')
    throw new PermanentError(`${where}: ${path} is ${JSON.stringify(v)}, expected true or false`, 'config_item_invalid');
  return v;
}

/** The model from a Config item's configuration; bad input is a clear error (what, where, what was expected). */
export function protectionFromConfig(c: JsonObject, where: string): InstanceProtection {
  const meta = c['metadataOptions'];
  if (meta !== undefined && meta !== null && (typeof meta !== 'object' || Array.isArray(meta))) {
    throw new PermanentError(
      `${where}: configuration.metadataOptions is ${JSON.stringify(meta)}, expected an object`,
      'config_item_invalid',
    );
  }
  const m = (meta ?? {}) as JsonObject;
  const groups = c['securityGroups'];
  if (groups !== undefined && groups !== null && !Array.isArray(groups)) {
    throw new PermanentError(`${where}: configuration.securityGroups is ${JSON.stringify(groups)}, expected a list`, 'config_item_invalid');
  }
  return {
    [HTTP_TOKENS]: str(m['httpTokens'], where, 'configuration.metadataOptions.httpTokens', ['required', 'optional']),
    [HTTP_ENDPOINT]: str(m['httpEndpoint'], where, 'configuration.metadataOptions.httpEndpoint', ['enabled', 'disabled']),
    [DISABLE_API_TERMINATION]: bool(c['disableApiTermination'], where, 'configuration.disableApiTermination'),
    [DISABLE_API_STOP]: bool(c['disableApiStop'], where, 'configuration.disableApiStop'),
    [INSTANCE_TYPE_ATTRIBUTE]: str(c['instanceType'], where, 'configuration.instanceType'),
    [SECURITY_GROUPS]: Array.isArray(groups)
      ? groups.map((g, i) => {
          const id = typeof g === 'object' && g !== null && !Array.isArray(g) ? (g as JsonObject)['groupId'] : undefined;
          if (typeof id !== 'string' || !/^sg-[0-9a-f]+$/.test(id)) {
            throw new PermanentError(
              `${where}: configuration.securityGroups[${i}].groupId is ${JSON.stringify(id)}, expected sg-…`,
              'config_item_invalid',
            );
          }
          return id;
        })
      : null,
  };
}

/** What a live value does to protection, judged against the code's. */
export function scalarDirection(attribute: string, live: unknown, desired: unknown): DifferenceDirection {
  const weaker = (): boolean | null => {
    switch (attribute) {
      case HTTP_TOKENS:
        return live === 'optional' ? true : live === 'required' ? false : null;
      case HTTP_ENDPOINT:
        return live === 'enabled' ? true : live === 'disabled' ? false : null;
      case DISABLE_API_TERMINATION:
      case DISABLE_API_STOP:
        return live === false ? true : live === true ? false : null;
      default:
        return null;
    }
  };
  if (attribute === INSTANCE_TYPE_ATTRIBUTE) return { axis: 'capacity', change: 'neutral', revert: 'neutral' };
  if (live === desired) return { axis: 'protection', change: 'neutral', revert: 'neutral' };
  const w = weaker();
  // Unknown values: fail closed (both ways risky).
  if (w === null) return { axis: 'protection', change: 'weakens', revert: 'weakens' };
  return w
    ? { axis: 'protection', change: 'weakens', revert: 'strengthens' }
    : { axis: 'protection', change: 'strengthens', revert: 'weakens' };
}

/** Plain English, e.g. `allowed IMDSv1 again on i-… (http_tokens optional; the code requires tokens)`. */
export function scalarSentence(attribute: string, instance: string, live: unknown, desired: unknown): string {
  switch (attribute) {
    case HTTP_TOKENS:
      return live === 'optional'
        ? `allowed IMDSv1 again on ${instance} (http_tokens optional; the code requires tokens)`
        : `required IMDSv2 tokens on ${instance} (http_tokens ${String(live)}; the code says ${String(desired)})`;
    case HTTP_ENDPOINT:
      return live === 'enabled'
        ? `turned the instance metadata endpoint on for ${instance} (the code turns it off)`
        : `turned the instance metadata endpoint off for ${instance} (the code has it ${String(desired)})`;
    case DISABLE_API_TERMINATION:
      return live === false ? `removed termination protection from ${instance}` : `turned termination protection on for ${instance}`;
    case DISABLE_API_STOP:
      return live === false ? `removed stop protection from ${instance}` : `turned stop protection on for ${instance}`;
    case INSTANCE_TYPE_ATTRIBUTE:
      return `changed the instance type of ${instance} from ${String(desired)} to ${String(live)}`;
    default:
      return `changed ${attribute} of ${instance} from ${JSON.stringify(desired)} to ${JSON.stringify(live)}`;
  }
}
