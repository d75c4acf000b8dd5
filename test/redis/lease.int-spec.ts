/**
 * RedisLease on a real Redis: one holder at a time, renewed only by its owner, released only by
 * its owner, and a taken-or-renewed step that cannot renew a lease another owner took meanwhile.
 */
import type { Redis } from 'ioredis';
import { RedisLease } from '@driftwarden/redis';
import { keysMatching, testRedis } from '../support/redis';
import { uniquePrefix } from '../support/test-controller';

describe('RedisLease', () => {
  let redis: Redis;
  const prefix = uniquePrefix();
  let n = 0;
  const key = () => `${prefix}:lease:${++n}`;

  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    for (const k of await keysMatching(redis, `${prefix}:*`)) await redis.del(k);
    redis.disconnect();
  });

  it('one holder at a time; the holder renews it (acquire again), another owner cannot take it', async () => {
    const k = key();
    const a = new RedisLease(redis, k, 5_000, 'replica-a');
    const b = new RedisLease(redis, k, 5_000, 'replica-b');
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    await redis.pexpire(k, 100);
    expect(await a.acquire()).toBe(true);
    expect(await redis.pttl(k)).toBeGreaterThan(1_000);
    expect(await redis.get(k)).toBe('replica-a');
  });

  it('expires; then another owner takes it, and the old owner can neither renew nor release it', async () => {
    const k = key();
    const a = new RedisLease(redis, k, 50);
    const b = new RedisLease(redis, k, 5_000);
    expect(await a.acquire()).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(await b.acquire()).toBe(true);
    expect(await a.renew()).toBe(false);
    await a.release();
    expect(await redis.get(k)).toBe(b.owner);
    expect(await a.acquire()).toBe(false);
    await b.release();
    expect(await redis.exists(k)).toBe(0);
  });

  it('many contenders at once: exactly one holds it', async () => {
    const k = key();
    const connections = Array.from({ length: 20 }, () => testRedis());
    const leases = connections.map((c, i) => new RedisLease(c, k, 5_000, `r-${i}`));
    const got = await Promise.all(leases.map((l) => l.acquire()));
    expect(got.filter(Boolean)).toHaveLength(1);
    await Promise.all(connections.map((c) => c.quit()));
  });

  it('refuses a lease without a positive ttl', () => {
    expect(() => new RedisLease(redis, key(), 0)).toThrow('positive ttl');
  });
});
