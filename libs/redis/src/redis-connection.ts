import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisConnectionMonitor } from './redis-monitor';
import { coalesceWrites } from './write-coalescing';

/**
 * How long a request/response command may wait for Redis's answer. A Redis that is down or
 * unreachable fails a command at once (see createRedis); this bounds one that accepts
 * connections but does not answer (hung, overloaded, a network that drops packets). Long enough
 * that a busy process (an event loop held up for a moment) does not time out healthy commands.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;

export interface RedisConnectionOptions {
  url: string;
  /** Connection name shown in CLIENT LIST, e.g. `driftwarden:api`. */
  name?: string;
  /**
   * BullMQ workers and blocking readers need `null` (retry forever); request/response
   * clients should fail fast so the API answers 503 instead of hanging.
   */
  blocking?: boolean;
  /**
   * Where the connection's errors go (the structured log, rate-limited). Without a listener
   * ioredis prints them raw on stderr: every long-lived connection should have one.
   */
  monitor?: RedisConnectionMonitor;
  /**
   * Redis Cluster (`redis.cluster`): an ioredis Cluster seeded with the URL's node (the others
   * are discovered). Keys must then be hash-tagged (RedisKeys with `cluster`).
   */
  cluster?: boolean;
}

/**
 * Builds an ioredis client from a `redis://` or `rediss://` URL.
 *
 * A request/response client (not `blocking`) fails fast once it has connected: a command sent
 * while Redis is unreachable fails at once (the offline queue is turned off after the first
 * `ready`; until then start-up commands wait for the connection), one in flight when the
 * connection drops fails at once (`maxRetriesPerRequest: 0`, never re-sent), and one that gets no
 * answer fails after REDIS_COMMAND_TIMEOUT_MS. Callers map these to 503 `redis_unavailable`
 * (isRedisUnavailableError). A blocking client (BullMQ Worker, pub/sub, XREADGROUP BLOCK)
 * queues and retries until Redis is back, as BullMQ requires (`maxRetriesPerRequest: null`).
 * Both reconnect forever with capped back-off.
 */
export function createRedis(options: RedisConnectionOptions): Redis {
  const base: RedisOptions = {
    connectionName: options.name,
    maxRetriesPerRequest: options.blocking ? null : 0,
    ...(options.blocking ? {} : { commandTimeout: REDIS_COMMAND_TIMEOUT_MS }),
    enableReadyCheck: true,
    // Off: measured with `npm run bench -- --profile-pipeline`, auto-pipelining made the
    // pipeline about 25% slower (2,000 vs 2,650 events/s on 2 cores); batches are explicit, and
    // the commands of one turn share a write without waiting for anything (coalesceWrites).
    enableAutoPipelining: false,
    connectTimeout: 5_000,
    // Reconnect with capped back-off; never give up (a Redis restart must not kill the process).
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000),
  };
  const client = options.cluster ? createCluster(options.url, base) : new Redis(options.url, base);
  // Commands issued in one turn of the event loop leave in one write (see coalesceWrites).
  if (options.cluster) client.on('+node', (node: Redis) => coalesceWrites(node));
  else coalesceWrites(client);
  if (!options.blocking) {
    client.once('ready', () => {
      client.options.enableOfflineQueue = false;
    });
  }
  options.monitor?.watch(client, options.name ?? 'driftwarden');
  return client;
}

/**
 * An ioredis Cluster for a `redis://` / `rediss://` URL naming one node. It is returned as the
 * `Redis` type the code base is written against: driftwarden uses only the command API both share
 * (commands, pipelines, MULTI, scripts, pub/sub, `status`, `options.enableOfflineQueue`, `quit`/
 * `disconnect`), and BullMQ takes either. What differs is handled where it matters (SCAN:
 * deleteKeysWithPrefix walks every master).
 */
function createCluster(url: string, base: RedisOptions): Redis {
  const u = new URL(url);
  const tls = u.protocol === 'rediss:';
  const cluster = new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
    redisOptions: {
      ...base,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(tls ? { tls: {} } : {}),
    },
    enableReadyCheck: true,
    enableAutoPipelining: false,
    maxRedirections: 16,
    clusterRetryStrategy: base.retryStrategy,
    // ElastiCache/MemoryDB with TLS: connect to the node names, not re-resolved addresses (the certificate names them).
    ...(tls ? { dnsLookup: (address: string, callback: (err: Error | null, address: string) => void) => callback(null, address) } : {}),
  });
  return cluster as unknown as Redis;
}

/** Whether a client made by createRedis is a Cluster. */
export function isCluster(client: Redis): boolean {
  return (client as unknown) instanceof Cluster;
}

/** Resolves once the client is ready or rejects with a clear message. */
export async function waitForRedis(client: Redis, url: string, timeoutMs = 5_000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis is unreachable at ${redactUrl(url)} (no connection within ${timeoutMs} ms)`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}

/** Removes any password from a Redis URL before it is logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid redis url>';
  }
}

/**
 * The master nodes of a Cluster, once it knows them: a Cluster that is not ready yet has no nodes
 * (where a plain client would queue the command), so this waits for `ready` (up to `timeoutMs`).
 */
export async function clusterMasters(client: Redis, timeoutMs = 10_000): Promise<Redis[]> {
  if (client.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('ready', onReady);
        reject(new Error(`the Redis Cluster was not ready within ${timeoutMs} ms (status ${client.status})`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      client.once('ready', onReady);
    });
  }
  return (client as unknown as Cluster).nodes('master');
}

/** Deletes every key under `<prefix>:` (SCAN + UNLINK): the demo, tests and benchmark clean up with it. */
export async function deleteKeysWithPrefix(client: Redis, prefix: string): Promise<number> {
  // A Cluster's keys are spread over its masters, each scanned on its own; `{prefix}:` is the
  // cluster-mode form of the prefix (RedisKeys), deleted too.
  const cluster = isCluster(client);
  const nodes = cluster ? await clusterMasters(client) : [client];
  let deleted = 0;
  for (const node of nodes) {
    for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length === 0) continue;
        // On a Cluster, one key per call: keys of different slots cannot share an UNLINK.
        if (cluster) for (const key of keys) deleted += await node.unlink(key);
        else deleted += await node.unlink(...keys);
      } while (cursor !== '0');
    }
  }
  return deleted;
}
