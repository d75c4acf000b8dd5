import type { Redis } from 'ioredis';
import type { RedisKeys } from '@driftwarden/redis';
import type { CloudTrailEvent } from '@driftwarden/domain';
import { putCloudTrailLua } from './redis-scripts';
import { DEFAULT_STORE_RETENTION, storeRetention } from './retention';

/** How long CloudTrail events are kept for attribution by default (config `retention.cloudTrailEvents`). */
export const CLOUDTRAIL_TTL_SECONDS = DEFAULT_STORE_RETENTION.cloudTrailSeconds;

/**
 * CloudTrail API calls ingested on the event paths, indexed by the resource ids they touched
 * (security group ids, rule ids) and time, for attribution. Duplicate deliveries are detected
 * by CloudTrail event id.
 *
 * Retention: each call expires `ttlSeconds` after it was stored; a resource's index expires
 * `ttlSeconds` after its last write, and each write first trims the calls made longer ago than
 * that (by score: the call's time), so the index of a resource touched all the time stays bounded.
 */
export class CloudTrailStore {
  private readonly ttlSeconds: number;
  private readonly redis: Redis & { dwPutCloudTrail(...args: (string | number)[]): Promise<number[]> };

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    retention: { cloudTrailSeconds?: number } = {},
  ) {
    this.ttlSeconds = storeRetention({
      cloudTrailSeconds: retention.cloudTrailSeconds ?? DEFAULT_STORE_RETENTION.cloudTrailSeconds,
    }).cloudTrailSeconds;
    if (!('dwPutCloudTrail' in redis)) redis.defineCommand('dwPutCloudTrail', { lua: putCloudTrailLua });
    this.redis = redis as Redis & { dwPutCloudTrail(...args: (string | number)[]): Promise<number[]> };
  }

  private indexKey(account: string, region: string, resourceId: string): string {
    return this.keys.key('ct', account, region, resourceId);
  }

  /** Stores events; returns for each whether it was already known (a duplicate). One script run. */
  async put(events: CloudTrailEvent[]): Promise<boolean[]> {
    if (events.length === 0) return [];
    const keys = events.map((e) => this.keys.key('ctev', e.eventId));
    const index = new Map<string, number>();
    const args: (string | number)[] = [this.ttlSeconds, Date.now() - this.ttlSeconds * 1000, events.length];
    for (const e of events) {
      const positions = e.resourceIds.map((id) => {
        const key = this.indexKey(e.account, e.region, id);
        let at = index.get(key);
        if (at === undefined) {
          keys.push(key);
          at = keys.length;
          index.set(key, at);
        }
        return at;
      });
      args.push(e.eventId, Date.parse(e.eventTime), JSON.stringify(e), positions.length, ...positions);
    }
    const replies = await this.redis.dwPutCloudTrail(keys.length, ...keys, ...args);
    if (replies.length !== events.length) throw new Error(`dwPutCloudTrail: ${replies.length} replies for ${events.length} calls`);
    return replies.map((r) => r === 1);
  }

  /** Events by their internal ids (those still retained), in the order asked. */
  async byIds(ids: string[]): Promise<CloudTrailEvent[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.keys.key('ctev', id)));
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as CloudTrailEvent);
  }

  /** Events that touched a resource between two times, oldest first. */
  async around(account: string, region: string, resourceId: string, from: Date, to: Date): Promise<CloudTrailEvent[]> {
    const ids = await this.redis.zrangebyscore(this.indexKey(account, region, resourceId), from.getTime(), to.getTime());
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.keys.key('ctev', id)));
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as CloudTrailEvent);
  }
}
