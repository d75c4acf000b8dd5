import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisLease, type RedisKeys } from '@driftwarden/redis';
import {
  DRIFT_STATUSES,
  TERMINAL_DRIFT_STATUSES,
  assertTransition,
  isOpen,
  type DriftRecord,
  type DriftStatus,
  resourceKey,
} from '@driftwarden/domain';
import { AuditLog, InvalidCursorError, type AuditEntry } from './audit-log';
import { expectedStored, versionedDrift, type VersionedDrift } from './drift-version';
import { ChainPredictor } from './chain-predictor';
import { backfillDriftsLua, backfillResourceLua, saveDriftLua, scanSlotLua, sweepExpiredDriftsLua } from './redis-scripts';
import { secondsUntil, storeRetention, type StoreRetention } from './retention';

/** `account/region/AWS::Service::Type/id`: a resource key, not an id. */
const RESOURCE_KEY = /^\d{12}\/[a-z0-9-]+\/[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+\/./;
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

/** How a save affects retention. */
export interface SaveOptions {
  /**
   * Keep the record (if it ends closed), the resource's hash and its latest item at least until
   * then (ISO): an exception's end. When it lapses the resource is decided again on them.
   */
  keepUntil?: string;
}

/** What one sweep of expired records did. */
export interface SweepResult {
  /** Records removed with their index entries. */
  removed: number;
  /** Entries of the expiry index that were due (removed, or stale and dropped). */
  due: number;
}

/** What one step of the backfill of data written before retention existed did. */
export interface BackfillResult {
  /** Closed records given their retention. */
  records: number;
  /** Resource hashes (with their latest item) given their retention. */
  resources: number;
  /** True once everything was looked at (it is not looked at again). */
  done: boolean;
}

type RedisWithScripts = Redis & {
  dwSaveDrift(...args: string[]): Promise<[SaveResult, string, string]>;
  dwSweepDrifts(...args: (string | number)[]): Promise<[number, number]>;
  dwBackfillDrifts(...args: (string | number)[]): Promise<[number, number]>;
  dwBackfillResource(...args: (string | number)[]): Promise<number>;
  dwScanSlot(...args: (string | number)[]): Promise<[string, string[]]>;
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
 *
 * Retention: an open record never expires; a closed one expires `closedDriftSeconds` (or
 * `ignoredDriftSeconds`) after its last change, and `sweepExpired` removes it from the indexes.
 * A resource's hash and latest decided item are kept while it has an open drift, and expire
 * `resourceSeconds` after its last decision once nothing is open (see saveDriftLua).
 */
export class DriftStore {
  private readonly redis: RedisWithScripts;
  private readonly prefix: string;
  private readonly retention: StoreRetention;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly audit: AuditLog,
    retention: Partial<StoreRetention> = {},
    /** The time records are stamped and retention is counted from (tests give a fake one). */
    private readonly clock: () => Date = () => new Date(),
  ) {
    if (!('dwSaveDrift' in redis)) {
      redis.defineCommand('dwSaveDrift', { numberOfKeys: 5, lua: saveDriftLua });
    }
    if (!('dwSweepDrifts' in redis)) {
      redis.defineCommand('dwSweepDrifts', { numberOfKeys: 1, lua: sweepExpiredDriftsLua });
      redis.defineCommand('dwBackfillDrifts', { numberOfKeys: 3, lua: backfillDriftsLua });
      redis.defineCommand('dwBackfillResource', { numberOfKeys: 1, lua: backfillResourceLua });
      redis.defineCommand('dwScanSlot', { numberOfKeys: 1, lua: scanSlotLua });
    }
    this.redis = redis as RedisWithScripts;
    this.prefix = `${keys.base}:`;
    this.retention = storeRetention(retention);
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

  /** A record with the version a compare-and-set `save` of its next state expects. */
  async getVersioned(id: string): Promise<VersionedDrift | null> {
    const raw = await this.redis.get(this.driftKey(id));
    return raw ? versionedDrift(raw) : null;
  }

  /**
   * An exclusive lease on `name` for at most `ttlMs` (a RedisLease with a fresh owner, shared by
   * all replicas): the release function, or null while someone else holds it. Releasing deletes
   * the key only if it is still ours (a lease that ran out and was taken over is left alone).
   */
  async lease(name: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
    const lease = new RedisLease(this.redis, this.keys.key('lease', name), Math.max(1, Math.round(ttlMs)));
    if (!(await lease.acquire())) return null;
    return () => lease.release();
  }

  /** The open drift of a resource, if any. */
  async openFor(resourceKey: string): Promise<VersionedDrift | null> {
    const id = await this.redis.hget(this.resourceHashKey(resourceKey), 'openDrift');
    if (!id) return null;
    const found = await this.getVersioned(id);
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
    // A resource key (`account/region/type/id`); an id may contain `/` too (an Auto Scaling group's ARN).
    if (filter.resource && RESOURCE_KEY.test(filter.resource)) return this.keys.key('drifts', 'res', filter.resource);
    if (filter.status) return this.keys.key('drifts', 'status', filter.status);
    if (filter.account) return this.keys.key('drifts', 'account', filter.account);
    return this.keys.key('drifts', 'all');
  }

  private matches(r: DriftRecord, f: DriftFilter): boolean {
    if (f.status && r.status !== f.status) return false;
    if (f.account && r.resource.account !== f.account) return false;
    if (f.resource) {
      const key = resourceKey(r.resource);
      if (f.resource !== r.resource.id && f.resource !== key) return false;
    }
    if (f.where && !f.where(r)) return false;
    return true;
  }

  /**
   * Saves a record with compare-and-set on the version it was read at (`previous`; null: the
   * record must not exist yet) and appends an audit entry, atomically. The status transition is
   * checked here, once, for every writer.
   */
  async save(
    next: DriftRecord,
    previous: VersionedDrift | null,
    audit: AuditEntry | null,
    item?: ItemCommit,
    options: SaveOptions = {},
  ): Promise<SaveResult> {
    // Re-stamping a record with the same status (new evidence) is not a transition.
    if (previous && previous.record.status !== next.status) assertTransition(previous.record.status, next.status);
    const rk = resourceKey(next.resource);
    const entry = audit ? AuditLog.encode(audit) : { body: '', bodyHash: '' };
    return this.saveScript(audit !== null, entry.bodyHash, [
      this.driftKey(next.id),
      this.audit.streamKey,
      // Not '' without an item: every declared key must be in the installation's slot (Redis Cluster).
      item ? this.keys.key('item', item.eventId) : this.keys.key('item'),
      this.resourceHashKey(item?.resourceKey ?? rk),
      this.audit.chainHeadKey,
      this.prefix,
      next.id,
      previous ? expectedStored(previous.version) : '',
      JSON.stringify(next),
      previous ? previous.record.status : '',
      next.status,
      next.resource.account,
      rk,
      isOpen(next.status) ? '1' : '0',
      entry.body,
      String(this.audit.maxEntries),
      item?.eventId ?? '',
      item ? String(item.order) : '',
      this.clock().toISOString(),
      item?.outcome ?? '',
      ...this.retentionArgs(item, next.status, options),
      entry.bodyHash,
    ]);
  }

  /**
   * Runs the save script with `args`: its five keys, then its ARGV[1..22]; ARGV[23..25] are the
   * audit link predicted for this connection (see ChainPredictor), and the predictor is told what
   * happened to the chain. The small arguments travel as one JSON array, the three large ones
   * (the records and the audit entry) on their own (see saveDriftLua): ioredis does work of its own
   * for every argument (measured on this 2-core machine: 18 µs of the controller's CPU per save
   * sent as 30 arguments, about 14 µs sent as 9).
   */
  private async saveScript(appends: boolean, bodyHash: string, args: string[]): Promise<SaveResult> {
    const predictor = appends ? this.audit.predictor(this.redis) : null;
    const predicted = predictor ? predictor.reserve(bodyHash) : null;
    const argv = [...args.slice(5), ...ChainPredictor.args(predicted)];
    const large = [argv[2], argv[3], argv[9]];
    argv[2] = argv[3] = argv[9] = '';
    let reply: [SaveResult, string, string];
    try {
      reply = await this.redis.dwSaveDrift(args[0], args[1], args[2], args[3], args[4], JSON.stringify(argv), ...large);
    } catch (err) {
      predictor?.settle(predicted, null);
      throw err;
    }
    const [result, seq, hash] = reply;
    predictor?.settle(predicted, { appended: result === 'ok', seq: Number(seq), hash });
    return result;
  }

  /** Commits the decision on an item that changes no drift record (e.g. an IaC apply). */
  async commitWithoutRecord(item: ItemCommit, audit: AuditEntry, options: SaveOptions = {}): Promise<SaveResult> {
    const entry = AuditLog.encode(audit);
    return this.saveScript(true, entry.bodyHash, [
      this.driftKey('none'),
      this.audit.streamKey,
      this.keys.key('item', item.eventId),
      this.resourceHashKey(item.resourceKey),
      this.audit.chainHeadKey,
      this.prefix,
      '',
      '*',
      '',
      '',
      '',
      '',
      item.resourceKey,
      '0',
      entry.body,
      String(this.audit.maxEntries),
      item.eventId,
      String(item.order),
      this.clock().toISOString(),
      item.outcome,
      ...this.retentionArgs(item, null, options),
      entry.bodyHash,
    ]);
  }

  /** The retention arguments of the save script (ARGV[16..21]; see `ItemCommit.retain` and saveDriftLua). */
  private retentionArgs(item: ItemCommit | undefined, status: DriftStatus | null, options: SaveOptions): string[] {
    const now = this.clock().getTime();
    const r = this.retention;
    const closed = secondsUntil(options.keepUntil, now, status === 'ignored' ? r.ignoredDriftSeconds : r.closedDriftSeconds);
    return [
      `${this.keys.key('item')}:`,
      String(r.itemSeconds),
      item && item.retain !== false ? '1' : '0',
      String(secondsUntil(options.keepUntil, now, r.resourceSeconds)),
      String(closed),
      String(now),
    ];
  }

  /**
   * Removes the closed records whose retention has run out (at most `limit`), each with its
   * entries in every index: Redis expires the record itself, the sorted-set indexes are trimmed
   * here. `now` decides what is due (the scheduler's clock).
   */
  async sweepExpired(now: Date, limit: number): Promise<SweepResult> {
    const [removed, due] = await this.redis.dwSweepDrifts(
      this.keys.key('drifts', 'expiry'),
      this.prefix,
      String(now.getTime()),
      String(limit),
    );
    return { removed: Number(removed), due: Number(due) };
  }

  /**
   * Data written before retention existed has no expiry: closed records, and the hashes and
   * latest items of resources with nothing open. Each call gives up to `limit` of them their
   * retention (counted from now), records first (in creation order), then resource hashes (a
   * SCAN); the position is kept in Redis (`retention:backfill`), and once everything was looked
   * at it is marked done and never looked at again.
   */
  async backfillRetention(limit: number): Promise<BackfillResult> {
    const state = this.keys.key('retention', 'backfill');
    const progress = await this.redis.hgetall(state);
    if (progress.done === '1') return { records: 0, resources: 0, done: true };
    const r = this.retention;
    if (progress.records !== 'done') {
      const [given, seen] = await this.redis.dwBackfillDrifts(
        this.keys.key('drifts', 'all'),
        this.keys.key('drifts', 'expiry'),
        state,
        this.prefix,
        String(limit),
        String(this.clock().getTime()),
        String(r.closedDriftSeconds),
        String(r.ignoredDriftSeconds),
        JSON.stringify(TERMINAL_DRIFT_STATUSES),
      );
      if (Number(seen) < limit) await this.redis.hset(state, 'records', 'done');
      return { records: Number(given), resources: 0, done: false };
    }
    // Through a script that declares the state key: on a Redis Cluster it runs on the node holding the installation's slot.
    const [next, found] = await this.redis.dwScanSlot(state, progress.scan ?? '0', `${this.keys.key('res')}:*`, String(limit));
    let resources = 0;
    for (const key of found)
      resources += Number(
        await this.redis.dwBackfillResource(key, `${this.keys.key('item')}:`, String(r.resourceSeconds), String(r.itemSeconds)),
      );
    await this.redis.hset(state, next === '0' ? { scan: '0', done: '1' } : { scan: next });
    return { records: 0, resources, done: next === '0' };
  }

  /**
   * When the oldest open drift began: the earliest of its detection and of the changes its
   * differences were made by (their freeze history must be kept for its decisions), or null
   * when nothing is open. Reads the oldest record of each open status.
   */
  async oldestOpenSince(): Promise<Date | null> {
    const ids = await Promise.all(
      DRIFT_STATUSES.filter((s) => isOpen(s)).map((s) => this.redis.zrange(this.keys.key('drifts', 'status', s), '0', '0')),
    );
    const found = ids.flat();
    if (found.length === 0) return null;
    let oldest = Infinity;
    for (const raw of await this.redis.mget(found.map((id) => this.driftKey(id)))) {
      if (!raw) continue;
      const record = JSON.parse(raw) as DriftRecord;
      if (!isOpen(record.status)) continue;
      for (const at of [
        record.detectedAt,
        record.changedAt,
        ...(record.differences ?? []).flatMap((d) => [d.madeBy?.at, d.firstSeen?.at]),
      ]) {
        const t = at ? Date.parse(at) : NaN;
        if (Number.isFinite(t)) oldest = Math.min(oldest, t);
      }
    }
    return Number.isFinite(oldest) ? new Date(oldest) : null;
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
      const current = await this.getVersioned(id);
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
