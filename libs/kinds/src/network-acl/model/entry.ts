/**
 * The network ACL entry model (AWS::EC2::NetworkAcl): one numbered rule of one direction, which
 * allows or denies one protocol (and port range or ICMP type/code) to or from one CIDR. Every
 * source (Config item, EC2 DescribeNetworkAcls, CloudTrail, Terraform state, HCL) is read into
 * this one shape; `entryKey` is what a difference is about (direction and rule number: a network
 * ACL has at most one entry per number and direction).
 *
 * Protocols are IANA numbers as text (`6`, `17`, `1`, `58`, `-1` for all): EC2 answers numbers,
 * Terraform accepts names too (`tcp`), both are canonicalised here.
 */
import { PermanentError } from '@driftwarden/domain';
import { formatCidr, parseCidr, type ParsedCidr } from '../../security-group/model/cidr';

export type AclDirection = 'ingress' | 'egress';
export type AclAction = 'allow' | 'deny';

export interface NaclEntry {
  direction: AclDirection;
  /** 1–32766 (32767 is the implicit default deny, `*`, which no API can change). */
  ruleNumber: number;
  /** IANA protocol number as text, `-1` for all. */
  protocol: string;
  action: AclAction;
  /** Canonical CIDR (IPv4 or IPv6). */
  cidr: string;
  /** TCP/UDP only: the port range; null otherwise. */
  fromPort: number | null;
  toPort: number | null;
  /** ICMP/ICMPv6 only: type and code (-1 = any); null otherwise. */
  icmpType: number | null;
  icmpCode: number | null;
}

/** The implicit last rule of every network ACL. */
export const DEFAULT_RULE_NUMBER = 32767;
export const MAX_RULE_NUMBER = 32766;

const NAMES: Readonly<Record<string, string>> = { all: '-1', tcp: '6', udp: '17', icmp: '1', icmpv6: '58', 'icmp-v6': '58' };
const LABELS: Readonly<Record<string, string>> = { '-1': 'all traffic', '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

export function isPorted(protocol: string): boolean {
  return protocol === '6' || protocol === '17';
}
export function isIcmpProtocol(protocol: string): boolean {
  return protocol === '1' || protocol === '58';
}

/** `tcp` / `6` / `TCP` / `all` / `-1` → the canonical number text. Throws for anything else. */
export function canonicalAclProtocol(value: unknown, where: string): string {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().toLowerCase() : '';
  const named = NAMES[text];
  if (named) return named;
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    if (n === -1) return '-1';
    if (n >= 0 && n <= 255) return String(n);
  }
  throw new PermanentError(
    `${where}: expected a protocol name (tcp, udp, icmp, icmpv6, all) or number (-1 to 255), got ${JSON.stringify(value)}`,
    'nacl_bad_entry',
  );
}

function int(value: unknown, where: string, field: string): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n))
    throw new PermanentError(`${where}: expected an integer for ${field}, got ${JSON.stringify(value)}`, 'nacl_bad_entry');
  return n;
}

export interface EntryInput {
  direction: AclDirection;
  ruleNumber: unknown;
  protocol: unknown;
  action: unknown;
  cidrBlock?: unknown;
  ipv6CidrBlock?: unknown;
  fromPort?: unknown;
  toPort?: unknown;
  icmpType?: unknown;
  icmpCode?: unknown;
}

/**
 * One entry from any source, canonical: numbers checked, protocol as a number, CIDR canonical,
 * ports only for TCP/UDP (a -1/absent range or 0–65535 is "all ports"), ICMP type/code only for
 * ICMP. `where` names the source in the error (e.g. `configuration.entries[3]`).
 */
export function makeEntry(input: EntryInput, where: string): NaclEntry {
  const ruleNumber = int(input.ruleNumber, where, 'ruleNumber');
  if (ruleNumber === null || ruleNumber < 1 || ruleNumber > DEFAULT_RULE_NUMBER) {
    throw new PermanentError(`${where}: expected a rule number from 1 to 32766, got ${JSON.stringify(input.ruleNumber)}`, 'nacl_bad_entry');
  }
  const protocol = canonicalAclProtocol(input.protocol, where);
  const action = typeof input.action === 'string' ? input.action.trim().toLowerCase() : '';
  if (action !== 'allow' && action !== 'deny') {
    throw new PermanentError(`${where}: expected rule action allow or deny, got ${JSON.stringify(input.action)}`, 'nacl_bad_entry');
  }
  const v4 = typeof input.cidrBlock === 'string' && input.cidrBlock !== '' ? input.cidrBlock : undefined;
  const v6 = typeof input.ipv6CidrBlock === 'string' && input.ipv6CidrBlock !== '' ? input.ipv6CidrBlock : undefined;
  if ((v4 === undefined) === (v6 === undefined)) {
    throw new PermanentError(`${where}: expected exactly one of an IPv4 or an IPv6 CIDR block`, 'nacl_bad_entry');
  }
  const parsed = parseCidr((v4 ?? v6)!);
  if (!parsed || parsed.family !== (v4 !== undefined ? 4 : 6)) {
    throw new PermanentError(
      `${where}: ${JSON.stringify(v4 ?? v6)} is not a valid IPv${v4 !== undefined ? 4 : 6} CIDR block`,
      'nacl_bad_entry',
    );
  }
  let fromPort: number | null = null;
  let toPort: number | null = null;
  if (isPorted(protocol)) {
    fromPort = int(input.fromPort, where, 'fromPort');
    toPort = int(input.toPort, where, 'toPort');
    const all = (fromPort === null || fromPort === -1 || fromPort === 0) && (toPort === null || toPort === -1 || toPort === 65535);
    if (fromPort === null || toPort === null || all) {
      if (!all) throw new PermanentError(`${where}: a tcp/udp entry needs both ports`, 'nacl_bad_entry');
      fromPort = 0;
      toPort = 65535;
    }
    if (fromPort < 0 || toPort > 65535 || fromPort > toPort) {
      throw new PermanentError(`${where}: invalid port range ${fromPort}-${toPort}`, 'nacl_bad_entry');
    }
  }
  let icmpType: number | null = null;
  let icmpCode: number | null = null;
  if (isIcmpProtocol(protocol)) {
    icmpType = int(input.icmpType, where, 'icmpType') ?? -1;
    icmpCode = int(input.icmpCode, where, 'icmpCode') ?? -1;
    for (const v of [icmpType, icmpCode]) {
      if (v < -1 || v > 255) throw new PermanentError(`${where}: invalid ICMP type or code ${v}`, 'nacl_bad_entry');
    }
    if (icmpType === -1) icmpCode = -1;
  }
  return {
    direction: input.direction,
    ruleNumber,
    protocol,
    action,
    cidr: formatCidr(masked(parsed)),
    fromPort,
    toPort,
    icmpType,
    icmpCode,
  };
}

