import type { Redis } from 'ioredis';
import { RedisLease, type RedisKeys } from '@driftwarden/redis';

/** The reconciling sweep as every replica sees it (`/readyz`, metrics): the one running now and the last one finished. */
export interface ReconcileStatus {
  running: {
    sweepId: string;
    startedAt: string;
    /** Managed resources to compare in this sweep. */
    total: number;
    checked: number;
    /** Resources whose live configuration differs from what the controller last knew (fed as items). */
    fed: number;
    errors: number;
  } | null;
  last: {
    sweepId: string;
    startedAt: string;
    completedAt: string;
    durationMs: number;
    checked: number;
    fed: number;
    errors: number;
    /** `ok`, or `partial` when some batches could not be read (see the log and `errors`). */
    outcome: 'ok' | 'partial';
  } | null;
}

/**
 * Where the reconciling sweep keeps its lease (one sweep at a time across replicas) and its
 * progress (shared: the replica that answers `/readyz` is not necessarily the one sweeping).
 */
export class ReconcileStatusStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private get leaseKey(): string {
    return this.keys.key('reconcile', 'lease');
  }

  private get statusKey(): string {
    return this.keys.key('reconcile', 'status');
  }

  private lease(owner: string, ttlMs = 1): RedisLease {
    return new RedisLease(this.redis, this.leaseKey, ttlMs, owner);
  }

  /** Takes the sweep lease (or renews it, when this owner holds it); false when another sweep holds it. */
  async acquire(owner: string, ttlMs: number): Promise<boolean> {
    return this.lease(owner, ttlMs).acquire();
  }

  /** Extends the lease while the sweep runs; false when it was lost (expired and taken). */
  async renew(owner: string, ttlMs: number): Promise<boolean> {
    return this.lease(owner, ttlMs).renew();
  }

  async release(owner: string): Promise<void> {
    await this.lease(owner).release();
  }

  async started(sweepId: string, startedAt: Date, total: number): Promise<void> {
    await this.redis.hset(
      this.statusKey,
      'running',
      JSON.stringify({ sweepId, startedAt: startedAt.toISOString(), total, checked: 0, fed: 0, errors: 0 }),
    );
  }

  async progress(running: NonNullable<ReconcileStatus['running']>): Promise<void> {
    await this.redis.hset(this.statusKey, 'running', JSON.stringify(running));
  }

  async finished(last: NonNullable<ReconcileStatus['last']>): Promise<void> {
    await this.redis.multi().hdel(this.statusKey, 'running').hset(this.statusKey, 'last', JSON.stringify(last)).exec();
  }

  /** A sweep that ended without finishing (an error): it is no longer running; the last completed one stays. */
  async abandoned(): Promise<void> {
    await this.redis.hdel(this.statusKey, 'running');
  }

  async read(): Promise<ReconcileStatus> {
    const [running, last] = await this.redis.hmget(this.statusKey, 'running', 'last');
    return {
      running: running ? (JSON.parse(running) as ReconcileStatus['running']) : null,
      last: last ? (JSON.parse(last) as ReconcileStatus['last']) : null,
    };
  }
}
