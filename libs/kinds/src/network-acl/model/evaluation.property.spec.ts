/**
 * Evaluation order, as properties (fast-check): `compareAllowed` says exactly what enumerating every
 * packet says (first match by rule number, nothing matched = denied), and a difference's direction
 * is its effect on allowed traffic — whatever the order of the entries, their overlap, or a
 * renumbering.
 */
import fc from 'fast-check';
import { candidate, entries, entry, universe } from '../testing/arbitraries';
import { entryDirections, withLive } from '../differences';
import { allows, compareAllowed } from './evaluation';
import { entryKey, makeEntry, sameEntry, type NaclEntry } from './entry';

const PACKETS = universe();

/** Brute force over the whole universe. */
function bruteForce(before: readonly NaclEntry[], after: readonly NaclEntry[]): { gained: boolean; lost: boolean } {
  let gained = false;
  let lost = false;
  for (const p of PACKETS) {
    const was = allows(before, p);
    const is = allows(after, p);
    if (is && !was) gained = true;
    if (was && !is) lost = true;
  }
  return { gained, lost };
}

/** The first-match rule, written independently of the implementation. */
function referenceAllows(list: readonly NaclEntry[], p: (typeof PACKETS)[number]): boolean {
  const sorted = list.filter((e) => e.direction === p.direction).sort((a, b) => a.ruleNumber - b.ruleNumber);
  for (const e of sorted) {
    const [net, bits] = e.cidr.split('/');
    const base = net!.split('.').reduce((acc, o) => acc * 256n + BigInt(o), 0n);
    const size = 1n << BigInt(32 - Number(bits));
    if (p.address < base || p.address >= base + size) continue;
    if (e.protocol !== '-1' && Number(e.protocol) !== p.protocol) continue;
    if (e.protocol === '6' || e.protocol === '17') {
      if (p.point < (e.fromPort ?? 0) || p.point > (e.toPort ?? 65535)) continue;
    }
    if (e.protocol === '1' && e.icmpType !== -1) {
      if (Math.floor(p.point / 256) !== e.icmpType) continue;
      if (e.icmpCode !== -1 && p.point % 256 !== e.icmpCode) continue;
    }
    return e.action === 'allow';
  }
  return false;
}

const e = (ruleNumber: number, action: 'allow' | 'deny', cidr: string, port?: number): NaclEntry =>
  makeEntry(
    {
      direction: 'ingress',
      ruleNumber,
      protocol: port === undefined ? '-1' : 'tcp',
      action,
      cidrBlock: cidr,
      fromPort: port,
      toPort: port,
    },
    'test',
  );

