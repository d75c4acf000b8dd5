/**
 * CloudTrail EC2 payloads (CONTRACTS.md §A8) → canonical rules. CloudTrail wraps every list as
 * `{ items: [...] }`, writes an empty list as `{}`, and uses -1 ports for "all".
 * - requestParameters of Authorize/Revoke SecurityGroup Ingress/Egress: `ipPermissions.items[]`
 *   with `ipRanges`, `ipv6Ranges`, `prefixListIds`, `groups`.
 * - responseElements: `securityGroupRuleSet.items[]` (Authorize) and
 *   `revokedSecurityGroupRuleSet.items[]` (Revoke), one rule each with its `sgr-…` id.
 */
import { z } from 'zod';
import { type IdentifiedRule, groupPeer, makeRule, uniqueRules } from '../model/rule';
import { fail, parseShape } from '../security-group.errors';
import type { PermissionRule, RuleDirection, RulePeer } from '../model/permission-rule';

/** `{ items: [...] }`, `{}` (empty) or absent. */
function items<T extends z.ZodType>(item: T) {
  return z
    .looseObject({ items: z.array(item).nullish() })
    .nullish()
    .transform((v) => v?.items ?? []);
}

const description = z.string().nullish();
const port = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^-?\d+$/)
      .transform(Number),
  ])
  .nullish();
const protocol = z.union([z.string(), z.number()]);

const cloudTrailPermissionSchema = z.looseObject({
  ipProtocol: protocol,
  fromPort: port,
  toPort: port,
  ipRanges: items(z.looseObject({ cidrIp: z.string(), description })),
  ipv6Ranges: items(z.looseObject({ cidrIpv6: z.string(), description })),
  prefixListIds: items(z.looseObject({ prefixListId: z.string(), description })),
  groups: items(
    z.looseObject({ groupId: z.string().nullish(), userId: z.string().nullish(), groupName: z.string().nullish(), description }),
  ),
});

const ruleIdItem = z
  .union([z.string(), z.looseObject({ securityGroupRuleId: z.string() })])
  .transform((v) => (typeof v === 'string' ? v : v.securityGroupRuleId));

const requestSchema = z.looseObject({
  groupId: z.string().nullish(),
  ipPermissions: items(z.unknown()),
  securityGroupRuleIds: z.union([items(ruleIdItem), z.array(ruleIdItem)]).nullish(),
  // Legacy flat form (one CIDR, one protocol): `{ cidrIp, ipProtocol, fromPort, toPort }`.
  cidrIp: z.string().nullish(),
  ipProtocol: protocol.nullish(),
  fromPort: port,
  toPort: port,
});

const responseRuleSchema = z.looseObject({
  groupId: z.string().nullish(),
  groupOwnerId: z.string().nullish(),
  securityGroupRuleId: z.string().nullish(),
  isEgress: z.boolean(),
  ipProtocol: protocol,
  fromPort: port,
  toPort: port,
  cidrIpv4: z.string().nullish(),
  cidrIpv6: z.string().nullish(),
  prefixListId: z.string().nullish(),
  referencedGroupInfo: z.looseObject({ groupId: z.string(), userId: z.string().nullish() }).nullish(),
  description,
});

const responseSchema = z.looseObject({
  securityGroupRuleSet: items(z.unknown()),
  revokedSecurityGroupRuleSet: items(z.unknown()),
});

/** The rules of a CloudTrail `ipPermissions` value (`{ items: [...] }` or `{}`). */
export function rulesFromCloudTrailIpPermissions(
  ipPermissions: unknown,
  direction: RuleDirection,
  basePath = 'ipPermissions',
): PermissionRule[] {
  const list = parseShape('cloudtrail', items(z.unknown()), ipPermissions, basePath);
  return uniqueRules(rulesOfPermissionItems(list, direction, basePath));
}

function rulesOfPermissionItems(list: readonly unknown[], direction: RuleDirection, basePath: string): PermissionRule[] {
  const rules: PermissionRule[] = [];
  list.forEach((entry, i) => {
    const path = `${basePath}.items[${i}]`;
    const p = parseShape('cloudtrail', cloudTrailPermissionSchema, entry, path);
    const base = { direction, protocol: p.ipProtocol, fromPort: p.fromPort, toPort: p.toPort };
    for (const r of p.ipRanges) rules.push(makeRule({ ...base, peer: { kind: 'ipv4', cidr: r.cidrIp }, description: r.description }));
    for (const r of p.ipv6Ranges) rules.push(makeRule({ ...base, peer: { kind: 'ipv6', cidr: r.cidrIpv6 }, description: r.description }));
    for (const r of p.prefixListIds) {
      rules.push(makeRule({ ...base, peer: { kind: 'prefixList', prefixListId: r.prefixListId }, description: r.description }));
    }
    p.groups.forEach((g, j) => {
      if (!g.groupId) {
        fail(
          'cloudtrail',
          `${path}.groups.items[${j}].groupId`,
          'expected a security group id (groups named only by groupName are not supported)',
        );
      }
      rules.push(makeRule({ ...base, peer: groupPeer(g.groupId, g.userId), description: g.description }));
    });
  });
  return rules;
}

