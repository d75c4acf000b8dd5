import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TokenRegistry } from '@driftwarden/auth';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { PrincipalClassifier } from '@driftwarden/domain';
import { ExceptionsStore } from '@driftwarden/exceptions';
import { IncidentNoteLog } from '@driftwarden/notifications';
import { JobProducer } from '@driftwarden/queue';
import { RedisConnectionMonitor, RedisKeys } from '@driftwarden/redis';
import { AuditLog, CloudTrailStore, DriftStore, ItemLedger, QuarantineStore } from '@driftwarden/store';
import { tokenOf } from './port-overrides';
import { jobRetentionOf, storeRetentionOf } from './settings';
import { CLOCK, REDIS, REDIS_BLOCKING } from './tokens';

/** What is kept in Redis (records, items, audit, exceptions, notes), the job producer, and who is who (tokens, principals). */
@Module({})
export class StoresModule {
  static forRoot(): DynamicModule {
    const providers: Provider[] = [
      { provide: TokenRegistry, inject: [DRIFTWARDEN_CONFIG], useFactory: (c: DriftwardenConfig) => new TokenRegistry(c.api.tokens) },
      {
        provide: PrincipalClassifier,
        inject: [DRIFTWARDEN_CONFIG],
        useFactory: (c: DriftwardenConfig) => new PrincipalClassifier(c.principals),
      },
      {
        provide: AuditLog,
        inject: [REDIS, RedisKeys, DRIFTWARDEN_CONFIG],
        useFactory: (r: Redis, k: RedisKeys, c: DriftwardenConfig) => new AuditLog(r, k, storeRetentionOf(c)),
      },
      {
        provide: DriftStore,
        inject: [REDIS, RedisKeys, AuditLog, DRIFTWARDEN_CONFIG, CLOCK],
        useFactory: (r: Redis, k: RedisKeys, a: AuditLog, c: DriftwardenConfig, clock: () => Date) =>
          new DriftStore(r, k, a, storeRetentionOf(c), clock),
      },
      {
        provide: ItemLedger,
        inject: [REDIS, RedisKeys, AuditLog, DRIFTWARDEN_CONFIG],
        useFactory: (r: Redis, k: RedisKeys, a: AuditLog, c: DriftwardenConfig) => new ItemLedger(r, k, a, storeRetentionOf(c)),
      },
      {
        provide: CloudTrailStore,
        inject: [REDIS, RedisKeys, DRIFTWARDEN_CONFIG],
        useFactory: (r: Redis, k: RedisKeys, c: DriftwardenConfig) => new CloudTrailStore(r, k, storeRetentionOf(c)),
      },
      {
        provide: QuarantineStore,
        inject: [REDIS, RedisKeys, AuditLog, DRIFTWARDEN_CONFIG],
        useFactory: (r: Redis, k: RedisKeys, a: AuditLog, c: DriftwardenConfig) => new QuarantineStore(r, k, a, storeRetentionOf(c)),
      },
      {
        provide: ExceptionsStore,
        inject: [REDIS, RedisKeys, AuditLog],
        useFactory: (r: Redis, k: RedisKeys, a: AuditLog) => new ExceptionsStore(r, k, a),
      },
      // Notes on incident timelines: what became of each, kept beside the drift records (issue 14 §4).
      { provide: IncidentNoteLog, inject: [REDIS, RedisKeys], useFactory: (r: Redis, k: RedisKeys) => new IncidentNoteLog(r, k) },
      {
        provide: JobProducer,
        inject: [REDIS_BLOCKING, RedisKeys, DRIFTWARDEN_CONFIG, RedisConnectionMonitor],
        useFactory: (r: Redis, k: RedisKeys, c: DriftwardenConfig, m: RedisConnectionMonitor) =>
          new JobProducer({
            connection: r,
            prefix: k.bullPrefix,
            coalesceMs: c.ingest.coalesceMilliseconds,
            jobRetention: jobRetentionOf(c),
            onError: (err, queue) => m.report(`queue:${queue}`, err),
          }),
      },
    ];
    return { module: StoresModule, global: true, providers, exports: providers.map(tokenOf) as NonNullable<DynamicModule['exports']> };
  }
}
