/**
 * EC2 SDK shapes (PascalCase, CONTRACTS.md §A9) ↔ canonical rules:
 * - `IpPermission[]` (DescribeSecurityGroups, Authorize/Revoke requests) in both directions;
 * - `SecurityGroupRule[]` (DescribeSecurityGroupRules, Authorize responses) → rules with their
 *   `sgr-…` ids.
 * Only SDK *types* are imported: this module does no I/O.
 */
import type { IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import { type IdentifiedRule, canonicalizeRule, groupPeer, makeRule, uniqueRules } from '../model/rule';
import { fail } from '../security-group.errors';
import type { PermissionRule, RuleDirection, RulePeer } from '../model/permission-rule';

/** The rules of EC2 `IpPermission`s (one per peer). */
export function rulesFromIpPermissions(permissions: readonly IpPermission[] | undefined, direction: RuleDirection): PermissionRule[] {
  const rules: PermissionRule[] = [];
  (permissions ?? []).forEach((p, i) => {
    const path = `IpPermissions[${i}]`;
    if (p.IpProtocol === undefined || p.IpProtocol === '') fail('ec2', `${path}.IpProtocol`, 'expected a protocol');
    const base = { direction, protocol: p.IpProtocol, fromPort: p.FromPort, toPort: p.ToPort };
    p.IpRanges?.forEach((r, j) => {
      if (!r.CidrIp) fail('ec2', `${path}.IpRanges[${j}].CidrIp`, 'expected a CIDR');
      rules.push(makeRule({ ...base, peer: { kind: 'ipv4', cidr: r.CidrIp }, description: r.Description }));
    });
    p.Ipv6Ranges?.forEach((r, j) => {
      if (!r.CidrIpv6) fail('ec2', `${path}.Ipv6Ranges[${j}].CidrIpv6`, 'expected a CIDR');
      rules.push(makeRule({ ...base, peer: { kind: 'ipv6', cidr: r.CidrIpv6 }, description: r.Description }));
    });
    p.PrefixListIds?.forEach((r, j) => {
      if (!r.PrefixListId) fail('ec2', `${path}.PrefixListIds[${j}].PrefixListId`, 'expected a prefix list id');
      rules.push(makeRule({ ...base, peer: { kind: 'prefixList', prefixListId: r.PrefixListId }, description: r.Description }));
    });
    p.UserIdGroupPairs?.forEach((r, j) => {
      if (!r.GroupId) fail('ec2', `${path}.UserIdGroupPairs[${j}].GroupId`, 'expected a security group id');
      rules.push(makeRule({ ...base, peer: groupPeer(r.GroupId, r.UserId), description: r.Description }));
    });
  });
  return uniqueRules(rules);
}

/** One `SecurityGroupRule` (DescribeSecurityGroupRules) → a canonical rule with its id. */
export function ruleFromSecurityGroupRule(r: SecurityGroupRule, path = 'SecurityGroupRule'): IdentifiedRule {
  if (r.IpProtocol === undefined || r.IpProtocol === '') fail('ec2', `${path}.IpProtocol`, 'expected a protocol');
  if (r.IsEgress === undefined) fail('ec2', `${path}.IsEgress`, 'expected a boolean');
  let peer: RulePeer;
  if (r.CidrIpv4) peer = { kind: 'ipv4', cidr: r.CidrIpv4 };
  else if (r.CidrIpv6) peer = { kind: 'ipv6', cidr: r.CidrIpv6 };
  else if (r.PrefixListId) peer = { kind: 'prefixList', prefixListId: r.PrefixListId };
  else if (r.ReferencedGroupInfo?.GroupId) peer = groupPeer(r.ReferencedGroupInfo.GroupId, r.ReferencedGroupInfo.UserId);
  else return fail('ec2', path, 'expected one of CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupInfo.GroupId');
  const identified: IdentifiedRule = {
    rule: makeRule({
      direction: r.IsEgress ? 'egress' : 'ingress',
      protocol: r.IpProtocol,
      fromPort: r.FromPort,
      toPort: r.ToPort,
      peer,
      description: r.Description,
    }),
  };
  if (r.SecurityGroupRuleId) identified.securityGroupRuleId = r.SecurityGroupRuleId;
  if (r.GroupId) identified.groupId = r.GroupId;
  return identified;
}

export function rulesFromSecurityGroupRules(rules: readonly SecurityGroupRule[] | undefined): IdentifiedRule[] {
  return (rules ?? []).map((r, i) => ruleFromSecurityGroupRule(r, `SecurityGroupRules[${i}]`));
}

function portsOf(rule: PermissionRule): Pick<IpPermission, 'FromPort' | 'ToPort'> {
  return rule.fromPort === null || rule.toPort === null ? {} : { FromPort: rule.fromPort, ToPort: rule.toPort };
}

/**
 * Canonical rules → EC2 `IpPermission`s for Authorize/Revoke, split by direction. Rules with the
 * same protocol and ports share one `IpPermission` (with one entry per peer, each keeping its
 * description), in first-seen order. Duplicates by identity are dropped.
 */
export function toIpPermissions(rules: readonly PermissionRule[]): { ingress: IpPermission[]; egress: IpPermission[] } {
  const out: Record<RuleDirection, Map<string, IpPermission>> = { ingress: new Map(), egress: new Map() };
  for (const rule of uniqueRules(rules.map(canonicalizeRule))) {
    const groupKey = `${rule.protocol}|${rule.fromPort ?? '*'}|${rule.toPort ?? '*'}`;
    let permission = out[rule.direction].get(groupKey);
    if (!permission) {
      permission = { IpProtocol: rule.protocol, ...portsOf(rule) };
      out[rule.direction].set(groupKey, permission);
    }
    const desc = rule.description !== undefined ? { Description: rule.description } : {};
    const peer = rule.peer;
    switch (peer.kind) {
      case 'ipv4':
        (permission.IpRanges ??= []).push({ CidrIp: peer.cidr, ...desc });
        break;
      case 'ipv6':
        (permission.Ipv6Ranges ??= []).push({ CidrIpv6: peer.cidr, ...desc });
        break;
      case 'prefixList':
        (permission.PrefixListIds ??= []).push({ PrefixListId: peer.prefixListId, ...desc });
        break;
      case 'securityGroup':
        (permission.UserIdGroupPairs ??= []).push({ GroupId: peer.groupId, ...(peer.userId ? { UserId: peer.userId } : {}), ...desc });
        break;
    }
  }
  return { ingress: [...out.ingress.values()], egress: [...out.egress.values()] };
}
