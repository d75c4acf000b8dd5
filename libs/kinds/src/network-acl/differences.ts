/**
 * A network ACL's drift as differences (DESIGN §4): one per entry key (direction and rule
 * number) that only live has (`added`), only the code has (`removed`), or both have with other
 * content (`changed`). The direction of each is its effect on what the ACL allows after
 * evaluation order (model/evaluation.ts), judged within the change that made it.
 */
import type { CandidateDifference, DifferenceDirection, DirectionEffect, DriftDifference, JsonObject } from '@driftwarden/domain';
import { compareAllowed, type AllowedComparison, type Packet } from './model/evaluation';
import { describeEntry, entryKey, entryNumber, sameEntry, sortEntries, type NaclEntry, type NetworkAclDiff } from './model/entry';

/** Entries by key; a list with a key twice keeps the first (EC2 never answers that). */
function byKey(entries: readonly NaclEntry[]): Map<number, NaclEntry> {
  const map = new Map<number, NaclEntry>();
  for (const e of entries) if (!map.has(entryNumber(e))) map.set(entryNumber(e), e);
  return map;
}

export function diffEntries(live: readonly NaclEntry[], desired: readonly NaclEntry[]): NetworkAclDiff {
  const l = byKey(live);
  const d = byKey(desired);
  const extra: NaclEntry[] = [];
  const missing: NaclEntry[] = [];
  const changed: NetworkAclDiff['changed'] = [];
  for (const [key, e] of l) {
    const want = d.get(key);
    if (!want) extra.push(e);
    else if (!sameEntry(e, want)) changed.push({ live: e, desired: want });
  }
  for (const [key, e] of d) if (!l.has(key)) missing.push(e);
  return {
    equal: extra.length === 0 && missing.length === 0 && changed.length === 0,
    extra: sortEntries(extra),
    missing: sortEntries(missing),
    changed: changed.sort((a, b) => entryKey(a.live).localeCompare(entryKey(b.live))),
    attributes: [],
  };
}

/** What a difference says about one entry (its `detail`). */
export interface EntryDetail {
  /** The entry live has now (absent: live has none at this number). */
  live?: NaclEntry;
  /** The entry the code declares (absent: the code has none at this number). */
  desired?: NaclEntry;
}

export function entryDetail(d: Pick<DriftDifference, 'detail'>): EntryDetail {
  return d.detail as unknown as EntryDetail;
}

/** `added ingress rule #50: deny tcp/22 from 203.0.113.0/24`. */
export function entrySentence(detail: EntryDetail): string {
  const { live, desired } = detail;
  if (live && !desired) return `added ${live.direction} rule #${live.ruleNumber}: ${describeEntry(live)}`;
  if (desired && !live) return `deleted ${desired.direction} rule #${desired.ruleNumber} (${describeEntry(desired)})`;
  if (live && desired) {
    return `changed ${live.direction} rule #${live.ruleNumber} from ${describeEntry(desired)} to ${describeEntry(live)}`;
  }
  return 'no entry';
}

export function entryDifferences(diff: Pick<NetworkAclDiff, 'extra' | 'missing' | 'changed'>): CandidateDifference[] {
  const of = (side: 'added' | 'removed' | 'changed', key: string, detail: EntryDetail): CandidateDifference => ({
    id: `${side} ${key}`,
    key,
    side,
    sentence: entrySentence(detail),
    detail: detail as unknown as JsonObject,
  });
  return [
    ...diff.extra.map((e) => of('added', entryKey(e), { live: e })),
    ...diff.missing.map((e) => of('removed', entryKey(e), { desired: e })),
    ...diff.changed.map((c) => of('changed', entryKey(c.live), { live: c.live, desired: c.desired })),
  ];
}

/** The extra/missing/changed entries of some differences (what a revert or backport of exactly them works on). */
export function entryDiffOf(differences: readonly Pick<DriftDifference, 'side' | 'detail'>[]): NetworkAclDiff {
  const extra: NaclEntry[] = [];
  const missing: NaclEntry[] = [];
  const changed: NetworkAclDiff['changed'] = [];
  for (const d of differences) {
    const { live, desired } = entryDetail(d);
    if (d.side === 'added' && live) extra.push(live);
    else if (d.side === 'removed' && desired) missing.push(desired);
    else if (d.side === 'changed' && live && desired) changed.push({ live, desired });
  }
  return { equal: extra.length + missing.length + changed.length === 0, extra, missing, changed, attributes: [] };
}

/** `entries` with the differences applied the way live has them (the code's entry at each key replaced by live's, or removed). */
export function withLive(entries: readonly NaclEntry[], details: readonly EntryDetail[]): NaclEntry[] {
  const map = byKey(entries);
  for (const { live, desired } of details) {
    const key = entryNumber((live ?? desired)!);
    if (live) map.set(key, live);
    else map.delete(key);
  }
  return [...map.values()];
}

/** `entries` with the differences reverted (the code's entry at each key put back, or live's removed). */
export function withDesired(entries: readonly NaclEntry[], details: readonly EntryDetail[]): NaclEntry[] {
  const map = byKey(entries);
  for (const { live, desired } of details) {
    const key = entryNumber((live ?? desired)!);
    if (desired) map.set(key, desired);
    else map.delete(key);
  }
  return [...map.values()];
}

const changeEffect = (c: AllowedComparison): DirectionEffect => (c.gained ? 'widens' : c.lost ? 'narrows' : 'neutral');
const revertEffect = (c: AllowedComparison): DirectionEffect => (c.lost ? 'widens' : c.gained ? 'narrows' : 'neutral');

/**
 * Directions within each change (a group per CloudTrail call): the change is judged as the group's
 * differences applied to the code's entries; each difference gets the effect it has within its
 * group (the group without it → the group). If the group as a whole widens but no single
 * difference does (only together they open something), every difference of the group widens
 * (fail closed); the same for a revert.
 */
export function entryDirections(
  groups: readonly (readonly CandidateDifference[])[],
  desired: readonly NaclEntry[],
): Map<string, DifferenceDirection> {
  const out = new Map<string, DifferenceDirection>();
  for (const group of groups) {
    const details = group.map((d) => d.detail as unknown as EntryDetail);
    const changedAll = withLive(desired, details);
    const whole = compareAllowed(desired, changedAll);
    const per = group.map((d, i) => {
      const others = withLive(
        desired,
        details.filter((_, j) => j !== i),
      );
      return { d, c: group.length === 1 ? whole : compareAllowed(others, changedAll) };
    });
    const anyChangeWidens = per.some((p) => p.c.gained);
    const anyRevertWidens = per.some((p) => p.c.lost);
    for (const { d, c } of per) {
      let change = changeEffect(c);
      let revert = revertEffect(c);
      if (whole.gained && !anyChangeWidens) change = 'widens';
      if (whole.lost && !anyRevertWidens) revert = 'widens';
      out.set(d.id, { axis: 'exposure', change, revert });
    }
  }
  return out;
}

/** `tcp port 22 from 203.0.113.0` — one packet of the traffic a change let in or shut out (for explanations). */
export function describePacket(p: Packet): string {
  const proto = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6' }[p.protocol] ?? `protocol ${p.protocol}`;
  const point = p.protocol === 6 || p.protocol === 17 ? ` port ${p.point}` : '';
  const address =
    p.family === 4 ? [24n, 16n, 8n, 0n].map((s) => String(Number((p.address >> s) & 0xffn))).join('.') : `${p.address.toString(16)} (IPv6)`;
  return `${proto}${point} ${p.direction === 'ingress' ? 'from' : 'to'} ${address}`;
}
