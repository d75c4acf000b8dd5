import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DRIFTWARDEN_CONFIG, DRIFTWARDEN_ROLES, type DriftwardenConfig, type Role } from '@driftwarden/config';
import { resourceKey, type DriftRecord } from '@driftwarden/domain';
import { FreezeService, FreezeStore, IncidentPoller, freezeAt } from '@driftwarden/freeze';
import type { Logger } from '@driftwarden/observability';
import { JobProducer } from '@driftwarden/queue';
import { ExceptionsStore } from '@driftwarden/exceptions';
import { RedisConnectionMonitor, RedisKeys, RedisLease, isRedisUnavailableError } from '@driftwarden/redis';
import { DriftStore } from '@driftwarden/store';
import { freezeSettings } from '../core/settings';
import { CLOCK, LOGGER, REDIS } from '../core/tokens';
import { RetentionSweep } from './retention-sweep.service';
import { StateRebuild } from './state-rebuild.service';

/** How often the scheduler looks for time-driven freeze transitions and ended freezes. */
export const SWEEP_INTERVAL_MS = 2_000;

/**
 * Role `scheduler`: one replica at a time (a Redis lease) records time-driven freeze
 * transitions (windows, expiries, staleness) and re-enqueues held drifts whose freeze has
 * ended, so they are decided again and never lost; then removes what has outlived its
 * retention (RetentionSweep).
 */
@Injectable()
export class SchedulerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly owner = randomUUID();

  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(DRIFTWARDEN_ROLES) private readonly roles: Role[],
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CLOCK) private readonly clock: () => Date,
    private readonly keys: RedisKeys,
    private readonly freeze: FreezeService,
    private readonly store: FreezeStore,
    private readonly drifts: DriftStore,
    private readonly producer: JobProducer,
    private readonly poller: IncidentPoller,
    private readonly exceptions: ExceptionsStore,
    private readonly rebuild: StateRebuild,
    private readonly redisMonitor: RedisConnectionMonitor,
    private readonly retention: RetentionSweep,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.roles.includes('scheduler')) return;
    // One poll per interval for all replicas (a BullMQ job scheduler; idempotent upsert).
    if (this.poller.configured.length > 0) await this.producer.scheduleIncidentPolls(this.config.incidents.pollIntervalSeconds * 1000);
    this.timer = setInterval(() => {
      if (!this.running) {
        this.running = this.sweep()
          .then(() => undefined)
          .catch((err: unknown) =>
            // Redis down: one line per outage (the monitor), not one per sweep.
            isRedisUnavailableError(err)
              ? this.redisMonitor.report('scheduler', err)
              : this.logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'scheduler sweep failed'),
          )
          .finally(() => {
            this.running = null;
          });
      }
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.running) await this.running;
  }

  /** One sweep; returns false when another replica holds the lease. */
  async sweep(): Promise<boolean> {
    // Taken, or renewed while this replica holds it, in one step (RedisLease).
    if (!(await new RedisLease(this.redis, this.keys.key('scheduler', 'lease'), SWEEP_INTERVAL_MS * 3, this.owner).acquire())) return false;
    // An emptied Redis lost the poll schedule too (a BullMQ job scheduler): set it up again
    // before the state rebuild, which can take long (GitHub slow or down): the providers are
    // polled meanwhile, so a healthy one is fresh, not `unknown`, for the whole rebuild.
    if (this.poller.configured.length > 0 && (await this.producer.ensureIncidentPolls(this.config.incidents.pollIntervalSeconds * 1000))) {
      this.logger.info('the incident poll schedule was gone (Redis emptied): set up again');
      await this.producer.pollIncidentsNow('schedule-restored');
    }
    // Redis was emptied while running, or the rebuild at start failed (GitHub unreachable): again.
    await this.rebuild.retryIfNeeded();
    const now = this.clock();
    this.freeze.invalidate();
    const state = await this.freeze.state();
    const active = freezeAt(state, freezeSettings(this.config), () => true, now, { now: true }).sources;
    await this.store.recordTransitions(active, now);
    await this.releaseHeld(now);
    await this.releaseExcepted(now);
    await this.retention.sweep(now);
    return true;
  }

  /** An expired (or removed) exception is never silently forgotten: its resource is decided again. */
  private async releaseExcepted(now: Date): Promise<void> {
    for (const e of await this.exceptions.lapsedUnhandled(now)) {
      const page = await this.drifts.list({
        resource: e.resource.startsWith('arn:') ? (e.resource.split('/').pop() ?? e.resource) : e.resource,
        limit: 1,
      });
      const d = page.items[0];
      if (d) {
        await this.producer.evaluate([
          {
            resourceKey: resourceKey(d.resource),
            trigger: 'exception_expired',
            correlationId: `exception-${e.id}`,
          },
        ]);
      }
      await this.exceptions.markHandled(e, now);
    }
  }

  /** Held drifts whose freeze has ended are decided again. */
  private async releaseHeld(now: Date): Promise<void> {
    let cursor: string | null = null;
    const release: DriftRecord[] = [];
    do {
      const page: { items: DriftRecord[]; next: string | null } = await this.drifts.list({ status: 'held', limit: 200, cursor });
      for (const d of page.items) {
        const tags = d.evidence.event?.['tags'];
        const target = {
          account: d.resource.account,
          region: d.resource.region,
          type: d.resource.type,
          tags: tags && typeof tags === 'object' && !Array.isArray(tags) ? (tags as Record<string, string>) : {},
        };
        if (!(await this.freeze.effective(target, now)).frozen) release.push(d);
      }
      cursor = page.next;
    } while (cursor);
    if (release.length === 0) return;
    await this.producer.evaluate(
      release.map((d) => ({
        resourceKey: resourceKey(d.resource),
        trigger: 'freeze_ended' as const,
        correlationId: `sweep-${now.getTime()}`,
      })),
    );
    this.logger.info({ count: release.length }, 'freeze ended: held drifts re-evaluated');
  }
}
