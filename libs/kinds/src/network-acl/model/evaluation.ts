/**
 * What a network ACL allows, evaluated as AWS does (VPC user guide, "Network ACL rules"): the
 * entries of the packet's direction in increasing rule number, the first entry that matches
 * decides, and a packet no entry matches is denied (rule `*`). A difference's direction is its
 * effect on what is allowed after that evaluation: a deny at rule 50 narrows only if it shadows
 * an allow; deleting it widens only if an allow with a higher number lets the traffic through;
 * moving an entry to another number can widen or narrow.
 *
 * `compareAllowed` decides exactly, without sampling: the packet space (direction × protocol ×
 * port or ICMP type/code × address) is cut into cells at every boundary of every entry that
 * overlaps the entries that differ; inside a cell every entry either matches every packet or
 * none, so one representative per cell decides the cell. Cells no differing entry covers are
 * evaluated alike on both sides (the same entries match there in the same order) and are skipped.
 */
import { parseCidr } from '../../security-group/model/cidr';
import { isIcmpProtocol, isPorted, sameEntry, type AclDirection, type NaclEntry } from './entry';

/** A packet: which direction, protocol number, port (TCP/UDP) or ICMP type*256+code, and address. */
export interface Packet {
  direction: AclDirection;
  protocol: number;
  /** 0–65535: the port (TCP/UDP), the ICMP type*256+code, 0 otherwise. */
  point: number;
  family: 4 | 6;
  address: bigint;
}

/** An entry as intervals over the packet space. */
interface Box {
  entry: NaclEntry;
  direction: AclDirection;
  /** null: every protocol. */
  protocol: number | null;
  pointLo: number;
  pointHi: number;
  family: 4 | 6;
  addrLo: bigint;
  addrHi: bigint;
}

const boxCache = new WeakMap<NaclEntry, Box>();

function boxOf(entry: NaclEntry): Box {
  const cached = boxCache.get(entry);
  if (cached) return cached;
  const cidr = parseCidr(entry.cidr);
  if (!cidr) throw new TypeError(`entry ${entry.direction} #${entry.ruleNumber} has an invalid CIDR ${entry.cidr}`);
  const bits = cidr.family === 4 ? 32 : 128;
  const size = 1n << BigInt(bits - cidr.prefix);
  const lo = cidr.address & ~(size - 1n);
  let pointLo = 0;
  let pointHi = 65535;
  if (isPorted(entry.protocol) && entry.fromPort !== null && entry.toPort !== null) {
    pointLo = entry.fromPort;
    pointHi = entry.toPort;
  } else if (isIcmpProtocol(entry.protocol) && entry.icmpType !== null && entry.icmpType !== -1) {
    pointLo = entry.icmpType * 256 + (entry.icmpCode === null || entry.icmpCode === -1 ? 0 : entry.icmpCode);
    pointHi = entry.icmpCode === null || entry.icmpCode === -1 ? entry.icmpType * 256 + 255 : pointLo;
  }
  const box: Box = {
    entry,
    direction: entry.direction,
    protocol: entry.protocol === '-1' ? null : Number(entry.protocol),
    pointLo,
    pointHi,
    family: cidr.family,
    addrLo: lo,
    addrHi: lo + size - 1n,
  };
  boxCache.set(entry, box);
  return box;
}

function matches(b: Box, p: Packet): boolean {
  return (
    b.direction === p.direction &&
    b.family === p.family &&
    (b.protocol === null || b.protocol === p.protocol) &&
    p.point >= b.pointLo &&
    p.point <= b.pointHi &&
    p.address >= b.addrLo &&
    p.address <= b.addrHi
  );
}

/** The entries of one direction, in evaluation order (duplicated numbers: the first listed wins). */
function ordered(entries: readonly NaclEntry[], direction: AclDirection): Box[] {
  return entries
    .filter((e) => e.direction === direction)
    .map(boxOf)
    .sort((a, b) => a.entry.ruleNumber - b.entry.ruleNumber);
}

function decide(boxes: readonly Box[], p: Packet): boolean {
  for (const b of boxes) if (matches(b, p)) return b.entry.action === 'allow';
  return false;
}

/** Whether the ACL allows the packet (first match by rule number; nothing matches → denied). */
export function allows(entries: readonly NaclEntry[], p: Packet): boolean {
  return decide(ordered(entries, p.direction), p);
}

