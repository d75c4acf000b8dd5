import {
  PermanentError,
  WaitError,
  resourceIdAliases,
  sessionNameOf,
  type CandidateDifference,
  type CloudTrailEvent,
  type ConfigItemEvent,
  type DifferenceAttribution,
  type PrincipalClassifier,
} from '@driftwarden/domain';
import { AttributionPort, type Attribution, type CallChangesOf } from '@driftwarden/pipeline';
import type { CloudTrailWindowWalker, WalkState } from './cloudtrail-window';
import { attributeDifferences, type SourcedEvent } from './per-difference';
import type { CloudTrailStore } from '@driftwarden/store';

export interface CorrelationWindow {
  /** How far before the Config capture time a call may have happened. */
  beforeMs: number;
  /** Clock skew allowance after the capture time. */
  afterMs: number;
}

export const DEFAULT_WINDOW: CorrelationWindow = { beforeMs: 15 * 60_000, afterMs: 60_000 };

export interface AttributionOptions {
  window?: CorrelationWindow;
  /**
   * The calls that change a resource of this Config type (its kind's `cloudTrailEventNames`):
   * only those can have made an item's change. Default: every successful call on the resource.
   */
  callsFor?: (configType: string) => ReadonlySet<string> | undefined;
  /** The LookupEvents fallback when no event arrived on the event paths: one walk per account-region window, shared. */
  walker?: CloudTrailWindowWalker;
  /**
   * CloudTrail delivery lags by minutes: while a change is younger than this and no call is
   * found, the evaluation waits (a delayed job, no attempt spent) instead of deciding "unknown".
   * 0 disables waiting.
   */
  waitForDeliveryMs?: number;
  now?: () => number;
  /**
   * LookupEvents could not be used (no credentials, access denied, or down past the wait): the
   * decision goes ahead with what is known (a principal still unknown is not the IaC pipeline).
   */
  onLookupUnavailable?: (error: Error) => void;
}

/** Calls that read (CloudTrail's read-only events): never the cause of a change, whatever the kind. */
const READ_ONLY = /^(Describe|Get|List|Lookup|Search|Head)[A-Z]/;

/**
 * Picks the CloudTrail call that made a Config item's change: the latest successful mutating
 * call on the resource at or before the capture time (within the window). Failed calls
 * (errorCode) changed nothing and are never named as the author.
 */
export function pickCause(
  events: CloudTrailEvent[],
  item: ConfigItemEvent,
  window: CorrelationWindow = DEFAULT_WINDOW,
  calls?: ReadonlySet<string>,
): CloudTrailEvent | null {
  const capture = Date.parse(item.captureTime);
  const candidates = events
    .filter(
      (e) =>
        (calls ? calls.has(e.eventName) : !READ_ONLY.test(e.eventName)) &&
        !e.errorCode &&
        resourceIdAliases(item.resource.type, item.resource.id).some((id) => e.resourceIds.includes(id)),
    )
    .filter((e) => {
      const t = Date.parse(e.eventTime);
      return t >= capture - window.beforeMs && t <= capture + window.afterMs;
    })
    .sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime));
  const before = candidates.filter((e) => Date.parse(e.eventTime) <= capture);
  return before[before.length - 1] ?? candidates[0] ?? null;
}

type LookupState = WalkState | 'off' | 'unavailable';

/**
 * Attribution from the CloudTrail events ingested on the event paths (EventBridge "AWS API
 * Call via CloudTrail"), correlated by resource and time, completed when needed by the shared
 * LookupEvents walk of the account-region's window. A change whose principal is still unknown
 * is treated as not made by the IaC pipeline (DESIGN §2).
 */
export class CloudTrailAttribution extends AttributionPort {
  private readonly window: CorrelationWindow;

  constructor(
    private readonly store: CloudTrailStore,
    private readonly classifier: PrincipalClassifier,
    private readonly options: AttributionOptions = {},
  ) {
    super();
    this.window = options.window ?? DEFAULT_WINDOW;
  }

  private windowOf(item: ConfigItemEvent): { from: Date; to: Date } {
    const capture = Date.parse(item.captureTime);
    return { from: new Date(capture - this.window.beforeMs), to: new Date(capture + this.window.afterMs) };
  }

  private age(item: ConfigItemEvent): number {
    return (this.options.now ?? Date.now)() - Date.parse(item.captureTime);
  }

  private young(item: ConfigItemEvent): boolean {
    return this.age(item) < (this.options.waitForDeliveryMs ?? 0);
  }

