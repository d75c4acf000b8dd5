import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { IncidentProvider, Scope } from '@driftwarden/domain';
import type { RedisKeys } from '@driftwarden/redis';
import type { AuditLog } from '@driftwarden/store';
import { FreezeEpoch } from './freeze-epoch';
import { FreezeRepository } from './freeze.repository';
import type { FreezeOverride, FreezeState, IncidentRecord, ManualFreeze, ProviderSnapshot, UnknownInterval } from './freeze.types';
import { incidentTransition, type IncidentObservation, type IncidentTransition } from './incident-order';
import { diffIncidentSnapshot } from './incident-snapshot-diff';

/**
 * How long a webhook delivery is remembered for deduplication (PagerDuty: the signed event id;
 * GitHub: the signed body; Opsgenie: the alert action). Longer than PagerDuty retries (48 h) and
 * than GitHub lets anyone redeliver (3 days). An event that happened longer ago than this is
 * not applied at all (PagerDuty `occurred_at`, GitHub `pull_request.updated_at`): so a replay
 * is either still remembered, or too old to act on.
 */
export const WEBHOOK_DEDUPE_MS = 3 * 24 * 3_600_000;

/**
 * How far back resolved incidents are read back into the history after a rebuild; the history
 * itself is kept for config `retention.freezeHistory` (see `pruneHistory`).
 */
export const HISTORY_MS = 30 * 24 * 3600_000;

/** What `pruneHistory` removed. */
export interface HistoryPruned {
  manual: number;
  overrides: number;
  incidents: number;
  unknownIntervals: number;
}

/** What an incident webhook did: applied, already in effect, or stale (older than the known state). */
export type IncidentEventOutcome =
  | { applied: true; stale: false; transition: 'opened' | 'resolved' }
  | { applied: false; stale: false; reason: string }
  | { applied: false; stale: true; knownAt: string; knownFrom: string; reason: string };

export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

/**
 * Freeze state in Redis: manual freezes, overrides, incident snapshots and history, unknown
 * intervals, the fence epoch, and a pub/sub channel that tells every replica at once.
 *
 * A facade: the records are read and written by `FreezeRepository`, the epoch and the channel are
 * `FreezeEpoch`'s, and which incidents a poll opens or closes is `diffIncidentSnapshot` (pure).
 * What is kept here is what each change means: the audit entries, and whether a freeze started
 * (the epoch moves) or only changed.
 */
/** A manual freeze or an override to create: why, for how long, over what, by whom; `maxActive`: the cap on active ones. */
export interface TimeBoxedInput {
  reason: string;
  ttlMs: number;
  scope?: Scope;
  actor: string;
  now: Date;
  maxActive?: number;
}

export class FreezeStore {
  private readonly records: FreezeRepository;
  private readonly epochs: FreezeEpoch;

  constructor(
    redis: Redis,
    keys: RedisKeys,
    private readonly audit: AuditLog,
    /** The time entries are stamped with (tests give a fake one). */
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.epochs = new FreezeEpoch(redis, keys, clock);
    this.records = new FreezeRepository(redis, keys);
  }

  get channel(): string {
    return this.epochs.channel;
  }

  async load(providers: IncidentProvider[]): Promise<FreezeState> {
    const r = await this.records.loadAll(providers);
    return {
      manual: r.manual,
      overrides: r.overrides,
      incidents: r.incidents,
      unknownIntervals: r.unknownIntervals,
      // No "rebuilt" mark: the state is new or was lost, and is being (or must be) rebuilt.
      rebuild: r.rebuilt ? null : { since: r.rebuildSince ?? this.clock().toISOString() },
      providers: r.snapshots,
    };
  }

  /** A provider's last recorded snapshot, if any. */
  async snapshot(provider: IncidentProvider): Promise<ProviderSnapshot | null> {
    return this.records.snapshot(provider);
  }

  async epoch(): Promise<string> {
    return this.epochs.current();
  }

  /** True when no freeze was recorded since `armedAt` (an atomic check in Redis). */
  async fenceHolds(armedAt: string): Promise<boolean> {
    return this.epochs.holds(armedAt);
  }