export interface AllowedComparison {
  /** Some traffic `after` allows that `before` denied. */
  gained: boolean;
  /** Some traffic `before` allowed that `after` denies. */
  lost: boolean;
  /** An example of each (for the explanation). */
  gainedExample?: Packet;
  lostExample?: Packet;
  /** The comparison gave up (too many cells): treat as both (fail closed). */
  exhausted?: boolean;
}

export interface CompareOptions {
  /** Most cells evaluated before giving up (fail closed: gained and lost). Default 2 000 000. */
  maxCells?: number;
}

/** Sorted distinct cut points inside [lo, hi] (lo always first). */
function cuts<T extends number | bigint>(lo: T, hi: T, bounds: Iterable<[T, T]>, next: (v: T) => T): T[] {
  const set = new Set<T>([lo]);
  for (const [a, b] of bounds) {
    if (a > lo && a <= hi) set.add(a);
    const after = next(b);
    if (after > lo && after <= hi) set.add(after);
  }
  return [...set].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

/**
 * Compares what `before` and `after` allow. Exact: every cell that an entry differing between the
 * two lists covers is evaluated on both sides.
 */
export function compareAllowed(before: readonly NaclEntry[], after: readonly NaclEntry[], opts: CompareOptions = {}): AllowedComparison {
  const maxCells = opts.maxCells ?? 2_000_000;
  const result: AllowedComparison = { gained: false, lost: false };
  const changed = [
    ...before.filter((e) => !after.some((o) => sameEntry(o, e))),
    ...after.filter((e) => !before.some((o) => sameEntry(o, e))),
  ];
  if (changed.length === 0) return result;
  let cells = 0;
  for (const direction of ['ingress', 'egress'] as const) {
    const focus = changed.filter((e) => e.direction === direction).map(boxOf);
    if (focus.length === 0) continue;
    const a = ordered(before, direction);
    const b = ordered(after, direction);
    const all = [...a, ...b];
    for (const f of focus) {
      const overlapping = all.filter(
        (x) =>
          x.family === f.family &&
          (x.protocol === null || f.protocol === null || x.protocol === f.protocol) &&
          x.pointLo <= f.pointHi &&
          x.pointHi >= f.pointLo &&
          x.addrLo <= f.addrHi &&
          x.addrHi >= f.addrLo,
      );
      // Protocols: the focus entry's, or (all protocols) every one named nearby plus one named nowhere.
      let protocols: number[];
      if (f.protocol !== null) protocols = [f.protocol];
      else {
        const named = new Set(overlapping.map((x) => x.protocol).filter((p): p is number => p !== null));
        let other = 0;
        while (named.has(other)) other++;
        protocols = [...named, other];
      }
      const addrCuts = cuts(
        f.addrLo,
        f.addrHi,
        overlapping.map((x): [bigint, bigint] => [x.addrLo, x.addrHi]),
        (v) => v + 1n,
      );
      for (const protocol of protocols) {
        const relevant = overlapping.filter((x) => x.protocol === null || x.protocol === protocol);
        // Ports (TCP/UDP) and ICMP type/code matter only for those protocols; elsewhere one point stands for all.
        const pointed = protocol === 6 || protocol === 17 || protocol === 1 || protocol === 58;
        const pointCuts = pointed
          ? cuts(
              f.pointLo,
              f.pointHi,
              relevant.map((x): [number, number] => [x.pointLo, x.pointHi]),
              (v) => v + 1,
            )
          : [0];
        const aRel = a.filter((x) => relevant.includes(x));
        const bRel = b.filter((x) => relevant.includes(x));
        for (const point of pointCuts) {
          for (const address of addrCuts) {
            if (++cells > maxCells) return { gained: true, lost: true, exhausted: true };
            const p: Packet = { direction, protocol, point, family: f.family, address };
            const was = decide(aRel, p);
            const is = decide(bRel, p);
            if (is && !was && !result.gained) {
              result.gained = true;
              result.gainedExample = p;
            }
            if (was && !is && !result.lost) {
              result.lost = true;
              result.lostExample = p;
            }
            if (result.gained && result.lost) return result;
          }
        }
      }
    }
  }
  return result;
}
