/**
 * What a network ACL allows, evaluated as AWS does (VPC user guide, "Network ACL rules"): the
 * entries of the packet's direction in increasing rule number, the first entry that matches
 * decides, and a packet no entry matches is denied (rule `*`). A difference's direction is its
 * effect on what is allowed after that evaluation: a deny at rule 50 narrows only if it shadows
 * an allow; deleting it widens only if an allow with a higher number lets the traffic through;
 * moving an entry to another number can widen or narrow.
 *
 * `compareAllowed` decides exactly, without sampling, over the packet space (direction × protocol ×
 * port or ICMP type/code × address): only where an entry that differs between the two lists
 * applies (elsewhere the same entries match in the same order), per protocol named there, by
 * cutting that region until the first entry of each list covers each part whole (see `walk`).
 */
import { parseCidr } from '../../security-group/model/cidr';
import { entryNumber, isIcmpProtocol, isPorted, sameEntry, type AclDirection, type NaclEntry } from './entry';

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
  /** Most regions decided before giving up (fail closed: gained and lost). Default 2 000 000. */
  maxCells?: number;
}

/** A rectangle of the (point, address) plane, bounds inclusive. */
interface Region {
  pLo: number;
  pHi: number;
  aLo: bigint;
  aHi: bigint;
}

const intersects = (b: Box, r: Region) => b.pointLo <= r.pHi && b.pointHi >= r.pLo && b.addrLo <= r.aHi && b.addrHi >= r.aLo;
const covers = (b: Box, r: Region) => b.pointLo <= r.pLo && b.pointHi >= r.pHi && b.addrLo <= r.aLo && b.addrHi >= r.aHi;

/**
 * Decides a region of one direction and protocol for both lists (each in evaluation order, only
 * boxes of that protocol): when the first entry of each list that touches the region covers it
 * whole (or none touches it), every packet of the region gets that entry's action (or the default
 * deny); otherwise the region is cut at a boundary of the first entry that does not cover it, and
 * each part is decided the same way. Stops once both a gain and a loss are found; `tick` says
 * when to give up.
 */
function walk(
  start: Region,
  a: readonly Box[],
  b: readonly Box[],
  at: { direction: AclDirection; protocol: number; family: 4 | 6 },
  result: AllowedComparison,
  tick: () => boolean,
): 'done' | 'exhausted' {
  const stack: { r: Region; a: readonly Box[]; b: readonly Box[] }[] = [{ r: start, a, b }];
  while (stack.length > 0) {
    if (tick()) return 'exhausted';
    const { r, a: la, b: lb } = stack.pop()!;
    const ia = la.filter((x) => intersects(x, r));
    const ib = lb.filter((x) => intersects(x, r));
    const fa = ia[0];
    const fb = ib[0];
    const coverA = !fa || covers(fa, r);
    const coverB = !fb || covers(fb, r);
    if (coverA && coverB) {
      const was = fa?.entry.action === 'allow';
      const is = fb?.entry.action === 'allow';
      if (was === is) continue;
      const p: Packet = { direction: at.direction, protocol: at.protocol, point: r.pLo, family: at.family, address: r.aLo };
      if (is && !result.gained) {
        result.gained = true;
        result.gainedExample = p;
      }
      if (was && !result.lost) {
        result.lost = true;
        result.lostExample = p;
      }
      if (result.gained && result.lost) return 'done';
      continue;
    }
    const x = (coverA ? fb : fa)!;
    let parts: [Region, Region];
    if (x.pointLo > r.pLo)
      parts = [
        { ...r, pHi: x.pointLo - 1 },
        { ...r, pLo: x.pointLo },
      ];
    else if (x.pointHi < r.pHi)
      parts = [
        { ...r, pHi: x.pointHi },
        { ...r, pLo: x.pointHi + 1 },
      ];
    else if (x.addrLo > r.aLo)
      parts = [
        { ...r, aHi: x.addrLo - 1n },
        { ...r, aLo: x.addrLo },
      ];
    else
      parts = [
        { ...r, aHi: x.addrHi },
        { ...r, aLo: x.addrHi + 1n },
      ];
    for (const part of parts) stack.push({ r: part, a: ia, b: ib });
  }
  return 'done';
}

/**
 * Compares what `before` and `after` allow. Exact: every cell that an entry differing between the
 * two lists covers is evaluated on both sides.
 */
export function compareAllowed(before: readonly NaclEntry[], after: readonly NaclEntry[], opts: CompareOptions = {}): AllowedComparison {
  const maxCells = opts.maxCells ?? 2_000_000;
  const result: AllowedComparison = { gained: false, lost: false };
  // The entries only one side has (by key and content; linear, as lists have hundreds of entries).
  const keyed = (list: readonly NaclEntry[]) => {
    const m = new Map<number, NaclEntry[]>();
    for (const e of list) {
      const k = entryNumber(e);
      const l = m.get(k);
      if (l) l.push(e);
      else m.set(k, [e]);
    }
    return m;
  };
  const beforeByKey = keyed(before);
  const afterByKey = keyed(after);
  const onlyIn = (list: readonly NaclEntry[], other: Map<number, NaclEntry[]>) =>
    list.filter((e) => !(other.get(entryNumber(e)) ?? []).some((o) => o === e || sameEntry(o, e)));
  const changed = [...onlyIn(before, afterByKey), ...onlyIn(after, beforeByKey)];
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
      for (const protocol of protocols) {
        const relevant = overlapping.filter((x) => x.protocol === null || x.protocol === protocol);
        // Ports (TCP/UDP) and ICMP type/code matter only for those protocols; elsewhere one point stands for all.
        const pointed = protocol === 6 || protocol === 17 || protocol === 1 || protocol === 58;
        const keep = new Set(relevant);
        const aRel = a.filter((x) => keep.has(x));
        const bRel = b.filter((x) => keep.has(x));
        const region: Region = { pLo: pointed ? f.pointLo : 0, pHi: pointed ? f.pointHi : 0, aLo: f.addrLo, aHi: f.addrHi };
        const done = walk(region, aRel, bRel, { direction, protocol, family: f.family }, result, () => ++cells > maxCells);
        if (done === 'exhausted') return { gained: true, lost: true, exhausted: true };
        if (result.gained && result.lost) return result;
      }
    }
  }
  return result;
}
