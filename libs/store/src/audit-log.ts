import type { Redis } from 'ioredis';
import type { RedisKeys } from '@driftwarden/redis';
import type { JsonObject } from '@driftwarden/domain';
import { DEFAULT_STORE_RETENTION, storeRetention, type StoreRetention } from './retention';

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
}

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
  private readonly retention: StoreRetention;

  constructor(
    private readonly redis: Redis,
    keys: RedisKeys,
    retention: Partial<StoreRetention> = {},
  ) {
    this.key = keys.key('audit');
    this.retention = storeRetention(retention);
  }

  get streamKey(): string {
    return this.key;
  }

  /** The `MAXLEN ~` every writer of the stream trims it to. */
  get maxEntries(): number {
    return this.retention.auditMaxEntries;
  }

  /**
   * Trims entries older than the retention (`XTRIM MINID ~`: whole stream nodes only, so a few
   * older entries can stay until their node is all old), at most `limit` of them. Returns how
   * many were removed.
   */
  async trim(now: Date, limit: number): Promise<number> {
    const minMs = Math.max(0, now.getTime() - this.retention.auditMaxAgeSeconds * 1000);
    return this.redis.xtrim(this.key, 'MINID', '~', `${minMs}-0`, 'LIMIT', limit);
  }

  static encode(entry: AuditEntry): string {
    const { id: _id, ...rest } = entry;
    return JSON.stringify(rest);
  }

  async append(entry: AuditEntry): Promise<string> {
    const id = await this.redis.xadd(this.key, 'MAXLEN', '~', String(this.maxEntries), '*', 'e', AuditLog.encode(entry));
    return id ?? '';
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
  const i = fields.indexOf('e');
  if (i < 0 || i + 1 >= fields.length) return null;
  try {
    return { id, ...(JSON.parse(fields[i + 1]) as AuditEntry) };
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
