import type { IncidentProvider, IncidentRef, Scope } from '@driftwarden/domain';
import type { FreezeStore } from './freeze-store';
import type { IncidentRecord, ProviderSnapshot } from './freeze.types';

/** What the poller needs of a provider adapter (libs/incidents implements it). */
export interface IncidentSource {
  readonly name: IncidentProvider;
  listOpenMajorIncidents(signal?: AbortSignal): Promise<(IncidentRef & { scopeKeys?: string[] })[]>;
  /** Major incidents created since `since`, any status; resolved ones carry `resolvedAt`. */
  listRecentMajorIncidents?(since: Date, signal?: AbortSignal): Promise<(IncidentRef & { scopeKeys?: string[] })[]>;
}

/**
 * One list walk per provider per poll, written as the shared snapshot every worker and
 * replica reads (provider calls do not grow with the event rate). A failure is recorded as
 * such: the freeze state becomes unknown, which freezes.
 */
export class IncidentPoller {
  constructor(
    private readonly sources: IncidentSource[],
    private readonly store: FreezeStore,
    /** provider → scope key (PagerDuty service id, Opsgenie team/service) → scope; absent = global. */
    private readonly scopes: Partial<Record<IncidentProvider, Record<string, Scope>>>,
    private readonly clock: () => Date = () => new Date(),
    /**
     * `incidents.maxStalenessSeconds`: data older than this is unknown. A gap since the last
     * successful poll longer than this (nobody polled) is recorded in the history as unknown,
     * and any gap with unknown state is read back before the poll is recorded: see `poll`.
     */
    private readonly maxStalenessMs = 90_000,
  ) {}

  get configured(): IncidentProvider[] {
    return this.sources.map((s) => s.name);
  }

  async pollAll(actor = 'scheduler'): Promise<ProviderSnapshot[]> {
    return Promise.all(this.sources.map((s) => this.poll(s, actor)));
  }

  private async poll(source: IncidentSource, actor: string): Promise<ProviderSnapshot> {
    const previous = await this.store.snapshot(source.name);
    // Data that went stale without a failure (nobody polled): unknown from then on, in the
    // history too (rule 4's `suspicious` flag survives the re-decision after the gap).
    const staleSince = previous?.ok && previous.fetchedAt ? Date.parse(previous.fetchedAt) + this.maxStalenessMs : null;
    const unknownSince = staleSince !== null && staleSince < this.clock().getTime() ? new Date(staleSince).toISOString() : undefined;
    let snap: ProviderSnapshot;
    // The answer shows at least the state of when the walk started: ordering uses this time
    // (an incident event older than it is already known; see incidentTransition).
    const requestedAt = this.clock().toISOString();
    try {
      const incidents = await source.listOpenMajorIncidents();
      await this.backfill(source, previous);
      const at = this.clock().toISOString();
      snap = {
        provider: source.name,
        ok: true,
        fetchedAt: at,
        requestedAt,
        attemptedAt: at,
        incidents: incidents.map((i) => this.withScope(source.name, i)),
      };
    } catch (err) {
      snap = {
        provider: source.name,
        ok: false,
        fetchedAt: previous?.fetchedAt ?? null,
        requestedAt: previous?.requestedAt ?? null,
        attemptedAt: this.clock().toISOString(),
        error: err instanceof Error ? err.message : String(err),
        incidents: previous?.incidents ?? [],
      };
    }
    await this.store.recordSnapshot(snap, actor, unknownSince ? { unknownSince } : {});
    return snap;
  }

  /**
   * DESIGN §4: a change made while the state was unknown is decided again once it is known,
   * and the freeze history must then tell whether an incident was in fact open. An incident
   * that opened and was resolved while the provider could not be read (or nobody polled) is in
   * no snapshot: read back the major incidents since the last successful poll, before this poll
   * ends the unknown state. If that read fails the poll fails too (the state stays unknown).
   */
  private async backfill(source: IncidentSource, previous: ProviderSnapshot | null): Promise<void> {
    if (!previous?.fetchedAt || !source.listRecentMajorIncidents) return;
    const since = new Date(previous.fetchedAt);
    if (previous.ok && this.clock().getTime() - since.getTime() <= this.maxStalenessMs) return;
    try {
      await this.importResolvedSince(source, since);
    } catch (err) {
      throw new Error(
        `cannot read the incidents of the gap since ${previous.fetchedAt}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }

  /**
   * After a state rebuild: the incidents resolved since `since`, read back from each provider
   * into the freeze history (their cooldowns, and rule 3's "during an incident"). Throws when a
   * provider cannot be read: the rebuild is then not done and the freeze stays unknown.
   */
  async recoverHistory(since: Date): Promise<number> {
    let recovered = 0;
    for (const source of this.sources) recovered += await this.importResolvedSince(source, since);
    return recovered;
  }

  /** Major incidents created since `since` and resolved by now, into the freeze history (unless known). */
  private async importResolvedSince(source: IncidentSource, since: Date): Promise<number> {
    if (!source.listRecentMajorIncidents) return 0;
    const recent = await source.listRecentMajorIncidents(since);
    const resolved = recent.filter((i) => i.resolvedAt).map((i) => this.withScope(source.name, i));
    return resolved.length > 0 ? this.store.importResolved(source.name, resolved, this.clock()) : 0;
  }

  private withScope(provider: IncidentProvider, incident: IncidentRef & { scopeKeys?: string[] }): IncidentRecord {
    return withIncidentScope(incident, this.scopes[provider]);
  }
}

/**
 * An incident as the freeze records it: its scope keys looked up in the provider's `scopes`.
 * One matching scope narrows the incident to it; none (or several, ambiguously) keeps it global:
 * fail closed. Shared by the poller and the webhooks.
 */
export function withIncidentScope(
  incident: IncidentRef & { scopeKeys?: string[] },
  scopes: Record<string, Scope> | undefined,
): IncidentRecord {
  const { scopeKeys, ...ref } = incident;
  const map = scopes ?? {};
  const matched = [...new Set(scopeKeys ?? [])]
    .map((k) => (Object.prototype.hasOwnProperty.call(map, k) ? map[k] : undefined))
    .filter((s): s is Scope => s !== undefined);
  return matched.length === 1 ? { ...ref, scope: matched[0] } : { ...ref };
}
