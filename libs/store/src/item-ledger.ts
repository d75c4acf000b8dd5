import type { Redis } from 'ioredis';
import type { RedisKeys } from '@driftwarden/redis';
import { WaitError, resourceKey, type ConfigItemEvent } from '@driftwarden/domain';
import type { AuditLog } from './audit-log';
import { versionedDrift, type VersionedDrift } from './drift-version';
import { acceptItemsLua, claimLatestLua, claimManyLua } from './redis-scripts';
import { DEFAULT_STORE_RETENTION, storeRetention, type StoreRetention } from './retention';

export type AcceptStatus = 'accepted' | 'duplicate_pending' | 'duplicate' | 'stale';

export interface AcceptResult {
  eventId: string;
  resourceKey: string;
  status: AcceptStatus;
  /** For duplicates, the item's outcome; for stale items, the newer item already processed. */
  detail: string;
}

export interface ClaimedItem {
  readonly event: ConfigItemEvent;
  /** The resource's open drift record at claim time, with the version a compare-and-set save expects, if any. */
  readonly openDrift: VersionedDrift | null;
  /** Older pending items of the same resource that this one supersedes (latest wins). */
  readonly coalesced: string[];
}

/**
 * Who claims: the evaluation run's lock in its job queue (BullMQ keeps `<queue key>:<job id>:lock`
 * holding the run's token while the run is alive, renewing it, and lets it expire when the worker
 * dies) and that token. The key must be in the same Redis Cluster slot as the ledger's keys (it is:
 * the queues share the prefix's hash tag).
 */
export interface ClaimHolder {
  lockKey: string;
  token: string;
}

/** How long a run that found its resource claimed by a live run waits before it tries again. */
export const RESOURCE_BUSY_RETRY_MS = 250;

/** Another live run holds a claim on the resource: try again later (a wait, not a failure). */
export class ResourceBusyError extends WaitError {
  constructor(readonly resourceKey: string) {
    super(`${resourceKey} is being evaluated by another run`, 'resource_busy', { retryAfterMs: RESOURCE_BUSY_RETRY_MS });
  }
}

export type ItemOutcome = 'decided' | 'stale' | 'coalesced' | 'failed' | '';

export interface ItemState {
  eventId: string;
  resourceKey: string;
  order: number;
  outcome: ItemOutcome;
  decidedAt?: string;
  driftId?: string;
  supersededBy?: string;
}

/** A resource's claim among several (ItemLedger.claimMany): its item, null when nothing is pending, or `busy` (another live run holds it). */
export type ClaimResult = ClaimedItem | null | 'busy';

type RedisWithScripts = Redis & {
  dwAcceptItems(...args: (string | number)[]): Promise<string[]>;
  dwClaimMany(...args: (string | number)[]): Promise<string[]>;
  dwClaimLatest(...args: (string | number)[]): Promise<[string, string, string, string] | ['busy'] | []>;
};

/**
 * Items accepted by one script run at most: an ingest batch (EventBridge and SQS deliver up to 10
 * to 100 at a time) is one command; a larger one is split so that no single run holds Redis long.
 */
const ACCEPT_CHUNK = 200;

/** Resources claimed by one script run at most (a batch job has up to 100). */
const CLAIM_CHUNK = 100;

/** How long an item's ledger entry is kept by default (the duplicate window; config `retention.items`). */
export const ITEM_TTL_SECONDS = DEFAULT_STORE_RETENTION.itemSeconds;

/**
 * The item ledger: every accepted Config item, its order per resource, and how it ended
 * (decided, coalesced into a newer item, or stale). Accept and claim are single Lua scripts,
 * so two replicas can never both take the same item.
 */