describe('network ACL evaluation order (properties)', () => {
  it('allows() is the first-match rule by rule number, nothing matched denied', () => {
    fc.assert(
      fc.property(entries(10), fc.constantFrom(...PACKETS), (list, p) => expect(allows(list, p)).toBe(referenceAllows(list, p))),
      { numRuns: 400 },
    );
  });

  it('compareAllowed is exact: it finds gained and lost traffic exactly when enumerating every packet does', () => {
    fc.assert(
      fc.property(entries(8), entries(8), (before, after) => {
        const c = compareAllowed(before, after);
        expect({ gained: c.gained, lost: c.lost }).toEqual(bruteForce(before, after));
        if (c.gainedExample) expect(allows(after, c.gainedExample) && !allows(before, c.gainedExample)).toBe(true);
        if (c.lostExample) expect(allows(before, c.lostExample) && !allows(after, c.lostExample)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a change at one key widens exactly when it lets in traffic the code denied; its revert widens exactly when it shut out traffic the code allowed', () => {
    fc.assert(
      fc.property(entries(8), entry(), fc.boolean(), (desired, changed, remove) => {
        const key = entryKey(changed);
        const code = desired.find((d) => entryKey(d) === key);
        // One difference: add/replace `changed` at its key, or delete the code's entry there.
        const diff = remove && code ? candidate(undefined, code) : candidate(changed, code);
        const live = withLive(desired, [diff.detail as never]);
        const direction = entryDirections([[diff]], desired).get(diff.id)!;
        const truth = bruteForce(desired, live);
        expect(direction.change === 'widens').toBe(truth.gained);
        expect(direction.revert === 'widens').toBe(truth.lost);
        if (!truth.gained && !truth.lost) expect(direction).toMatchObject({ change: 'neutral', revert: 'neutral' });
      }),
      { numRuns: 400 },
    );
  });

  it('a change made of several differences never hides a widening: if the whole change lets in traffic, some difference of it widens', () => {
    fc.assert(
      fc.property(entries(6), entries(4), (desired, all) => {
        // A change that sets an entry to what the code has is no difference.
        const changes = all.filter((c) => !desired.some((d) => sameEntry(d, c)));
        const diffs = changes.map((c) =>
          candidate(
            c,
            desired.find((d) => entryKey(d) === entryKey(c)),
          ),
        );
        const live = withLive(
          desired,
          diffs.map((d) => d.detail as never),
        );
        const directions = entryDirections([diffs], desired);
        const truth = bruteForce(desired, live);
        // (A single difference may widen on its own while the whole does not: reverting it alone would.)
        if (truth.gained) expect(diffs.some((d) => directions.get(d.id)!.change === 'widens')).toBe(true);
        if (truth.lost) expect(diffs.some((d) => directions.get(d.id)!.revert === 'widens')).toBe(true);
        if (!truth.gained && !truth.lost && diffs.length === 1) expect(directions.get(diffs[0]!.id)).toMatchObject({ change: 'neutral' });
      }),
      { numRuns: 300 },
    );
  });

  describe('the issue-13 examples', () => {
    const allowAll = e(100, 'allow', '0.0.0.0/0');
    const attackerDeny = e(50, 'deny', '203.0.113.0/24');

    it('a deny for 203.0.113.0/24 at rule 50 in front of an allow narrows; its revert (deleting it) widens', () => {
      const d = candidate(attackerDeny, undefined);
      expect(entryDirections([[d]], [allowAll]).get(d.id)).toEqual({ axis: 'exposure', change: 'narrows', revert: 'widens' });
    });

    it('deleting that deny widens; putting it back narrows', () => {
      const d = candidate(undefined, attackerDeny);
      expect(entryDirections([[d]], [attackerDeny, allowAll]).get(d.id)).toEqual({ axis: 'exposure', change: 'widens', revert: 'narrows' });
    });

    it('renumbering the deny behind the allow (50 → 150) widens, though no entry was deleted outright', () => {
      const moved = e(150, 'deny', '203.0.113.0/24');
      const groups = [[candidate(undefined, attackerDeny), candidate(moved, undefined)]];
      const directions = entryDirections(groups, [attackerDeny, allowAll]);
      expect(directions.get('removed ingress #50')?.change).toBe('widens');
      // The new deny at 150 is shadowed by the allow at 100: it blocks nothing.
      expect(directions.get('added ingress #150')?.change).not.toBe('widens');
      expect(compareAllowed([attackerDeny, allowAll], [allowAll, moved]).gained).toBe(true);
    });

    it('a deny behind an allow that already covers it changes nothing (neutral both ways)', () => {
      const d = candidate(e(150, 'deny', '203.0.113.0/24'), undefined);
      expect(entryDirections([[d]], [allowAll]).get(d.id)).toEqual({ axis: 'exposure', change: 'neutral', revert: 'neutral' });
    });

    it('an allow for tcp/22 from the internet in front of a deny widens', () => {
      const d = candidate(e(10, 'allow', '0.0.0.0/0', 22), undefined);
      expect(entryDirections([[d]], [e(100, 'deny', '0.0.0.0/0')]).get(d.id)?.change).toBe('widens');
    });

    it('IPv6 entries only affect IPv6 traffic', () => {
      const v6 = makeEntry({ direction: 'ingress', ruleNumber: 40, protocol: '-1', action: 'deny', ipv6CidrBlock: '::/0' }, 'test');
      expect(compareAllowed([allowAll], [allowAll, v6])).toMatchObject({ gained: false, lost: false });
    });

    it('gives up on an unbounded comparison fail closed (both ways risky)', () => {
      const many = Array.from({ length: 40 }, (_, i) => e(i + 1, i % 2 ? 'allow' : 'deny', `10.${i}.0.0/16`, 1000 + i));
      expect(compareAllowed(many, [...many.slice(1), e(500, 'allow', '0.0.0.0/0')], { maxCells: 10 })).toMatchObject({
        gained: true,
        lost: true,
        exhausted: true,
      });
    });
  });
});
