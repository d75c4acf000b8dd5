import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { FreezeService } from '@driftwarden/freeze';
import { RedisConnectionMonitor, createRedis } from '@driftwarden/redis';

/** Every replica listens on the freeze channel: a transition invalidates its cached freeze at once. */
@Injectable()
export class FreezeListener implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly freeze: FreezeService,
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    private readonly redisMonitor: RedisConnectionMonitor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.freeze.listen(
      createRedis({
        url: this.config.redis.url,
        cluster: this.config.redis.cluster,
        name: 'driftwarden:freeze-sub',
        blocking: true,
        monitor: this.redisMonitor,
      }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.freeze.close();
  }
}
