/**
 * Every Redis key driftwarden writes starts with the configured prefix (`redis.prefix`),
 * so several installations (or the demo and the tests) can share one Redis.
 *
 * With Redis Cluster (`redis.cluster: true`) the prefix is a hash tag, `{dw}`: every key (and
 * every BullMQ key, `{dw}:q:<queue>:…`) hashes to one slot, so each Lua script, MULTI and
 * pipeline touches one slot, as Cluster requires (the scripts also reach keys they build from
 * the prefix, which only works within the slot). The cost: one installation's keys live on one
 * shard (cluster mode then gives failover and a managed service's topology, not sharding).
 */
export class RedisKeys {
  /** What every key starts with: the prefix, or `{prefix}` in cluster mode. */
  readonly base: string;

  constructor(
    readonly prefix: string,
    options: { cluster?: boolean } = {},
  ) {
    this.base = options.cluster ? `{${prefix}}` : prefix;
  }

  /** Prefix handed to BullMQ: its keys become `<base>:q:<queue>:…`. */
  get bullPrefix(): string {
    return `${this.base}:q`;
  }

  /** `<base>:<part>:<part>…` (written out: it is built several times per decision). */
  key(...parts: string[]): string {
    let key = this.base;
    for (const part of parts) key += `:${part}`;
    return key;
  }
}