export type CloudTrailRuleEventName =
  'AuthorizeSecurityGroupIngress' | 'AuthorizeSecurityGroupEgress' | 'RevokeSecurityGroupIngress' | 'RevokeSecurityGroupEgress';

const RULE_EVENTS: Readonly<Record<CloudTrailRuleEventName, { action: 'authorize' | 'revoke'; direction: RuleDirection }>> = {
  AuthorizeSecurityGroupIngress: { action: 'authorize', direction: 'ingress' },
  AuthorizeSecurityGroupEgress: { action: 'authorize', direction: 'egress' },
  RevokeSecurityGroupIngress: { action: 'revoke', direction: 'ingress' },
  RevokeSecurityGroupEgress: { action: 'revoke', direction: 'egress' },
};

export function isCloudTrailRuleEvent(eventName: string): eventName is CloudTrailRuleEventName {
  return Object.prototype.hasOwnProperty.call(RULE_EVENTS, eventName);
}

export interface CloudTrailRuleRequest {
  action: 'authorize' | 'revoke';
  direction: RuleDirection;
  groupId?: string;
  /** The rules named by `ipPermissions` (or the legacy flat fields). */
  rules: PermissionRule[];
  /** Rules named by id (Revoke with `SecurityGroupRuleIds`). */
  securityGroupRuleIds: string[];
}

/**
 * What an Authorize/Revoke call asked for, from its `requestParameters`; null for any other
 * event (ModifySecurityGroupRules and friends are not expressed as permissions).
 */
export function rulesFromCloudTrailRequest(eventName: string, requestParameters: unknown): CloudTrailRuleRequest | null {
  if (!isCloudTrailRuleEvent(eventName)) return null;
  const { action, direction } = RULE_EVENTS[eventName];
  const req = parseShape('cloudtrail', requestSchema, requestParameters ?? {}, 'requestParameters');
  const rules = rulesOfPermissionItems(req.ipPermissions, direction, 'requestParameters.ipPermissions');
  if (req.cidrIp && req.ipProtocol !== undefined && req.ipProtocol !== null) {
    rules.push(
      makeRule({
        direction,
        protocol: req.ipProtocol,
        fromPort: req.fromPort,
        toPort: req.toPort,
        peer: { kind: 'ipv4', cidr: req.cidrIp },
      }),
    );
  }
  const ids = req.securityGroupRuleIds ?? [];
  const result: CloudTrailRuleRequest = { action, direction, rules: uniqueRules(rules), securityGroupRuleIds: [...ids] };
  if (req.groupId) result.groupId = req.groupId;
  return result;
}

function ruleOfResponseItem(item: unknown, path: string): IdentifiedRule {
  const r = parseShape('cloudtrail', responseRuleSchema, item, path);
  let peer: RulePeer;
  if (r.cidrIpv4) peer = { kind: 'ipv4', cidr: r.cidrIpv4 };
  else if (r.cidrIpv6) peer = { kind: 'ipv6', cidr: r.cidrIpv6 };
  else if (r.prefixListId) peer = { kind: 'prefixList', prefixListId: r.prefixListId };
  else if (r.referencedGroupInfo) peer = groupPeer(r.referencedGroupInfo.groupId, r.referencedGroupInfo.userId);
  else return fail('cloudtrail', path, 'expected one of cidrIpv4, cidrIpv6, prefixListId or referencedGroupInfo');
  const identified: IdentifiedRule = {
    rule: makeRule({
      direction: r.isEgress ? 'egress' : 'ingress',
      protocol: r.ipProtocol,
      fromPort: r.fromPort,
      toPort: r.toPort,
      peer,
      description: r.description,
    }),
  };
  if (r.securityGroupRuleId) identified.securityGroupRuleId = r.securityGroupRuleId;
  if (r.groupId) identified.groupId = r.groupId;
  return identified;
}

export interface CloudTrailRuleResponse {
  /** `securityGroupRuleSet.items` (Authorize): the rules created. */
  created: IdentifiedRule[];
  /** `revokedSecurityGroupRuleSet.items` (Revoke): the rules removed. */
  revoked: IdentifiedRule[];
}

/** The rules an Authorize/Revoke call reports in `responseElements` (null on errors → empty). */
export function rulesFromCloudTrailResponse(responseElements: unknown): CloudTrailRuleResponse {
  const res = parseShape('cloudtrail', responseSchema, responseElements ?? {}, 'responseElements');
  return {
    created: res.securityGroupRuleSet.map((item, i) => ruleOfResponseItem(item, `responseElements.securityGroupRuleSet.items[${i}]`)),
    revoked: res.revokedSecurityGroupRuleSet.map((item, i) =>
      ruleOfResponseItem(item, `responseElements.revokedSecurityGroupRuleSet.items[${i}]`),
    ),
  };
}
