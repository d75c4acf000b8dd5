import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { FreezeFence, FreezeService, FreezeStore, IncidentPoller, type IncidentSource } from '@driftwarden/freeze';
import { createIncidentProviders } from '@driftwarden/incidents';
import { FencePort, FreezePort } from '@driftwarden/pipeline';
import { RedisKeys } from '@driftwarden/redis';
import { AuditLog } from '@driftwarden/store';
import { tokenOf, withOverrides, type PortOverrides } from './port-overrides';
import { freezeSettings, incidentSourcesOf } from './settings';
import { CLOCK, INCIDENT_SOURCES, REDIS } from './tokens';

type Clock = () => Date;

/** Whether auto-heal is frozen: the incident sources, their poller, the freeze state and the fence. */
@Module({})
export class FreezeModule {
  static forRoot(overrides: PortOverrides): DynamicModule {
    const providers: Provider[] = withOverrides(
      [
        {
          provide: FreezeStore,
          inject: [REDIS, RedisKeys, AuditLog, CLOCK],
          useFactory: (r: Redis, k: RedisKeys, a: AuditLog, clock: Clock) => new FreezeStore(r, k, a, clock),
        },
        // The polled incident sources, built once: the poller lists them, the webhooks read back through them.
        {
          provide: INCIDENT_SOURCES,
          inject: [DRIFTWARDEN_CONFIG],
          useFactory: (c: DriftwardenConfig): IncidentSource[] => createIncidentProviders(c.incidents),
        },
        {
          provide: IncidentPoller,
          inject: [FreezeStore, DRIFTWARDEN_CONFIG, CLOCK, INCIDENT_SOURCES],
          useFactory: (store: FreezeStore, c: DriftwardenConfig, clock: Clock, sources: IncidentSource[]) =>
            new IncidentPoller(
              sources,
              store,
              { pagerduty: c.incidents.pagerduty?.scopes, opsgenie: c.incidents.opsgenie?.scopes, ...incidentSourcesOf(c).scopes },
              clock,
              c.incidents.maxStalenessSeconds * 1000,
            ),
        },
        {
          provide: FreezeService,
          inject: [FreezeStore, DRIFTWARDEN_CONFIG],
          useFactory: (store: FreezeStore, c: DriftwardenConfig) => new FreezeService(store, freezeSettings(c)),
        },
        { provide: FreezePort, useExisting: FreezeService },
        {
          provide: FencePort,
          inject: [FreezeStore, FreezeService, CLOCK],
          useFactory: (store: FreezeStore, f: FreezeService, clock: Clock) => new FreezeFence(store, f, clock),
        },
      ],
      overrides,
    );
    return { module: FreezeModule, global: true, providers, exports: providers.map(tokenOf) as NonNullable<DynamicModule['exports']> };
  }
}
