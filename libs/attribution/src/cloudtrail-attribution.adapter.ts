import {
  TransientError,
  sessionNameOf,
  type CandidateDifference,
  type CloudTrailEvent,
  type ConfigItemEvent,
  type DifferenceAttribution,
  type PrincipalClassifier,
} from '@driftwarden/domain';
import { AttributionPort, type Attribution, type CallChangesOf } from '@driftwarden/pipeline';
import type { CloudTrailLookup } from './cloudtrail-lookup.adapter';
import { attributeDifferences, type SourcedEvent } from './per-difference';
import type { CloudTrailStore } from '@driftwarden/store';

/** API calls that change a security group's rules (CONTRACTS §A8). */
export const SG_MUTATIONS = new Set([
  'AuthorizeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress',
  'RevokeSecurityGroupIngress',
  'RevokeSecurityGroupEgress',
  'ModifySecurityGroupRules',
  'UpdateSecurityGroupRuleDescriptionsIngress',
  'UpdateSecurityGroupRuleDescriptionsEgress',
  'CreateSecurityGroup',
  'DeleteSecurityGroup',
]);

export interface CorrelationWindow {
  /** How far before the Config capture time a call may have happened. */
  beforeMs: number;
  /** Clock skew allowance after the capture time. */
  afterMs: number;
}

export const DEFAULT_WINDOW: CorrelationWindow = { beforeMs: 15 * 60_000, afterMs: 60_000 };

export interface AttributionOptions {
  window?: CorrelationWindow;
  /** LookupEvents fallback when no event arrived on the event paths. */
  lookup?: CloudTrailLookup;
  /**
   * CloudTrail delivery lags by minutes: while a change is younger than this and no call is
   * found, the evaluation is retried later instead of deciding "unknown". 0 disables waiting.
   */
  waitForDeliveryMs?: number;
  now?: () => number;
}

/**
 * Picks the CloudTrail call that made a Config item's change: the latest successful mutating
 * call on the resource at or before the capture time (within the window). Failed calls
 * (errorCode) changed nothing and are never named as the author.
 */
export function pickCause(events: CloudTrailEvent[], item: ConfigItemEvent, window: CorrelationWindow = DEFAULT_WINDOW): CloudTrailEvent | null {
  const capture = Date.parse(item.captureTime);
  const candidates = events
    .filter((e) => SG_MUTATIONS.has(e.eventName) && !e.errorCode && e.resourceIds.includes(item.resource.id))
    .filter((e) => {
      const t = Date.parse(e.eventTime);
      return t >= capture - window.beforeMs && t <= capture + window.afterMs;
    })
    .sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime));
  const before = candidates.filter((e) => Date.parse(e.eventTime) <= capture);
  return before[before.length - 1] ?? candidates[0] ?? null;
}

/**
 * Attribution from the CloudTrail events ingested on the event paths (EventBridge "AWS API
 * Call via CloudTrail"), correlated by resource and time. A change whose principal is still
 * unknown is treated as not made by the IaC pipeline (DESIGN §2).
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

  async attribute(item: ConfigItemEvent): Promise<Attribution> {
    const capture = Date.parse(item.captureTime);
    const from = new Date(capture - this.window.beforeMs);
    const to = new Date(capture + this.window.afterMs);
    const { account, region, id } = item.resource;
    let cause = pickCause(await this.store.around(account, region, id, from, to), item, this.window);
    let source: Attribution['source'] = 'cloudtrail-event';
    if (!cause && this.options.lookup) {
      const found = await this.options.lookup.eventsFor(account, region, id, from, to);
      if (found.length) await this.store.put(found);
      cause = pickCause(found, item, this.window);
      source = 'cloudtrail-lookup';
    }
    if (!cause) {
      const age = (this.options.now ?? Date.now)() - capture;
      const wait = this.options.waitForDeliveryMs ?? 0;
      if (age < wait) {
        throw new TransientError(`no CloudTrail call found yet for ${id}; CloudTrail may still be delivering it (retrying for up to ${Math.round(wait / 1000)} s after the change)`, 'attribution_pending', { retryAfterMs: Math.min(30_000, wait - age) });
      }
      return { principal: { arn: null, class: 'unknown' }, changedAt: item.captureTime, source: 'none' };
    }
    const arn = cause.principal.arn;
    const session = cause.principal.sessionName ?? sessionNameOf(arn);
    return {
      principal: { arn, class: this.classifier.classify(arn), ...(session ? { session } : {}) },
      changedAt: cause.eventTime,
      cloudTrailEventId: cause.eventId,
      source,
    };
  }

  /**
   * Who made each difference (per-change attribution): the ingested calls of the window first;
   * when a difference is named by none of them, LookupEvents once (if configured); while a
   * difference is still named by no call and the change is younger than the delivery wait, the
   * evaluation is retried later (CloudTrail may still be delivering it).
   */
  async attributeDifferences(
    item: ConfigItemEvent,
    differences: readonly CandidateDifference[],
    callChanges: CallChangesOf,
    options: { known?: ReadonlySet<string> } = {},
  ): Promise<Map<string, DifferenceAttribution>> {
    if (differences.length === 0) return new Map();
    const capture = Date.parse(item.captureTime);
    const from = new Date(capture - this.window.beforeMs);
    const to = new Date(capture + this.window.afterMs);
    const { account, region, id } = item.resource;
    const inWindow = (e: CloudTrailEvent) => {
      const t = Date.parse(e.eventTime);
      return !e.errorCode && t >= from.getTime() && t <= to.getTime();
    };
    const events = new Map<string, SourcedEvent>();
    for (const e of await this.store.around(account, region, id, from, to)) if (inWindow(e)) events.set(e.eventId, { event: e, source: 'cloudtrail-event' });
    const run = () => {
      const list = [...events.values()];
      const changes = callChanges(list.map((e) => e.event));
      return attributeDifferences({ item, differences, events: list, changes, classify: (arn) => this.classifier.classify(arn) });
    };
    let result = run();
    const unexplained = () => [...result].filter(([id, r]) => r.unexplained && !options.known?.has(id)).length;
    if (unexplained() > 0 && this.options.lookup) {
      const found = await this.options.lookup.eventsFor(account, region, id, from, to);
      if (found.length) await this.store.put(found);
      for (const e of found) if (inWindow(e) && !events.has(e.eventId)) events.set(e.eventId, { event: e, source: 'cloudtrail-lookup' });
      result = run();
    }
    const missing = unexplained();
    if (missing > 0) {
      const age = (this.options.now ?? Date.now)() - capture;
      const wait = this.options.waitForDeliveryMs ?? 0;
      if (age < wait) {
        throw new TransientError(
          `no CloudTrail call found yet for ${missing} difference(s) on ${id}; CloudTrail may still be delivering it (retrying for up to ${Math.round(wait / 1000)} s after the change)`,
          'attribution_pending',
          { retryAfterMs: Math.min(30_000, wait - age) },
        );
      }
    }
    return new Map([...result].map(([k, v]) => [k, v.attribution]));
  }
}