  /**
   * Compares the active sources with those seen by the previous sweep (time-driven
   * transitions: a window opens or closes, a manual freeze expires, data goes stale) and
   * records each start and end. Returns what changed.
   */
  async recordTransitions(
    active: { id: string; type: string; reason: string }[],
    now: Date,
  ): Promise<{ started: string[]; ended: string[] }> {
    const previous = await this.records.activeSources();
    const current = new Set(active.map((a) => a.id));
    const started = active.filter((a) => !previous.has(a.id));
    const ended = [...previous].filter((id) => !current.has(id));
    if (started.length === 0 && ended.length === 0) return { started: [], ended: [] };
    await this.records.replaceActiveSources(current);
    // Manual freezes and incidents bump the epoch when they are recorded; every other start is
    // time-driven (a window opens, an override of open incidents ends, data goes stale) and
    // bumps it here. A second bump for an incident already recorded only re-checks a revert.
    if (started.length > 0) await this.epochs.started('sweep');
    else await this.epochs.changed('sweep');
    for (const a of started) {
      await this.audit.append({
        at: now.toISOString(),
        type: 'freeze.started',
        actor: 'scheduler',
        reason: a.reason,
        details: { id: a.id, type: a.type },
      });
    }
    for (const id of ended) {
      await this.audit.append({
        at: now.toISOString(),
        type: 'freeze.ended',
        actor: 'scheduler',
        reason: `freeze source ${id} is no longer active`,
        details: { id },
      });
    }
    return { started: started.map((a) => a.id), ended };
  }

  /** Whether the controller's state has been rebuilt (or was never lost) since Redis was last empty. */
  async rebuilt(): Promise<boolean> {
    return this.records.isRebuilt();
  }

  /** Notes when a rebuild started (the first time only): the `since` of the unknown source. */
  async rebuildStarted(now: Date): Promise<void> {
    // A freeze starts: the epoch moves, so no fence armed before Redis was emptied can hold.
    if (await this.records.noteRebuildStarted(now)) await this.epochs.started('state rebuild');
  }

  /** Marks the state rebuilt: the unknown source ends on every replica. */
  async markRebuilt(now: Date, details: Record<string, unknown>): Promise<void> {
    await this.records.markRebuilt(now, details);
    await this.epochs.changed('state rebuilt');
  }

  /** `maxActive`: refuse (ActiveLimitError, nothing recorded) when that many manual freezes are active. */
  async createManual(input: TimeBoxedInput): Promise<ManualFreeze> {
    // A freeze starts: the epoch moves, so no fence armed before it can hold.
    return this.createTimeBoxed('manual', 'frz', 'freeze.created', input, (id) => this.epochs.started(`manual ${id}`));
  }

  /** Puts back a manual freeze read from the durable export after a Redis loss (kept if already present). True when restored. */
  async restoreManual(freeze: ManualFreeze): Promise<boolean> {
    const restored = await this.records.putManualIfAbsent(freeze);
    if (restored) await this.epochs.started(`manual ${freeze.id} restored`);
    return restored;
  }

  async getManual(id: string): Promise<ManualFreeze | null> {
    return this.records.getManual(id);
  }

  /** Lifts a manual freeze (kept for history). Returns null if unknown, the freeze if lifted. */
  async liftManual(id: string, actor: string, now: Date): Promise<ManualFreeze | null> {
    const current = await this.records.getManual(id);
    if (!current) return null;
    if (current.liftedAt || Date.parse(current.until) <= now.getTime()) return current;
    const lifted: ManualFreeze = { ...current, liftedAt: now.toISOString(), liftedBy: actor };
    await this.records.replaceManual(lifted);
    await this.epochs.changed(`manual ${id} lifted`);
    await this.audit.append({
      at: lifted.liftedAt as string,
      type: 'freeze.lifted',
      actor,
      reason: `manual freeze ${id} lifted`,
      details: { id },
    });
    return lifted;
  }

  /** `maxActive`: refuse (ActiveLimitError, nothing recorded) when that many overrides are active. */
  async createOverride(input: TimeBoxedInput): Promise<FreezeOverride> {
    return this.createTimeBoxed('overrides', 'ovr', 'freeze.override', input, (id) => this.epochs.changed(`override ${id}`));
  }

  /** A manual freeze or an override: recorded (under its cap), the epoch told, audited. */
  private async createTimeBoxed(
    hash: 'manual' | 'overrides',
    idPrefix: string,
    auditType: string,
    input: TimeBoxedInput,
    epoch: (id: string) => Promise<void>,
  ): Promise<FreezeOverride> {
    const created: FreezeOverride = {
      id: newId(idPrefix),
      reason: input.reason,
      ...(input.scope ? { scope: input.scope } : {}),
      since: input.now.toISOString(),
      until: new Date(input.now.getTime() + input.ttlMs).toISOString(),
      actor: input.actor,
    };
    await this.records.put(hash, created, input.maxActive, input.now);
    await epoch(created.id);
    await this.audit.append({
      at: created.since,
      type: auditType,
      actor: input.actor,
      reason: input.reason,
      details: { id: created.id, until: created.until, ...(input.scope ? { scope: { ...input.scope } } : {}) },
    });
    return created;
  }

