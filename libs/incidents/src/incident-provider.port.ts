/**
 * The incident-provider port (DESIGN.md §2 "Incidents"): one call that lists the provider's open
 * major incidents. "Major" is decided by the adapter from the provider's `major` config: every
 * configured criterion must match, an omitted criterion is ignored.
 */
import type { IncidentProvider, IncidentRef } from '@driftwarden/domain';

/**
 * An open major incident as an adapter returns it: the domain's `IncidentRef` plus the keys the
 * freeze uses to look the incident up in the provider's `scopes` config.
 */
export interface ProviderIncidentRef extends IncidentRef {
  /**
   * Keys to look up in the provider's `scopes` map (first key that has an entry wins; none = the
   * incident covers everything):
   * - PagerDuty: `[service.id]`.
   * - Opsgenie: `[ownerTeam, ...responder team ids, ...impactedServices]` as the API returns them
   *   (ids, de-duplicated, in that order).
   */
  scopeKeys: string[];
}

/** A major incident of any status; `resolvedAt` is set once it is resolved (or closed). */
export type RecentIncidentRef = ProviderIncidentRef;

export interface IncidentProviderPort {
  readonly name: IncidentProvider;
  /**
   * Every open (PagerDuty: triggered or acknowledged; Opsgenie: open) incident that matches every
   * configured `major` criterion, across all pages. Never a partial list: when the full list
   * cannot be read the call rejects with a `TransientError` (retry later; the freeze is `unknown`)
   * or a `PermanentError` (configuration or credentials must change).
   *
   * @param signal aborts the call (the per-request timeout of `requestTimeoutMs` applies anyway).
   */
  listOpenMajorIncidents(signal?: AbortSignal): Promise<ProviderIncidentRef[]>;

  /**
   * Every major incident created since `since`, open or not, with its resolution time: read once
   * after a state rebuild to restore the freeze history (cooldowns, rule 3's lookback). Never a
   * partial list (same errors as above). Opsgenie gives no resolution time: its `updatedAt` is
   * used, which is never earlier (a longer cooldown, never a shorter one).
   */
  listRecentMajorIncidents(since: Date, signal?: AbortSignal): Promise<RecentIncidentRef[]>;
}

/** Injection token for `IncidentProviderPort[]` (the configured providers, possibly none). */
export const INCIDENT_PROVIDERS = Symbol.for('driftwarden.incidents.providers');
