import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ResourceRef } from '@driftwarden/domain';
import { ExceptionsPort, type ActiveException } from '@driftwarden/pipeline';
import type { RedisKeys } from '@driftwarden/redis';
import { hsetUnderCap, type AuditLog } from '@driftwarden/store';

export interface ResourceException {
  id: string;
  /** A resource id (`sg-…`) or ARN. */
  resource: string;
  reason: string;
  until: string;
  actor: string;
  createdAt: string;
  deletedAt?: string;
  deletedBy?: string;
}

/**
 * Per-resource exclusions with an expiry (DESIGN §5). An expired exception is never silently
 * forgotten: the scheduler re-evaluates its resource once it lapses.
 */
export class ExceptionsStore extends ExceptionsPort {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    keys: RedisKeys,
    private readonly audit: AuditLog,
  ) {
    super();
    this.key = keys.key('exceptions');
  }

  async all(): Promise<ResourceException[]> {
    return (await this.redis.hvals(this.key))
      .map((x) => JSON.parse(x) as ResourceException)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async activeFor(resource: ResourceRef, now: Date): Promise<ActiveException | null> {
    const t = now.getTime();
    const hit = (await this.all()).find(
      (e) =>
        !e.deletedAt &&
        Date.parse(e.until) > t &&
        (e.resource === resource.id || (resource.arn !== undefined && e.resource === resource.arn)),
    );
    return hit ? { id: hit.id, reason: hit.reason, until: hit.until } : null;
  }

  /** `maxActive`: refuse (ActiveLimitError, nothing recorded) when that many exceptions are active. */
  async create(input: {
    resource: string;
    reason: string;
    until: Date;
    actor: string;
    now: Date;
    maxActive?: number;
  }): Promise<ResourceException> {
    const e: ResourceException = {
      id: `exc_${input.now.getTime().toString(36)}${randomBytes(4).toString('hex')}`,
      resource: input.resource,
      reason: input.reason,
      until: input.until.toISOString(),
      actor: input.actor,
      createdAt: input.now.toISOString(),
    };
    if (input.maxActive === undefined) await this.redis.hset(this.key, e.id, JSON.stringify(e));
    else await hsetUnderCap(this.redis, this.key, e.id, JSON.stringify(e), { max: input.maxActive, now: input.now });
    await this.audit.append({
      at: e.createdAt,
      type: 'exception.created',
      actor: input.actor,
      reason: input.reason,
      details: { id: e.id, resource: e.resource, until: e.until },
    });
    return e;
  }

  /** Puts back an exception read from the durable export after a Redis loss (kept if already present). True when restored. */
  async restore(e: ResourceException): Promise<boolean> {
    return (await this.redis.hsetnx(this.key, e.id, JSON.stringify(e))) === 1;
  }

  async remove(id: string, actor: string, now: Date): Promise<ResourceException | null> {
    const raw = await this.redis.hget(this.key, id);
    if (!raw) return null;
    const e = JSON.parse(raw) as ResourceException;
    if (e.deletedAt) return e;
    const removed = { ...e, deletedAt: now.toISOString(), deletedBy: actor };
    await this.redis.hset(this.key, id, JSON.stringify(removed));
    await this.audit.append({
      at: removed.deletedAt,
      type: 'exception.deleted',
      actor,
      reason: `exception ${id} for ${e.resource} removed`,
      details: { id, resource: e.resource },
    });
    return removed;
  }

  /** Exceptions that lapsed (expired or removed) and whose resource has not been re-evaluated yet. */
  async lapsedUnhandled(now: Date): Promise<ResourceException[]> {
    const t = now.getTime();
    return (await this.all()).filter((e) => e.deletedAt !== undefined || Date.parse(e.until) <= t);
  }

  async markHandled(e: ResourceException, now: Date): Promise<void> {
    // A lapsed exception has done its work: it leaves the hash (read on every evaluation); the
    // audit log keeps its history.
    await this.redis.hdel(this.key, e.id);
    await this.audit.append({
      at: now.toISOString(),
      type: 'exception.expired',
      actor: 'scheduler',
      reason: `exception ${e.id} for ${e.resource} lapsed: the resource is evaluated again`,
      details: { id: e.id, resource: e.resource },
    });
  }
}
