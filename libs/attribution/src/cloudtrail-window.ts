/**
 * The LookupEvents fallback, shared by every pending item of an account and region: instead of
 * one call per item (`ResourceName = sg-…`, at CloudTrail's 2 calls per second per account and
 * region), one walk over a time window of the account-region's write calls (`ReadOnly = false`)
 * puts every relevant call into the CloudTrail store, where the attribution of every item whose
 * window it covers finds it.
 *
 * Which minutes were walked, and when, is kept in Redis (one hash per account and region), so
 * replicas share it: a minute is *final* once it was walked after CloudTrail's delivery lag had
 * passed for it (nothing more can arrive for it); before that it is walked again at most every
 * `rewalkMs`. One replica walks an account-region at a time (a Redis lock); the others are told
 * `busy` and wait without spending an attempt.
 */
import { LookupEventsCommand, type CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { Redis } from 'ioredis';
import { WaitError, type CloudTrailEvent } from '@driftwarden/domain';
import { mapAwsError } from '@driftwarden/aws';
import { RedisLease, type RedisKeys } from '@driftwarden/redis';
import type { CloudTrailStore } from '@driftwarden/store';
import { toCloudTrailEvent, type SharedRateLimiter } from './cloudtrail-lookup.adapter';

const MINUTE = 60_000;

/**
 * Records walked minutes and forgets those walked longer ago than the retention (a hash walked
 * all the time keeps its expiry renewed, so its old minutes must go field by field; it holds at
 * most the minutes walked within the retention).
 * KEYS[1] walked-minutes hash; ARGV[1] walked at (ms), ARGV[2] retention seconds, ARGV[3] now (ms),
 * ARGV[4..] the minutes walked.
 */
const recordWalkLua = `
for i = 4, #ARGV do redis.call('HSET', KEYS[1], ARGV[i], ARGV[1]) end
local oldest = tonumber(ARGV[3]) - tonumber(ARGV[2]) * 1000
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) < oldest then redis.call('HDEL', KEYS[1], all[i]) end
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

export interface WindowWalkerOptions {
  /** CloudTrail's delivery lag allowance (attribution.cloudTrailWaitSeconds): a minute walked this long after its end is final. */
  lagMs: number;
  /** A minute that is not final yet is walked again at most this often. Default 30 s. */
  rewalkMs?: number;
  /** LookupEvents pages (50 calls each) per walk; the rest of the window is walked next time. Default 40. */
  maxPages?: number;
  /** How long one walk may hold the account-region. Default 60 s. */
  lockMs?: number;
  /** How long walked minutes are remembered: as long as CloudTrail events are kept (retention.cloudTrailEvents). Default 3 days. */
  retentionSeconds?: number;
  now?: () => number;
}

export type WalkState = 'final' | 'partial' | 'busy';

export interface WalkResult {
  state: WalkState;
  /** LookupEvents calls made by this call (0 when the window was already walked, or busy). */
  calls: number;
  /** Relevant calls stored. */
  stored: number;
}

export class CloudTrailWindowWalker {
  private readonly rewalkMs: number;
  private readonly maxPages: number;
  private readonly lockMs: number;
  private readonly retentionSeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly clientFor: (region: string, account: string) => Pick<CloudTrailClient, 'send'>,
    private readonly limiter: SharedRateLimiter,
    private readonly store: CloudTrailStore,
    /** Which calls are worth keeping (the kinds' mutating calls). */
    private readonly relevant: (e: CloudTrailEvent) => boolean,
    private readonly options: WindowWalkerOptions,
  ) {
    this.rewalkMs = options.rewalkMs ?? 30_000;
    this.maxPages = options.maxPages ?? 40;
    this.lockMs = options.lockMs ?? 60_000;
    this.retentionSeconds = options.retentionSeconds ?? 3 * 24 * 3600;
    this.now = options.now ?? Date.now;
  }

  private walkedKey(account: string, region: string): string {
    return this.keys.key('ctwalk', account, region);
  }

  /**
   * Makes the store hold every relevant call of [from, to] that CloudTrail has delivered:
   * `final` when no more can arrive, `partial` when some may still be in flight (or were walked
   * moments ago), `busy` when another replica is walking this account-region now.
   */
  async ensure(account: string, region: string, from: Date, to: Date): Promise<WalkResult> {
    const now = this.now();
    const minutes: number[] = [];
    for (let m = Math.floor(from.getTime() / MINUTE) * MINUTE; m <= to.getTime() && m <= now; m += MINUTE) minutes.push(m);
    if (minutes.length === 0) return { state: 'final', calls: 0, stored: 0 };
    const walked = (await this.redis.hmget(this.walkedKey(account, region), ...minutes.map(String))).map((v) => (v ? Number(v) : null));
    const isFinal = (m: number, at: number | null) => at !== null && at >= m + MINUTE + this.options.lagMs;
    const due = minutes.filter((m, i) => !isFinal(m, walked[i]) && (walked[i] === null || now - walked[i]! >= this.rewalkMs));
    const allFinal = minutes.every((m, i) => isFinal(m, walked[i]));
    if (allFinal) return { state: 'final', calls: 0, stored: 0 };
    if (due.length === 0) return { state: 'partial', calls: 0, stored: 0 };

    const lock = new RedisLease(this.redis, this.keys.key('ctwalk-lock', account, region), this.lockMs);
    if (!(await lock.acquire())) return { state: 'busy', calls: 0, stored: 0 };
    try {
      const startedAt = this.now();
      const walkFrom = new Date(Math.min(...due));
      const walkTo = new Date(Math.min(Math.max(...due) + MINUTE, startedAt));
      const { calls, stored, oldestSeen, complete } = await this.walk(account, region, walkFrom, walkTo);
      // Pages come newest first: a walk cut short covered [oldestSeen, walkTo] only.
      const covered = due.filter((m) => complete || m >= oldestSeen);
      if (covered.length > 0) {
        const key = this.walkedKey(account, region);
        await this.redis.eval(
          recordWalkLua,
          1,
          key,
          String(startedAt),
          String(this.retentionSeconds),
          String(this.now()),
          ...covered.map(String),
        );
      }
      const after = new Map(minutes.map((m, i) => [m, covered.includes(m) ? startedAt : walked[i]]));
      const final = minutes.every((m) => isFinal(m, after.get(m) ?? null));
      return { state: final ? 'final' : 'partial', calls, stored };
    } finally {
      // Released only if still ours (a walk that outlived its lock must not free someone else's).
      await lock.release();
    }
  }

  private async walk(
    account: string,
    region: string,
    from: Date,
    to: Date,
  ): Promise<{ calls: number; stored: number; oldestSeen: number; complete: boolean }> {
    let token: string | undefined;
    let calls = 0;
    let stored = 0;
    let oldestSeen = to.getTime();
    for (let page = 0; page < this.maxPages; page++) {
      await this.limiter.acquire(account, region);
      let res;
      try {
        calls++;
        res = await this.clientFor(region, account).send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'false' }],
            StartTime: from,
            EndTime: to,
            MaxResults: 50,
            ...(token ? { NextToken: token } : {}),
          }),
        );
      } catch (err) {
        throw mapAwsError(err, { service: 'cloudtrail', operation: 'LookupEvents' });
      }
      const keep: CloudTrailEvent[] = [];
      for (const e of res.Events ?? []) {
        if (e.EventTime) oldestSeen = Math.min(oldestSeen, e.EventTime.getTime());
        const parsed = toCloudTrailEvent(e, account, region);
        if (parsed && this.relevant(parsed)) keep.push(parsed);
      }
      if (keep.length) stored += (await this.store.put(keep)).filter((duplicate) => !duplicate).length;
      token = res.NextToken;
      if (!token) return { calls, stored, oldestSeen, complete: true };
    }
    return { calls, stored, oldestSeen, complete: false };
  }
}

/** The wait a caller should take when a window is `busy` or still `partial`. */
export function walkWait(state: WalkState, message: string): WaitError {
  return new WaitError(message, state === 'busy' ? 'cloudtrail_walk_busy' : 'attribution_pending', {
    retryAfterMs: state === 'busy' ? 1_000 : 15_000,
  });
}