  /**
   * Records a provider poll: the snapshot, incident history (new incidents opened at their
   * provider `createdAt`; incidents no longer open are resolved at this fetch) and
   * unknown intervals. Transitions are audited and published. The poll's answer is as of its
   * start (`requestedAt`): an incident a newer webhook (or poll) already changed is left as it
   * is (incidentTransition), so a slow poll never moves an incident backwards.
   */
  async recordSnapshot(
    snap: ProviderSnapshot,
    actor: string,
    opts: { unknownSince?: string } = {},
  ): Promise<{ opened: IncidentRecord[]; resolved: IncidentRecord[] }> {
    const opened: IncidentRecord[] = [];
    const resolved: IncidentRecord[] = [];
    if (snap.ok) {
      for (const change of diffIncidentSnapshot(snap, await this.records.incidentHistory())) {
        const t = await this.transitionIncident(change.field, change.read, change.observation);
        if (t.kind === 'opened') opened.push(change.observation.incident);
        if (t.kind === 'resolved') resolved.push(t.next);
      }
    }
    await this.records.saveSnapshot(snap);
    const unknownStarted = await this.trackUnknown(snap, opts.unknownSince);
    if (opened.length > 0 || unknownStarted) await this.epochs.started(`${snap.provider} poll`);
    else await this.epochs.changed(`${snap.provider} poll`);
    for (const i of opened) {
      await this.audit.append({
        at: snap.attemptedAt,
        type: 'freeze.incident_opened',
        actor,
        reason: `${i.provider} incident ${i.number ?? i.id} (${i.title}) is open and major: auto-heal frozen since ${i.createdAt}`,
        details: { provider: i.provider, id: i.id, createdAt: i.createdAt },
      });
    }
    for (const i of resolved) {
      await this.audit.append({
        at: snap.attemptedAt,
        type: 'freeze.incident_resolved',
        actor,
        reason: `${i.provider} incident ${i.number ?? i.id} is no longer open: cooldown starts`,
        details: { provider: i.provider, id: i.id, resolvedAt: i.resolvedAt ?? null },
      });
    }
    return { opened, resolved };
  }

  /**
   * Applies one observation of an incident with a compare-and-set on its history field: a
   * webhook and a poll that change the same incident at once are ordered by their times, never
   * by who writes last. `firstRead` is the field's value already read (null: absent).
   */
  private async transitionIncident(
    field: string,
    firstRead: string | null | undefined,
    obs: IncidentObservation,
  ): Promise<IncidentTransition> {
    let read = firstRead === undefined ? await this.records.readIncident(field) : firstRead;
    for (let attempt = 0; attempt < 10; attempt++) {
      const t = incidentTransition(read ? (JSON.parse(read) as IncidentRecord) : null, obs);
      if (t.kind === 'stale' || !t.next) return t;
      if (await this.records.casIncident(field, read, t.next)) return t;
      read = await this.records.readIncident(field);
    }
    throw new Error(`incident ${field} was changed concurrently 10 times in a row; this update was not recorded`);
  }

  /**
   * Adds resolved incidents read back from a provider (after a state rebuild, or after a gap in
   * polling) to the history, unless already known; returns how many were added.
   */
  async importResolved(provider: IncidentProvider, incidents: IncidentRecord[], now: Date): Promise<number> {
    let added = 0;
    for (const i of incidents) {
      if (!i.resolvedAt || now.getTime() - Date.parse(i.resolvedAt) > HISTORY_MS) continue;
      // Read back resolved: its state is known as of its resolution (an older event is stale).
      const record: IncidentRecord = { ...i, stateAt: i.stateAt ?? i.resolvedAt, stateFrom: i.stateFrom ?? `history:${provider}` };
      if (!(await this.records.addIncidentIfAbsent(`${provider}:${i.id}`, record))) continue;
      added += 1;
      await this.audit.append({
        at: now.toISOString(),
        type: 'freeze.incident_recovered',
        actor: `provider:${provider}`,
        reason:
          `${provider} incident ${i.number ?? i.id} (${i.title}) was open from ${i.createdAt} to ${i.resolvedAt}: ` +
          'back in the freeze history',
        details: { provider, id: i.id, createdAt: i.createdAt, resolvedAt: i.resolvedAt },
      });
    }
    // A recovered incident's cooldown may still be running: a freeze starts (fencing).
    if (added > 0) await this.epochs.started(`${provider} history recovered`);
    return added;
  }

