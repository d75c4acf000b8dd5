import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { RedisConnectionMonitor, RedisKeys, createRedis } from '@driftwarden/redis';
import type { Logger } from '@driftwarden/observability';
import { tokenOf } from './port-overrides';
import { LOGGER, REDIS, REDIS_BLOCKING } from './tokens';

/** Closes the shared Redis clients last, after workers and queues. */
@Injectable()
export class RedisLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_BLOCKING) private readonly blocking: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.redis, this.blocking].map((c) => c.quit().catch(() => c.disconnect())));
  }
}

/** The Redis connections (request/response and blocking), their key names and their error log. */
@Module({})
export class RedisModule {
  static forRoot(): DynamicModule {
    const providers: Provider[] = [
      {
        provide: RedisKeys,
        inject: [DRIFTWARDEN_CONFIG],
        useFactory: (c: DriftwardenConfig) => new RedisKeys(c.redis.prefix, { cluster: c.redis.cluster }),
      },
      // Every Redis connection's errors go into the log through this one (rate-limited), never raw on stderr.
      {
        provide: RedisConnectionMonitor,
        inject: [LOGGER],
        useFactory: (l: Logger) => new RedisConnectionMonitor(l.child({ component: 'redis' })),
      },
      {
        // Request/response: fails fast while Redis is unreachable (the API answers 503 redis_unavailable).
        provide: REDIS,
        inject: [DRIFTWARDEN_CONFIG, RedisConnectionMonitor],
        useFactory: (c: DriftwardenConfig, m: RedisConnectionMonitor) =>
          createRedis({ url: c.redis.url, cluster: c.redis.cluster, name: 'driftwarden', monitor: m }),
      },
      {
        // Queue producers and workers need a connection that retries forever.
        provide: REDIS_BLOCKING,
        inject: [DRIFTWARDEN_CONFIG, RedisConnectionMonitor],
        useFactory: (c: DriftwardenConfig, m: RedisConnectionMonitor) =>
          createRedis({ url: c.redis.url, cluster: c.redis.cluster, name: 'driftwarden:queue', blocking: true, monitor: m }),
      },
      RedisLifecycle,
    ];
    return { module: RedisModule, global: true, providers, exports: providers.map(tokenOf) as NonNullable<DynamicModule['exports']> };
  }
}
