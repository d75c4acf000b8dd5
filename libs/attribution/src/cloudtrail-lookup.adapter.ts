import { CloudTrailClient, type CloudTrailClientConfig, type Event as TrailEvent } from '@aws-sdk/client-cloudtrail';
import type { Redis } from 'ioredis';
import { WaitError, type CloudTrailEvent } from '@driftwarden/domain';
import { normalizeDelivery } from '@driftwarden/ingest';
import type { RedisKeys } from '@driftwarden/redis';

/** CloudTrail allows about 2 LookupEvents calls per second per account and region. */
export const LOOKUP_CALLS_PER_SECOND = 2;

/**
 * A rate limit shared by every replica: at most N calls per second per account and region
 * (a Redis counter per second). `take` answers a WaitError with the wait when over the limit
 * (a queue job is then delayed, not failed); `acquire` waits in place (a walk in progress).
 */
export class SharedRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly perSecond = LOOKUP_CALLS_PER_SECOND,
    private readonly now: () => number = Date.now,
  ) {}

  async take(account: string, region: string): Promise<void> {
    const t = this.now();
    const second = Math.floor(t / 1000);
    const key = this.keys.key('ratelimit', 'cloudtrail', account, region, String(second));
    const [[, count]] = ((await this.redis.multi().incr(key).expire(key, 2).exec()) ?? [[null, 0]]) as [[Error | null, number]];
    if (count > this.perSecond) {
      throw new WaitError(
        `CloudTrail LookupEvents is limited to ${this.perSecond} calls/s in ${account}/${region}`,
        'cloudtrail_rate_limited',
        { retryAfterMs: 1000 - (t % 1000) },
      );
    }
  }

  /** Takes a slot, waiting for the next second as often as needed (at most `maxWaitMs`). */
  async acquire(account: string, region: string, maxWaitMs = 30_000): Promise<void> {
    const deadline = this.now() + maxWaitMs;
    for (;;) {
      try {
        return await this.take(account, region);
      } catch (err) {
        if (!(err instanceof WaitError) || this.now() + (err.retryAfterMs ?? 0) > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.max(1, err.retryAfterMs ?? 100)));
      }
    }
  }
}

/** A LookupEvents record as the ingest paths deliver it (the record is a JSON string in `CloudTrailEvent`). */
export function toCloudTrailEvent(e: TrailEvent, account: string, region: string): CloudTrailEvent | null {
  if (!e.CloudTrailEvent) return null;
  let record: unknown;
  try {
    record = JSON.parse(e.CloudTrailEvent);
  } catch {
    return null;
  }
  // Wrapped as EventBridge delivers it, so one normaliser serves both paths.
  const result = normalizeDelivery(
    {
      version: '0',
      id: e.EventId ?? 'lookup',
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.ec2',
      account,
      time: (e.EventTime ?? new Date()).toISOString(),
      region,
      resources: [],
      detail: record,
    },
    { transport: 'replay' },
  );
  return result.ok && result.events[0]?.kind === 'cloudtrail' ? result.events[0] : null;
}

/**
 * One CloudTrail client per region; with `credentialsFor` (cross-account: the role assumed in the
 * resource's account, which needs `cloudtrail:LookupEvents`), one per account and region.
 */
export function createCloudTrailClientFor(
  requestTimeoutMs = 10_000,
  credentialsFor?: (location: { account: string; region: string }) => NonNullable<CloudTrailClientConfig['credentials']>,
): (region: string, account: string) => CloudTrailClient {
  const clients = new Map<string, CloudTrailClient>();
  return (region, account) => {
    const key = credentialsFor ? `${account}/${region}` : region;
    let c = clients.get(key);
    if (!c) {
      c = new CloudTrailClient({
        region,
        maxAttempts: 2,
        requestHandler: { requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true } as never,
        ...(credentialsFor ? { credentials: credentialsFor({ account, region }) } : {}),
      });
      clients.set(key, c);
    }
    return c;
  };
}
