/**
 * AWS Config `AWS::EC2::SecurityGroup` configuration (camelCase, CONTRACTS.md §A4) → canonical
 * rules. IPv4 ranges come as `ipv4Ranges` objects (with descriptions) and/or the legacy
 * `ipRanges` string array (the only form in CI version 1.2): both are read and merged, the
 * objects winning, so a rule present in either is never lost.
 */
import { z } from 'zod';
import { groupPeer, makeRule, uniqueRules } from '../model/rule';
import { parseShape } from '../security-group.errors';
import type { PermissionRule, RuleDirection } from '../model/permission-rule';

const description = z.string().nullish();
const port = z.number().nullish();

const configPermissionSchema = z.looseObject({
  ipProtocol: z.union([z.string(), z.number()]),
  fromPort: port,
  toPort: port,
  ipRanges: z.array(z.union([z.string(), z.looseObject({ cidrIp: z.string(), description })])).nullish(),
  ipv4Ranges: z.array(z.looseObject({ cidrIp: z.string(), description })).nullish(),
  ipv6Ranges: z.array(z.looseObject({ cidrIpv6: z.string(), description })).nullish(),
  prefixListIds: z.array(z.looseObject({ prefixListId: z.string(), description })).nullish(),
  userIdGroupPairs: z
    .array(
      z.looseObject({
        groupId: z.string(),
        userId: z.string().nullish(),
        groupName: z.string().nullish(),
        vpcId: z.string().nullish(),
        vpcPeeringConnectionId: z.string().nullish(),
        peeringStatus: z.string().nullish(),
        description,
      }),
    )
    .nullish(),
});

export type ConfigIpPermission = z.input<typeof configPermissionSchema>;

const configConfigurationSchema = z.looseObject({
  groupId: z.string().nullish(),
  ipPermissions: z.array(z.unknown()).nullish(),
  ipPermissionsEgress: z.array(z.unknown()).nullish(),
});

function rulesOfPermission(p: z.output<typeof configPermissionSchema>, direction: RuleDirection): PermissionRule[] {
  const base = { direction, protocol: p.ipProtocol, fromPort: p.fromPort, toPort: p.toPort };
  const rules: PermissionRule[] = [];
  // ipv4Ranges first: on a duplicate, uniqueRules keeps the first (the one with a description).
  for (const r of p.ipv4Ranges ?? []) rules.push(makeRule({ ...base, peer: { kind: 'ipv4', cidr: r.cidrIp }, description: r.description }));
  for (const r of p.ipRanges ?? []) {
    const cidr = typeof r === 'string' ? r : r.cidrIp;
    rules.push(makeRule({ ...base, peer: { kind: 'ipv4', cidr }, description: typeof r === 'string' ? undefined : r.description }));
  }
  for (const r of p.ipv6Ranges ?? [])
    rules.push(makeRule({ ...base, peer: { kind: 'ipv6', cidr: r.cidrIpv6 }, description: r.description }));
  for (const r of p.prefixListIds ?? []) {
    rules.push(makeRule({ ...base, peer: { kind: 'prefixList', prefixListId: r.prefixListId }, description: r.description }));
  }
  for (const r of p.userIdGroupPairs ?? []) {
    rules.push(makeRule({ ...base, peer: groupPeer(r.groupId, r.userId), description: r.description }));
  }
  return rules;
}

/**
 * The rules of Config `ipPermissions` or `ipPermissionsEgress` entries (also usable on the
 * `previousValue`/`updatedValue` of a `Configuration.IpPermissions.N` diff entry).
 */
export function rulesFromConfigPermissions(permissions: unknown, direction: RuleDirection, basePath = ''): PermissionRule[] {
  const list = parseShape('config_item', z.array(z.unknown()), permissions, basePath);
  const rules = list.flatMap((entry, i) =>
    rulesOfPermission(parseShape('config_item', configPermissionSchema, entry, `${basePath}[${i}]`), direction),
  );
  return uniqueRules(rules);
}

/** All ingress and egress rules of a Config item's `configuration` object. */
export function rulesFromConfigConfiguration(configuration: unknown): PermissionRule[] {
  const c = parseShape('config_item', configConfigurationSchema, configuration, 'configuration');
  return uniqueRules([
    ...rulesFromConfigPermissions(c.ipPermissions ?? [], 'ingress', 'configuration.ipPermissions'),
    ...rulesFromConfigPermissions(c.ipPermissionsEgress ?? [], 'egress', 'configuration.ipPermissionsEgress'),
  ]);
}
