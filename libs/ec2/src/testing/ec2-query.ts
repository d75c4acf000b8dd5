/**
 * The request side of the EC2 Query protocol (API version 2016-11-15), as @aws-sdk/client-ec2
 * writes it (`AwsEc2QueryProtocol` in @aws-sdk/core): a form-encoded body
 * `Action=…&Version=2016-11-15&…` where lists are flattened with 1-based indexes and each member
 * is named by its `ec2QueryName` (or its capitalised `xmlName`/member name):
 *
 * - `IpPermissions.1.IpProtocol`, `IpPermissions.1.FromPort`, `IpPermissions.1.IpRanges.1.CidrIp`,
 *   `IpPermissions.1.Ipv6Ranges.1.CidrIpv6`, `IpPermissions.1.PrefixListIds.1.PrefixListId`,
 *   `IpPermissions.1.Groups.1.GroupId` (the SDK's `UserIdGroupPairs`), each with `.Description`;
 * - `SecurityGroupRuleId.1` (`SecurityGroupRuleIds`), `GroupId.1` (DescribeSecurityGroups `GroupIds`);
 * - `Filter.1.Name`, `Filter.1.Value.1` (`Filters[].Values[]`);
 * - `TagSpecification.1.ResourceType`, `TagSpecification.1.Tag.1.Key`.
 *
 * Like EC2, a parameter an action does not know is refused (`UnknownParameter`), so a wire-format
 * mistake shows up as an error instead of being silently ignored.
 */
import type { IpPermission } from '@aws-sdk/client-ec2';
import { ec2Errors } from './ec2-sandbox.errors';

export type QueryParams = ReadonlyMap<string, string>;

/** Parses a form-encoded body (or query string); a repeated key keeps its last value. */
export function parseQuery(body: string): QueryParams {
  const params = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(body)) params.set(key, value);
  return params;
}

const N = String.raw`[1-9]\d*`;
const PERMISSION = [
  String.raw`IpProtocol|FromPort|ToPort`,
  String.raw`IpRanges\.${N}\.(?:CidrIp|Description)`,
  String.raw`Ipv6Ranges\.${N}\.(?:CidrIpv6|Description)`,
  String.raw`PrefixListIds\.${N}\.(?:PrefixListId|Description)`,
  String.raw`Groups\.${N}\.(?:GroupId|UserId|GroupName|VpcId|VpcPeeringConnectionId|PeeringStatus|Description)`,
].join('|');
const IP_PERMISSIONS = String.raw`IpPermissions\.${N}\.(?:${PERMISSION})`;
const FILTERS = String.raw`Filter\.${N}\.(?:Name|Value\.${N})`;
const PAGING = 'MaxResults|NextToken';
const TAG_SPECIFICATIONS = String.raw`TagSpecification\.${N}\.(?:ResourceType|Tag\.${N}\.(?:Key|Value))`;
/** The flat legacy parameters of Authorize/Revoke: real EC2 parameters the sandbox does not implement. */
export const LEGACY_FLAT_PARAMETERS = [
  'CidrIp',
  'FromPort',
  'ToPort',
  'IpProtocol',
  'SourceSecurityGroupName',
  'SourceSecurityGroupOwnerId',
];
const LEGACY = LEGACY_FLAT_PARAMETERS.join('|');

const NACL_ENTRY = String.raw`NetworkAclId|RuleNumber|Protocol|RuleAction|Egress|CidrBlock|Ipv6CidrBlock|PortRange\.(?:From|To)|Icmp\.(?:Type|Code)`;

function keys(...alternatives: string[]): RegExp {
  return new RegExp(`^(?:Action|Version|DryRun|${alternatives.join('|')})$`);
}

/** The parameters each action accepts (as EC2 spells them on the wire). */
export const ACTION_PARAMETERS = {
  DescribeSecurityGroups: keys(String.raw`GroupId\.${N}`, String.raw`GroupName\.${N}`, FILTERS, PAGING),
  DescribeSecurityGroupRules: keys(String.raw`SecurityGroupRuleId\.${N}`, FILTERS, PAGING),
  AuthorizeSecurityGroupIngress: keys('GroupId', 'GroupName', IP_PERMISSIONS, TAG_SPECIFICATIONS, LEGACY),
  AuthorizeSecurityGroupEgress: keys('GroupId', IP_PERMISSIONS, TAG_SPECIFICATIONS, LEGACY),
  RevokeSecurityGroupIngress: keys('GroupId', 'GroupName', IP_PERMISSIONS, String.raw`SecurityGroupRuleId\.${N}`, LEGACY),
  RevokeSecurityGroupEgress: keys('GroupId', IP_PERMISSIONS, String.raw`SecurityGroupRuleId\.${N}`, LEGACY),
  // Network ACL entries (the network-acl kind); no ACL create/delete, no association change.
  DescribeNetworkAcls: keys(String.raw`NetworkAclId\.${N}`, FILTERS, PAGING),
  CreateNetworkAclEntry: keys(NACL_ENTRY),
  ReplaceNetworkAclEntry: keys(NACL_ENTRY),
  DeleteNetworkAclEntry: keys('NetworkAclId', 'RuleNumber', 'Egress'),
} as const;

