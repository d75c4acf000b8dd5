/** fast-check arbitraries and shape builders for this library's specs (not part of the build). */
import fc from 'fast-check';
import { formatCidr } from '../model/cidr';
import { canonicalRuleKey, makeRule } from '../model/rule';
import type { PermissionRule, RuleDirection, RulePeer } from '../model/permission-rule';

export const direction: fc.Arbitrary<RuleDirection> = fc.constantFrom('ingress', 'egress');

const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

export const groupId = hex(17).map((h) => `sg-${h}`);
export const prefixListId = hex(8).map((h) => `pl-${h}`);
export const accountId = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 12, maxLength: 12 });

export const ipv4Cidr = fc
  .record({ address: fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), prefix: fc.integer({ min: 0, max: 32 }), masked: fc.boolean() })
  .map(({ address, prefix, masked }) => {
    const mask = prefix === 0 ? 0n : (((1n << 32n) - 1n) >> BigInt(32 - prefix)) << BigInt(32 - prefix);
    return formatCidr({ family: 4, address: masked ? address & mask : address, prefix });
  });

/** Groups biased towards 0 so that `::` compression is exercised. */
const ipv6Group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
export const ipv6Cidr = fc
  .record({ groups: fc.array(ipv6Group, { minLength: 8, maxLength: 8 }), prefix: fc.integer({ min: 0, max: 128 }) })
  .map(({ groups, prefix }) => {
    const address = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
    return formatCidr({ family: 6, address, prefix });
  });

export const peer: fc.Arbitrary<RulePeer> = fc.oneof(
  { weight: 4, arbitrary: ipv4Cidr.map((cidr): RulePeer => ({ kind: 'ipv4', cidr })) },
  { weight: 2, arbitrary: ipv6Cidr.map((cidr): RulePeer => ({ kind: 'ipv6', cidr })) },
  { weight: 1, arbitrary: prefixListId.map((id): RulePeer => ({ kind: 'prefixList', prefixListId: id })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ groupId, userId: fc.option(accountId, { nil: undefined }) })
      .map(({ groupId: id, userId }): RulePeer =>
        userId ? { kind: 'securityGroup', groupId: id, userId } : { kind: 'securityGroup', groupId: id },
      ),
  },
);

type ProtocolPorts = Pick<PermissionRule, 'protocol' | 'fromPort' | 'toPort'>;

const portRange = fc
  .tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }))
  .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);

export const protocolPorts: fc.Arbitrary<ProtocolPorts> = fc.oneof(
  fc.constant<ProtocolPorts>({ protocol: '-1', fromPort: null, toPort: null }),
  fc
    .tuple(fc.constantFrom('tcp', 'udp'), portRange)
    .map(([protocol, [fromPort, toPort]]): ProtocolPorts => ({ protocol, fromPort, toPort })),
  fc
    .tuple(fc.constantFrom('icmp', 'icmpv6'), fc.integer({ min: -1, max: 255 }), fc.integer({ min: -1, max: 255 }))
    .map(([protocol, type, code]): ProtocolPorts => ({ protocol, fromPort: type, toPort: type === -1 ? -1 : code })),
  fc
    .integer({ min: 0, max: 255 })
    .filter((n) => ![1, 6, 17, 58].includes(n))
    .map((n): ProtocolPorts => ({ protocol: String(n), fromPort: null, toPort: null })),
);

/** Printable, non-empty (the empty description is "none" in every shape). */
export const description = fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined });

/** A canonical rule (passes through `makeRule`, which these arbitraries must already satisfy). */
export const rule: fc.Arbitrary<PermissionRule> = fc
  .record({ direction, pp: protocolPorts, peer, description })
  .map(({ direction: d, pp, peer: p, description: desc }) => makeRule({ direction: d, ...pp, peer: p, description: desc }));

/** Canonical rules without identity duplicates. */
export const rules = (maxLength = 25): fc.Arbitrary<PermissionRule[]> =>
  fc.uniqueArray(rule, { maxLength, selector: (r) => canonicalRuleKey(r) });

/** Identity plus description (what a round trip must preserve); referenced-group owner dropped. */
export function identityAndDescription(list: readonly PermissionRule[]): string[] {
  return list.map((r) => `${canonicalRuleKey(r)}#${r.description ?? ''}`).sort();
}

