/**
 * Every Redis key driftwarden writes starts with the configured prefix (`redis.prefix`),
 * so several installations (or the demo and the tests) can share one Redis.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** Prefix handed to BullMQ: its keys become `<prefix>:q:<queue>:…`. */
  get bullPrefix(): string {
    return `${this.prefix}:q`;
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }
}
