import type { Redis } from 'ioredis';
import type { RedisKeys } from '@driftwarden/redis';
import type { CloudTrailEvent } from '@driftwarden/domain';
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

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    retention: { cloudTrailSeconds?: number } = {},
  ) {
    this.ttlSeconds = storeRetention({
      cloudTrailSeconds: retention.cloudTrailSeconds ?? DEFAULT_STORE_RETENTION.cloudTrailSeconds,
    }).cloudTrailSeconds;
  }

  private indexKey(account: string, region: string, resourceId: string): string {
    return this.keys.key('ct', account, region, resourceId);
  }

  /** Stores events; returns for each whether it was already known (a duplicate). */
  async put(events: CloudTrailEvent[]): Promise<boolean[]> {
    if (events.length === 0) return [];
    const multi = this.redis.multi();
    for (const e of events) {
      multi.set(this.keys.key('ctev', e.eventId), JSON.stringify(e), 'EX', this.ttlSeconds, 'NX');
    }
    const replies = (await multi.exec()) ?? [];
    const duplicate = replies.map(([, r]) => r !== 'OK');
    const index = this.redis.multi();
    const oldest = Date.now() - this.ttlSeconds * 1000;
    const trimmed = new Set<string>();
    events.forEach((e, i) => {
      if (duplicate[i]) return;
      const at = Date.parse(e.eventTime);
      for (const id of e.resourceIds) {
        const key = this.indexKey(e.account, e.region, id);
        // Calls older than the retention (their own keys have expired): out of the index first,
        // so a call replayed late is still there until the next write.
        if (!trimmed.has(key)) index.zremrangebyscore(key, '-inf', `(${oldest}`);
        trimmed.add(key);
        index.zadd(key, at, e.eventId);
        index.expire(key, this.ttlSeconds);
      }
    });
    await index.exec();
    return duplicate;
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