export function keySet(list: readonly PermissionRule[]): string[] {
  return [...new Set(list.map(canonicalRuleKey))].sort();
}

// ---------------------------------------------------------------------------------------------
// Builders of the AWS shapes from canonical rules (the inverse of the normalisers under test)
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function groupByPermission(list: readonly PermissionRule[], dir: RuleDirection): PermissionRule[][] {
  const groups = new Map<string, PermissionRule[]>();
  for (const r of list) {
    if (r.direction !== dir) continue;
    const key = `${r.protocol}|${r.fromPort}|${r.toPort}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()];
}

function withDescription(obj: Obj, r: PermissionRule): Obj {
  return r.description === undefined ? obj : { ...obj, description: r.description };
}

/**
 * A Config item `configuration` for the rules. `legacy`: only the CI-1.2 `ipRanges` string
 * array for IPv4 (descriptions of IPv4 rules are then lost); otherwise both forms, as CI 1.3.
 */
export function toConfigConfiguration(list: readonly PermissionRule[], options: { legacy: boolean }): Obj {
  const permissions = (dir: RuleDirection): Obj[] =>
    groupByPermission(list, dir).map((group) => {
      const [first] = group;
      if (!first) throw new Error('empty group');
      const v4 = group.filter((r) => r.peer.kind === 'ipv4');
      const cidrOf = (r: PermissionRule): string => (r.peer.kind === 'ipv4' || r.peer.kind === 'ipv6' ? r.peer.cidr : '');
      const entry: Obj = {
        ipProtocol: first.protocol,
        ipRanges: v4.map(cidrOf),
        ipv6Ranges: group.filter((r) => r.peer.kind === 'ipv6').map((r) => withDescription({ cidrIpv6: cidrOf(r) }, r)),
        prefixListIds: group.flatMap((r) =>
          r.peer.kind === 'prefixList' ? [withDescription({ prefixListId: r.peer.prefixListId }, r)] : [],
        ),
        userIdGroupPairs: group.flatMap((r) =>
          r.peer.kind === 'securityGroup'
            ? [withDescription({ groupId: r.peer.groupId, ...(r.peer.userId ? { userId: r.peer.userId } : {}) }, r)]
            : [],
        ),
      };
      if (!options.legacy) entry.ipv4Ranges = v4.map((r) => withDescription({ cidrIp: cidrOf(r) }, r));
      // Config: ports absent (or null) for "-1" and port-less protocols.
      if (first.fromPort !== null) entry.fromPort = first.fromPort;
      if (first.toPort !== null) entry.toPort = first.toPort;
      return entry;
    });
  return { groupId: 'sg-0abc1234def567890', ipPermissions: permissions('ingress'), ipPermissionsEgress: permissions('egress') };
}

/** CloudTrail `requestParameters.ipPermissions` for rules of one direction: `{items}` wrappers, `{}` empties, -1 ports. */
export function toCloudTrailIpPermissions(list: readonly PermissionRule[], dir: RuleDirection): Obj {
  const items = (values: Obj[]): Obj => (values.length === 0 ? {} : { items: values });
  return items(
    groupByPermission(list, dir).map((group) => {
      const [first] = group;
      if (!first) throw new Error('empty group');
      return {
        ipProtocol: first.protocol,
        fromPort: first.fromPort ?? -1,
        toPort: first.toPort ?? -1,
        ipRanges: items(group.flatMap((r) => (r.peer.kind === 'ipv4' ? [withDescription({ cidrIp: r.peer.cidr }, r)] : []))),
        ipv6Ranges: items(group.flatMap((r) => (r.peer.kind === 'ipv6' ? [withDescription({ cidrIpv6: r.peer.cidr }, r)] : []))),
        prefixListIds: items(
          group.flatMap((r) => (r.peer.kind === 'prefixList' ? [withDescription({ prefixListId: r.peer.prefixListId }, r)] : [])),
        ),
        groups: items(
          group.flatMap((r) =>
            r.peer.kind === 'securityGroup'
              ? [withDescription({ groupId: r.peer.groupId, ...(r.peer.userId ? { userId: r.peer.userId } : {}) }, r)]
              : [],
          ),
        ),
      };
    }),
  );
}
