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

/** `{items:[…]}` wrappers (CloudTrail's XML-ish shape), bare arrays, or a single object → a list, with each element's path. */
function itemsOf(value: unknown, path: string): { item: unknown; path: string }[] {
  if (Array.isArray(value)) return value.map((item: unknown, i) => ({ item, path: `${path}[${i}]` }));
  if (isPlainObject(value)) {
    const items = value['items'];
    if (Array.isArray(items)) return items.map((item: unknown, i) => ({ item, path: `${path}.items[${i}]` }));
    if (items === undefined) return [{ item: value, path }];
  }
  return [];
}

/** A resource id found in a call, with what it names and where (JSON path below the record). */
export interface CallResourceId {
  id: string;
  /** `other`: an EC2-style id of any other resource (for the observed kind's attribution). */
  kind: 'group' | 'rule' | 'networkAcl' | 'bucket' | 'other';
  path: string;
}

/** The AWS Config type whose id form each kind of id found in a call must have (`other` ids are taken only when well-formed). */
export const CALL_ID_TYPES: Readonly<Record<Exclude<CallResourceId['kind'], 'other'>, string>> = {
  group: 'AWS::EC2::SecurityGroup',
  rule: 'AWS::EC2::SecurityGroupRule',
  networkAcl: 'AWS::EC2::NetworkAcl',
  bucket: 'AWS::S3::Bucket',
};

/** An EC2-style resource id (`vol-0abc…`, `vpc-…`, `i-…`, `subnet-…`): 8 or 17 hex digits after a lower-case prefix. */
const EC2_STYLE_ID = /^[a-z][a-z0-9]{0,20}-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const ID_KEY = /Id$/i;

/**
 * Ids of other resources a call names, for the observed kind (resources of types no kind models):
 * the EC2-style ids under `requestParameters` keys ending in `Id` (`volumeId`, `VpcId`), at the
 * top level or inside a `…Request` wrapper (`ModifyVolumeRequest.VolumeId`). Only for a call that
 * names no security group or rule: what a security-group call touches stays exactly its group and rules.
 */
function otherIdsInCall(requestParameters: Record<string, unknown>): CallResourceId[] {
  const found: CallResourceId[] = [];
  const scan = (obj: Record<string, unknown>, at: string): void => {
    for (const [key, value] of Object.entries(obj)) {
      if (ID_KEY.test(key) && typeof value === 'string' && EC2_STYLE_ID.test(value))
        found.push({ id: value, kind: 'other', path: `${at}.${key}` });
    }
  };
  scan(requestParameters, 'requestParameters');
  for (const [key, value] of Object.entries(requestParameters)) {
    if (/Request$/.test(key) && isPlainObject(value)) scan(value, `requestParameters.${key}`);
  }
  return found;
}

/**
 * Security group and rule ids the call touched, best effort, in order of appearance:
 * `requestParameters.groupId`, `requestParameters.securityGroupRuleIds.items[]`,
 * `requestParameters.ModifySecurityGroupRulesRequest.{GroupId, SecurityGroupRule[].SecurityGroupRuleId}`,
 * `responseElements.groupId` (CreateSecurityGroup) and `responseElements.{securityGroupRuleSet,
 * revokedSecurityGroupRuleSet}.items[].{groupId, securityGroupRuleId}`; network ACL ids
 * (`requestParameters.networkAclId`, `responseElements.networkAcl.networkAclId` of CreateNetworkAcl)
 * and S3 bucket names (`requestParameters.bucketName`).
 */
export function resourceIdsInCall(
  requestParameters: Record<string, unknown> | null,
  responseElements: Record<string, unknown> | null,
): CallResourceId[] {
  const found: CallResourceId[] = [];
  const add = (obj: unknown, key: string, kind: CallResourceId['kind'], at: string): void => {
    const id = stringAt(obj, key);
    if (id) found.push({ id, kind, path: `${at}.${key}` });
  };

  if (requestParameters) {
    add(requestParameters, 'groupId', 'group', 'requestParameters');
    add(requestParameters, 'networkAclId', 'networkAcl', 'requestParameters');
    add(requestParameters, 'bucketName', 'bucket', 'requestParameters');
    for (const { item, path } of itemsOf(requestParameters['securityGroupRuleIds'], 'requestParameters.securityGroupRuleIds')) {
      if (typeof item === 'string') {
        if (item) found.push({ id: item, kind: 'rule', path });
      } else add(item, 'securityGroupRuleId', 'rule', path);
    }
    const modify = requestParameters['ModifySecurityGroupRulesRequest'];
    add(modify, 'GroupId', 'group', 'requestParameters.ModifySecurityGroupRulesRequest');
    if (isPlainObject(modify)) {
      for (const { item, path } of itemsOf(
        modify['SecurityGroupRule'],
        'requestParameters.ModifySecurityGroupRulesRequest.SecurityGroupRule',
      )) {
        add(item, 'SecurityGroupRuleId', 'rule', path);
      }
    }
  }
  if (responseElements) {
    add(responseElements, 'groupId', 'group', 'responseElements');
    add(responseElements['networkAcl'], 'networkAclId', 'networkAcl', 'responseElements.networkAcl');
    for (const key of ['securityGroupRuleSet', 'revokedSecurityGroupRuleSet']) {
      const set = responseElements[key];
      if (!isPlainObject(set)) continue;
      for (const { item, path } of itemsOf(set['items'], `responseElements.${key}.items`)) {
        add(item, 'groupId', 'group', path);
        add(item, 'securityGroupRuleId', 'rule', path);
      }
    }
  }
  if (found.length === 0 && requestParameters) found.push(...otherIdsInCall(requestParameters));
  return found;
}

/** The distinct ids of `resourceIdsInCall`, in order of appearance. */
export function resourceIdsFromCall(
  requestParameters: Record<string, unknown> | null,
  responseElements: Record<string, unknown> | null,
): string[] {
  return [...new Set(resourceIdsInCall(requestParameters, responseElements).map((f) => f.id))];
}
