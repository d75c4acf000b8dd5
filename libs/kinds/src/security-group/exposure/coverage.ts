/**
 * "Does rule A allow everything rule B allows?" — same direction, A's protocol and ports contain
 * B's, and A's peer contains B's (CIDR containment within a family; prefix lists and groups by
 * id). `CoverageIndex` answers it for many rules without comparing every pair: CIDR rules are
 * bucketed by masked network per prefix length, so a lookup costs one map probe per distinct
 * prefix length present.
 */
import { type IpFamily, type ParsedCidr, networkOf, parseCidr, prefixMask } from '../model/cidr';
import { isIcmp } from '../model/protocol';
import type { PermissionRule } from '../model/permission-rule';

/** Whether `outer`'s protocol and ports include all of `inner`'s (both canonical). */
export function portsCover(outer: PermissionRule, inner: PermissionRule): boolean {
  if (outer.protocol === '-1') return true;
  if (outer.protocol !== inner.protocol) return false;
  if (outer.protocol === 'tcp' || outer.protocol === 'udp') {
    return (outer.fromPort ?? 0) <= (inner.fromPort ?? 0) && (inner.toPort ?? 65535) <= (outer.toPort ?? 65535);
  }
  if (isIcmp(outer.protocol)) {
    if (outer.fromPort === null || outer.fromPort === -1) return true;
    if (outer.fromPort !== inner.fromPort) return false;
    return outer.toPort === null || outer.toPort === -1 || outer.toPort === inner.toPort;
  }
  return true;
}

/** Whether canonical rule `outer` allows everything canonical rule `inner` allows. */
export function ruleCovers(outer: PermissionRule, inner: PermissionRule): boolean {
  if (outer.direction !== inner.direction || !portsCover(outer, inner)) return false;
  const a = outer.peer;
  const b = inner.peer;
  switch (a.kind) {
    case 'ipv4':
    case 'ipv6': {
      if (b.kind !== a.kind) return false;
      const o = parseCidr(a.cidr);
      const i = parseCidr(b.cidr);
      if (!o || !i) return a.cidr === b.cidr;
      if (o.family !== i.family || o.prefix > i.prefix) return false;
      const mask = prefixMask(o.family, o.prefix);
      return (o.address & mask) === (i.address & mask);
    }
    case 'prefixList':
      return b.kind === 'prefixList' && a.prefixListId === b.prefixListId;
    case 'securityGroup':
      return b.kind === 'securityGroup' && a.groupId === b.groupId;
  }
}

interface CidrBucket {
  /** prefix length → masked network → rules. */
  byPrefix: Map<number, Map<bigint, PermissionRule[]>>;
}

/** An index of canonical rules answering "which of them cover this rule?". */
export class CoverageIndex {
  private readonly cidr = new Map<string, CidrBucket>();
  private readonly exact = new Map<string, PermissionRule[]>();

  constructor(rules: readonly PermissionRule[] = []) {
    for (const rule of rules) this.add(rule);
  }

  add(rule: PermissionRule): void {
    const parsed = this.parsedPeer(rule);
    if (parsed) {
      const bucketKey = `${rule.direction}|${parsed.family}`;
      let bucket = this.cidr.get(bucketKey);
      if (!bucket) {
        bucket = { byPrefix: new Map() };
        this.cidr.set(bucketKey, bucket);
      }
      let networks = bucket.byPrefix.get(parsed.prefix);
      if (!networks) {
        networks = new Map();
        bucket.byPrefix.set(parsed.prefix, networks);
      }
      const network = networkOf(parsed);
      const list = networks.get(network);
      if (list) list.push(rule);
      else networks.set(network, [rule]);
      return;
    }
    const key = this.exactKey(rule);
    const list = this.exact.get(key);
    if (list) list.push(rule);
    else this.exact.set(key, [rule]);
  }

  /** The indexed rules that allow everything `rule` allows. */
  covering(rule: PermissionRule): PermissionRule[] {
    const parsed = this.parsedPeer(rule);
    if (!parsed) return (this.exact.get(this.exactKey(rule)) ?? []).filter((candidate) => portsCover(candidate, rule));
    const bucket = this.cidr.get(`${rule.direction}|${parsed.family}`);
    if (!bucket) return [];
    const found: PermissionRule[] = [];
    for (const [prefix, networks] of bucket.byPrefix) {
      if (prefix > parsed.prefix) continue;
      const candidates = networks.get(parsed.address & prefixMask(parsed.family, prefix));
      if (!candidates) continue;
      for (const candidate of candidates) if (portsCover(candidate, rule)) found.push(candidate);
    }
    return found;
  }

  private parsedPeer(rule: PermissionRule): (ParsedCidr & { family: IpFamily }) | undefined {
    const peer = rule.peer;
    if (peer.kind !== 'ipv4' && peer.kind !== 'ipv6') return undefined;
    const parsed = parseCidr(peer.cidr);
    return parsed && parsed.family === (peer.kind === 'ipv4' ? 4 : 6) ? parsed : undefined;
  }

  private exactKey(rule: PermissionRule): string {
    const peer = rule.peer;
    switch (peer.kind) {
      case 'ipv4':
      case 'ipv6':
        return `${rule.direction}|${peer.kind}:${peer.cidr}`;
      case 'prefixList':
        return `${rule.direction}|pl:${peer.prefixListId}`;
      case 'securityGroup':
        return `${rule.direction}|sg:${peer.groupId}`;
    }
  }
}
