/**
 * The observed kind's differences (issue 13 "Every other Terraform-managed resource"), pure: what
 * AWS Config itself says changed on a resource of a type no kind models, read from the items'
 * `configurationItemDiff.changedProperties`, carried from item to item on the resource's open drift.
 *
 * - One difference per property path (compared case-insensitively: Config's own casing varies,
 *   CONTRACTS §A2), from the value it had when driftwarden first saw it change (the baseline) to
 *   its value now. A property set back to its baseline is gone (undone by hand).
 * - A difference's id names the change that made its current value (the item's configuration
 *   state id, else its capture time): a later change of the same property is a new difference,
 *   attributed and decided afresh, never credited to whoever changed it first.
 * - A deleted resource is one difference (`deleted the resource`); an item that says it changed
 *   but carries no property diff (an oversized item, `changedProperties` lost) is one difference
 *   that says so: nothing changed by hand goes unseen.
 * - Config diffs array entries by index (`Configuration.IpPermissions.1`): driftwarden reports them
 *   as Config does, and derives no meaning from them.
 */
import {
  isDeletedStatus,
  type CandidateDifference,
  type ConfigItemEvent,
  type DifferenceSide,
  type DriftDifference,
  type JsonObject,
  type JsonValue,
} from '@driftwarden/domain';

/** A whole-resource difference key: the resource was deleted. */
export const DELETED_KEY = '(resource)';
/** A whole-resource difference key: Config said it changed but sent no property diff. */
export const UNKNOWN_CHANGE_KEY = '(unknown change)';

/** What `detail` holds for an observed difference (the record's `differences[].detail`). */
export interface ObservedDetail {
  /** The property path as Config spelled it, e.g. `Configuration.State.Name`. */
  property: string;
  /** Its value when driftwarden first saw it change (null: it did not exist). */
  previousValue: JsonValue;
  /** Its value now (null: it no longer exists). */
  updatedValue: JsonValue;
  /** Config's change type of the latest change: CREATE, UPDATE or DELETE. */
  changeType: 'CREATE' | 'UPDATE' | 'DELETE';
  /** The Config item whose change made the current value: its capture time (ISO) and internal id. */
  capturedAt: string;
  changedIn: string;
  /** Calls after this time cannot have made it (the previous decided item's capture time), when known. */
  since?: string;
}

type ItemFacts = Pick<ConfigItemEvent, 'eventId' | 'captureTime' | 'status' | 'changeType' | 'propertyChanges' | 'configurationStateId'>;

export interface ObservedInput {
  item: ItemFacts;
  /** The open drift's differences (those of this kind are carried forward). */
  previous?: readonly DriftDifference[];
  /** The item's change is an IaC apply: what it touched now matches the code (its differences end). */
  applied?: boolean;
  /** The previous decided item's capture time (ISO), when known. */
  since?: string;
}

/** Compared case-insensitively (CONTRACTS §A2: Config's casing is inconsistent). */
export function propertyKey(path: string): string {
  return path.toLowerCase();
}

function changeStamp(item: ItemFacts): string {
  return item.configurationStateId !== undefined ? String(item.configurationStateId) : item.captureTime;
}

