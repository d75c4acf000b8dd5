import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { PermanentError, resourceKey, type ConfigItemEvent, type JsonObject, type ResourceRef } from '@driftwarden/domain';
import { configItemEventId } from '@driftwarden/ingest';
import type { JobProducer } from '@driftwarden/queue';
import type { DriftStore, ItemLedger, ReconcileStatus, ReconcileStatusStore } from '@driftwarden/store';
import type { DesiredStatePort } from '../ports/desired-state.port';
import type { LiveBatch, LiveLocation, LiveRef, LiveResource, LiveStatePort } from '../ports/live-state.port';
import type { Analysis, ResourceKinds } from '../ports/resource-kind.port';

export interface ReconcileSettings {
  /** `reconcile.intervalMinutes` in ms: a sweep is due this long after the last one started. */
  intervalMs: number;
  /** API calls per second per account and region (`reconcile.callsPerSecond`), unless a batch says its own. */
  callsPerSecond: number;
  /** Attempts per batch on a transient failure (throttling, 5xx, timeout) before it is counted as an error. */
  attemptsPerBatch: number;
}

/** Why a resource was or was not fed into the pipeline (metrics label). */
export type ReconcileResult = 'fed' | 'known' | 'pending' | 'unmanaged' | 'unsupported' | 'error';

export interface ReconcileObserver {
  resources?(result: ReconcileResult, count: number): void;
  progress?(running: NonNullable<ReconcileStatus['running']>): void;
  completed?(last: NonNullable<ReconcileStatus['last']>): void;
  /** A batch that could not be read (after its attempts): the sweep goes on with the others. */
  batchFailed?(location: LiveLocation, type: string, ids: number, err: unknown): void;
}

export type SweepOutcome =
  | { status: 'not_due'; nextAt: string }
  | { status: 'busy' }
  | { status: 'completed'; last: NonNullable<ReconcileStatus['last']> }
  /** Stopped by its signal (the controller shutting down) before it was through; the next due sweep starts over. */
  | { status: 'stopped'; checked: number; total: number };

export interface SweepOptions {
  /** Sweep even if the last one started less than an interval ago. */
  force?: boolean;
  correlationId?: string;
  /**
   * Stops the sweep between API calls (the controller shutting down): an API call in flight is
   * let finish (its request timeout bounds it), no other starts, and a wait for the rate limit
   * or a retry ends at once.
   */
  signal?: AbortSignal;
}

/** Thrown inside a sweep when its signal fires; never leaves `sweepIfDue`. */
class SweepStopped extends Error {
  constructor() {
    super('the reconciling sweep was stopped');
  }
}

/** How long the sweep's lease lives without a renewal (renewed after every batch). */
const LEASE_MS = 120_000;

/**
 * The reconciling sweep (issue 17 §2): events can be lost, so every `reconcile.intervalMinutes`
 * one replica compares every managed resource of a kind that can describe itself live with its
 * live configuration, and feeds each resource whose live configuration differs from what the
 * controller last knew into the normal pipeline as a Config item (`delivery.transport:
 * reconcile`) with an evaluation of trigger `reconcile`: same decision table, same freeze, same
 * fence; a drift already open is continued, never recorded twice.
 *
 * "What the controller last knew" is the newest decided item of the resource (compared by the
 * differences each shows against the desired state now), else its open drift, else "live equals
 * desired". A resource with items still waiting is left to them.
 */
export class ReconcileService {
  private readonly nextCall = new Map<string, number>();

  constructor(
    private readonly live: LiveStatePort,
    private readonly kinds: ResourceKinds,
    private readonly desired: DesiredStatePort,
    private readonly ledger: ItemLedger,
    private readonly drifts: DriftStore,
    private readonly producer: JobProducer,
    private readonly status: ReconcileStatusStore,
    private readonly settings: ReconcileSettings,
    private readonly deps: {
      clock: () => Date;
      /** Monotonic ms for the rate limit (real time even under a fake business clock). */
      monotonic?: () => number;
      sleep?: (ms: number) => Promise<void>;
      observer?: ReconcileObserver;
    },
  ) {}

