/**
 * Per-change attribution (DESIGN §4 "Differences and who made them"), pure: which CloudTrail call
 * made each difference of a drift.
 *
 * A difference is attributed to the latest call that changed what it is about, when that call's
 * effect is the difference's side (a rule present only live was last *added*) and every call that
 * touched it in the window came from the same principal. Otherwise it cannot be attributed to one
 * change, and says why:
 * - several principals touched it ("two principals' changes coalesced on the same rule");
 * - the latest call on it did the opposite (a call is missing from what CloudTrail delivered);
 * - only a call that names things by an id the controller cannot resolve could have removed it;
 * - no call names it at all (CloudTrail missing after the wait): then it is attributed to the
 *   Config item in which it first appeared, with an unknown principal.
 * Such a difference is never an emergency patch (fail closed: never codify what you cannot
 * attribute).
 */
import {
  sessionNameOf,
  type CandidateDifference,
  type CloudTrailEvent,
  type ConfigItemEvent,
  type DifferenceAttribution,
  type PrincipalClass,
} from '@driftwarden/domain';
import type { CallChanges } from '@driftwarden/pipeline';

export interface SourcedEvent {
  event: CloudTrailEvent;
  /** How the controller got it: ingested (EventBridge) or read back with LookupEvents. */
  source: 'cloudtrail-event' | 'cloudtrail-lookup';
}

export interface AttributionInput {
  item: Pick<ConfigItemEvent, 'eventId' | 'captureTime'>;
  differences: readonly CandidateDifference[];
  /** Successful calls on the resource within the correlation window (any order). */
  events: readonly SourcedEvent[];
  changes: ReadonlyMap<string, CallChanges | null>;
  classify: (arn: string | null) => PrincipalClass;
}

export interface DifferenceAttributionResult {
  attribution: DifferenceAttribution;
  /** No call names it at all: CloudTrail may still be delivering it (the caller may wait). */
  unexplained: boolean;
}

type Effect = 'added' | 'removed' | 'both';

function effectOn(changes: CallChanges, key: string): Effect | null {
  const added = changes.all === 'added' || changes.added.includes(key);
  const removed = changes.all === 'removed' || changes.removed.includes(key);
  if (added && removed) return 'both';
  if (added) return 'added';
  if (removed) return 'removed';
  return null;
}

function who(e: CloudTrailEvent): string {
  return e.principal.arn ?? `an unidentified ${e.principal.type || 'principal'}`;
}

export function attributeDifferences(input: AttributionInput): Map<string, DifferenceAttributionResult> {
  const ordered = [...input.events].sort(
    (a, b) => Date.parse(a.event.eventTime) - Date.parse(b.event.eventTime) || a.event.eventId.localeCompare(b.event.eventId),
  );
  const out = new Map<string, DifferenceAttributionResult>();
  const fromItem = (unattributable: string): DifferenceAttribution => ({
    source: 'config-item',
    principal: { arn: null, class: 'unknown' },
    at: input.item.captureTime,
    configEventId: input.item.eventId,
    unattributable,
  });

  for (const d of input.differences) {
    const touching: { e: SourcedEvent; effect: Effect }[] = [];
    for (const e of ordered) {
      const changes = input.changes.get(e.event.eventId);
      if (!changes) continue;
      const effect = effectOn(changes, d.key);
      if (effect) touching.push({ e, effect });
    }
    if (touching.length === 0) {
      const opaque = d.side === 'removed' ? ordered.find((e) => input.changes.get(e.event.eventId)?.opaqueRemoval) : undefined;
      if (opaque) {
        const why = input.changes.get(opaque.event.eventId)?.opaqueRemoval ?? '';
        out.set(d.id, {
          attribution: {
            ...fromItem(
              `only ${opaque.event.eventName} by ${who(opaque.event)} could have removed it, and it ${why}: cannot tell whether it did`,
            ),
            at: opaque.event.eventTime,
          },
          unexplained: false,
        });
      } else {
        out.set(d.id, { attribution: fromItem('CloudTrail has no call that names it'), unexplained: true });
      }
      continue;
    }
    const effective = touching.filter((t) => t.effect !== 'both');
    const last = effective[effective.length - 1] ?? touching[touching.length - 1];
    const arn = last.e.event.principal.arn;
    const session = last.e.event.principal.sessionName ?? sessionNameOf(arn);
    const attribution: DifferenceAttribution = {
      source: last.e.source,
      principal: { arn, class: input.classify(arn), ...(session ? { session } : {}) },
      at: last.e.event.eventTime,
      cloudTrailEventId: last.e.event.eventId,
      eventName: last.e.event.eventName,
      configEventId: input.item.eventId,
    };
    const principals = [...new Set(touching.map((t) => who(t.e.event)))];
    if (principals.length > 1) {
      attribution.unattributable = `changed by several principals in the window (${principals.join(', ')}): no single change made it`;
    } else if (d.side !== 'changed' && last.effect !== d.side) {
      const did = last.effect === 'both' ? 'changed it without adding or removing it' : `${last.effect} it`;
      attribution.unattributable = `the latest call on it (${last.e.event.eventName}) ${did}: a call is missing from what CloudTrail delivered`;
    }
    out.set(d.id, { attribution, unexplained: false });
  }
  return out;
}
