import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { FreezeService, FreezeStore } from '@driftwarden/freeze';
import type { Logger } from '@driftwarden/observability';
import { RedisConnectionMonitor, createRedis, isRedisUnavailableError } from '@driftwarden/redis';
import { CLOCK, LOGGER } from '../core/tokens';
import { freezeView, type FreezeViewBody } from '../http/freeze-view';

export interface FreezeListener {
  send(view: FreezeViewBody): void;
  /** Ends the stream (shutdown: an open response would keep the HTTP server from closing). */
  end(): void;
}

/** Streams open at once per replica; one more is answered 503 (each holds a socket and a listener). */
export const MAX_FREEZE_STREAMS = 200;

/**
 * The freeze as it changes, for the console's live banner (`GET /v1/freeze/stream`): subscribes
 * to the freeze pub/sub channel (every transition is published there, by whichever replica
 * recorded it) on a connection of its own, and hands the recomputed effective freeze to every
 * open stream. Messages that arrive while one view is being computed coalesce into one more.
 */
@Injectable()
export class FreezeStream implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private subscriber: Redis | null = null;
  private readonly listeners = new Set<FreezeListener>();
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly freeze: FreezeService,
    private readonly store: FreezeStore,
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(CLOCK) private readonly clock: () => Date,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly redisMonitor: RedisConnectionMonitor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscriber = createRedis({
      url: this.config.redis.url,
      cluster: this.config.redis.cluster,
      name: 'driftwarden:freeze-stream',
      blocking: true,
      monitor: this.redisMonitor,
    });
    this.subscriber.on('message', () => this.changed());
    await this.subscriber.subscribe(this.store.channel);
  }

  /** Before the HTTP server closes (Nest closes it between destroy and shutdown hooks). */
  onModuleDestroy(): void {
    for (const l of [...this.listeners]) l.end();
    this.listeners.clear();
  }

  async onApplicationShutdown(): Promise<void> {
    const s = this.subscriber;
    if (s) await s.quit().catch(() => s.disconnect());
    await this.running;
  }

  get size(): number {
    return this.listeners.size;
  }

  /** Adds a listener; returns its removal, or null when MAX_FREEZE_STREAMS are open. */
  add(listener: FreezeListener): (() => void) | null {
    if (this.listeners.size >= MAX_FREEZE_STREAMS) return null;
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The freeze now (every source), as `GET /v1/freeze` answers it without a query. */
  async current(): Promise<FreezeViewBody> {
    this.freeze.invalidate();
    return freezeView(await this.freeze.state(), this.config, this.clock());
  }

  /** A transition was published: recompute once (more messages meanwhile: once more) and tell every stream. */
  changed(): void {
    if (this.listeners.size === 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const view = await this.current();
          for (const l of [...this.listeners]) l.send(view);
        } catch (err) {
          if (isRedisUnavailableError(err)) this.redisMonitor.report('freeze-stream', err);
          else
            this.logger.warn(
              { err: { message: err instanceof Error ? err.message : String(err) } },
              'freeze stream: the freeze could not be read',
            );
        }
      } while (this.again && this.listeners.size > 0);
    })().finally(() => {
      this.running = null;
    });
  }
}
