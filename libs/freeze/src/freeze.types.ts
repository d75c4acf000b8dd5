import type { FreezeSourceSnapshot, IncidentProvider, IncidentRef, Scope } from '@driftwarden/domain';

/** An incident as the freeze sees it: when it opened (provider time), when it resolved, what it covers. */
export interface IncidentRecord extends IncidentRef {
  /** Unset = global (covers everything). */
  scope?: Scope;
  /** Set when the incident left the open set (resolved, closed, or no longer major). */
  resolvedAt?: string;
  /**
   * When the recorded state held (ISO): the `occurred_at` of the webhook event or the start of
   * the poll that last set it. Anything older is stale and not applied (see `incidentTransition`).
   */
  stateAt?: string;
  /** What set that state: `poll`, `webhook:pagerduty`, … */
  stateFrom?: string;
}

export interface ProviderSnapshot {
  provider: IncidentProvider;
  ok: boolean;
  /** When the last successful list walk finished; null if never. */
  fetchedAt: string | null;
  /**
   * When the last successful list walk started: its answer shows at least the state of then,
   * so an incident event older than this is already known (stale). Absent on older snapshots.
   */
  requestedAt?: string | null;
  /** When the last attempt (successful or not) finished. */
  attemptedAt: string;
  error?: string;
  /** Open major incidents at fetchedAt. */
  incidents: IncidentRecord[];
}

export interface ManualFreeze {
  id: string;
  reason: string;
  scope?: Scope;
  since: string;
  until: string;
  actor: string;
  liftedAt?: string;
  liftedBy?: string;
}

export interface FreezeOverride {
  id: string;
  reason: string;
  scope?: Scope;
  since: string;
  until: string;
  actor: string;
}

export interface UnknownInterval {
  provider: IncidentProvider;
  from: string;
  to: string | null;
  reason: string;
}

export interface FreezeWindow {
  name: string;
  schedule: string;
  durationMs: number;
  timeZone: string;
  scope?: Scope;
}

/** Everything the freeze is computed from: read from Redis, then evaluated purely. */
export interface FreezeState {
  manual: ManualFreeze[];
  overrides: FreezeOverride[];
  incidents: IncidentRecord[];
  providers: ProviderSnapshot[];
  unknownIntervals: UnknownInterval[];
  /**
   * Set while the controller's state is being rebuilt (Redis was empty: a new installation or a
   * lost Redis, DESIGN §9): the freeze is unknown until the open backports are back from GitHub.
   */
  rebuild?: { since: string } | null;
}

export interface FreezeSettings {
  windows: FreezeWindow[];
  /** Providers configured; each must have fresh, successful data or the state is unknown. */
  providers: IncidentProvider[];
  cooldownMs: number;
  lookbackMs: number;
  maxStalenessMs: number;
  /** A provider's own staleness limit (a push-only webhook source's `maxStalenessSeconds`), else `maxStalenessMs`. */
  stalenessMs?: Partial<Record<IncidentProvider, number>>;
}

/** How old a provider's data may be before it is unknown (its own limit, else the global one). */
export function stalenessLimitMs(settings: Pick<FreezeSettings, 'maxStalenessMs' | 'stalenessMs'>, provider: IncidentProvider): number {
  return settings.stalenessMs?.[provider] ?? settings.maxStalenessMs;
}

export interface EffectiveFreeze {
  frozen: boolean;
  sources: FreezeSourceSnapshot[];
}