  /**
   * Sweeps when one is due (the last started `intervalMs` or more ago by the clock, or `force`)
   * and no other replica is sweeping. The job scheduler asks once per interval; the check makes
   * a duplicate request (a restart re-creating the schedule) harmless.
   */
  async sweepIfDue(options: SweepOptions = {}): Promise<SweepOutcome> {
    if (options.signal?.aborted) return { status: 'stopped', checked: 0, total: 0 };
    const now = this.deps.clock();
    if (!options.force) {
      const { last, running } = await this.status.read();
      const lastStart = Math.max(last ? Date.parse(last.startedAt) : 0, running ? Date.parse(running.startedAt) : 0);
      // Half an interval of slack: the schedule's own jitter never skips a sweep, a duplicate request does nothing.
      if (lastStart > 0 && now.getTime() - lastStart < this.settings.intervalMs / 2) {
        return { status: 'not_due', nextAt: new Date(lastStart + this.settings.intervalMs).toISOString() };
      }
    }
    const owner = randomUUID();
    if (!(await this.status.acquire(owner, LEASE_MS))) return { status: 'busy' };
    const running = { sweepId: owner, startedAt: now.toISOString(), total: 0, checked: 0, fed: 0, errors: 0 };
    try {
      return {
        status: 'completed',
        last: await this.sweep(running, options.correlationId ?? `reconcile-${now.getTime()}`, options.signal),
      };
    } catch (err) {
      await this.status.abandoned();
      if (err instanceof SweepStopped) return { status: 'stopped', checked: running.checked, total: running.total };
      throw err;
    } finally {
      await this.status.release(owner);
    }
  }

  private async sweep(
    running: NonNullable<ReconcileStatus['running']>,
    correlationId: string,
    signal: AbortSignal | undefined,
  ): Promise<NonNullable<ReconcileStatus['last']>> {
    const owner = running.sweepId;
    const started = this.monotonic();
    const sources = await this.live.managed();
    running.total = sources.reduce((n, s) => n + s.ids.length, 0);
    await this.status.started(owner, new Date(running.startedAt), running.total);
    this.deps.observer?.progress?.(running);
    for (const batch of this.live.plan(sources)) {
      if (signal?.aborted) throw new SweepStopped();
      const counts = await this.batch(batch, correlationId, signal);
      running.checked += batch.resources.length;
      running.fed += counts.fed;
      running.errors += counts.errors;
      await this.status.progress(running);
      this.deps.observer?.progress?.(running);
      if (!(await this.status.renew(owner, LEASE_MS)))
        throw new Error('the reconcile lease was lost (the sweep took too long between batches)');
    }
    const last = {
      sweepId: owner,
      startedAt: running.startedAt,
      completedAt: this.deps.clock().toISOString(),
      durationMs: Math.round(this.monotonic() - started),
      checked: running.checked,
      fed: running.fed,
      errors: running.errors,
      outcome: running.errors > 0 ? ('partial' as const) : ('ok' as const),
    };
    await this.status.finished(last);
    this.deps.observer?.completed?.(last);
    return last;
  }