function masked(c: ParsedCidr): ParsedCidr {
  const bits = c.family === 4 ? 32 : 128;
  const host = (1n << BigInt(bits - c.prefix)) - 1n;
  return { family: c.family, address: c.address & ~host, prefix: c.prefix };
}

/** What a difference is about: `ingress #50`. */
export function entryKey(e: Pick<NaclEntry, 'direction' | 'ruleNumber'>): string {
  return `${e.direction} #${e.ruleNumber}`;
}

/** `entryKey` as a number, for maps over hundreds of entries (egress numbers offset by 100 000). */
export function entryNumber(e: Pick<NaclEntry, 'direction' | 'ruleNumber'>): number {
  return e.direction === 'egress' ? 100_000 + e.ruleNumber : e.ruleNumber;
}

/** Everything that matters about an entry (its key and its content). */
export function sameEntry(a: NaclEntry, b: NaclEntry): boolean {
  return (
    a.direction === b.direction &&
    a.ruleNumber === b.ruleNumber &&
    a.protocol === b.protocol &&
    a.action === b.action &&
    a.cidr === b.cidr &&
    a.fromPort === b.fromPort &&
    a.toPort === b.toPort &&
    a.icmpType === b.icmpType &&
    a.icmpCode === b.icmpCode
  );
}

export function sortEntries(entries: readonly NaclEntry[]): NaclEntry[] {
  return [...entries].sort((a, b) => (a.direction === b.direction ? a.ruleNumber - b.ruleNumber : a.direction === 'ingress' ? -1 : 1));
}

export function isPublicAclCidr(cidr: string): boolean {
  return cidr === '0.0.0.0/0' || cidr === '::/0';
}

/** `tcp/22`, `tcp/1024-65535`, `all traffic`, `icmp type 8`, `protocol 50`. */
export function describeTraffic(e: NaclEntry): string {
  const label = LABELS[e.protocol] ?? `protocol ${e.protocol}`;
  if (isPorted(e.protocol)) {
    if (e.fromPort === 0 && e.toPort === 65535) return `${label} (all ports)`;
    return `${label}/${e.fromPort === e.toPort ? String(e.fromPort) : `${e.fromPort}-${e.toPort}`}`;
  }
  if (isIcmpProtocol(e.protocol)) {
    if (e.icmpType === -1 || e.icmpType === null) return `${label} (all types)`;
    return `${label} type ${e.icmpType}${e.icmpCode !== -1 && e.icmpCode !== null ? ` code ${e.icmpCode}` : ''}`;
  }
  return label;
}

/** `deny tcp/22 from 203.0.113.0/24`, `allow all traffic to 0.0.0.0/0 (the internet)`. */
export function describeEntry(e: NaclEntry): string {
  const peer = `${e.direction === 'ingress' ? 'from' : 'to'} ${e.cidr}${isPublicAclCidr(e.cidr) ? ' (the internet)' : ''}`;
  return `${e.action} ${describeTraffic(e)} ${peer}`;
}

/** The record's `diff` for a network ACL. */
export interface NetworkAclDiff {
  equal: boolean;
  /** Entries only live has (a revert deletes them, a backport adds them to the code). */
  extra: NaclEntry[];
  /** Entries only the code has (a revert creates them, a backport removes them from the code). */
  missing: NaclEntry[];
  /** Same number and direction, different content (a revert replaces them with the code's). */
  changed: { live: NaclEntry; desired: NaclEntry }[];
  attributes: [];
}

/** What the revert read back (evidence). */
export interface NetworkAclAfterState {
  at: string;
  source: string;
  verified: boolean;
  entries: NaclEntry[];
  /** The reverted keys whose live entry still differs from the code. */
  remaining?: string[];
}
