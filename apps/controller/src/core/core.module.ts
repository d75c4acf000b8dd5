import { Module, type DynamicModule } from '@nestjs/common';
import { Metrics, type Logger } from '@driftwarden/observability';
import { AttributionModule } from './attribution.module';
import { FreezeModule } from './freeze.module';
import { KindsModule } from './kinds.module';
import { PipelineModule } from './pipeline.module';
import type { PortOverrides } from './port-overrides';
import { RedisModule } from './redis.module';
import { StoresModule } from './stores.module';
import { CLOCK, LOGGER } from './tokens';

/**
 * The composition root: one module per capability (Redis; stores and queue; freeze; resource
 * kinds with their write ports; attribution; the use cases), each global so the HTTP layer, the
 * workers and later modules inject what they need. Tests replace ports with `overrides`.
 */
@Module({})
export class CoreModule {
  static forRoot(opts: { overrides: PortOverrides; logger: Logger; clock?: () => Date; metrics?: Metrics }): DynamicModule {
    const providers = [
      { provide: LOGGER, useValue: opts.logger },
      { provide: CLOCK, useValue: opts.clock ?? (() => new Date()) },
      { provide: Metrics, useValue: opts.metrics ?? new Metrics() },
    ];
    return {
      module: CoreModule,
      global: true,
      imports: [
        RedisModule.forRoot(),
        StoresModule.forRoot(),
        FreezeModule.forRoot(opts.overrides),
        KindsModule.forRoot(opts.overrides),
        AttributionModule.forRoot(opts.overrides),
        PipelineModule.forRoot(opts.overrides),
      ],
      providers,
      exports: providers.map((p) => p.provide),
    };
  }
}
