import type { Redis } from 'ioredis';
import type { RedisKeys } from '@driftwarden/redis';
import type { JsonObject } from '@driftwarden/domain';
import { DEFAULT_STORE_RETENTION, storeRetention, type StoreRetention } from './retention';
import {
  ChainVerifier,
  encodeAuditBody,
  type AuditCheckpoint,
  type ChainHead,
  type ChainVerdict,
  type CheckpointVerifier,
} from './audit-chain';
import { appendAuditLua, trimAuditLua } from './audit-chain.lua';
import { ChainPredictor } from './chain-predictor';

/** Entries per stream node (Redis's `stream-node-max-entries` default): the least `XTRIM ~` can remove. */
const STREAM_NODE_ENTRIES = 100;

/** One entry of the decision and action log (`GET /v1/audit`). */
export interface AuditEntry {
  /** Stream id: monotonic, usable as a cursor. */
  id?: string;
  at: string;
  /** e.g. `decision`, `item.stale`, `api.drift.approve`, `freeze.created`, `ingest.quarantined`. */
  type: string;
  /** Who or what: a token name (`token:oncall`), `pipeline`, `scheduler`, `webhook:pagerduty`. */
  actor: string;
  reason?: string;
  driftId?: string;
  eventId?: string;
  resourceKey?: string;
  correlationId?: string;
  details?: JsonObject;
  /** The entry's place in the hash chain (set by the store; README "Tamper-evident audit"). */
  seq?: number;
  /** The hash of the entry before it (64 zeros for the first). */
  prevHash?: string;
  /** SHA-256 over canonical {bodyHash, prevHash, seq}; bodyHash = SHA-256 of the canonical entry without id and chain fields. */
  hash?: string;
}

/** Where an appended entry sits in the chain. */
export interface AppendedEntry {
  id: string;
  seq: number;
  prevHash: string;
  hash: string;
}

type RedisWithAuditScripts = Redis & {
  dwAppendAudit(...args: (string | number)[]): Promise<string[]>;
  dwTrimAudit(...args: (string | number)[]): Promise<number>;
};

export interface AuditPage {
  items: AuditEntry[];
  next: string | null;
}

/** Bounded so a runaway producer cannot fill Redis; ~1M entries by default (config `retention.audit.maxEntries`). */
export const AUDIT_MAXLEN = DEFAULT_STORE_RETENTION.auditMaxEntries;

/**
 * The audit log: a Redis stream, append-only, read by time. Kept to about `auditMaxEntries`
 * entries on every append, and to `auditMaxAgeSeconds` by the scheduler's sweep (`trim`).
 */
export class AuditLog {
  private readonly key: string;
  private readonly headKey: string;
  private readonly retention: StoreRetention;
  private readonly redis: RedisWithAuditScripts;

  constructor(redis: Redis, keys: RedisKeys, retention: Partial<StoreRetention> = {}) {
    this.key = keys.key('audit');
    this.headKey = keys.key('audit', 'head');
    this.retention = storeRetention(retention);
    if (!('dwAppendAudit' in redis)) {
      redis.defineCommand('dwAppendAudit', { numberOfKeys: 2, lua: appendAuditLua });
      redis.defineCommand('dwTrimAudit', { numberOfKeys: 2, lua: trimAuditLua });
    }
    this.redis = redis as RedisWithAuditScripts;
  }

  get streamKey(): string {
    return this.key;
  }

  /** The chain head (newest seq and hash, oldest retained seq) every append script updates. */
  get chainHeadKey(): string {
    return this.headKey;
  }

  /** The `MAXLEN ~` every writer of the stream trims it to. */
  get maxEntries(): number {
    return this.retention.auditMaxEntries;
  }

  /**
   * Trims entries older than the retention (`XTRIM MINID ~`: whole stream nodes only, so a few
   * older entries can stay until their node is all old), at most `limit` of them, but at least
   * one node's worth: a limit below a node's size would remove nothing, ever. Returns how many
   * were removed.
   */
  async trim(now: Date, limit: number): Promise<number> {
    const minMs = Math.max(0, now.getTime() - this.retention.auditMaxAgeSeconds * 1000);
    return Number(await this.redis.dwTrimAudit(this.key, this.headKey, `${minMs}-0`, Math.max(limit, STREAM_NODE_ENTRIES)));
  }

  /** The stored form of an entry: its canonical body (RFC 8785) and that body's SHA-256, for an append script. */
  static encode(entry: AuditEntry): { body: string; bodyHash: string } {
    return encodeAuditBody(entry);
  }