/** The differences of the resource after this item (carried ones first, in their order, then the new ones by property path). */
export function observedDifferences(input: ObservedInput): CandidateDifference[] {
  const { item } = input;
  const carried = (input.previous ?? []).filter(isObservedDifference);
  const stamp = changeStamp(item);
  // Calls before the last change driftwarden saw cannot have made this one.
  const since =
    input.since ??
    latest(
      carried.map((d) => (d.detail as unknown as ObservedDetail).capturedAt).filter((t) => Date.parse(t) < Date.parse(item.captureTime)),
    );
  const base = { capturedAt: item.captureTime, changedIn: item.eventId, ...(since ? { since } : {}) };

  if (isDeletedStatus(item.status)) {
    if (input.applied) return [];
    // Whatever changed before, the resource is gone now: that is the one difference left.
    const detail: ObservedDetail = { property: DELETED_KEY, previousValue: null, updatedValue: null, changeType: 'DELETE', ...base };
    return [candidate(DELETED_KEY, `${DELETED_KEY}#${stamp}`, 'removed', 'deleted the resource (AWS Config: ResourceDeleted)', detail)];
  }
  const changes = item.propertyChanges;
  if (!changes) {
    // Config says the resource changed but sent no property diff: say so, never drop it.
    if (item.changeType !== 'UPDATE' || input.applied) return carried.map(toCandidate);
    const detail: ObservedDetail = { property: UNKNOWN_CHANGE_KEY, previousValue: null, updatedValue: null, changeType: 'UPDATE', ...base };
    const others = carried.filter((d) => d.key !== UNKNOWN_CHANGE_KEY).map(toCandidate);
    return [
      ...others,
      candidate(
        UNKNOWN_CHANGE_KEY,
        `${UNKNOWN_CHANGE_KEY}#${stamp}`,
        'changed',
        'changed the resource, but AWS Config sent no property diff for it (e.g. an oversized item): what changed is unknown',
        detail,
      ),
    ];
  }

  const touched = new Map<string, { path: string; change: NonNullable<ItemFacts['propertyChanges']>[string] }>();
  for (const [path, change] of Object.entries(changes)) touched.set(propertyKey(path), { path, change });
  const out: CandidateDifference[] = [];
  for (const d of carried) {
    if (d.key === DELETED_KEY) continue; // a resource seen again after a delete: its property changes start afresh
    if (!touched.has(d.key)) out.push(toCandidate(d));
  }
  if (input.applied) return out;
  const baselines = new Map(carried.map((d) => [d.key, (d.detail as unknown as ObservedDetail).previousValue]));
  for (const key of [...touched.keys()].sort()) {
    const { path, change } = touched.get(key)!;
    const baseline = baselines.has(key) ? baselines.get(key)! : change.previousValue;
    const current = change.updatedValue;
    if (sameJson(baseline, current)) continue; // back to what it was: undone
    const side: DifferenceSide = isAbsent(baseline) ? 'added' : isAbsent(current) ? 'removed' : 'changed';
    const detail: ObservedDetail = {
      property: path,
      previousValue: baseline,
      updatedValue: current,
      changeType: change.changeType,
      ...base,
    };
    out.push(candidate(key, `${key}#${stamp}`, side, sentenceOf(path, side, baseline, current), detail));
  }
  return out;
}

function latest(times: readonly string[]): string | undefined {
  return times.reduce<string | undefined>((a, t) => (a === undefined || Date.parse(t) > Date.parse(a) ? t : a), undefined);
}

function candidate(key: string, id: string, side: DifferenceSide, sentence: string, detail: ObservedDetail): CandidateDifference {
  return { id, key, side, sentence, detail: detail as unknown as JsonObject };
}

function toCandidate(d: DriftDifference): CandidateDifference {
  return { id: d.id, key: d.key, side: d.side, sentence: d.sentence, detail: d.detail };
}

/** A difference of this kind (its detail names a property and when it changed). */
export function isObservedDifference(d: Pick<DriftDifference, 'detail'>): boolean {
  const detail = d.detail as Partial<ObservedDetail>;
  return typeof detail.property === 'string' && typeof detail.changedIn === 'string' && typeof detail.capturedAt === 'string';
}

function isAbsent(value: JsonValue): boolean {
  return value === null;
}

/** Equal as JSON, whatever the order of object keys. */
export function sameJson(a: JsonValue, b: JsonValue): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(',')}}`;
}

const VALUE_LIMIT = 160;

/** A value for a sentence: JSON, cut at 160 characters (the record's detail keeps it whole). */
export function showValue(value: JsonValue): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > VALUE_LIMIT ? `${text.slice(0, VALUE_LIMIT - 1)}…` : text;
}

/** `changed Configuration.State.Name from "running" to "stopped"`, `added …: …`, `removed … (was …)`. */
export function sentenceOf(path: string, side: DifferenceSide, before: JsonValue, after: JsonValue): string {
  switch (side) {
    case 'added':
      return `added ${path}: ${showValue(after)}`;
    case 'removed':
      return `removed ${path} (was ${showValue(before)})`;
    case 'changed':
      return `changed ${path} from ${showValue(before)} to ${showValue(after)}`;
  }
}
