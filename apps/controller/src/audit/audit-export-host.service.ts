import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DRIFTWARDEN_CONFIG, DRIFTWARDEN_ROLES, type DriftwardenConfig, type Role } from '@driftwarden/config';
import { AuditExporter, type ExportObjectStore } from '@driftwarden/audit';
import { AuditFollower } from '@driftwarden/notifications';
import type { Logger } from '@driftwarden/observability';
import { RedisConnectionMonitor, createRedis } from '@driftwarden/redis';
import { AuditLog, DriftStore } from '@driftwarden/store';
import { LOGGER } from '../core/tokens';
import { EXPORT_OBJECT_STORE } from './audit-export-restore.service';

/**
 * Continuous export of the audit stream to S3 (`audit.export.s3`, role `worker`; README "Durable
 * export"): its own Redis connection and loop, so neither a slow bucket nor an outage delays a
 * decision; entries wait in the consumer group until their object is written.
 */
@Injectable()
export class AuditExportHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private connection: Redis | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private exporter: AuditExporter | null = null;

  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(DRIFTWARDEN_ROLES) private readonly roles: Role[],
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(EXPORT_OBJECT_STORE) private readonly store: ExportObjectStore | null,
    private readonly audit: AuditLog,
    private readonly drifts: DriftStore,
    private readonly redisMonitor: RedisConnectionMonitor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const s3 = this.config.audit.export.s3;
    if (!s3 || !this.store || !this.roles.includes('worker')) return;
    this.connection = createRedis({
      url: this.config.redis.url,
      cluster: this.config.redis.cluster,
      name: 'driftwarden:audit-export',
      blocking: true,
      monitor: this.redisMonitor,
    });
    const follower = new AuditFollower(this.connection, this.audit.streamKey, {
      group: 'export-s3',
      blockMs: 1000,
      claimIdleMs: 60_000,
      fromStart: true,
    });
    await follower.ensureGroup();
    this.exporter = new AuditExporter(follower, this.store, this.drifts, { prefix: s3.prefix, everyMs: s3.everyMs });
    this.loop = this.run(this.exporter);
  }

  private async run(exporter: AuditExporter): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const outcome = await exporter.step();
        failures = 0;
        if (outcome && 'written' in outcome) this.logger.debug(outcome, 'audit export object written');
        if (outcome && 'failed' in outcome)
          this.logger.warn(
            { entries: outcome.entries, error: outcome.failed },
            'audit export failed: the entries stay pending and are written again later',
          );
      } catch (err) {
        // Redis unreachable: the monitor reports it; wait a little and go on.
        failures += 1;
        if (failures === 1)
          this.logger.warn(
            { err: { message: err instanceof Error ? err.message : String(err) } },
            'audit export could not read the stream',
          );
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * failures, 10_000)).unref());
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.loop;
    // What is pending goes out now; if that fails it stays pending for the next replica.
    if (this.exporter) await this.exporter.flush().catch(() => null);
    this.connection?.disconnect();
  }
}
