/**
 * Canonical protocol names and port ranges. Every shape spells "all" and "all ports" its own
 * way: Config `null`, CloudTrail and DescribeSecurityGroupRules `-1`, Terraform `0`.
 *
 * Canonical form:
 * - protocol: `tcp`, `udp`, `icmp`, `icmpv6`, `-1` (all), or any other protocol as its decimal
 *   number (`50` for ESP).
 * - ports: `-1` and protocols without ports (anything but tcp/udp/icmp/icmpv6) have
 *   `null`/`null`; tcp/udp have a range 0-65535 (a missing or -1 bound means the whole range);
 *   icmp/icmpv6 have type/code where -1 means "any".
 */

export const ALL_PROTOCOLS = '-1';

/** Protocols that use the port fields (ICMP as type/code). */
export type PortedProtocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6';

const NUMBER_TO_NAME: Readonly<Record<string, string>> = { '-1': '-1', '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'icmpv6' };

/** IANA keywords that Terraform and the EC2 API accept for a few common protocols. */
const NAME_TO_CANONICAL: Readonly<Record<string, string>> = {
  all: '-1',
  '-1': '-1',
  tcp: 'tcp',
  udp: 'udp',
  icmp: 'icmp',
  icmpv6: 'icmpv6',
  'ipv6-icmp': 'icmpv6',
  igmp: '2',
  ipip: '4',
  gre: '47',
  esp: '50',
  ah: '51',
  ospf: '89',
  pim: '103',
  vrrp: '112',
  sctp: '132',
};

/** `6` → `tcp`, `"17"` → `udp`, `"all"` → `-1`, `"TCP"` → `tcp`, `"esp"` → `50`. */
export function canonicalProtocol(protocol: string | number): string {
  // Fast path: already canonical (the common case in hot loops).
  if (protocol === 'tcp' || protocol === 'udp' || protocol === '-1' || protocol === 'icmp' || protocol === 'icmpv6') return protocol;
  const text = String(protocol).trim().toLowerCase();
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    const decimal = n < 0 ? '-1' : String(n);
    return NUMBER_TO_NAME[decimal] ?? decimal;
  }
  return NAME_TO_CANONICAL[text] ?? text;
}

export function isPortedProtocol(protocol: string): protocol is PortedProtocol {
  return protocol === 'tcp' || protocol === 'udp' || protocol === 'icmp' || protocol === 'icmpv6';
}

export function isIcmp(protocol: string): boolean {
  return protocol === 'icmp' || protocol === 'icmpv6';
}

/** A port number that is set (not null/undefined/NaN) and not the "all" marker -1. */
function given(port: number | null | undefined): port is number {
  return typeof port === 'number' && port >= 0;
}

/**
 * Canonical ports for an already canonical protocol.
 * `tcp` with no ports (or -1) is the whole range 0-65535; `-1` and port-less protocols get nulls.
 */
export function canonicalPorts(
  protocol: string,
  fromPort: number | null | undefined,
  toPort: number | null | undefined,
): { fromPort: number | null; toPort: number | null } {
  if (protocol === 'tcp' || protocol === 'udp') {
    return { fromPort: given(fromPort) ? fromPort : 0, toPort: given(toPort) ? toPort : 65535 };
  }
  if (isIcmp(protocol)) {
    const type = given(fromPort) ? fromPort : -1;
    // "any type" has no code; a code without a type means nothing.
    const code = type !== -1 && given(toPort) ? toPort : -1;
    return { fromPort: type, toPort: code };
  }
  return { fromPort: null, toPort: null };
}
