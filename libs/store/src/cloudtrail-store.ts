import type { Redis } from 'ioredis';
import type { RedisKeys } from '@driftwarden/redis';
import type { CloudTrailEvent } from '@driftwarden/domain';

/** How long CloudTrail events are kept for attribution. */
export const CLOUDTRAIL_TTL_SECONDS = 3 * 24 * 3600;

/**
 * CloudTrail API calls ingested on the event paths, indexed by the resource ids they touched
 * (security group ids, rule ids) and time, for attribution. Duplicate deliveries are detected
 * by CloudTrail event id.
 */
export class CloudTrailStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private indexKey(account: string, region: string, resourceId: string): string {
    return this.keys.key('ct', account, region, resourceId);
  }

  /** Stores events; returns for each whether it was already known (a duplicate). */
  async put(events: CloudTrailEvent[]): Promise<boolean[]> {
    if (events.length === 0) return [];
    const multi = this.redis.multi();
    for (const e of events) {
      multi.set(this.keys.key('ctev', e.eventId), JSON.stringify(e), 'EX', CLOUDTRAIL_TTL_SECONDS, 'NX');
    }
    const replies = (await multi.exec()) ?? [];
    const duplicate = replies.map(([, r]) => r !== 'OK');
    const index = this.redis.multi();
    events.forEach((e, i) => {
      if (duplicate[i]) return;
      const at = Date.parse(e.eventTime);
      for (const id of e.resourceIds) {
        const key = this.indexKey(e.account, e.region, id);
        index.zadd(key, at, e.eventId);
        index.expire(key, CLOUDTRAIL_TTL_SECONDS);
      }
    });
    await index.exec();
    return duplicate;
  }

  /** Events that touched a resource between two times, oldest first. */
  async around(account: string, region: string, resourceId: string, from: Date, to: Date): Promise<CloudTrailEvent[]> {
    const ids = await this.redis.zrangebyscore(this.indexKey(account, region, resourceId), from.getTime(), to.getTime());
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.keys.key('ctev', id)));
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as CloudTrailEvent);
  }
}
