import { hash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import type { AuditEntry } from './audit-log';

/** The `prevHash` of the first entry of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Fields of an audit entry that are its place in the chain, not its content. */
export const CHAIN_FIELDS = ['id', 'seq', 'prevHash', 'hash'] as const;

/**
 * RFC 8785 (JSON Canonicalization Scheme) for the JSON values driftwarden writes: safe-stable-stringify
 * with keys sorted by UTF-16 code unit (its `deterministic` order), strings escaped and numbers
 * written exactly as ECMAScript's JSON.stringify does (what RFC 8785 specifies), and anything that
 * is not JSON (NaN, Infinity, a bigint, a function, a cycle) an error instead of a guess. It is
 * checked against `canonicalize` (the RFC's authors' reference implementation) in the spec, and
 * costs about 60 % of its time with a fraction of its garbage (one string per value instead of a
 * chain of them): every decision canonicalises its audit entry (`npm run bench -- --profile-pipeline`).
 */
const rfc8785 = configure({ deterministic: true, strict: true, bigint: false, circularValue: Error });

/** RFC 8785 (JSON Canonicalization Scheme) text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = rfc8785(value);
  if (text === undefined) throw new TypeError('cannot canonicalise undefined');
  return text;
}

/** Lower-case hex SHA-256 of a string's UTF-8 bytes (one-shot `crypto.hash`: two per decision, no Hash object each). */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** An entry's content: everything but its stream id and chain fields. */
export function auditBody(entry: AuditEntry): Record<string, unknown> {
  const body: Record<string, unknown> = { ...entry };
  for (const f of CHAIN_FIELDS) delete body[f];
  return body;
}

/** The canonical body text a writer stores, and its SHA-256 (the chain's `bodyHash`). */
export function encodeAuditBody(entry: AuditEntry): { body: string; bodyHash: string } {
  const body = canonicalJson(auditBody(entry));
  return { body, bodyHash: sha256Hex(body) };
}

const HEX64 = /^[0-9a-f]{64}$/;

/** hash_n = SHA-256(canonical {"bodyHash", "prevHash", "seq"}) — what the append script computes. */
export function linkHash(seq: number, prevHash: string, bodyHash: string): string {
  // Hex digests and an integer need no escaping: the canonical text is written out directly (as
  // the script does), which a writer predicting every link (ChainPredictor) does once per append.
  if (Number.isSafeInteger(seq) && HEX64.test(prevHash) && HEX64.test(bodyHash))
    return sha256Hex(`{"bodyHash":"${bodyHash}","prevHash":"${prevHash}","seq":${seq}}`);
  return sha256Hex(canonicalJson({ bodyHash, prevHash, seq }));
}

/** The hash an entry should carry, recomputed from its content and chain fields. */
export function expectedHash(entry: AuditEntry): string {
  return linkHash(entry.seq ?? 0, entry.prevHash ?? '', sha256Hex(canonicalJson(auditBody(entry))));
}

/** A signed checkpoint: the newest chain hash at a moment, signed (README "Tamper-evident audit"). */
export interface AuditCheckpoint {
  /** The seq and hash of the entry it covers (the checkpoint entry's predecessor). */
  seq: number;
  hash: string;
  at: string;
  /** `HMAC-SHA256`, or a KMS signing algorithm prefixed `KMS:` (`KMS:ECDSA_SHA_256`). */
  alg: string;
  /** Which key: the configured HMAC key id, or the KMS key id/ARN. */
  keyId: string;
  /** Base64. */
  signature: string;
}

/** The bytes a checkpoint's signature covers: canonical {alg, at, hash, keyId, seq}. */
export function checkpointPayload(cp: Omit<AuditCheckpoint, 'signature'>): string {
  return canonicalJson({ alg: cp.alg, at: cp.at, hash: cp.hash, keyId: cp.keyId, seq: cp.seq });
}

export const CHECKPOINT_ENTRY_TYPE = 'audit.checkpoint';

/** Checks checkpoint signatures (HMAC locally, KMS through its Verify call). */
export interface CheckpointVerifier {
  /** True/false for a verdict; null when this verifier has no key for it (reported, not failed). */
  verify(cp: AuditCheckpoint): Promise<boolean | null>;
}

export type ChainProblem =
  | 'hash_mismatch'
  | 'prev_hash_mismatch'
  | 'seq_gap'
  | 'missing_chain_fields'
  | 'unreadable'
  | 'head_mismatch'
  | 'floor_mismatch'
  | 'checkpoint_bad_signature'
  | 'checkpoint_mismatch';

export interface BrokenEntry {
  /** The stream id (Redis) or line number (`line 12`, export) of the first entry that does not verify. */
  at: string;
  seq?: number;
  problem: ChainProblem;
  message: string;
}

export interface ChainVerdict {
  ok: boolean;
  /** Entries checked. */
  checked: number;
  /** The oldest and newest entry checked. */
  from: { seq: number; id?: string } | null;
  to: { seq: number; id?: string } | null;
  /**
   * How the first entry checked is anchored: `genesis` (the chain's first entry), `retention`
   * (older entries were trimmed: its prevHash is taken as given, see `floor`), `partial` (an
   * export that starts mid-chain).
   */
  anchor: 'genesis' | 'retention' | 'partial' | 'empty';
  checkpoints: { seen: number; verified: number; unchecked: number; lastSeq: number | null };
  firstBroken: BrokenEntry | null;
}

/** Chain fields of the Redis side of a verification, beyond the entries themselves. */
export interface ChainHead {
  seq: number;
  hash: string;
  /** The seq of the oldest retained entry, recorded whenever retention trimmed the stream. */
  floor?: number;
}

/**
 * Verifies a chain read oldest first, entry by entry (bounded memory): feed `add` in order, then
 * `finish`. The first entry's prevHash is taken as given (its predecessor may have been trimmed);
 * every later entry must name its predecessor's hash and the next seq, and carry the hash of its
 * own content. Checkpoint entries must sign exactly their predecessor's seq and hash.
 */
export class ChainVerifier {
  private checked = 0;
  private prev: AuditEntry | null = null;
  private first: AuditEntry | null = null;
  private broken: BrokenEntry | null = null;
  private readonly cps = { seen: 0, verified: 0, unchecked: 0, lastSeq: null as number | null };

  constructor(private readonly verifier: CheckpointVerifier | null) {}

  get done(): boolean {
    return this.broken !== null;
  }

  private fail(at: string, problem: ChainProblem, message: string, seq?: number): void {
    this.broken ??= { at, ...(seq !== undefined ? { seq } : {}), problem, message };
  }

  /** `where`: the stream id or `line N`. `entry` null = the line or stream entry is unreadable. */
  async add(where: string, entry: AuditEntry | null): Promise<void> {
    if (this.broken) return;
    if (!entry) return this.fail(where, 'unreadable', `${where}: not a readable audit entry`);
    const { seq, prevHash, hash } = entry;
    if (typeof seq !== 'number' || typeof prevHash !== 'string' || typeof hash !== 'string')
      return this.fail(
        where,
        'missing_chain_fields',
        `${where}: no seq, prevHash and hash (an entry written before the chain, or stripped)`,
      );
    this.checked += 1;
    this.first ??= entry;
    const prev = this.prev;
    if (prev) {
      if (seq !== (prev.seq ?? 0) + 1)
        return this.fail(
          where,
          'seq_gap',
          `${where} (seq ${seq}) follows seq ${prev.seq}: ${seq > (prev.seq ?? 0) + 1 ? `${seq - (prev.seq ?? 0) - 1} entries missing` : 'out of order'}`,
          seq,
        );
      if (prevHash !== prev.hash)
        return this.fail(
          where,
          'prev_hash_mismatch',
          `${where} (seq ${seq}) does not follow the entry before it: its prevHash is not that entry's hash`,
          seq,
        );
    }
    if (expectedHash(entry) !== hash)
      return this.fail(where, 'hash_mismatch', `${where} (seq ${seq}) was altered: its content does not match its hash`, seq);
    if (entry.type === CHECKPOINT_ENTRY_TYPE) await this.checkpoint(where, entry);
    this.prev = entry;
  }

  private async checkpoint(where: string, entry: AuditEntry): Promise<void> {
    this.cps.seen += 1;
    const cp = entry.details as unknown as AuditCheckpoint | undefined;
    if (!cp || typeof cp.seq !== 'number' || typeof cp.hash !== 'string' || typeof cp.signature !== 'string')
      return this.fail(
        where,
        'checkpoint_mismatch',
        `${where} (seq ${entry.seq}): a checkpoint without seq, hash and signature`,
        entry.seq,
      );
    if (cp.seq !== (entry.seq ?? 0) - 1 || cp.hash !== entry.prevHash)
      return this.fail(
        where,
        'checkpoint_mismatch',
        `${where} (seq ${entry.seq}): the checkpoint does not sign the entry before it`,
        entry.seq,
      );
    const verdict = this.verifier ? await this.verifier.verify(cp) : null;
    if (verdict === false)
      return this.fail(
        where,
        'checkpoint_bad_signature',
        `${where} (seq ${entry.seq}): the checkpoint's signature (${cp.alg}, key ${cp.keyId}) does not verify`,
        entry.seq,
      );
    if (verdict === null) this.cps.unchecked += 1;
    else this.cps.verified += 1;
    this.cps.lastSeq = cp.seq;
  }

  /**
   * `head`: the chain head kept next to the stream (Redis only): the newest entry must be the
   * head (else entries at the end were removed), the oldest must be the recorded floor (else
   * entries at the start were removed beyond what retention trimmed).
   */
  finish(opts: { head?: ChainHead | null; lastWhere?: string; exportStart?: boolean } = {}): ChainVerdict {
    const head = opts.head;
    const first = this.first;
    const last = this.prev;
    if (!this.broken && head && head.seq > 0) {
      if (!last) {
        // Retention may have trimmed everything (the floor is then past the head).
        if ((head.floor ?? 1) <= head.seq)
          this.fail('end', 'head_mismatch', `the chain head says seq ${head.seq} but the stream has no entries`, head.seq);
      } else if (last.seq !== head.seq || last.hash !== head.hash)
        this.fail(
          opts.lastWhere ?? 'end',
          'head_mismatch',
          `the newest entry is seq ${last.seq} but the chain head is seq ${head.seq}: entries at the end were removed or replaced`,
          head.seq,
        );
      else if (first && (first.seq ?? 0) !== (head.floor ?? 1))
        this.fail(
          first.id ?? 'start',
          'floor_mismatch',
          `the oldest entry is seq ${first.seq} but retention kept everything from seq ${head.floor ?? 1}: entries at the start were removed`,
          first.seq,
        );
    }
    const anchor: ChainVerdict['anchor'] = !first
      ? 'empty'
      : first.prevHash === GENESIS_HASH && first.seq === 1
        ? 'genesis'
        : head
          ? 'retention'
          : 'partial';
    return {
      ok: this.broken === null,
      checked: this.checked,
      from: first ? { seq: first.seq ?? 0, ...(first.id ? { id: first.id } : {}) } : null,
      to: last ? { seq: last.seq ?? 0, ...(last.id ? { id: last.id } : {}) } : null,
      anchor,
      checkpoints: { ...this.cps },
      firstBroken: this.broken,
    };
  }
}
