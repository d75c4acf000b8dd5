import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DRIFTWARDEN_CONFIG, DRIFTWARDEN_ROLES, type DriftwardenConfig, type Role } from '@driftwarden/config';
import { createGitHubRepoClient, gitHubClientOptionsFromConfig } from '@driftwarden/github';
import type { Logger } from '@driftwarden/observability';
import { RedisConnectionMonitor, RedisKeys, RedisLease, isRedisUnavailableError } from '@driftwarden/redis';
import { AuditLog, DriftStore } from '@driftwarden/store';
import { CLOCK, LOGGER, REDIS } from '../core/tokens';
import { BackportExpiry } from './backport-expiry';

/** How often overdue backports are looked for (a period is days long: a minute late is fine). */
export const EXPIRY_SWEEP_MS = 60_000;

/**
 * Role `scheduler`: runs the backport expiry sweep (BackportExpiry) every minute on one replica
 * at a time (a Redis lease of its own); each period is announced once whatever the replicas do.
 */
@Injectable()
export class BackportExpiryHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly owner = randomUUID();
  private expiry: BackportExpiry | null = null;

  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(DRIFTWARDEN_ROLES) private readonly roles: Role[],
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CLOCK) private readonly clock: () => Date,
    private readonly keys: RedisKeys,
    private readonly drifts: DriftStore,
    private readonly audit: AuditLog,
    private readonly redisMonitor: RedisConnectionMonitor,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.roles.includes('scheduler')) return;
    const c = this.config;
    const github = c.github ? createGitHubRepoClient(gitHubClientOptionsFromConfig(c.github)) : null;
    this.expiry = new BackportExpiry(
      this.redis,
      this.keys,
      this.drifts,
      this.audit,
      github,
      { expiryDays: c.backport.expiryDays, dryRun: c.mode === 'dry-run' },
      this.logger.child({ component: 'backport-expiry' }),
      this.clock,
    );
    this.timer = setInterval(() => void this.tick(), EXPIRY_SWEEP_MS);
    this.timer.unref();
  }

  /** One sweep if this replica holds the lease; false when another does. */
  async tick(): Promise<boolean> {
    if (!this.expiry || this.running) return false;
    const lease = new RedisLease(this.redis, this.keys.key('scheduler', 'expiry-lease'), EXPIRY_SWEEP_MS * 2, this.owner);
    if (!(await lease.acquire().catch(() => false))) return false;
    const expiry = this.expiry;
    this.running = (async () => {
      try {
        const out = await expiry.sweep();
        if (out.announced.length) this.logger.info({ overdue: out.announced }, 'overdue backport pull requests announced');
      } catch (err) {
        if (isRedisUnavailableError(err)) this.redisMonitor.report('backport-expiry', err);
        else this.logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'backport expiry sweep failed');
      }
    })().finally(() => {
      this.running = null;
    });
    await this.running;
    return true;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