export class ItemLedger {
  private readonly redis: RedisWithScripts;
  private readonly retention: StoreRetention;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly audit: AuditLog,
    retention: Partial<StoreRetention> = {},
  ) {
    this.retention = storeRetention(retention);
    if (!('dwAcceptItems' in redis)) {
      // The number of keys varies with the batch: given with each call.
      redis.defineCommand('dwAcceptItems', { lua: acceptItemsLua });
      redis.defineCommand('dwClaimLatest', { numberOfKeys: 5, lua: claimLatestLua });
      redis.defineCommand('dwClaimMany', { lua: claimManyLua });
    }
    this.redis = redis as RedisWithScripts;
  }

  itemKey(eventId: string): string {
    return this.keys.key('item', eventId);
  }

  /**
   * Accepts items, each atomically and in input order, in one round trip (one script run per
   * ACCEPT_CHUNK items, pipelined); results in input order.
   */
  async accept(events: ConfigItemEvent[]): Promise<AcceptResult[]> {
    if (events.length === 0) return [];
    const now = new Date().toISOString();
    const rks = events.map((e) => resourceKey(e.resource));
    const calls: (string | number)[][] = [];
    for (let start = 0; start < events.length; start += ACCEPT_CHUNK) {
      const end = Math.min(events.length, start + ACCEPT_CHUNK);
      const keys: string[] = [this.audit.streamKey, this.audit.chainHeadKey];
      const args: (string | number)[] = [this.retention.itemSeconds, now, this.audit.maxEntries];
      for (let i = start; i < end; i++) {
        const e = events[i];
        keys.push(this.itemKey(e.eventId), this.keys.key('res', rks[i]), this.keys.key('pending', rks[i]));
        args.push(e.eventId, rks[i], e.order, JSON.stringify(e));
      }
      calls.push([keys.length, ...keys, ...args]);
    }
    let replies: string[][];
    if (calls.length === 1) {
      replies = [await this.redis.dwAcceptItems(...calls[0])];
    } else {
      const pipeline = this.redis.pipeline() as unknown as {
        dwAcceptItems(...args: (string | number)[]): unknown;
        exec(): Promise<[Error | null, unknown][] | null>;
      };
      for (const c of calls) pipeline.dwAcceptItems(...c);
      replies = ((await pipeline.exec()) ?? []).map(([err, reply]) => {
        if (err) throw err;
        return reply as string[];
      });
    }
    const flat = replies.flat();
    if (flat.length !== 2 * events.length) throw new Error(`accept: ${flat.length / 2} replies for ${events.length} items`);
    return events.map((e, i) => ({
      eventId: e.eventId,
      resourceKey: rks[i],
      status: flat[2 * i] as AcceptStatus,
      detail: flat[2 * i + 1],
    }));
  }

  /** True the first time an event id is seen within the duplicate window (for events that are not items). */
  async firstSeen(eventId: string): Promise<boolean> {
    return (await this.redis.set(this.keys.key('seen', eventId), '1', 'EX', this.retention.itemSeconds, 'NX')) === 'OK';
  }

  /**
   * Claims the newest pending item of a resource (older pending ones are coalesced). With a
   * `holder` (the claiming job's lock), the claim is exclusive while that lock lives: another
   * claim on the resource meanwhile throws ResourceBusyError (a wait, not a failure); a claim
   * whose holder died (its lock expired or passed on) is taken over, its item put back first.
   */
  async claimLatest(rk: string, holder?: ClaimHolder): Promise<ClaimedItem | null> {
    const resource = this.keys.key('res', rk);
    const reply = await this.redis.dwClaimLatest(
      resource,
      this.keys.key('pending', rk),
      this.audit.streamKey,
      this.audit.chainHeadKey,
      holder?.lockKey ?? resource,
      ...this.claimArgs(holder),
    );
    if (reply.length === 0) return null;
    if (reply.length === 1) throw new ResourceBusyError(rk);
    return claimedItem(reply[1], reply[2], reply[3]);
  }

  /**
   * Claims the newest pending item of each of `rks` for one run, as claimLatest would one after
   * the other, in one round trip (a batch job's resources): each result is the claimed item, null
   * when nothing is pending, or `busy` when another live run holds the resource's claim.
   */
  async claimMany(rks: string[], holder?: ClaimHolder): Promise<ClaimResult[]> {
    const shared = this.claimArgs(holder);
    // Without a holder the token is '' (never busy); the lock key is then any key in the slot.
    const head = [this.audit.streamKey, this.audit.chainHeadKey, holder?.lockKey ?? this.audit.chainHeadKey];
    const runs: Promise<string[]>[] = [];
    for (let start = 0; start < rks.length; start += CLAIM_CHUNK) {
      const keys = [...head];
      for (const rk of rks.slice(start, start + CLAIM_CHUNK)) keys.push(this.keys.key('res', rk), this.keys.key('pending', rk));
      runs.push(this.redis.dwClaimMany(keys.length, ...keys, ...shared));
    }
    const flat = (await Promise.all(runs)).flat();
    if (flat.length !== 5 * rks.length) throw new Error(`claimMany: ${flat.length / 5} replies for ${rks.length} resources`);
    return rks.map((_, i) => {
      const status = flat[5 * i];
      if (status === 'busy') return 'busy';
      return status === 'claimed' ? claimedItem(flat[5 * i + 2], flat[5 * i + 3], flat[5 * i + 4]) : null;
    });
  }

  /** ARGV[1..6] of the claim scripts (claimLatestLua, claimManyLua). */
  private claimArgs(holder: ClaimHolder | undefined): (string | number)[] {
    return [
      `${this.keys.key('item')}:`,
      new Date().toISOString(),
      `${this.keys.key('drift')}:`,
      this.retention.resourceSeconds,
      this.audit.maxEntries,
      holder?.token ?? '',
    ];
  }

  async state(eventId: string): Promise<ItemState | null> {
    const h = await this.redis.hgetall(this.itemKey(eventId));
    if (!h.rk) return null;
    return {
      eventId,
      resourceKey: h.rk,
      order: Number(h.order),
      outcome: (h.outcome ?? '') as ItemOutcome,
      decidedAt: h.decidedAt || undefined,
      driftId: h.driftId || undefined,
      supersededBy: h.supersededBy || undefined,
    };
  }

  async event(eventId: string): Promise<ConfigItemEvent | null> {
    const body = await this.redis.hget(this.itemKey(eventId), 'body');
    return body ? (JSON.parse(body) as ConfigItemEvent) : null;
  }

  /** The id of the newest item decided for a resource (to tell whether a job is superseded). */
  async lastProcessed(rk: string): Promise<string | null> {
    return (await this.redis.hget(this.keys.key('res', rk), 'processedId')) || null;
  }

  /**
   * For each resource (one batch, two round trips): whether items are waiting to be decided, and
   * the newest decided item, if the ledger still holds it (the reconciling sweep compares live with it),
   * and the id of its open drift, if it has one (DriftStore keeps it in the same resource hash).
   */
  async latestKnown(
    rks: readonly string[],
  ): Promise<{ pending: number; processed: ConfigItemEvent | null; processedOrder: number | null; openDrift: string | null }[]> {
    if (rks.length === 0) return [];
    const first = this.redis.pipeline();
    for (const rk of rks)
      first.zcard(this.keys.key('pending', rk)).hmget(this.keys.key('res', rk), 'processedId', 'processedOrder', 'openDrift');
    const replies = (await first.exec()) ?? [];
    const value = (list: [Error | null, unknown][], i: number): unknown => {
      const [err, reply] = list[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      return reply;
    };
    const res = rks.map((_, i) => value(replies, 2 * i + 1) as [string | null, string | null, string | null]);
    const second = this.redis.pipeline();
    for (const [id] of res) if (id) second.hget(this.itemKey(id), 'body');
    const bodies = res.some(([id]) => id) ? ((await second.exec()) ?? []) : [];
    let next = 0;
    return rks.map((_, i) => {
      const [id, order, openDrift] = res[i];
      const body = id ? (value(bodies, next++) as string | null) : null;
      return {
        pending: Number(value(replies, 2 * i)),
        processed: body ? (JSON.parse(body) as ConfigItemEvent) : null,
        processedOrder: order ? Number(order) : null,
        openDrift: openDrift || null,
      };
    });
  }

  async pendingCount(rk: string): Promise<number> {
    return this.redis.zcard(this.keys.key('pending', rk));
  }

  /** The item an evaluation was working on: the one it claimed, else the newest pending one. */
  async inFlight(rk: string): Promise<string | null> {
    const claimed = await this.redis.hget(this.keys.key('res', rk), 'claimed');
    if (claimed) return claimed;
    const [newest] = await this.redis.zrevrange(this.keys.key('pending', rk), 0, 0);
    return newest ?? null;
  }

  /**
   * An item whose evaluation failed for good: recorded as `failed` (with the drift that says
   * why), out of the pending set and no longer claimed, so nothing re-decides it by accident;
   * `requeue` puts it back. It is kept without expiry while it is the resource's failed item
   * (its `failed` drift is open until it is decided again); a later decision on the resource
   * gives it the duplicate window back (saveDriftLua).
   */
  async markFailed(rk: string, eventId: string, driftId: string): Promise<void> {
    const res = this.keys.key('res', rk);
    await this.redis
      .multi()
      .hset(this.itemKey(eventId), 'outcome', 'failed', 'decidedAt', new Date().toISOString(), 'driftId', driftId)
      .persist(this.itemKey(eventId))
      .hset(res, 'failedItem', eventId)
      .zrem(this.keys.key('pending', rk), eventId)
      .eval(
        "if redis.call('HGET', KEYS[1], 'claimed') == ARGV[1] then return redis.call('HSET', KEYS[1], 'claimed', '') end return 0",
        1,
        res,
        eventId,
      )
      .exec();
  }

  /** Puts a failed item back among the pending ones (`replay --failed`); false when it is gone (retention) or not failed. */
  async requeue(rk: string, eventId: string): Promise<boolean> {
    const h = await this.redis.hmget(this.itemKey(eventId), 'outcome', 'order');
    if (h[0] !== 'failed' || h[1] === null) return false;
    await this.redis.multi().hset(this.itemKey(eventId), 'outcome', '').zadd(this.keys.key('pending', rk), Number(h[1]), eventId).exec();
    return true;
  }
}

