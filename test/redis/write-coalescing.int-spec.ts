/**
 * Write coalescing on a real Redis (createRedis): the commands of one turn leave in one write and
 * every reply still goes to its own command, scripts included; a reconnect's new socket is
 * coalesced too. (On a Redis Cluster: test/redis-cluster, every node connection.)
 */
import type { Redis } from 'ioredis';
import { createRedis, isCoalesced, waitForRedis } from '@driftwarden/redis';
import { REDIS_CLUSTER, REDIS_URL } from '../support/redis';
import { uniquePrefix } from '../support/test-controller';

type Counted = { writev: number[]; write: number };

function countWrites(redis: Redis): Counted {
  const counts: Counted = { writev: [], write: 0 };
  const s = (redis as unknown as { stream: Record<string, (...a: unknown[]) => unknown> }).stream;
  const writev = s['_writev'].bind(s);
  const write = s['_write'].bind(s);
  s['_writev'] = (chunks: unknown, cb: unknown) => {
    counts.writev.push((chunks as unknown[]).length);
    return writev(chunks, cb);
  };
  s['_write'] = (chunk: unknown, enc: unknown, cb: unknown) => {
    counts.write += 1;
    return write(chunk, enc, cb);
  };
  return counts;
}

const describeStandalone = REDIS_CLUSTER ? describe.skip : describe;

describeStandalone('createRedis coalesces the writes of one turn (real Redis)', () => {
  let redis: Redis;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    redis = createRedis({ url: REDIS_URL, name: 'dw-test:coalescing' });
    redis.defineCommand('dwTestEcho', { numberOfKeys: 1, lua: "redis.call('SET', KEYS[1], ARGV[1]); return ARGV[1] .. ':' .. KEYS[1]" });
    await waitForRedis(redis, REDIS_URL);
    await redis.ping();
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('200 commands issued at once (plain commands and a script) leave in one writev and each gets its own reply, in order', async () => {
    const counts = countWrites(redis);
    const echo = (redis as unknown as { dwTestEcho: (k: string, v: string) => Promise<string> }).dwTestEcho.bind(redis);
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0
          ? redis.incrby(`${prefix}:n`, i).then((v) => ({ i, v: String(v) }))
          : echo(`${prefix}:e${i}`, `v${i}`).then((v) => ({ i, v })),
      ),
    );
    expect(counts.write).toBe(0);
    expect(counts.writev).toEqual([200]);
    let sum = 0;
    for (const { i, v } of replies) {
      if (i % 2 === 0) {
        sum += i;
        // INCRBY replies in the order sent: each sees the sum of those before it.
        expect(v).toBe(String(sum));
      } else expect(v).toBe(`v${i}:${prefix}:e${i}`);
    }
    expect(await redis.get(`${prefix}:e199`)).toBe('v199');
  });

  it('sequential commands are each written at once (nothing waits for a batch)', async () => {
    const counts = countWrites(redis);
    for (let i = 0; i < 5; i++) expect(await redis.set(`${prefix}:s`, String(i))).toBe('OK');
    expect(counts).toEqual({ writev: [], write: 5 });
  });

  it('after a reconnect the new socket is coalesced too', async () => {
    const before = (redis as unknown as { stream: object }).stream;
    expect(isCoalesced(before)).toBe(true);
    const ready = new Promise((r) => redis.once('ready', r));
    redis.disconnect(true);
    await ready;
    const after = (redis as unknown as { stream: object }).stream;
    expect(after).not.toBe(before);
    expect(isCoalesced(after)).toBe(true);
    const counts = countWrites(redis);
    await Promise.all([redis.set(`${prefix}:r1`, 'a'), redis.set(`${prefix}:r2`, 'b'), redis.get(`${prefix}:r1`)]);
    expect(counts.writev).toEqual([3]);
  });
});
