import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { ChainVerifier, GENESIS_HASH, auditBody, canonicalJson, expectedHash, linkHash, sha256Hex } from './audit-chain';
import type { AuditEntry } from './audit-log';

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('the audit chain definition (README "Tamper-evident audit")', () => {
  it('hashes the RFC 8785 form: keys sorted, no whitespace, ECMAScript numbers; chain fields and id left out of the body', () => {
    const entry: AuditEntry = {
      type: 'decision',
      at: '2026-12-06T08:00:00.000Z',
      actor: 'pipeline',
      details: { n: 1e21, b: [true, null], é: 'x' },
    };
    expect(canonicalJson(entry)).toBe(
      '{"actor":"pipeline","at":"2026-12-06T08:00:00.000Z","details":{"b":[true,null],"n":1e+21,"é":"x"},"type":"decision"}',
    );
    const chained = { ...entry, id: '1-0', seq: 1, prevHash: GENESIS_HASH, hash: '' };
    expect(auditBody(chained)).toEqual(entry);
    const bodyHash = sha(canonicalJson(entry));
    const hash = sha(`{"bodyHash":"${bodyHash}","prevHash":"${GENESIS_HASH}","seq":1}`);
    expect(linkHash(1, GENESIS_HASH, bodyHash)).toBe(hash);
    expect(expectedHash({ ...chained, hash })).toBe(hash);
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('canonicalises exactly as the RFC 8785 reference implementation does (canonicalize), for any JSON value', () => {
    // Any code unit in strings (lone surrogates and controls included), any key order, nesting, -0 and exponents.
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 }), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 2_000 },
    );
    // RFC 8785 §3.2.2.3 and §3.2.3: ECMAScript numbers and sorting by UTF-16 code unit (not code point).
    const rfc = {
      numbers: [Number('333333333.33333329'), 1e30, 4.5, 0.002, 1e-27, -0],
      '\u20ac': 1,
      '\r': 2,
      '\ud83d\ude00': 3,
      '\ufb33': 4,
      '1': 5,
    };
    expect(canonicalJson(rfc)).toBe(
      '{"\\r":2,"1":5,"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27,0],"\u20ac":1,"\ud83d\ude00":3,"\ufb33":4}',
    );
    expect(canonicalJson(rfc)).toBe(canonicalize(rfc));
    // toJSON is used (a Date is its ISO text); absent values are left out of objects and are null in arrays.
    expect(canonicalJson({ b: new Date(0), a: undefined, c: [undefined, 1] })).toBe('{"b":"1970-01-01T00:00:00.000Z","c":[null,1]}');
  });

  it('refuses what is not JSON instead of writing something', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [NaN, Infinity, { n: -Infinity }, [1n], { f: () => 1 }, cyclic]) expect(() => canonicalJson(bad)).toThrow();
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });

  it('the link written out directly equals the canonical form, and anything unusual takes the canonical path', () => {
    const body = sha('b');
    for (const seq of [1, 9, 10, 123456789, 2 ** 40])
      expect(linkHash(seq, sha('p'), body)).toBe(sha(canonicalJson({ bodyHash: body, prevHash: sha('p'), seq })));
    for (const [seq, prev] of [
      [1.5, sha('p')],
      [3, 'not "hex"'],
      [1e21, GENESIS_HASH],
    ] as const)
      expect(linkHash(seq, prev, body)).toBe(sha(canonicalJson({ bodyHash: body, prevHash: prev, seq })));
  });

  function chain(n: number): AuditEntry[] {
    const out: AuditEntry[] = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= n; seq++) {
      const e: AuditEntry = { at: `2026-12-06T08:00:0${seq}.000Z`, type: 'test', actor: 'a', reason: `r${seq}`, seq, prevHash: prev };
      e.hash = expectedHash(e);
      prev = e.hash;
      out.push(e);
    }
    return out;
  }

  async function verdict(entries: AuditEntry[]) {
    const v = new ChainVerifier(null);
    for (const [i, e] of entries.entries()) await v.add(`line ${i + 1}`, e);
    return v.finish();
  }

  it('a whole chain verifies from genesis; a partial one is anchored at its first entry', async () => {
    expect(await verdict(chain(4))).toMatchObject({ ok: true, checked: 4, anchor: 'genesis', from: { seq: 1 }, to: { seq: 4 } });
    expect(await verdict(chain(4).slice(2))).toMatchObject({ ok: true, anchor: 'partial', from: { seq: 3 } });
    expect(await verdict([])).toMatchObject({ ok: true, anchor: 'empty', checked: 0 });
  });

  it('names an edited, a removed and a swapped entry, and one without chain fields', async () => {
    const edited = chain(4);
    edited[1] = { ...edited[1], reason: 'changed' };
    expect((await verdict(edited)).firstBroken).toMatchObject({ at: 'line 2', seq: 2, problem: 'hash_mismatch' });
    const removed = chain(4);
    removed.splice(1, 1);
    expect((await verdict(removed)).firstBroken).toMatchObject({ at: 'line 2', seq: 3, problem: 'seq_gap' });
    const swapped = chain(4);
    [swapped[1], swapped[2]] = [swapped[2], swapped[1]];
    expect((await verdict(swapped)).firstBroken).toMatchObject({ at: 'line 2', problem: 'seq_gap' });
    const relinked = chain(3);
    relinked[2] = { ...relinked[2], prevHash: GENESIS_HASH };
    relinked[2].hash = expectedHash(relinked[2]);
    expect((await verdict(relinked)).firstBroken).toMatchObject({ at: 'line 3', problem: 'prev_hash_mismatch' });
    const bare = chain(2);
    delete bare[1].seq;
    expect((await verdict(bare)).firstBroken).toMatchObject({ at: 'line 2', problem: 'missing_chain_fields' });
  });
});