  /** One batch: read live (rate-limited, retried), compare, feed what differs. */
  private async batch(batch: LiveBatch, correlationId: string, signal: AbortSignal | undefined): Promise<{ fed: number; errors: number }> {
    const supported = batch.resources.filter((r) => this.kinds.forType(r.type));
    this.count('unsupported', batch.resources.length - supported.length);
    if (supported.length === 0) return { fed: 0, errors: 0 };
    const wanted: LiveBatch = supported.length === batch.resources.length ? batch : { ...batch, resources: supported };
    let live: LiveResource[];
    try {
      live = await this.describe(wanted, signal);
    } catch (err) {
      if (err instanceof SweepStopped) throw err;
      this.count('error', supported.length);
      this.failed(wanted.resources, err);
      return { fed: 0, errors: supported.length };
    }
    const refs = live.map((r, i): ResourceRef => {
      const { type, location } = wanted.resources[i];
      return { type, id: r.id, account: location.account, region: location.region, ...(r.arn ? { arn: r.arn } : {}) };
    });
    const known = await this.ledger.latestKnown(refs.map(resourceKey));
    const items: ConfigItemEvent[] = [];
    let errors = 0;
    const now = this.deps.clock();
    for (let i = 0; i < live.length; i++) {
      const ref = refs[i];
      const k = known[i];
      const l = live[i];
      if (l.unreadable !== undefined) {
        errors++;
        this.count('error', 1);
        this.failed([wanted.resources[i]], new Error(l.unreadable));
        continue;
      }
      if (k.pending > 0) {
        this.count('pending', 1);
        continue;
      }
      if (l.capturedAt !== undefined && k.processed && Date.parse(l.capturedAt) <= Date.parse(k.processed.captureTime)) {
        // A recorded copy (Config's aggregator) no newer than what the controller already decided on.
        this.count('known', 1);
        continue;
      }
      const kind = this.kinds.forType(ref.type)!;
      try {
        const desired = await this.desired.lookup(ref);
        if (!desired.managed) {
          this.count('unmanaged', 1);
          continue;
        }
        const analysisOf = (configuration: JsonObject | null, supplementaryConfiguration: Record<string, unknown> | undefined) =>
          kind.analyze(configuration, desired, {
            resourceId: ref.id,
            ...(supplementaryConfiguration ? { supplementaryConfiguration } : {}),
          });
        const liveShape = signature(analysisOf(l.exists ? l.configuration : null, l.exists ? l.supplementaryConfiguration : undefined));
        if (liveShape === (await this.knownShape(ref, k.processed, k.openDrift !== null, analysisOf))) {
          this.count('known', 1);
          continue;
        }
      } catch (err) {
        // A state that cannot be read, a live shape the kind cannot read: this resource waits for the next sweep.
        errors++;
        this.count('error', 1);
        this.failed([wanted.resources[i]], err);
        continue;
      }
      items.push(this.item(ref, l, now, k.processedOrder));
    }
    if (items.length === 0) return { fed: 0, errors };
    const accepted = await this.ledger.accept(items);
    const fed = accepted.filter((a) => a.status === 'accepted' || a.status === 'duplicate_pending').map((a) => a.resourceKey);
    await this.producer.evaluate(fed.map((rk) => ({ resourceKey: rk, trigger: 'reconcile' as const, correlationId })));
    this.count('fed', fed.length);
    return { fed: fed.length, errors };
  }

  /** Reports resources that could not be compared, per location and type. */
  private failed(resources: readonly LiveRef[], err: unknown): void {
    const groups = new Map<string, { location: LiveLocation; type: string; n: number }>();
    for (const r of resources) {
      const key = `${r.location.account}/${r.location.region}/${r.type}`;
      const g = groups.get(key);
      if (g) g.n++;
      else groups.set(key, { location: r.location, type: r.type, n: 1 });
    }
    for (const g of groups.values()) this.deps.observer?.batchFailed?.(g.location, g.type, g.n, err);
  }

  /** What the controller last knew of the resource, as the differences it showed against desired now. */
  private async knownShape(
    ref: ResourceRef,
    processed: ConfigItemEvent | null,
    hasOpenDrift: boolean,
    analysisOf: (configuration: JsonObject | null, supplementaryConfiguration: Record<string, unknown> | undefined) => Analysis,
  ): Promise<string> {
    // An oversized item's configuration was never stored whole: fall back to the open drift.
    if (
      processed &&
      (processed.configuration || processed.status === 'ResourceDeleted' || processed.status === 'ResourceDeletedNotRecorded')
    ) {
      return signature(analysisOf((processed.configuration as JsonObject | null) ?? null, processed.supplementaryConfiguration));
    }
    const open = hasOpenDrift ? await this.drifts.openFor(resourceKey(ref)) : null;
    if (open?.record.differences?.length)
      return open.record.differences
        .map((d) => d.id)
        .sort()
        .join('|');
    return EQUAL;
  }