  /**
   * Applies an incident webhook at once (the next poll confirms or corrects it): a major
   * incident opens a freeze from its provider created_at; a resolved one starts the cooldown.
   * An event older than the state already known for the incident (a newer event, or a poll
   * that started after it) is stale: audited, never applied, so an incident never moves
   * backwards (a late `resolved` cannot end a freeze a newer poll still shows).
   */
  async applyIncidentEvent(
    incident: IncidentRecord,
    open: boolean,
    at: string,
    actor: string,
    event: { id?: string; type?: string; resolvedAt?: string } = {},
  ): Promise<IncidentEventOutcome> {
    const field = `${incident.provider}:${incident.id}`;
    const floor = (await this.snapshot(incident.provider))?.requestedAt ?? null;
    const t = await this.transitionIncident(field, undefined, {
      open,
      at,
      from: actor,
      incident,
      floor,
      ...(!open && event.resolvedAt ? { resolvedAt: event.resolvedAt } : {}),
    });
    const label = `${incident.provider} incident ${incident.number ?? incident.id}`;
    const eventDetails = { ...(event.id ? { eventId: event.id } : {}), ...(event.type ? { eventType: event.type } : {}) };
    switch (t.kind) {
      case 'stale':
        await this.audit.append({
          at: this.clock().toISOString(),
          type: 'freeze.incident_event_stale',
          actor,
          reason: t.reason,
          details: {
            provider: incident.provider,
            id: incident.id,
            occurredAt: at,
            knownAt: t.knownAt,
            knownFrom: t.knownFrom,
            ...eventDetails,
          },
        });
        return { applied: false, stale: true, knownAt: t.knownAt, knownFrom: t.knownFrom, reason: t.reason };
      case 'unchanged':
        return { applied: false, stale: false, reason: t.reason };
      case 'opened':
        await this.epochs.started(`webhook ${field}`);
        await this.audit.append({
          at,
          type: 'freeze.incident_opened',
          actor,
          reason: `${label} (${incident.title}) is open and major: auto-heal frozen since ${incident.createdAt}`,
          details: { provider: incident.provider, id: incident.id, createdAt: incident.createdAt, via: 'webhook', ...eventDetails },
        });
        return { applied: true, stale: false, transition: 'opened' };
      case 'resolved':
        await this.epochs.changed(`webhook ${field} resolved`);
        await this.audit.append({
          at,
          type: 'freeze.incident_resolved',
          actor,
          reason: `${label} resolved: cooldown starts`,
          details: { provider: incident.provider, id: incident.id, resolvedAt: t.next.resolvedAt ?? at, via: 'webhook', ...eventDetails },
        });
        return { applied: true, stale: false, transition: 'resolved' };
    }
  }

  /** Webhook deliveries already seen (at-least-once delivery): true the first time within WEBHOOK_DEDUPE_MS. */
  async firstDelivery(provider: string, deliveryId: string): Promise<boolean> {
    return this.records.markDelivery(provider, deliveryId, WEBHOOK_DEDUPE_MS);
  }

  /**
   * Forgets a delivery marked by `firstDelivery` whose handling failed (the provider could not be
   * read back): the sender's retry is then handled, not taken for a duplicate.
   */
  async forgetDelivery(provider: string, deliveryId: string): Promise<void> {
    await this.records.forgetDelivery(provider, deliveryId);
  }

  /**
   * A push-only source (a generic incident webhook) has no list to poll: every signed message it
   * sends (an incident or a heartbeat) shows it is alive. Its snapshot becomes fresh as of `at`;
   * if it had been quiet for longer than `maxStalenessMs`, that quiet time goes into the freeze
   * history as unknown (a change made then is decided again as "made while unknown"). Its open
   * incidents are left alone: only a message resolves one, silence never does (fail closed).
   * The snapshot has no `requestedAt`: without a list there is no floor, incident events are
   * ordered by their own times only.
   */
  async recordPush(provider: IncidentProvider, at: Date, actor: string, maxStalenessMs: number): Promise<{ unknownSince?: string }> {
    const previous = await this.snapshot(provider);
    const staleSince = previous?.ok && previous.fetchedAt ? Date.parse(previous.fetchedAt) + maxStalenessMs : null;
    const unknownSince = staleSince !== null && staleSince < at.getTime() ? new Date(staleSince).toISOString() : undefined;
    const iso = at.toISOString();
    const snap: ProviderSnapshot = { provider, ok: true, fetchedAt: iso, attemptedAt: iso, incidents: [] };
    await this.records.saveSnapshot(snap);
    await this.trackUnknown(snap, unknownSince);
    await this.epochs.changed(`${provider} message (${actor})`);
    return unknownSince ? { unknownSince } : {};
  }

