import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '@driftwarden/redis';
import type { JsonObject } from '@driftwarden/domain';
import type { AuditLog } from './audit-log';
import { DEFAULT_STORE_RETENTION, storeRetention } from './retention';

export interface QuarantinedMessage {
  id: string;
  at: string;
  source: string;
  reason: string;
  details: JsonObject;
  /** The original body, kept so nothing is lost (capped at 256 KiB, the SQS maximum). */
  body: string;
}

/**
 * Poison messages moved aside with their reason: never retried forever. The newest
 * `quarantineMaxEntries` are kept (config `retention.quarantine.maxEntries`); every one has an
 * audit entry (`ingest.quarantined`) with its reason and details, without the body.
 */
export class QuarantineStore {
  private readonly key: string;
  private readonly maxKept: number;

  constructor(
    private readonly redis: Redis,
    keys: RedisKeys,
    private readonly audit: AuditLog,
    retention: { quarantineMaxEntries?: number } = {},
  ) {
    this.key = keys.key('quarantine');
    this.maxKept = storeRetention({
      quarantineMaxEntries: retention.quarantineMaxEntries ?? DEFAULT_STORE_RETENTION.quarantineMaxEntries,
    }).quarantineMaxEntries;
  }

  async put(source: string, body: string, reason: string, details: JsonObject): Promise<string> {
    const at = new Date().toISOString();
    const id = `q_${createHash('sha256').update(body).digest('hex').slice(0, 24)}`;
    const entry: QuarantinedMessage = { id, at, source, reason, details, body: body.slice(0, 262_144) };
    await this.redis
      .multi()
      .lpush(this.key, JSON.stringify(entry))
      .ltrim(this.key, 0, this.maxKept - 1)
      .exec();
    await this.audit.append({ at, type: 'ingest.quarantined', actor: source, reason, details: { ...details, quarantineId: id } });
    return id;
  }

  async list(limit = 100): Promise<QuarantinedMessage[]> {
    const raws = await this.redis.lrange(this.key, 0, limit - 1);
    return raws.map((r) => JSON.parse(r) as QuarantinedMessage);
  }
}
