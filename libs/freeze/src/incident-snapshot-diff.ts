import type { IncidentRecord, ProviderSnapshot } from './freeze.types';
import type { IncidentObservation } from './incident-order';

/** The incident history of one provider as read from Redis: history field (`provider:id`) → stored JSON. */
export type IncidentHistory = Readonly<Record<string, string>>;

/** How an incident of a poll compares with the history read before it (the compare-and-set has the last word). */
export type IncidentChangeKind =
  /** In the poll, and unknown or resolved in the history: it opens (or opens again). */
  | 'opened'
  /** In the poll and open in the history, with other fields (title, scope, …): the record is refreshed. */
  | 'changed'
  /** In the poll and open in the history as it is: only when its state was known is refreshed. */
  | 'unchanged'
  /** Open in the history, no longer in the poll: it resolved. */
  | 'closed';

/** One observation a poll makes about one incident, with what the history showed before it. */
export interface IncidentChange {
  kind: IncidentChangeKind;
  /** The history field (`provider:id`). */
  field: string;
  /** The field's value as read (null: absent): the expected value of the compare-and-set. */
  read: string | null;
  observation: IncidentObservation;
}

/**
 * What a successful poll says about each incident of its provider, compared with the history read
 * before it was recorded: every incident in the poll is observed open (as of the poll's start, so a
 * newer webhook wins), and every incident open in the history but missing from the poll is observed
 * resolved at the poll's end. Opening observations come first, in the poll's order, then closing
 * ones in the history's order. A failed poll says nothing (an error is not "no incidents").
 */
export function diffIncidentSnapshot(snap: ProviderSnapshot, history: IncidentHistory): IncidentChange[] {
  if (!snap.ok) return [];
  const asOf = snap.requestedAt ?? snap.fetchedAt ?? snap.attemptedAt;
  const changes: IncidentChange[] = [];
  const openIds = new Set(snap.incidents.map((i) => i.id));
  for (const incident of snap.incidents) {
    const field = `${snap.provider}:${incident.id}`;
    const read = history[field] ?? null;
    const known = read ? (JSON.parse(read) as IncidentRecord) : null;
    changes.push({ kind: openKind(known, incident), field, read, observation: { open: true, at: asOf, from: 'poll', incident } });
  }
  for (const [field, read] of Object.entries(history)) {
    if (!field.startsWith(`${snap.provider}:`)) continue;
    const known = JSON.parse(read) as IncidentRecord;
    if (known.resolvedAt || openIds.has(known.id)) continue;
    changes.push({
      kind: 'closed',
      field,
      read,
      observation: { open: false, at: asOf, from: 'poll', incident: known, resolvedAt: snap.fetchedAt ?? snap.attemptedAt },
    });
  }
  return changes;
}

function openKind(known: IncidentRecord | null, seen: IncidentRecord): IncidentChangeKind {
  if (!known || known.resolvedAt) return 'opened';
  const fields = Object.keys(seen) as (keyof IncidentRecord)[];
  return fields.every((f) => JSON.stringify(known[f]) === JSON.stringify(seen[f])) ? 'unchanged' : 'changed';
}