  async append(entry: AuditEntry): Promise<string> {
    return (await this.appendChained(entry)).id;
  }

  /**
   * Appends one entry at the end of the chain. `expectSeq`: only if the newest entry is still that
   * seq (null when it moved on), so a checkpoint signs exactly the entry before it.
   */
  async appendChained(entry: AuditEntry, expectSeq?: number): Promise<AppendedEntry>;
  async appendChained(entry: AuditEntry, expectSeq: number): Promise<AppendedEntry | null>;
  async appendChained(entry: AuditEntry, expectSeq?: number): Promise<AppendedEntry | null> {
    const { body, bodyHash } = AuditLog.encode(entry);
    const predictor = this.predictor(this.redis);
    const predicted = predictor.reserve(bodyHash);
    let reply: string[];
    try {
      reply = await this.redis.dwAppendAudit(
        this.key,
        this.headKey,
        this.maxEntries,
        body,
        bodyHash,
        expectSeq === undefined ? '' : String(expectSeq),
        ...ChainPredictor.args(predicted),
      );
    } catch (err) {
      predictor.settle(predicted, null);
      throw err;
    }
    if (reply.length === 0) {
      // The head moved on (expectSeq): nothing appended, and the head is not known here.
      predictor.settle(predicted, { appended: false, seq: 0, hash: '' });
      return null;
    }
    predictor.settle(predicted, { appended: true, seq: Number(reply[1]), hash: reply[3] });
    return { id: reply[0], seq: Number(reply[1]), prevHash: reply[2], hash: reply[3] };
  }

  /**
   * The link predictor of this chain for appends sent on `redis` (a store's connection): scripts
   * then skip the SHA-256 in Lua while this process is the only writer (ChainPredictor).
   */
  predictor(redis: Redis): ChainPredictor {
    return ChainPredictor.for(redis, this.headKey);
  }

  /** The chain head: seq and hash of the newest entry, and the oldest seq retention kept. */
  async head(): Promise<ChainHead | null> {
    const h = await this.redis.hgetall(this.headKey);
    if (!h.seq || !h.hash) return null;
    return { seq: Number(h.seq), hash: h.hash, ...(h.floor ? { floor: Number(h.floor) } : {}) };
  }

  /**
   * Entries about one drift, oldest first, read from `since` (its detection) to the end of the
   * stream, scanning at most `maxScan` entries.
   */
  async about(driftId: string, since: Date, opts: { maxScan?: number; maxEntries?: number } = {}): Promise<AuditEntry[]> {
    const found: AuditEntry[] = [];
    let from = `${Math.max(0, since.getTime())}-0`;
    for (let scanned = 0; scanned < (opts.maxScan ?? 500_000) && found.length < (opts.maxEntries ?? 1000);) {
      const chunk = await this.redis.xrange(this.key, from, '+', 'COUNT', 1000);
      for (const [id, fields] of chunk) {
        const e = parseFields(id, fields);
        if (e?.driftId === driftId) found.push(e);
      }
      scanned += chunk.length;
      if (chunk.length < 1000) break;
      from = `(${chunk[chunk.length - 1][0]}`;
    }
    return found;
  }

