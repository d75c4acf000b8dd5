import type { Redis } from 'ioredis';
import type { RedisKeys } from '@driftwarden/redis';

const fenceLua = `
-- KEYS[1] epoch; ARGV[1] expected epoch. Atomically: the call may start only if no freeze
-- was recorded since the remediation armed its fence.
local current = redis.call('GET', KEYS[1]) or '0'
if current == ARGV[1] then return 1 end
return 0
`;

type RedisWithFence = Redis & { dwFence(key: string, expected: string): Promise<number> };

/** What every replica hears on the freeze channel. */
export interface FreezeEventMessage {
  /** `started`: a freeze started (the epoch moved); `changed`: something else about the freeze changed. */
  kind: 'started' | 'changed';
  detail: string;
  at: string;
}

/**
 * The fence epoch and the freeze channel. The epoch moves each time a freeze starts: a
 * remediation arms its fence with the epoch it read and may act only while it still holds
 * (checked atomically in Redis). Every start or change is published, so every replica
 * re-evaluates at once instead of at its next poll.
 */
export class FreezeEpoch {
  private readonly redis: RedisWithFence;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    /** The time messages are stamped with. */
    private readonly clock: () => Date = () => new Date(),
  ) {
    if (!('dwFence' in redis)) redis.defineCommand('dwFence', { numberOfKeys: 1, lua: fenceLua });
    this.redis = redis as RedisWithFence;
  }

  /** The pub/sub channel the freeze events go to. */
  get channel(): string {
    return this.keys.key('freeze', 'events');
  }

  private get epochKey(): string {
    return this.keys.key('freeze', 'epoch');
  }

  async current(): Promise<string> {
    return (await this.redis.get(this.epochKey)) ?? '0';
  }

  /** True when no freeze was recorded since `armedAt` (an atomic check in Redis). */
  async holds(armedAt: string): Promise<boolean> {
    return (await this.redis.dwFence(this.epochKey, armedAt)) === 1;
  }

  /** A freeze started: the epoch moves (no fence armed before holds any more) and every replica is told. */
  async started(detail: string): Promise<void> {
    await this.redis.incr(this.epochKey);
    await this.publish('started', detail);
  }

  /** Something else about the freeze changed (a freeze lifted, an incident resolved): every replica is told. */
  async changed(detail: string): Promise<void> {
    await this.publish('changed', detail);
  }

  private async publish(kind: FreezeEventMessage['kind'], detail: string): Promise<void> {
    const message: FreezeEventMessage = { kind, detail, at: this.clock().toISOString() };
    await this.redis.publish(this.channel, JSON.stringify(message));
  }
}