  /**
   * The calls on the item's resource in its window: those ingested, and when `needMore` says
   * they do not explain the change, those the shared LookupEvents walk adds. A LookupEvents
   * failure waits while the change is young (it may come back) and is then given up on.
   */
  private async events(
    item: ConfigItemEvent,
    needMore: (events: SourcedEvent[]) => boolean,
  ): Promise<{ events: SourcedEvent[]; lookup: LookupState }> {
    const { from, to } = this.windowOf(item);
    const { account, region, id } = item.resource;
    // Every id the resource goes by in CloudTrail (an Auto Scaling group: its ARN and its name).
    const read = async () => {
      const seen = new Set<string>();
      const out: CloudTrailEvent[] = [];
      for (const alias of resourceIdAliases(item.resource.type, id))
        for (const e of await this.store.around(account, region, alias, from, to))
          if (!e.errorCode && !seen.has(e.eventId)) {
            seen.add(e.eventId);
            out.push(e);
          }
      return out;
    };
    const ingested = await read();
    const sourced = ingested.map((event): SourcedEvent => ({ event, source: 'cloudtrail-event' }));
    if (!needMore(sourced)) return { events: sourced, lookup: 'off' };
    if (!this.options.walker) return { events: sourced, lookup: 'off' };
    let state: WalkState;
    try {
      state = (await this.options.walker.ensure(account, region, from, to)).state;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if (!(err instanceof PermanentError) && this.young(item)) {
        throw new WaitError(
          `CloudTrail LookupEvents failed (${e.message}); trying again while the change is young`,
          'cloudtrail_lookup_unavailable',
          { retryAfterMs: 5_000, cause: err },
        );
      }
      this.options.onLookupUnavailable?.(e);
      return { events: sourced, lookup: 'unavailable' };
    }
    const known = new Set(ingested.map((e) => e.eventId));
    const all = (await read()).map((event): SourcedEvent => ({
      event,
      source: known.has(event.eventId) ? 'cloudtrail-event' : 'cloudtrail-lookup',
    }));
    return { events: all, lookup: state };
  }

  /** Still nothing names the change: wait while it is young or another replica is walking its window, else go ahead. */
  private waitIfUseful(item: ConfigItemEvent, lookup: LookupState, what: string): void {
    const wait = this.options.waitForDeliveryMs ?? 0;
    const age = this.age(item);
    if (age < wait) {
      throw new WaitError(
        `no CloudTrail call found yet for ${what} on ${item.resource.id}; CloudTrail may still be delivering it (waiting up to ${Math.round(wait / 1000)} s after the change)`,
        'attribution_pending',
        { retryAfterMs: Math.max(1_000, Math.min(15_000, wait - age)) },
      );
    }
    if (lookup === 'busy')
      throw new WaitError(
        `another replica is reading CloudTrail for ${item.resource.account}/${item.resource.region}`,
        'cloudtrail_walk_busy',
        { retryAfterMs: 1_000 },
      );
  }

  async attribute(item: ConfigItemEvent): Promise<Attribution> {
    const calls = this.options.callsFor?.(item.resource.type);
    const { events, lookup } = await this.events(
      item,
      (found) =>
        pickCause(
          found.map((e) => e.event),
          item,
          this.window,
          calls,
        ) === null,
    );
    const cause = pickCause(
      events.map((e) => e.event),
      item,
      this.window,
      calls,
    );
    if (!cause) {
      this.waitIfUseful(item, lookup, 'the change');
      return { principal: { arn: null, class: 'unknown' }, changedAt: item.captureTime, source: 'none' };
    }
    const arn = cause.principal.arn;
    const session = cause.principal.sessionName ?? sessionNameOf(arn);
    return {
      principal: { arn, class: this.classifier.classify(arn), ...(session ? { session } : {}) },
      changedAt: cause.eventTime,
      cloudTrailEventId: cause.eventId,
      source: events.find((e) => e.event.eventId === cause.eventId)?.source ?? 'cloudtrail-event',
    };
  }

  /**
   * Who made each difference (per-change attribution): the calls of the window; when a new
   * difference is named by none of them, the shared LookupEvents walk of the window; while a
   * new difference is still named by no call and the change is younger than the delivery wait,
   * the evaluation waits (CloudTrail may still be delivering it).
   */
  async attributeDifferences(
    item: ConfigItemEvent,
    differences: readonly CandidateDifference[],
    callChanges: CallChangesOf,
    options: { known?: ReadonlySet<string> } = {},
  ): Promise<Map<string, DifferenceAttribution>> {
    if (differences.length === 0) return new Map();
    const run = (list: SourcedEvent[]) =>
      attributeDifferences({
        item,
        differences,
        events: list,
        changes: callChanges(list.map((e) => e.event)),
        classify: (arn) => this.classifier.classify(arn),
      });
    const unexplained = (result: ReturnType<typeof run>) =>
      [...result].filter(([id, r]) => r.unexplained && !options.known?.has(id)).length;
    const { events, lookup } = await this.events(item, (found) => unexplained(run(found)) > 0);
    const result = run(events);
    const missing = unexplained(result);
    if (missing > 0) this.waitIfUseful(item, lookup, `${missing} difference(s)`);
    return new Map([...result].map(([k, v]) => [k, v.attribution]));
  }
}