  /** The newest entry, or null when the stream is empty. */
  async newest(): Promise<AuditEntry | null> {
    const [found] = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1);
    return found ? parseFields(found[0], found[1]) : null;
  }

  /** The newest checkpoint entry, if any within the retained stream's last `scan` entries. */
  async lastCheckpoint(scan = 10_000): Promise<AuditCheckpoint | null> {
    let to = '+';
    for (let seen = 0; seen < scan;) {
      const chunk = await this.redis.xrevrange(this.key, to, '-', 'COUNT', 500);
      if (chunk.length === 0) return null;
      for (const [id, fields] of chunk) {
        const e = parseFields(id, fields);
        if (e?.type === 'audit.checkpoint') return e.details as unknown as AuditCheckpoint;
      }
      seen += chunk.length;
      to = `(${chunk[chunk.length - 1][0]}`;
    }
    return null;
  }

  /**
   * Verifies the retained chain from its oldest entry to the head (README "Tamper-evident audit"):
   * names the first entry that does not verify. Reads in pages; memory stays bounded.
   */
  async verify(verifier: CheckpointVerifier | null, pageSize = 1000): Promise<ChainVerdict> {
    const chain = new ChainVerifier(verifier);
    const head = await this.head();
    let from = '-';
    let lastWhere: string | undefined;
    for (;;) {
      const chunk = await this.redis.xrange(this.key, from, '+', 'COUNT', pageSize);
      for (const [id, fields] of chunk) {
        await chain.add(id, parseFields(id, fields));
        lastWhere = id;
        if (chain.done) return chain.finish();
      }
      if (chunk.length < pageSize) break;
      from = `(${chunk[chunk.length - 1][0]}`;
    }
    return chain.finish({ head, lastWhere });
  }

  /** One entry by its stream id, or null when it is gone (trimmed, or Redis lost). */
  async get(id: string): Promise<(AuditEntry & { id: string }) | null> {
    if (!/^\d+-\d+$/.test(id)) return null;
    const [found] = await this.redis.xrange(this.key, id, id);
    const entry = found ? parseFields(found[0], found[1]) : null;
    return entry ? { ...entry, id: found![0] } : null;
  }

  /** Entries at or after `since`, oldest first; `cursor` continues a previous page. */
  /**
   * `resource`: a resource id (`sg-…`) or resource key (`account/region/type/id`); `account`: an
   * account id. Both match entries about a resource only (freeze and provider entries have none).
   */
  async list(opts: {
    since?: Date;
    cursor?: string | null;
    limit: number;
    type?: string;
    driftId?: string;
    resource?: string;
    account?: string;
  }): Promise<AuditPage> {
    // A stream id's time is milliseconds since the epoch, never negative: earlier is "from the start".
    const start = opts.cursor ? `(${decodeCursor(opts.cursor)}` : opts.since ? `${Math.max(0, opts.since.getTime())}-0` : '-';
    const items: AuditEntry[] = [];
    let from = start;
    let lastId: string | null = null;
    // Filters are applied while reading; read in chunks until the page is full.
    for (let rounds = 0; rounds < 50 && items.length < opts.limit; rounds++) {
      const chunk = await this.redis.xrange(this.key, from, '+', 'COUNT', Math.max(opts.limit * 2, 100));
      if (chunk.length === 0) break;
      for (const [id, fields] of chunk) {
        lastId = id;
        const entry = parseFields(id, fields);
        if (!entry) continue;
        if (opts.type && entry.type !== opts.type) continue;
        if (opts.driftId && entry.driftId !== opts.driftId) continue;
        if (opts.resource && !(entry.resourceKey === opts.resource || entry.resourceKey?.endsWith(`/${opts.resource}`))) continue;
        if (opts.account && !entry.resourceKey?.startsWith(`${opts.account}/`)) continue;
        items.push(entry);
        if (items.length === opts.limit) break;
      }
      from = `(${lastId}`;
      if (chunk.length < Math.max(opts.limit * 2, 100) && items.length < opts.limit) break;
    }
    const next = items.length === opts.limit && items.length > 0 ? encodeCursor(items[items.length - 1].id ?? '') : null;
    return { items, next };
  }
}

/** An audit stream entry's fields as the entry, or null when unreadable. */
export function parseFields(id: string, fields: string[]): AuditEntry | null {
  let body: string | undefined;
  const chain: { seq?: number; prevHash?: string; hash?: string } = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [name, value] = [fields[i], fields[i + 1]];
    if (name === 'e') body = value;
    else if (name === 's') chain.seq = Number(value);
    else if (name === 'p') chain.prevHash = value;
    else if (name === 'h') chain.hash = value;
  }
  if (body === undefined) return null;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    return { id, ...(parsed as AuditEntry), ...chain };
  } catch {
    return null;
  }
}

export function encodeCursor(streamId: string): string {
  return Buffer.from(streamId, 'utf8').toString('base64url');
}

/** Both parts of a Redis stream id are unsigned 64-bit integers. */
const STREAM_ID_PART_MAX = 18446744073709551615n;

/**
 * The stream id a cursor stands for, range-checked: Redis refuses an id part beyond 64 bits and
 * an exclusive start at the largest id (nothing can follow it), and either would be a 500.
 */
export function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw new InvalidCursorError(cursor);
  const match = /^(\d{1,20})-(\d{1,20})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InvalidCursorError(cursor);
  const [ms, seq] = [BigInt(match[1]), BigInt(match[2])];
  if (ms > STREAM_ID_PART_MAX || seq > STREAM_ID_PART_MAX || (ms === STREAM_ID_PART_MAX && seq === STREAM_ID_PART_MAX))
    throw new InvalidCursorError(cursor);
  return `${ms}-${seq}`;
}

export class InvalidCursorError extends Error {
  constructor(cursor: string) {
    super(`invalid cursor "${cursor.slice(0, 40)}": pass the "next" value of the previous page unchanged`);
    this.name = 'InvalidCursorError';
  }
}
