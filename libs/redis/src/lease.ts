import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/**
 * Takes the lease, or renews it when this owner already holds it, in one step: a check-then-renew
 * in two commands could renew a lease another replica took in between (two sweeps at once).
 * Returns 1 when held by the caller afterwards, 0 when another owner holds it.
 */
const ACQUIRE_OR_RENEW_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Deleted only by its owner: a run that outlived its lease must not free someone else's. */
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Renewed only by its owner. */
const RENEW_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/**
 * A Redis lease: one holder at a time across workers and replicas, for at most `ttlMs` unless
 * renewed; taken, renewed and released only by its owner (a token of its own, or the `owner`
 * given, e.g. a replica id that keeps a periodic job on one replica). One key, so it works on a
 * Redis Cluster as on a single node.
 */
export class RedisLease {
  readonly owner: string;

  constructor(
    private readonly redis: Redis | Cluster,
    readonly key: string,
    private readonly ttlMs: number,
    owner?: string,
  ) {
    if (!(ttlMs >= 1)) throw new RangeError(`a lease needs a positive ttl in ms, got ${ttlMs}`);
    this.owner = owner ?? randomUUID();
  }

  /** Takes the lease (or renews it, when this owner holds it). False when another owner holds it. */
  async acquire(): Promise<boolean> {
    return (await this.redis.eval(ACQUIRE_OR_RENEW_LUA, 1, this.key, this.owner, String(Math.round(this.ttlMs)))) === 1;
  }

  /** Extends the lease this owner holds; false when it is no longer ours (it expired, another took it). */
  async renew(): Promise<boolean> {
    return (await this.redis.eval(RENEW_LUA, 1, this.key, this.owner, String(Math.round(this.ttlMs)))) === 1;
  }

  /** Gives the lease up if it is still ours. */
  async release(): Promise<void> {
    await this.redis.eval(RELEASE_LUA, 1, this.key, this.owner);
  }
}
