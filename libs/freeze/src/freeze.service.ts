import type { Redis } from 'ioredis';
import type { ScopeTarget } from '@driftwarden/domain';
import { FencePort, FreezePort, FreezeRecordedError, type Fence, type FreezeView } from '@driftwarden/pipeline';
import { freezeAt, freezeEvidence, nextTimeDrivenStart } from './effective-freeze';
import type { FreezeStore } from './freeze-store';
import type { EffectiveFreeze, FreezeSettings, FreezeState } from './freeze.types';

/**
 * The freeze as the pipeline sees it. Reads one cached copy of the recorded state per
 * process, invalidated at once by the freeze channel (every replica sees a transition when
 * it is published) and re-read at least every `maxAgeMs` as a backstop.
 */
export class FreezeService extends FreezePort {
  private cached: { state: FreezeState; at: number } | null = null;
  private loading: Promise<FreezeState> | null = null;
  private subscriber: Redis | null = null;
  private generation = 0;

  constructor(
    private readonly store: FreezeStore,
    private readonly settings: FreezeSettings,
    private readonly maxAgeMs = 1_000,
  ) {
    super();
  }

  /** Subscribes to the freeze channel with a dedicated connection. */
  async listen(subscriber: Redis, onMessage?: (message: string) => void): Promise<void> {
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => {
      this.invalidate();
      onMessage?.(message);
    });
    await subscriber.subscribe(this.store.channel);
  }

  invalidate(): void {
    this.generation++;
    this.cached = null;
    // A read already in flight may predate the message: later callers start a fresh one.
    this.loading = null;
  }

  async close(): Promise<void> {
    if (this.subscriber) await this.subscriber.quit().catch(() => this.subscriber?.disconnect());
  }

  async state(): Promise<FreezeState> {
    if (this.cached && Date.now() - this.cached.at < this.maxAgeMs) return this.cached.state;
    if (!this.loading) {
      const generation = this.generation;
      this.loading = this.store.load(this.settings.providers).then(
        (state) => {
          // A message that arrived while loading makes this copy stale: do not cache it.
          if (generation === this.generation) this.cached = { state, at: Date.now() };
          this.loading = null;
          return state;
        },
        (err: unknown) => {
          this.loading = null;
          throw err;
        },
      );
    }
    return this.loading;
  }

  async effective(target: ScopeTarget, now: Date): Promise<EffectiveFreeze> {
    return freezeAt(await this.state(), this.settings, target, now, { now: true });
  }

  /** See `nextTimeDrivenStart`; `target` null means any resource. */
  async nextTimeDrivenStart(target: ScopeTarget | null, now: Date): Promise<{ at: Date; reason: string } | null> {
    return nextTimeDrivenStart(await this.state(), this.settings, target, now);
  }

  async view(target: ScopeTarget, changedAt: Date, now: Date): Promise<FreezeView> {
    const state = await this.state();
    const freeze = freezeEvidence(state, this.settings, target, changedAt, now);
    return {
      freeze,
      incidents: {
        takenAt: now.toISOString(),
        providers: Object.fromEntries(
          state.providers.map((p) => [p.provider, { ok: p.ok, fetchedAt: p.fetchedAt, ...(p.error ? { error: p.error } : {}) }]),
        ),
        incidents: state.incidents.filter((i) => !i.resolvedAt),
      },
    };
  }
}

/**
 * The fence (DESIGN §1 rule 4): armed before the fenced re-check, checked immediately before
 * each cloud call. It fails once any freeze was recorded after arming (an atomic epoch compare
 * in Redis), and once a freeze that starts by the clock alone (a window opening, an override
 * ending, data going stale) has begun for the target, even if no sweep has recorded it yet.
 */
export class FreezeFence extends FencePort {
  constructor(
    private readonly store: FreezeStore,
    private readonly freeze: Pick<FreezeService, 'nextTimeDrivenStart'> | null = null,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super();
  }

  async arm(target?: ScopeTarget): Promise<Fence> {
    const armedAt = await this.store.epoch();
    const next = this.freeze ? await this.freeze.nextTimeDrivenStart(target ?? null, this.clock()) : null;
    return async () => {
      if (next && this.clock().getTime() >= next.at.getTime()) {
        throw new FreezeRecordedError(
          `a freeze began before the cloud call (${next.reason} at ${next.at.toISOString()}); nothing was written`,
        );
      }
      if (!(await this.store.fenceHolds(armedAt))) throw new FreezeRecordedError();
    };
  }
}
