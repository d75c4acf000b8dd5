import type { IncidentRecord } from './freeze.types';

/**
 * What one source says about one incident at one time: a webhook (the state after its event, at
 * the event's `occurred_at`) or a poll (the state when the list walk started).
 */
export interface IncidentObservation {
  /** Open and major (true); resolved, closed or no longer major (false). */
  open: boolean;
  /** ISO: when the observed state held. */
  at: string;
  /** Who saw it, e.g. `poll` or `webhook:pagerduty` (kept as `stateFrom`). */
  from: string;
  /** The incident as observed (an open observation's fields replace the known ones). */
  incident: IncidentRecord;
  /** ISO: when it resolved, for a closing observation; default `at`. */
  resolvedAt?: string;
  /**
   * ISO: the oldest time the provider's state is already known for every incident (the start of
   * its last successful poll); an observation older than that is stale too.
   */
  floor?: string | null;
}

export type IncidentTransition =
  /** The incident opened (or opened again): a freeze starts. */
  | { kind: 'opened'; next: IncidentRecord }
  /** The incident left the open set: its cooldown starts. */
  | { kind: 'resolved'; next: IncidentRecord }
  /** Already in that state; `next` refreshes what is known (and as of when), or null: nothing to write. */
  | { kind: 'unchanged'; next: IncidentRecord | null; reason: string }
  /** Older than what is already known: never applied, so an incident never moves backwards. */
  | { kind: 'stale'; knownAt: string; knownFrom: string; reason: string };

/**
 * Orders what the webhooks and polls say about an incident (DESIGN §2 "both idempotent";
 * issue 11 §4): each record carries `stateAt`, the time of the newest state applied to it,
 * and an observation older than that, or older than the provider's last successful poll
 * (`floor`), is stale. A `resolved` delivered late therefore cannot end a freeze a newer poll
 * or event still shows, and a late `acknowledged` cannot reopen a resolved incident.
 *
 * Equal times are applied (not stale): PagerDuty delivers one incident's events in order, and
 * a poll that started in the same millisecond as an event cannot be told apart from it.
 *
 * A record without `stateAt` (written before it existed) is ordered as if older than anything.
 * A `floor` on our clock against a provider's `occurred_at` can drop an event whose change the
 * poll did not yet show (clock skew, list lag): it is then applied by the next poll, as without
 * webhooks, never later.
 */
export function incidentTransition(known: IncidentRecord | null, obs: IncidentObservation): IncidentTransition {
  const recordAt = known?.stateAt;
  const floor = obs.floor ?? undefined;
  const [knownAt, knownFrom] =
    recordAt && (!floor || Date.parse(recordAt) >= Date.parse(floor))
      ? [recordAt, known?.stateFrom ?? 'an earlier update']
      : floor
        ? [floor, 'the last poll']
        : [undefined, ''];
  if (knownAt && Date.parse(obs.at) < Date.parse(knownAt)) {
    return {
      kind: 'stale',
      knownAt,
      knownFrom,
      reason: `${obs.incident.provider} incident ${label(obs.incident)}: this ${obs.open ? 'opening' : 'resolution'} happened at ${obs.at}, before the state already known as of ${knownAt} (from ${knownFrom}); not applied`,
    };
  }
  const stamp = { stateAt: obs.at, stateFrom: obs.from };
  if (obs.open) {
    if (known && !known.resolvedAt) {
      return {
        kind: 'unchanged',
        next: { ...known, ...obs.incident, ...stamp },
        reason: `${obs.incident.provider} incident ${label(obs.incident)} is already open`,
      };
    }
    const next: IncidentRecord = { ...(known ?? {}), ...obs.incident, ...stamp };
    delete next.resolvedAt;
    return { kind: 'opened', next };
  }
  if (!known)
    return {
      kind: 'unchanged',
      next: null,
      reason: `${obs.incident.provider} incident ${label(obs.incident)} was not open (not known as a major incident)`,
    };
  if (known.resolvedAt) {
    return {
      kind: 'unchanged',
      next: { ...known, ...stamp },
      reason: `${obs.incident.provider} incident ${label(obs.incident)} is already resolved`,
    };
  }
  return { kind: 'resolved', next: { ...known, resolvedAt: obs.resolvedAt ?? obs.at, ...stamp } };
}

function label(i: IncidentRecord): string {
  return i.number !== undefined ? `${i.number} (${i.id})` : i.id;
}
