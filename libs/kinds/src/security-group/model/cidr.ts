/**
 * IPv4 and IPv6 CIDR parsing, canonical text, and containment. No dependency: addresses are held
 * as bigints (32 or 128 bits) so one code path serves both families.
 */

export type IpFamily = 4 | 6;

export interface ParsedCidr {
  readonly family: IpFamily;
  /** The address as written (host bits are kept, not masked). */
  readonly address: bigint;
  /** Prefix length: 0-32 (IPv4) or 0-128 (IPv6). */
  readonly prefix: number;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };
const ONES: Record<IpFamily, bigint> = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n };

function parseIpv4Address(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6Address(text: string): bigint | undefined {
  let head = text;
  let tail: number[] = [];
  // An embedded IPv4 address in the last 32 bits (e.g. ::ffff:192.0.2.1).
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.indexOf('.', lastColon) > lastColon) {
    const v4 = parseIpv4Address(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [Number(v4 >> 16n), Number(v4 & 0xffffn)];
    head = text.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::"; "a:b::c:1.2.3.4" leaves "a:b::c:" — drop a single trailing colon.
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const doubleColon = head.indexOf('::');
  if (doubleColon !== head.lastIndexOf('::')) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const groups: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
      groups.push(parseInt(g, 16));
    }
    return groups;
  };
  let groups: number[];
  if (doubleColon >= 0) {
    const left = parseGroups(head.slice(0, doubleColon));
    const right = parseGroups(head.slice(doubleColon + 2));
    if (!left || !right) return undefined;
    const missing = 8 - left.length - right.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right, ...tail];
  } else {
    const all = parseGroups(head);
    if (!all) return undefined;
    groups = [...all, ...tail];
  }
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

/**
 * Rule sets repeat the same few CIDRs over and over, and bigint parsing is the hot spot of a
 * diff: parse and format results are memoised (bounded; the cache is simply reset when full).
 */
const CACHE_LIMIT = 10_000;
const parseCache = new Map<string, ParsedCidr | null>();
const normalizeCache = new Map<string, string>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** Parses `a.b.c.d/n` or an IPv6 CIDR; a bare address gets /32 or /128. Undefined when invalid. */
export function parseCidr(cidr: string): ParsedCidr | undefined {
  const cached = parseCache.get(cidr);
  if (cached !== undefined) return cached ?? undefined;
  return remember(parseCache, cidr, parseUncached(cidr)) ?? undefined;
}

function parseUncached(cidr: string): ParsedCidr | null {
  const text = cidr.trim();
  const slash = text.indexOf('/');
  const addressText = slash >= 0 ? text.slice(0, slash) : text;
  const prefixText = slash >= 0 ? text.slice(slash + 1) : undefined;
  const family: IpFamily = addressText.includes(':') ? 6 : 4;
  const address = family === 4 ? parseIpv4Address(addressText) : parseIpv6Address(addressText);
  if (address === undefined) return null;
  let prefix = BITS[family];
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > BITS[family]) return null;
  }
  return Object.freeze({ family, address, prefix });
}

function formatIpv4(address: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String(Number((address >> shift) & 0xffn))).join('.');
}

/** RFC 5952: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
function formatIpv6(address: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((address >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function formatCidr(cidr: ParsedCidr): string {
  const address = cidr.family === 4 ? formatIpv4(cidr.address) : formatIpv6(cidr.address);
  return `${address}/${cidr.prefix}`;
}

/**
 * The canonical text of a CIDR: IPv4 without leading zeros, IPv6 lowercase and compressed
 * (RFC 5952), always with a prefix length. Host bits are kept: `10.0.0.1/8` stays as written,
 * because EC2 matches revokes on the text it stored. Unparsable input comes back trimmed and
 * lowercased, so it still compares stably.
 */
export function normalizeCidr(cidr: string): string {
  const cached = normalizeCache.get(cidr);
  if (cached !== undefined) return cached;
  const parsed = parseCidr(cidr);
  return remember(normalizeCache, cidr, parsed ? formatCidr(parsed) : cidr.trim().toLowerCase());
}

/** The address with its host bits cleared. */
export function networkOf(cidr: ParsedCidr): bigint {
  return cidr.address & prefixMask(cidr.family, cidr.prefix);
}

function maskTable(family: IpFamily): bigint[] {
  const bits = BITS[family];
  return Array.from({ length: bits + 1 }, (_, prefix) => (ONES[family] >> BigInt(bits - prefix)) << BigInt(bits - prefix));
}
const MASKS: Record<IpFamily, bigint[]> = { 4: maskTable(4), 6: maskTable(6) };

/** The netmask of a prefix length, e.g. (4, 8) → 0xff000000. */
export function prefixMask(family: IpFamily, prefix: number): bigint {
  const mask = MASKS[family][prefix];
  if (mask === undefined) throw new RangeError(`prefix length ${prefix} out of range for IPv${family}`);
  return mask;
}

/** Whether every address in `inner` is in `outer` (same family only). */
export function cidrContains(outer: string | ParsedCidr, inner: string | ParsedCidr): boolean {
  const o = typeof outer === 'string' ? parseCidr(outer) : outer;
  const i = typeof inner === 'string' ? parseCidr(inner) : inner;
  if (!o || !i || o.family !== i.family || o.prefix > i.prefix) return false;
  const mask = prefixMask(o.family, o.prefix);
  return (o.address & mask) === (i.address & mask);
}

/** The whole address space of its family: `0.0.0.0/0` or `::/0` (any `/0`). */
export function isPublicCidr(cidr: string | ParsedCidr): boolean {
  const parsed = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  return parsed !== undefined && parsed.prefix === 0;
}

/** Number of addresses in the range (2^(bits - prefix)). */
export function cidrSize(cidr: ParsedCidr): bigint {
  return 1n << BigInt(BITS[cidr.family] - cidr.prefix);
}

export function familyBits(family: IpFamily): number {
  return BITS[family];
}
