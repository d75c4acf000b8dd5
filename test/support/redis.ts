import { Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { RedisKeys, clusterMasters, createRedis, isCluster } from '@driftwarden/redis';

/**
 * The Redis the integration tests run against, and what differs when it is a Redis Cluster.
 *
 * `bash scripts/with-redis-cluster.sh …` starts a local 3-master cluster and sets
 * DW_REDIS_CLUSTER=1 with REDIS_URL naming one of its nodes. Tests then connect with an ioredis
 * Cluster (testRedis), controllers they start get `redis.cluster: true` (testConfigObject), and
 * every key is hash-tagged, `{prefix}:…` (testKeys / keyBase), as the product writes them.
 */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** REDIS_URL is a node of a Redis Cluster (`redis.cluster: true`). */
export const REDIS_CLUSTER = process.env.DW_REDIS_CLUSTER === '1';

/**
 * A connection for a test: on a cluster an ioredis Cluster seeded with REDIS_URL's node, the
 * others discovered, made by the product's createRedis (typed `Redis`, as the product uses it);
 * otherwise `new Redis(REDIS_URL, options)`. On a cluster it queues commands while (re)connecting
 * and retries them (`maxRetriesPerRequest: null`), as a plain test connection does by default.
 *
 * Commands that name no key go to one node of a cluster: use keysMatching instead of KEYS.
 */
export function testRedis(options: RedisOptions = {}): Redis {
  if (!REDIS_CLUSTER) return new Redis(REDIS_URL, options);
  return createRedis({ url: REDIS_URL, cluster: true, blocking: true, name: options.connectionName ?? 'dw-test' });
}

/** The key names of an installation with this prefix, as the controller writes them (hash-tagged on a cluster). */
export function testKeys(prefix: string): RedisKeys {
  return new RedisKeys(prefix, { cluster: REDIS_CLUSTER });
}

/** What every key of the prefix starts with: `prefix`, or `{prefix}` on a cluster (`${keyBase(p)}:item:${id}`). */
export function keyBase(prefix: string): string {
  return testKeys(prefix).base;
}

/**
 * KEYS on every master of a cluster (SCAN, node by node), or on the one Redis. On a cluster a
 * plain KEYS goes to one node and silently misses the keys of the others.
 */
export async function keysMatching(redis: Redis, pattern: string): Promise<string[]> {
  if (!isCluster(redis)) return redis.keys(pattern);
  const found: string[] = [];
  for (const node of await clusterMasters(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}

/**
 * A BullMQ Queue on the controller's queues of this prefix (`<base>:q`). On a cluster BullMQ needs
 * a Cluster connection (it would make a plain one from options): the queue gets its own, closed
 * with the queue.
 */
export function testQueue(name: string, prefix: string): Queue {
  const options = { prefix: testKeys(prefix).bullPrefix };
  if (!REDIS_CLUSTER) return new Queue(name, { ...options, connection: { url: REDIS_URL } });
  const connection = testRedis({ connectionName: `dw-test:queue:${name}` });
  return new (class extends Queue {
    override async close(): Promise<void> {
      try {
        await super.close();
      } finally {
        connection.disconnect();
      }
    }
  })(name, { ...options, connection });
}
