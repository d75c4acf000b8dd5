import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '@driftwarden/redis';
import { assertTransition, isOpen, type DriftRecord, type DriftStatus } from '@driftwarden/domain';
import { AUDIT_MAXLEN, AuditLog, InvalidCursorError, type AuditEntry } from './audit-log';
import { ITEM_TTL_SECONDS } from './item-ledger';
import { saveDriftLua } from './redis-scripts';

export interface DriftFilter {
  status?: DriftStatus;
  account?: string;
  /** A resource id (`sg-…`) or a full resource key (`account/region/type/id`). */
  resource?: string;
  /** Any other condition (the API's kind, region, flag and text filters), applied while paging. */
  where?: (record: DriftRecord) => boolean;
  limit: number;
  cursor?: string | null;
}

export interface DriftPage {
  items: DriftRecord[];
  next: string | null;
}

/** What a decision commits for one item (see DriftStore.commitDecision). */
export interface ItemCommit {
  eventId: string;
  order: number;
  resourceKey: string;
  /** How the item ended: `decided`. */
  outcome: 'decided';
  /**
   * Whether the item is kept past the duplicate window while it is the resource's latest decided
   * item (default true): a held drift or a lapsed exception is decided again on it, however long
   * the freeze or exception lasted. False for a deletion (nothing to decide again).
   */
  retain?: boolean;
}

export type SaveResult = 'ok' | 'conflict' | 'already' | 'not_claimed';

type RedisWithScripts = Redis & {
  dwSaveDrift(...args: (string | number)[]): Promise<SaveResult>;
};

export class ConcurrentUpdateError extends Error {
  constructor(id: string) {
    super(`drift ${id} was changed by someone else; re-read it and try again`);
    this.name = 'ConcurrentUpdateError';
  }
}

/**
 * `drf_` + time (base 36) + 48 random bits. The random part is the first 12 hex digits of a
 * v4 UUID (all random): `randomUUID` draws from a pooled buffer, where `randomBytes(6)` made a
 * system call per drift (2.5% of the pipeline's CPU in `npm run bench -- --profile-pipeline`).
 */
export function newDriftId(now = Date.now()): string {
  const u = randomUUID();
  return `drf_${now.toString(36)}${u.slice(0, 8)}${u.slice(9, 13)}`;
}

/**
 * Drift records in Redis: one JSON document per drift, indexes by status, account and
 * resource (sorted by creation sequence, newest first), compare-and-set updates whose
 * status transitions are checked against the domain's state machine, and the audit entry
 * written in the same atomic step.
 */
