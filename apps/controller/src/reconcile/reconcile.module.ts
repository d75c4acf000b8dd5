import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import type { CredentialsFor } from '@driftwarden/ec2';
import { AggregatorLiveState, KindsDesiredState, KindsLiveState, createAggregatorClient, type KindRegistration } from '@driftwarden/kinds';
import { Metrics, type Logger } from '@driftwarden/observability';
import { DesiredStatePort, ReconcileService, ResourceKinds } from '@driftwarden/pipeline';
import { JobProducer } from '@driftwarden/queue';
import { RedisKeys } from '@driftwarden/redis';
import { DriftStore, ItemLedger, ReconcileStatusStore } from '@driftwarden/store';
import { AWS_CREDENTIALS_FOR, CLOCK, KINDS, LOGGER, REDIS } from '../core/tokens';
import { RECONCILE_SERVICE, ReconcileHost } from './reconcile-host.service';

/** Transient failures of one batch are retried this many times in all before the batch counts as an error. */
const ATTEMPTS_PER_BATCH = 3;

/**
 * The reconciling sweep (issue 17 §2, `reconcile.intervalMinutes`): its status store (read by
 * `/readyz` in every role), the sweep use case, and the host that schedules it (role
 * `scheduler`) and runs it (role `worker`, one replica per interval).
 */
@Module({
  providers: [
    {
      provide: ReconcileStatusStore,
      inject: [REDIS, RedisKeys],
      useFactory: (r: Redis, k: RedisKeys) => new ReconcileStatusStore(r, k),
    },
    {
      provide: RECONCILE_SERVICE,
      inject: [
        DRIFTWARDEN_CONFIG,
        DesiredStatePort,
        KINDS,
        ResourceKinds,
        ItemLedger,
        DriftStore,
        JobProducer,
        ReconcileStatusStore,
        AWS_CREDENTIALS_FOR,
        CLOCK,
        Metrics,
        LOGGER,
      ],
      useFactory: (
        c: DriftwardenConfig,
        desired: DesiredStatePort,
        kinds: KindRegistration[],
        resourceKinds: ResourceKinds,
        ledger: ItemLedger,
        drifts: DriftStore,
        producer: JobProducer,
        status: ReconcileStatusStore,
        credentialsFor: CredentialsFor | null,
        clock: () => Date,
        metrics: Metrics,
        logger: Logger,
      ): ReconcileService | null => {
        if (c.reconcile.intervalMinutes === 0) return null;
        // The sweep enumerates the state index the kinds read desired state from (a replaced
        // desired-state port, as in some tests, has no index to enumerate).
        if (!(desired instanceof KindsDesiredState)) return null;
        // With an aggregator, Config answers for every account and region (no describe calls, no assumed roles).
        const aggregator = c.reconcile.aggregator;
        const live = aggregator
          ? new AggregatorLiveState(new KindsLiveState(desired.index, kinds, null), createAggregatorClient(aggregator, 10_000), aggregator)
          : new KindsLiveState(desired.index, kinds, { requestTimeoutMs: 10_000, ...(credentialsFor ? { credentialsFor } : {}) });
        return new ReconcileService(
          live,
          resourceKinds,
          desired,
          ledger,
          drifts,
          producer,
          status,
          {
            intervalMs: c.reconcile.intervalMinutes * 60_000,
            callsPerSecond: c.reconcile.callsPerSecond,
            attemptsPerBatch: ATTEMPTS_PER_BATCH,
          },
          {
            clock,
            observer: {
              resources: (result, n) => metrics.reconcileResources.inc({ result }, n),
              progress: (r) => metrics.reconcileProgress.set(r.total === 0 ? 1 : r.checked / r.total),
              completed: (last) => {
                metrics.reconcileSweeps.inc({ outcome: last.outcome });
                metrics.reconcileLastCompleted.set(Date.parse(last.completedAt) / 1000);
                metrics.reconcileLastDuration.set(last.durationMs / 1000);
              },
              batchFailed: (location, type, ids, err) =>
                logger.warn(
                  {
                    account: location.account,
                    region: location.region,
                    type,
                    resources: ids,
                    err: { message: err instanceof Error ? err.message : String(err) },
                  },
                  'reconcile: could not compare resources with live (next sweep tries again)',
                ),
            },
          },
        );
      },
    },
    ReconcileHost,
  ],
  exports: [ReconcileStatusStore, ReconcileHost],
})
export class ReconcileModule {}