  private item(ref: ResourceRef, live: LiveResource, now: Date, processedOrder: number | null): ConfigItemEvent {
    // After every item the controller holds: an older order would be recorded as stale and never decided.
    const order = Math.max(now.getTime(), (processedOrder ?? 0) + 1);
    const at = now.toISOString();
    // Config's capture time when the configuration is Config's recorded copy (attribution measures the change's age from it).
    const captured = live.capturedAt !== undefined && Date.parse(live.capturedAt) <= now.getTime() ? live.capturedAt : at;
    return {
      kind: 'config_item',
      eventId: configItemEventId(ref, order),
      resource: ref,
      captureTime: captured,
      order,
      status: live.exists ? 'OK' : 'ResourceDeleted',
      changeType: live.exists ? 'UPDATE' : 'DELETE',
      tags: live.tags,
      configuration: live.exists ? live.configuration : null,
      ...(live.exists && live.supplementaryConfiguration ? { supplementaryConfiguration: live.supplementaryConfiguration } : {}),
      changedProperties: [],
      delivery: { transport: 'reconcile', shape: 'live', receivedAt: at },
    };
  }

  /** Rate-limited per the batch's limiter (every API call the reader makes); a transient failure is retried with back-off, a permanent one is not. */
  private async describe(batch: LiveBatch, signal: AbortSignal | undefined): Promise<LiveResource[]> {
    const attempts = Math.max(1, this.settings.attemptsPerBatch);
    const pace = () => this.limit(batch.limiter, batch.callsPerSecond ?? this.settings.callsPerSecond, signal);
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new SweepStopped();
      try {
        const live = await this.live.describe(batch, pace);
        if (live.length !== batch.resources.length || live.some((r, i) => r.id !== batch.resources[i].id))
          throw new PermanentError('the live reader answered other resources than asked for', 'reconcile_reader_mismatch');
        return live;
      } catch (err) {
        if (err instanceof PermanentError || err instanceof SweepStopped || attempt >= attempts) throw err;
        const hinted = (err as { retryAfterMs?: unknown }).retryAfterMs;
        await this.sleep(typeof hinted === 'number' && hinted > 0 ? hinted : 1000 * 2 ** (attempt - 1), signal);
      }
    }
  }

  private async limit(key: string, callsPerSecond: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) throw new SweepStopped();
    const gap = 1000 / Math.max(0.001, callsPerSecond);
    const now = this.monotonic();
    const at = Math.max(now, this.nextCall.get(key) ?? 0);
    this.nextCall.set(key, at + gap);
    if (at > now) await this.sleep(at - now, signal);
  }

  private count(result: ReconcileResult, n: number): void {
    if (n > 0) this.deps.observer?.resources?.(result, n);
  }

  private monotonic(): number {
    return this.deps.monotonic ? this.deps.monotonic() : performance.now();
  }

  /** Waits `ms`; ends at once with SweepStopped when `signal` fires. */
  private async sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (!signal) return this.deps.sleep ? this.deps.sleep(ms) : void (await delay(ms));
    if (signal.aborted) throw new SweepStopped();
    if (!this.deps.sleep) {
      await delay(ms, undefined, { signal }).catch((err: unknown) => {
        throw signal.aborted ? new SweepStopped() : err;
      });
      return;
    }
    let onAbort = (): void => undefined;
    const stopped = new Promise<never>((_, reject) => {
      onAbort = () => reject(new SweepStopped());
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.deps.sleep(ms), stopped]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

const EQUAL = '=';

/** Live as the pipeline would see it: equal, or the ids of its differences. */
function signature(analysis: Analysis): string {
  if (analysis.diff.equal || analysis.differences.length === 0) return EQUAL;
  return analysis.differences
    .map((d) => d.id)
    .sort()
    .join('|');
}
