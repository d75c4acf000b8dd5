import type { Redis } from 'ioredis';
import type { IncidentProvider } from '@driftwarden/domain';
import type { RedisKeys } from '@driftwarden/redis';
import { hsetUnderCap } from '@driftwarden/store';
import type { FreezeOverride, IncidentRecord, ManualFreeze, ProviderSnapshot, UnknownInterval } from './freeze.types';
import type { IncidentHistory } from './incident-snapshot-diff';

const hdelIfLua = `
-- KEYS[1] hash; ARGV[1] field, ARGV[2] the value read: deleted only if nobody changed it since.
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

const incidentCasLua = `
-- KEYS[1] incident history hash; ARGV[1] field; ARGV[2] the value read ('' = absent); ARGV[3]
-- the new value. Written only if nobody changed the field since it was read (compare-and-set).
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (current == false and ARGV[2] == '') or current == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return 1
end
return 0
`;

type RedisWithScripts = Redis & {
  dwIncidentCas(key: string, field: string, expected: string, next: string): Promise<number>;
  dwHdelIf(key: string, field: string, expected: string): Promise<number>;
};

/** The hashes of freeze records, each keyed by the record's id (incidents: `provider:id`). */
export type FreezeHash = 'manual' | 'overrides' | 'incidents';

/** Everything `FreezeStore.load` reads, in one round trip, still as stored. */
export interface FreezeRecordsRaw {
  manual: ManualFreeze[];
  overrides: FreezeOverride[];
  incidents: IncidentRecord[];
  unknownIntervals: UnknownInterval[];
  /** Whether the state has been marked rebuilt. */
  rebuilt: boolean;
  /** When a rebuild started, if one did and has not ended. */
  rebuildSince: string | null;
  /** The providers' last snapshots, in the order asked (those never recorded left out). */
  snapshots: ProviderSnapshot[];
}

/** How many unknown intervals the history keeps (newest first). */
const UNKNOWN_KEPT = 1000;

/**
 * The freeze records in Redis: manual freezes, overrides, incident history, provider snapshots,
 * unknown intervals, the set of active sources, the rebuild marks and the webhook deliveries seen.
 * Reads and writes only: what a change means (audit, fencing, telling the replicas) is
 * `FreezeStore`'s.
 */
export class FreezeRepository {
  private readonly redis: RedisWithScripts;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    if (!('dwIncidentCas' in redis)) redis.defineCommand('dwIncidentCas', { numberOfKeys: 1, lua: incidentCasLua });
    if (!('dwHdelIf' in redis)) redis.defineCommand('dwHdelIf', { numberOfKeys: 1, lua: hdelIfLua });
    this.redis = redis as RedisWithScripts;
  }

  private k(...parts: string[]): string {
    return this.keys.key('freeze', ...parts);
  }

  async loadAll(providers: readonly IncidentProvider[]): Promise<FreezeRecordsRaw> {
    const multi = this.redis.multi();
    multi.hvals(this.k('manual'));
    multi.hvals(this.k('overrides'));
    multi.hvals(this.k('incidents'));
    multi.lrange(this.k('unknown'), 0, UNKNOWN_KEPT - 1);
    multi.get(this.k('rebuilt'));
    multi.get(this.k('rebuild-since'));
    for (const p of providers) multi.get(this.k('snapshot', p));
    const r = (await multi.exec()) ?? [];
    const val = <T>(i: number): T => {
      const [err, v] = r[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      return v as T;
    };
    const parse = <T>(xs: string[]): T[] => xs.map((x) => JSON.parse(x) as T);
    return {
      manual: parse<ManualFreeze>(val<string[]>(0)),
      overrides: parse<FreezeOverride>(val<string[]>(1)),
      incidents: parse<IncidentRecord>(val<string[]>(2)),
      unknownIntervals: parse<UnknownInterval>(val<string[]>(3)),
      rebuilt: val<string | null>(4) !== null,
      rebuildSince: val<string | null>(5),
      snapshots: providers
        .map((_, i) => val<string | null>(6 + i))
        .filter((x): x is string => x !== null)
        .map((x) => JSON.parse(x) as ProviderSnapshot),
    };
  }

  // --- provider snapshots --------------------------------------------------------------------

  async snapshot(provider: IncidentProvider): Promise<ProviderSnapshot | null> {
    const raw = await this.redis.get(this.k('snapshot', provider));
    return raw ? (JSON.parse(raw) as ProviderSnapshot) : null;
  }

  async saveSnapshot(snap: ProviderSnapshot): Promise<void> {
    await this.redis.set(this.k('snapshot', snap.provider), JSON.stringify(snap));
  }

  // --- manual freezes and overrides ----------------------------------------------------------

  /** Writes a manual freeze or an override; with `maxActive`, refused (ActiveLimitError, nothing written) at that many active. */
  async put(hash: 'manual' | 'overrides', record: ManualFreeze | FreezeOverride, maxActive: number | undefined, now: Date): Promise<void> {
    const key = this.k(hash);
    const value = JSON.stringify(record);
    if (maxActive === undefined) await this.redis.hset(key, record.id, value);
    else await hsetUnderCap(this.redis, key, record.id, value, { max: maxActive, now });
  }

  /** Writes a manual freeze unless one with its id is already there; true when written. */
  async putManualIfAbsent(freeze: ManualFreeze): Promise<boolean> {
    return (await this.redis.hsetnx(this.k('manual'), freeze.id, JSON.stringify(freeze))) === 1;
  }

  async getManual(id: string): Promise<ManualFreeze | null> {
    const raw = await this.redis.hget(this.k('manual'), id);
    return raw ? (JSON.parse(raw) as ManualFreeze) : null;
  }

  async replaceManual(freeze: ManualFreeze): Promise<void> {
    await this.redis.hset(this.k('manual'), freeze.id, JSON.stringify(freeze));
  }

  // --- incident history ----------------------------------------------------------------------

  /** The whole incident history, as stored (field `provider:id` → JSON). */
  async incidentHistory(): Promise<IncidentHistory> {
    return this.redis.hgetall(this.k('incidents'));
  }

  /** One incident's history field as stored (null: absent). */
  async readIncident(field: string): Promise<string | null> {
    return this.redis.hget(this.k('incidents'), field);
  }

  /** Compare-and-set of one incident: written only if the field still holds `expected` (null: still absent). */
  async casIncident(field: string, expected: string | null, next: IncidentRecord): Promise<boolean> {
    return (await this.redis.dwIncidentCas(this.k('incidents'), field, expected ?? '', JSON.stringify(next))) === 1;
  }

  /** Adds an incident unless its field exists; true when added. */
  async addIncidentIfAbsent(field: string, record: IncidentRecord): Promise<boolean> {
    return (await this.redis.hsetnx(this.k('incidents'), field, JSON.stringify(record))) === 1;
  }

  // --- active sources and rebuild marks ------------------------------------------------------

  /** The ids of the freeze sources active at the previous sweep. */
  async activeSources(): Promise<Set<string>> {
    return new Set(await this.redis.smembers(this.k('active')));
  }

  async replaceActiveSources(ids: ReadonlySet<string>): Promise<void> {
    const key = this.k('active');
    const multi = this.redis.multi().del(key);
    if (ids.size > 0) multi.sadd(key, ...ids);
    await multi.exec();
  }

  async isRebuilt(): Promise<boolean> {
    return (await this.redis.exists(this.k('rebuilt'))) === 1;
  }

  /** Notes when a rebuild started, unless one already did; true the first time. */
  async noteRebuildStarted(at: Date): Promise<boolean> {
    return (await this.redis.set(this.k('rebuild-since'), at.toISOString(), 'NX')) === 'OK';
  }

  async markRebuilt(at: Date, details: Record<string, unknown>): Promise<void> {
    await this.redis
      .multi()
      .set(this.k('rebuilt'), JSON.stringify({ at: at.toISOString(), ...details }))
      .del(this.k('rebuild-since'))
      .exec();
  }

  // --- webhook deliveries --------------------------------------------------------------------

  /** Marks a delivery seen for `ttlMs`; true the first time. */
  async markDelivery(provider: string, deliveryId: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.k('webhook', provider, deliveryId), '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async forgetDelivery(provider: string, deliveryId: string): Promise<void> {
    await this.redis.del(this.k('webhook', provider, deliveryId));
  }

  // --- unknown intervals ---------------------------------------------------------------------

  /** The provider's open unknown interval, as stored (null: none open). */
  async openUnknown(provider: IncidentProvider): Promise<string | null> {
    return this.redis.get(this.k('unknown-open', provider));
  }

  /** Adds an interval that has already ended to the history. */
  async addClosedUnknown(interval: UnknownInterval): Promise<void> {
    await this.redis
      .multi()
      .lpush(this.k('unknown'), JSON.stringify(interval))
      .ltrim(this.k('unknown'), 0, UNKNOWN_KEPT - 1)
      .exec();
  }

  /** Opens the provider's unknown interval and adds it to the history. */
  async openUnknownInterval(interval: UnknownInterval): Promise<void> {
    await this.redis.set(this.k('unknown-open', interval.provider), JSON.stringify(interval));
    await this.redis.lpush(this.k('unknown'), JSON.stringify(interval));
  }

  /** Replaces the provider's open interval (`openRaw`, as stored) in the history with its closed form, and closes it. */
  async closeUnknownInterval(provider: IncidentProvider, openRaw: string, closed: UnknownInterval): Promise<void> {
    await this.redis
      .multi()
      .lrem(this.k('unknown'), 1, openRaw)
      .lpush(this.k('unknown'), JSON.stringify(closed))
      .ltrim(this.k('unknown'), 0, UNKNOWN_KEPT - 1)
      .del(this.k('unknown-open', provider))
      .exec();
  }

  // --- pruning -------------------------------------------------------------------------------

  /** Deletes each entry of a hash for which `ended` holds, unless it changed since it was read; returns how many. */
  async pruneHash(hash: FreezeHash, ended: (raw: string) => boolean): Promise<number> {
    const key = this.k(hash);
    let removed = 0;
    for (const [field, raw] of Object.entries(await this.redis.hgetall(key))) {
      if (ended(raw)) removed += await this.redis.dwHdelIf(key, field, raw);
    }
    return removed;
  }

  /** Removes the unknown intervals for which `ended` holds; returns how many. */
  async pruneUnknown(ended: (raw: string) => boolean): Promise<number> {
    let removed = 0;
    for (const raw of await this.redis.lrange(this.k('unknown'), 0, -1)) {
      if (ended(raw)) removed += await this.redis.lrem(this.k('unknown'), 1, raw);
    }
    return removed;
  }
}
