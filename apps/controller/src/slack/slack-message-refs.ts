import type { Redis } from 'ioredis';
import type { RedisKeys } from '@driftwarden/redis';

/** Where a drift's Slack messages are (channel and ts), so each can be updated with the outcome. */
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

/** Kept as long as a drift usually stays open and then some. */
const REF_TTL_SECONDS = 90 * 86_400;

export class SlackMessageRefs {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private key(driftId: string): string {
    return this.keys.key('slack', 'messages', driftId);
  }

  async add(driftId: string, ref: SlackMessageRef): Promise<void> {
    await this.redis
      .multi()
      .rpush(this.key(driftId), JSON.stringify(ref))
      .ltrim(this.key(driftId), -20, -1)
      .expire(this.key(driftId), REF_TTL_SECONDS)
      .exec();
  }

  async of(driftId: string): Promise<SlackMessageRef[]> {
    return (await this.redis.lrange(this.key(driftId), 0, -1)).map((x) => JSON.parse(x) as SlackMessageRef);
  }
}