export class DriftStore {
  private readonly redis: RedisWithScripts;
  private readonly prefix: string;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly audit: AuditLog,
  ) {
    if (!('dwSaveDrift' in redis)) {
      redis.defineCommand('dwSaveDrift', { numberOfKeys: 4, lua: saveDriftLua });
    }
    this.redis = redis as RedisWithScripts;
    this.prefix = `${keys.prefix}:`;
  }

  private driftKey(id: string): string {
    return this.keys.key('drift', id);
  }

  private resourceHashKey(resourceKey: string): string {
    return this.keys.key('res', resourceKey);
  }

  async get(id: string): Promise<DriftRecord | null> {
    const raw = await this.redis.get(this.driftKey(id));
    return raw ? (JSON.parse(raw) as DriftRecord) : null;
  }

  async getRaw(id: string): Promise<{ record: DriftRecord; raw: string } | null> {
    const raw = await this.redis.get(this.driftKey(id));
    return raw ? { record: JSON.parse(raw) as DriftRecord, raw } : null;
  }

  /** The open drift of a resource, if any. */
  async openFor(resourceKey: string): Promise<{ record: DriftRecord; raw: string } | null> {
    const id = await this.redis.hget(this.resourceHashKey(resourceKey), 'openDrift');
    if (!id) return null;
    const found = await this.getRaw(id);
    return found && isOpen(found.record.status) ? found : null;
  }

  async list(filter: DriftFilter): Promise<DriftPage> {
    const index = this.pickIndex(filter);
    let max = '+inf';
    if (filter.cursor) max = `(${decodeDriftCursor(filter.cursor)}`;
    const items: DriftRecord[] = [];
    let lastReturned: number | null = null;
    const chunkSize = Math.max(filter.limit * 2, 50);
    scan: for (let rounds = 0; rounds < 100; rounds++) {
      const chunk = await this.redis.zrevrangebyscore(index, max, '-inf', 'WITHSCORES', 'LIMIT', 0, chunkSize);
      if (chunk.length === 0) break;
      const ids: string[] = [];
      const scores: number[] = [];
      for (let i = 0; i < chunk.length; i += 2) {
        ids.push(chunk[i]);
        scores.push(Number(chunk[i + 1]));
      }
      const raws = await this.redis.mget(ids.map((id) => this.driftKey(id)));
      for (let i = 0; i < ids.length; i++) {
        const raw = raws[i];
        if (!raw) continue;
        const record = JSON.parse(raw) as DriftRecord;
        if (!this.matches(record, filter)) continue;
        items.push(record);
        lastReturned = scores[i];
        if (items.length === filter.limit) break scan;
      }
      max = `(${scores[scores.length - 1]}`;
      if (ids.length < chunkSize) break;
    }
    let next: string | null = null;
    if (items.length === filter.limit && lastReturned !== null) {
      const more = await this.redis.zcount(index, '-inf', `(${lastReturned}`);
      if (more > 0) next = encodeDriftCursor(lastReturned);
    }
    return { items, next };
  }

  private pickIndex(filter: DriftFilter): string {
    if (filter.resource && filter.resource.includes('/')) return this.keys.key('drifts', 'res', filter.resource);
    if (filter.status) return this.keys.key('drifts', 'status', filter.status);
    if (filter.account) return this.keys.key('drifts', 'account', filter.account);
    return this.keys.key('drifts', 'all');
  }

  private matches(r: DriftRecord, f: DriftFilter): boolean {
    if (f.status && r.status !== f.status) return false;
    if (f.account && r.resource.account !== f.account) return false;
    if (f.resource) {
      const key = `${r.resource.account}/${r.resource.region}/${r.resource.type}/${r.resource.id}`;
      if (f.resource !== r.resource.id && f.resource !== key) return false;
    }
    if (f.where && !f.where(r)) return false;
    return true;
  }

  /**
   * Saves a record with compare-and-set on its previous JSON and appends an audit entry,
   * atomically. The status transition is checked here, once, for every writer.
   */
  async save(
    next: DriftRecord,
    previous: { record: DriftRecord; raw: string } | null,
    audit: AuditEntry | null,
    item?: ItemCommit,
  ): Promise<SaveResult> {
    // Re-stamping a record with the same status (new evidence) is not a transition.
    if (previous && previous.record.status !== next.status) assertTransition(previous.record.status, next.status);
    const resourceKey = `${next.resource.account}/${next.resource.region}/${next.resource.type}/${next.resource.id}`;
    return this.redis.dwSaveDrift(
      this.driftKey(next.id),
      this.audit.streamKey,
      item ? this.keys.key('item', item.eventId) : '',
      this.resourceHashKey(item?.resourceKey ?? resourceKey),
      this.prefix,
      next.id,
      previous ? previous.raw : '',
      JSON.stringify(next),
      previous ? previous.record.status : '',
      next.status,
      next.resource.account,
      resourceKey,
      isOpen(next.status) ? '1' : '0',
      audit ? AuditLog.encode(audit) : '',
      String(AUDIT_MAXLEN),
      item?.eventId ?? '',
      item ? String(item.order) : '',
      new Date().toISOString(),
      item?.outcome ?? '',
      ...this.retention(item),
    );
  }

  /** Commits the decision on an item that changes no drift record (e.g. an IaC apply). */
  async commitWithoutRecord(item: ItemCommit, audit: AuditEntry): Promise<SaveResult> {
    return this.redis.dwSaveDrift(
      this.driftKey('none'),
      this.audit.streamKey,
      this.keys.key('item', item.eventId),
      this.resourceHashKey(item.resourceKey),
      this.prefix,
      '',
      '*',
      '',
      '',
      '',
      '',
      item.resourceKey,
      '0',
      AuditLog.encode(audit),
      String(AUDIT_MAXLEN),
      item.eventId,
      String(item.order),
      new Date().toISOString(),
      item.outcome,
      ...this.retention(item),
    );
  }

  /** The item-retention arguments of the save script (see `ItemCommit.retain`). */
  private retention(item: ItemCommit | undefined): [string, string, string] {
    return [`${this.keys.key('item')}:`, String(ITEM_TTL_SECONDS), item && item.retain !== false ? '1' : '0'];
  }

  /**
   * Read-modify-write with retries on concurrent updates; `mutate` returns the next record
   * and its audit entry, or null to leave the record unchanged.
   */
  async update(
    id: string,
    mutate: (current: DriftRecord) => { next: DriftRecord; audit: AuditEntry | null } | null,
    attempts = 5,
  ): Promise<DriftRecord | null> {
    for (let i = 0; i < attempts; i++) {
      const current = await this.getRaw(id);
      if (!current) return null;
      const change = mutate(current.record);
      if (!change) return current.record;
      const result = await this.save(change.next, current, change.audit);
      if (result === 'ok') return change.next;
    }
    throw new ConcurrentUpdateError(id);
  }
}

function encodeDriftCursor(score: number): string {
  return Buffer.from(String(score), 'utf8').toString('base64url');
}

/**
 * The index score a drift cursor stands for. Only what `encodeDriftCursor` writes is a cursor:
 * anything else (`$$$`, which decodes to nothing, a fraction, a number beyond 2^53) is refused,
 * never read as 0 (an empty page that looks like the end of the list).
 */
export function decodeDriftCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,32}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const n = /^(0|[1-9]\d{0,15})$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || encodeDriftCursor(n) !== cursor) throw new InvalidCursorError(cursor);
  return n;
}
