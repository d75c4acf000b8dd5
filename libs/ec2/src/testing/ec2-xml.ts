/**
 * The response side of the EC2 Query protocol: XML in the 2016-11-15 namespace, members named
 * by their `xmlName` (lower camel case: `securityGroupRuleSet`, `ipPermissionsEgress`, `groups`),
 * list entries as `<item>`, and errors as
 * `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
 */
import type { IpPermission } from '@aws-sdk/client-ec2';
import { toIpPermissions } from '@driftwarden/kinds/security-group';
import type { SandboxTag, StoredGroup, StoredRule } from './ec2-sandbox.state';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

export const EC2_XML_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** `<name>value</name>`, or nothing when the value is absent. */
export function leaf(name: string, value: string | number | boolean | null | undefined): string {
  return value === undefined || value === null ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name><item>…</item>…</name>`, `<name/>` when empty. */
export function set(name: string, items: readonly string[]): string {
  return items.length === 0 ? `<${name}/>` : `<${name}>${items.map((i) => `<item>${i}</item>`).join('')}</${name}>`;
}

export function responseXml(action: string, requestId: string, body: string): string {
  return `${PROLOG}<${action}Response xmlns="${EC2_XML_NAMESPACE}"><requestId>${escapeXml(requestId)}</requestId>${body}</${action}Response>`;
}

export function errorXml(code: string, message: string, requestId: string): string {
  return `${PROLOG}<Response><Errors><Error>${leaf('Code', code)}${leaf('Message', message)}</Error></Errors>${leaf('RequestID', requestId)}</Response>`;
}

function tagSet(tags: readonly SandboxTag[]): string {
  return set(
    'tagSet',
    tags.map((t) => `${leaf('key', t.key)}${leaf('value', t.value)}`),
  );
}

/** EC2 reports "no ports" (all traffic, port-less protocols) as -1/-1 in SecurityGroupRule. */
function ports(rule: PermissionRule): string {
  return `${leaf('fromPort', rule.fromPort ?? -1)}${leaf('toPort', rule.toPort ?? -1)}`;
}

function peerFields(rule: PermissionRule, ownerId: string, referencedAs: 'info' | 'id'): string {
  const p = rule.peer;
  switch (p.kind) {
    case 'ipv4':
      return leaf('cidrIpv4', p.cidr);
    case 'ipv6':
      return leaf('cidrIpv6', p.cidr);
    case 'prefixList':
      return leaf('prefixListId', p.prefixListId);
    case 'securityGroup':
      return referencedAs === 'id'
        ? leaf('referencedGroupId', p.groupId)
        : `<referencedGroupInfo>${leaf('groupId', p.groupId)}${leaf('userId', p.userId ?? ownerId)}</referencedGroupInfo>`;
  }
}

/** One `SecurityGroupRule` (DescribeSecurityGroupRules, Authorize responses). */
export function securityGroupRuleXml(group: StoredGroup, stored: StoredRule, arn: string): string {
  const r = stored.rule;
  return (
    leaf('securityGroupRuleId', stored.securityGroupRuleId) +
    leaf('groupId', group.groupId) +
    leaf('groupOwnerId', group.ownerId) +
    leaf('isEgress', r.direction === 'egress') +
    leaf('ipProtocol', r.protocol) +
    ports(r) +
    peerFields(r, group.ownerId, 'info') +
    leaf('description', r.description) +
    tagSet(stored.tags) +
    leaf('securityGroupRuleArn', arn)
  );
}

/** One `RevokedSecurityGroupRule` (Revoke responses). */
export function revokedRuleXml(group: StoredGroup, stored: StoredRule): string {
  const r = stored.rule;
  return (
    leaf('securityGroupRuleId', stored.securityGroupRuleId) +
    leaf('groupId', group.groupId) +
    leaf('isEgress', r.direction === 'egress') +
    leaf('ipProtocol', r.protocol) +
    ports(r) +
    peerFields(r, group.ownerId, 'id') +
    leaf('description', r.description)
  );
}

/** One `IpPermission` (DescribeSecurityGroups, UnknownIpPermissions). */
export function ipPermissionXml(p: IpPermission, ownerId: string): string {
  const d = (description: string | undefined) => leaf('description', description);
  return (
    leaf('ipProtocol', p.IpProtocol) +
    leaf('fromPort', p.FromPort) +
    leaf('toPort', p.ToPort) +
    set(
      'groups',
      (p.UserIdGroupPairs ?? []).map((g) => `${leaf('userId', g.UserId ?? ownerId)}${leaf('groupId', g.GroupId)}${d(g.Description)}`),
    ) +
    set(
      'ipRanges',
      (p.IpRanges ?? []).map((r) => `${leaf('cidrIp', r.CidrIp)}${d(r.Description)}`),
    ) +
    set(
      'ipv6Ranges',
      (p.Ipv6Ranges ?? []).map((r) => `${leaf('cidrIpv6', r.CidrIpv6)}${d(r.Description)}`),
    ) +
    set(
      'prefixListIds',
      (p.PrefixListIds ?? []).map((r) => `${leaf('prefixListId', r.PrefixListId)}${d(r.Description)}`),
    )
  );
}

/** Canonical rules of one direction as `IpPermission` items. */
export function permissionsXml(name: string, rules: readonly PermissionRule[], direction: 'ingress' | 'egress', ownerId: string): string {
  return set(
    name,
    toIpPermissions(rules)[direction].map((p) => ipPermissionXml(p, ownerId)),
  );
}

/** One `SecurityGroup` (DescribeSecurityGroups). */
export function securityGroupXml(group: StoredGroup, arn: string): string {
  const rules = group.rules.map((r) => r.rule);
  return (
    leaf('ownerId', group.ownerId) +
    leaf('groupId', group.groupId) +
    leaf('groupName', group.groupName) +
    leaf('groupDescription', group.description) +
    leaf('vpcId', group.vpcId) +
    permissionsXml('ipPermissions', rules, 'ingress', group.ownerId) +
    permissionsXml('ipPermissionsEgress', rules, 'egress', group.ownerId) +
    tagSet(group.tags) +
    leaf('securityGroupArn', arn)
  );
}