/** A claim script's answer for a claimed item: its body, the coalesced ids (JSON) and the open drift (JSON or ''). */
function claimedItem(body: string, coalesced: string, openDriftRaw: string): ClaimedItem {
  return new LazyClaimedItem(body, coalesced, openDriftRaw);
}

/**
 * A claimed item as its claim script returned it, parsed when first read. A batch job claims up
 * to 100 resources in one round trip and then decides them a few at a time (the shared batch
 * slots): parsed at once, every waiting item's object graph would be held for the whole batch,
 * survive the young generation's collections and be copied by each of them (measured with
 * `npm run bench -- --profile-pipeline` under `--trace-gc`: scavenges took about a quarter of the
 * controller's time at saturation). Held as the three strings it came as, it costs them little.
 */
class LazyClaimedItem implements ClaimedItem {
  private parsedEvent: ConfigItemEvent | undefined;
  private parsedOpenDrift: VersionedDrift | null | undefined;
  private parsedCoalesced: string[] | undefined;

  // Each raw string is let go once parsed.
  constructor(
    private body: string,
    private coalescedRaw: string,
    private openDriftRaw: string,
  ) {}

  get event(): ConfigItemEvent {
    if (this.parsedEvent === undefined) {
      this.parsedEvent = JSON.parse(this.body) as ConfigItemEvent;
      this.body = '';
    }
    return this.parsedEvent;
  }

  get openDrift(): VersionedDrift | null {
    if (this.parsedOpenDrift === undefined) {
      this.parsedOpenDrift = this.openDriftRaw ? versionedDrift(this.openDriftRaw) : null;
      this.openDriftRaw = '';
    }
    return this.parsedOpenDrift;
  }

  get coalesced(): string[] {
    if (this.parsedCoalesced === undefined) {
      // cjson encodes an empty array as {}.
      const older: unknown = JSON.parse(this.coalescedRaw);
      this.parsedCoalesced = Array.isArray(older) ? (older as string[]) : [];
      this.coalescedRaw = '';
    }
    return this.parsedCoalesced;
  }
}