export type Ec2SandboxAction = keyof typeof ACTION_PARAMETERS;

export function isSandboxAction(action: string): action is Ec2SandboxAction {
  return Object.prototype.hasOwnProperty.call(ACTION_PARAMETERS, action);
}

/** Refuses parameters the action does not know (EC2: `UnknownParameter`). */
export function checkParameters(action: Ec2SandboxAction, params: QueryParams): void {
  const allowed = ACTION_PARAMETERS[action];
  for (const key of params.keys()) if (!allowed.test(key)) throw ec2Errors.unknownParameter(key);
}

/** The 1-based indexes used under `prefix.` (`prefix.1…`, `prefix.2…`), in numeric order. */
function indexes(params: QueryParams, prefix: string): number[] {
  const found = new Set<number>();
  const head = `${prefix}.`;
  for (const key of params.keys()) {
    if (!key.startsWith(head)) continue;
    const segment = key.slice(head.length).split('.')[0] ?? '';
    if (/^[1-9]\d*$/.test(segment)) found.add(Number(segment));
  }
  return [...found].sort((a, b) => a - b);
}

/** `prefix.1`, `prefix.2`, … as strings (e.g. `SecurityGroupRuleId.N`). */
export function stringList(params: QueryParams, prefix: string): string[] {
  return indexes(params, prefix)
    .map((i) => params.get(`${prefix}.${i}`))
    .filter((v): v is string => v !== undefined);
}

export function optionalString(params: QueryParams, key: string): string | undefined {
  const value = params.get(key);
  return value === undefined || value === '' ? undefined : value;
}

export function requiredString(params: QueryParams, key: string): string {
  const value = optionalString(params, key);
  if (value === undefined) throw ec2Errors.missingParameter(key);
  return value;
}

export function optionalInteger(params: QueryParams, key: string): number | undefined {
  const value = params.get(key);
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw ec2Errors.invalidParameterValue(`Invalid value '${value}' for ${key}. It must be an integer.`);
  return Number(value);
}

export function booleanParam(params: QueryParams, key: string): boolean {
  const value = params.get(key);
  if (value === undefined || value === '') return false;
  if (value !== 'true' && value !== 'false')
    throw ec2Errors.invalidParameterValue(`Invalid value '${value}' for ${key}. It must be true or false.`);
  return value === 'true';
}

export interface QueryFilter {
  name: string;
  values: string[];
}

/** `Filter.N.Name` / `Filter.N.Value.M`. */
export function filters(params: QueryParams): QueryFilter[] {
  return indexes(params, 'Filter').map((i) => {
    const name = params.get(`Filter.${i}.Name`);
    if (name === undefined || name === '') throw ec2Errors.missingParameter(`Filter.${i}.Name`);
    return { name, values: stringList(params, `Filter.${i}.Value`) };
  });
}

/** `IpPermissions.N.…` → the SDK's `IpPermission` shape (`Groups` → `UserIdGroupPairs`). */
export function ipPermissions(params: QueryParams, prefix = 'IpPermissions'): IpPermission[] {
  return indexes(params, prefix).map((i) => {
    const p = `${prefix}.${i}`;
    const permission: IpPermission = {};
    const protocol = optionalString(params, `${p}.IpProtocol`);
    if (protocol !== undefined) permission.IpProtocol = protocol;
    const from = optionalInteger(params, `${p}.FromPort`);
    if (from !== undefined) permission.FromPort = from;
    const to = optionalInteger(params, `${p}.ToPort`);
    if (to !== undefined) permission.ToPort = to;
    const entries = (list: string) => indexes(params, `${p}.${list}`).map((j) => `${p}.${list}.${j}`);
    const description = (q: string) => {
      const d = params.get(`${q}.Description`);
      return d === undefined ? {} : { Description: d };
    };
    const ipRanges = entries('IpRanges').map((q) => ({ CidrIp: params.get(`${q}.CidrIp`), ...description(q) }));
    if (ipRanges.length > 0) permission.IpRanges = ipRanges;
    const ipv6Ranges = entries('Ipv6Ranges').map((q) => ({ CidrIpv6: params.get(`${q}.CidrIpv6`), ...description(q) }));
    if (ipv6Ranges.length > 0) permission.Ipv6Ranges = ipv6Ranges;
    const prefixLists = entries('PrefixListIds').map((q) => ({ PrefixListId: params.get(`${q}.PrefixListId`), ...description(q) }));
    if (prefixLists.length > 0) permission.PrefixListIds = prefixLists;
    const groups = entries('Groups').map((q) => {
      const userId = params.get(`${q}.UserId`);
      return { GroupId: params.get(`${q}.GroupId`), ...(userId !== undefined ? { UserId: userId } : {}), ...description(q) };
    });
    if (groups.length > 0) permission.UserIdGroupPairs = groups;
    return permission;
  });
}

/** Whether any flat legacy parameter (`CidrIp`, `FromPort`, …) was sent. */
export function usesLegacyParameters(params: QueryParams): boolean {
  return LEGACY_FLAT_PARAMETERS.some((k) => params.has(k));
}
