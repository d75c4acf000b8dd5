/** Attribution helpers for "AWS API Call via CloudTrail" records (CONTRACTS §A8). */
import type { CloudTrailPrincipal } from '@driftwarden/domain';
import { isPlainObject, type UserIdentity } from './schemas';

/** The resource part of an ARN (`assumed-role/Role/session`), or null when it is not an ARN. */
function arnResource(arn: string): string | null {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' ? parts.slice(5).join(':') : null;
}

export function principalFromUserIdentity(identity: UserIdentity): CloudTrailPrincipal {
  const principal: CloudTrailPrincipal = { type: identity.type, arn: identity.arn ?? null };
  const resource = identity.arn ? arnResource(identity.arn) : null;

  if (identity.type === 'AssumedRole') {
    // arn:aws:sts::<acct>:assumed-role/<RoleName>/<SessionName>; the role path never appears here.
    if (resource?.startsWith('assumed-role/')) {
      const segments = resource.split('/');
      const session = segments[segments.length - 1];
      if (segments.length >= 3 && session) principal.sessionName = session;
    }
    const issuer = identity.sessionContext?.sessionIssuer?.userName;
    if (issuer) principal.roleName = issuer;
    else if (resource?.startsWith('assumed-role/')) {
      const role = resource.split('/')[1];
      if (role) principal.roleName = role;
    }
  }
  if (identity.userName) principal.userName = identity.userName;
  else if (identity.type === 'FederatedUser' && resource?.startsWith('federated-user/')) {
    const name = resource.slice('federated-user/'.length);
    if (name) principal.userName = name;
  }
  if (identity.accessKeyId) principal.accessKeyId = identity.accessKeyId;
  if (identity.invokedBy) principal.invokedBy = identity.invokedBy;
  return principal;
}

function stringAt(obj: unknown, key: string): string | undefined {
  if (!isPlainObject(obj)) return undefined;
  const v = obj[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** `{items:[…]}` wrappers (CloudTrail's XML-ish shape), bare arrays, or a single object → a list. */
function itemsOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isPlainObject(value)) {
    const items = value['items'];
    if (Array.isArray(items)) return items;
    if (items === undefined) return [value];
  }
  return [];
}

/**
 * Security group and rule ids the call touched, best effort, in order of appearance and without
 * duplicates: `requestParameters.groupId`, `requestParameters.securityGroupRuleIds.items[]`,
 * `requestParameters.ModifySecurityGroupRulesRequest.{GroupId, SecurityGroupRule[].SecurityGroupRuleId}`,
 * `responseElements.groupId` (CreateSecurityGroup) and `responseElements.{securityGroupRuleSet,
 * revokedSecurityGroupRuleSet}.items[].{groupId, securityGroupRuleId}`.
 */
export function resourceIdsFromCall(
  requestParameters: Record<string, unknown> | null,
  responseElements: Record<string, unknown> | null,
): string[] {
  const ids = new Set<string>();
  const add = (v: string | undefined): void => {
    if (v) ids.add(v);
  };

  if (requestParameters) {
    add(stringAt(requestParameters, 'groupId'));
    for (const item of itemsOf(requestParameters['securityGroupRuleIds'])) {
      if (typeof item === 'string') add(item);
      else add(stringAt(item, 'securityGroupRuleId'));
    }
    const modify = requestParameters['ModifySecurityGroupRulesRequest'];
    add(stringAt(modify, 'GroupId'));
    if (isPlainObject(modify)) {
      for (const rule of itemsOf(modify['SecurityGroupRule'])) add(stringAt(rule, 'SecurityGroupRuleId'));
    }
  }
  if (responseElements) {
    add(stringAt(responseElements, 'groupId'));
    for (const key of ['securityGroupRuleSet', 'revokedSecurityGroupRuleSet']) {
      const set = responseElements[key];
      if (!isPlainObject(set)) continue;
      for (const rule of itemsOf(set['items'])) {
        add(stringAt(rule, 'groupId'));
        add(stringAt(rule, 'securityGroupRuleId'));
      }
    }
  }
  return [...ids];
}
