/**
 * fast-check arbitraries for network ACL entries inside a small packet universe (10.0.0.0/28,
 * ports 0–7, ICMP types and codes 0–2, four protocols): small enough to enumerate every packet,
 * so that evaluation-order properties can be checked against brute force.
 */
import fc from 'fast-check';
import type { CandidateDifference, JsonObject } from '@driftwarden/domain';
import { makeEntry, type AclDirection, type NaclEntry } from '../model/entry';
import type { Packet } from '../model/evaluation';

const CIDRS = ['10.0.0.0/28', '10.0.0.0/29', '10.0.0.8/29', '10.0.0.4/30', '10.0.0.0/32', '10.0.0.5/32', '10.0.0.12/30'];

export const entry = (direction: fc.Arbitrary<AclDirection> = fc.constantFrom('ingress', 'egress')): fc.Arbitrary<NaclEntry> =>
  fc
    .record({
      direction,
      ruleNumber: fc.integer({ min: 1, max: 60 }),
      protocol: fc.constantFrom('-1', '6', '17', '1'),
      action: fc.constantFrom('allow', 'deny'),
      cidr: fc.constantFrom(...CIDRS),
      from: fc.integer({ min: 0, max: 7 }),
      span: fc.integer({ min: 0, max: 7 }),
      icmpType: fc.integer({ min: -1, max: 2 }),
      icmpCode: fc.integer({ min: -1, max: 2 }),
    })
    .map((r) =>
      makeEntry(
        {
          direction: r.direction,
          ruleNumber: r.ruleNumber,
          protocol: r.protocol,
          action: r.action,
          cidrBlock: r.cidr,
          fromPort: r.from,
          toPort: Math.min(7, r.from + r.span),
          icmpType: r.icmpType,
          icmpCode: r.icmpCode,
        },
        'arbitrary',
      ),
    );

/** Up to `max` entries, at most one per direction and rule number (as EC2 keeps them). */
export const entries = (max = 8): fc.Arbitrary<NaclEntry[]> =>
  fc.uniqueArray(entry(), { maxLength: max, selector: (e) => `${e.direction} #${e.ruleNumber}` });

/** Every packet of the universe (plus one address and one protocol no entry names). */
export function universe(): Packet[] {
  const out: Packet[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    for (let a = 0; a <= 16; a++) {
      const address = 0x0a000000n + BigInt(a);
      for (const protocol of [6, 17])
        for (let port = 0; port <= 8; port++) out.push({ direction, protocol, point: port, family: 4, address });
      for (let type = 0; type <= 3; type++) {
        for (let code = 0; code <= 3; code++) out.push({ direction, protocol: 1, point: type * 256 + code, family: 4, address });
      }
      out.push({ direction, protocol: 50, point: 0, family: 4, address });
    }
  }
  return out;
}

/** A candidate difference (as a kind reports it) for a change at one key. */
export function candidate(live: NaclEntry | undefined, desired: NaclEntry | undefined): CandidateDifference {
  const e = (live ?? desired)!;
  const key = `${e.direction} #${e.ruleNumber}`;
  const side = live && desired ? 'changed' : live ? 'added' : 'removed';
  return {
    id: `${side} ${key}`,
    key,
    side,
    sentence: key,
    detail: { ...(live ? { live } : {}), ...(desired ? { desired } : {}) } as unknown as JsonObject,
  };
}