  /**
   * Removes freeze history that ended before `before` (the scheduler's sweep passes the retention
   * limit, moved back to before the oldest open drift, minus cooldown and lookback): lifted or
   * expired manual freezes and overrides, resolved incidents, closed unknown intervals. Anything
   * still active or open stays, and an entry changed meanwhile (an incident reopened by a webhook)
   * is left for the next sweep.
   */
  async pruneHistory(before: Date, now: Date = this.clock()): Promise<HistoryPruned> {
    const cutoff = before.getTime();
    const endedBefore = (end: string | undefined, limit = cutoff) => end !== undefined && Date.parse(end) < limit;
    // A resolved incident is also kept through the webhook replay window: a late event for it
    // must still find it, to be recognised as stale rather than open it again.
    const incidentCutoff = Math.min(cutoff, now.getTime() - WEBHOOK_DEDUPE_MS);
    const parse = <T>(raw: string): T | null => {
      try {
        return JSON.parse(raw) as T;
      } catch {
        return null;
      }
    };
    const until = (raw: string) => {
      const f = parse<{ until?: string; liftedAt?: string }>(raw);
      return f ? endedBefore(f.liftedAt && f.until && f.liftedAt < f.until ? f.liftedAt : f.until) : false;
    };
    const manual = await this.records.pruneHash('manual', until);
    const overrides = await this.records.pruneHash('overrides', until);
    const incidents = await this.records.pruneHash('incidents', (raw) =>
      endedBefore(parse<IncidentRecord>(raw)?.resolvedAt, incidentCutoff),
    );
    const unknownIntervals = await this.records.pruneUnknown((raw) => {
      const to = parse<UnknownInterval>(raw)?.to;
      return Boolean(to && endedBefore(to));
    });
    return { manual, overrides, incidents, unknownIntervals };
  }

  /**
   * Opens or closes the provider's unknown interval in the freeze history; returns true when one
   * opened. `unknownSince`: the data had already gone stale (nobody polled) at that time, so the
   * state was unknown from then, not only from this poll.
   */
  private async trackUnknown(snap: ProviderSnapshot, unknownSince?: string): Promise<boolean> {
    const open = await this.records.openUnknown(snap.provider);
    if (snap.ok && !open && unknownSince) {
      const to = snap.fetchedAt ?? snap.attemptedAt;
      const interval: UnknownInterval = {
        provider: snap.provider,
        from: unknownSince,
        to,
        reason: `cannot tell whether a ${snap.provider} incident was open: its data was stale (not polled) from ${unknownSince} to ${to}`,
      };
      await this.records.addClosedUnknown(interval);
      await this.audit.append({
        at: snap.attemptedAt,
        type: 'freeze.unknown',
        actor: `provider:${snap.provider}`,
        reason: interval.reason,
        details: { from: unknownSince, to },
      });
      return false;
    }
    if (!snap.ok && !open) {
      const interval: UnknownInterval = {
        provider: snap.provider,
        from: unknownSince ?? snap.attemptedAt,
        to: null,
        reason: `cannot tell whether a ${snap.provider} incident is open: ${snap.error ?? 'error'}`,
      };
      await this.records.openUnknownInterval(interval);
      await this.audit.append({
        at: snap.attemptedAt,
        type: 'freeze.unknown',
        actor: `provider:${snap.provider}`,
        reason: interval.reason,
      });
      return true;
    }
    if (snap.ok && open) {
      const interval = JSON.parse(open) as UnknownInterval;
      const closed = { ...interval, to: snap.fetchedAt ?? snap.attemptedAt };
      // Replace the open entry in the history list with its closed form.
      await this.records.closeUnknownInterval(snap.provider, open, closed);
      await this.audit.append({
        at: snap.attemptedAt,
        type: 'freeze.known',
        actor: `provider:${snap.provider}`,
        reason: `${snap.provider} answers again: incident state known`,
      });
    }
    return false;
  }
}
