/**
 * What the composition root derives from the configuration: freeze settings, the incident
 * sources beyond PagerDuty and Opsgenie, and retention as the stores and the job producer take
 * it. Pure functions of the config (the HTTP layer and the scheduler read them too).
 */
import type { DriftwardenConfig } from '@driftwarden/config';
import { webhookIncidentProvider, type IncidentProvider, type Scope } from '@driftwarden/domain';
import type { FreezeSettings } from '@driftwarden/freeze';
import type { JobRetention } from '@driftwarden/queue';
import type { StoreRetention } from '@driftwarden/store';

export function freezeSettings(c: DriftwardenConfig): FreezeSettings {
  return {
    windows: c.freezeWindows.map((w) => ({
      name: w.name,
      schedule: w.schedule,
      durationMs: w.durationMs,
      timeZone: w.timeZone,
      ...(w.scope ? { scope: w.scope } : {}),
    })),
    providers: [
      ...(c.incidents.pagerduty ? (['pagerduty'] as const) : []),
      ...(c.incidents.opsgenie ? (['opsgenie'] as const) : []),
      ...incidentSourcesOf(c).providers,
    ],
    cooldownMs: c.incidents.cooldownMinutes * 60_000,
    lookbackMs: c.incidents.lookbackMinutes * 60_000,
    maxStalenessMs: c.incidents.maxStalenessSeconds * 1000,
    ...(Object.keys(incidentSourcesOf(c).stalenessMs).length > 0 ? { stalenessMs: incidentSourcesOf(c).stalenessMs } : {}),
  };
}

/**
 * The incident sources beyond PagerDuty and Opsgenie (issue 14): Jira Service Management and
 * incident.io (polled), and each signed generic webhook source (`webhook.<name>`, push-only,
 * with its own staleness limit). Their scope maps, keyed by provider, for the poller.
 */
export function incidentSourcesOf(c: DriftwardenConfig): {
  providers: IncidentProvider[];
  stalenessMs: Partial<Record<IncidentProvider, number>>;
  scopes: Partial<Record<IncidentProvider, Record<string, Scope>>>;
} {
  const providers: IncidentProvider[] = [];
  const stalenessMs: Partial<Record<IncidentProvider, number>> = {};
  const scopes: Partial<Record<IncidentProvider, Record<string, Scope>>> = {};
  if (c.incidents.jsm) {
    providers.push('jsm');
    if (c.incidents.jsm.scopes) scopes.jsm = c.incidents.jsm.scopes;
  }
  if (c.incidents.incidentio) {
    providers.push('incidentio');
    if (c.incidents.incidentio.scopes) scopes.incidentio = c.incidents.incidentio.scopes;
  }
  for (const [name, source] of Object.entries(c.incidents.webhook?.sources ?? {})) {
    const provider = webhookIncidentProvider(name);
    providers.push(provider);
    stalenessMs[provider] = (source.maxStalenessSeconds ?? c.incidents.maxStalenessSeconds) * 1000;
    if (source.scopes) scopes[provider] = source.scopes;
  }
  return { providers, stalenessMs, scopes };
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Config `retention` as the stores take it (README "Retention"). */
export function storeRetentionOf(c: DriftwardenConfig): StoreRetention {
  const r = c.retention;
  return {
    itemSeconds: seconds(r.itemsMs),
    resourceSeconds: seconds(r.resourcesMs),
    closedDriftSeconds: seconds(r.closedDriftsMs),
    ignoredDriftSeconds: seconds(r.ignoredDriftsMs),
    cloudTrailSeconds: seconds(r.cloudTrailEventsMs),
    auditMaxEntries: r.audit.maxEntries,
    auditMaxAgeSeconds: seconds(r.audit.maxAgeMs),
    quarantineMaxEntries: r.quarantine.maxEntries,
  };
}

/** Config `retention.completedJobs`/`failedJobs` as the job producer takes them. */
export function jobRetentionOf(c: DriftwardenConfig): JobRetention {
  const r = c.retention;
  return {
    completed: { ageSeconds: seconds(r.completedJobs.maxAgeMs), count: r.completedJobs.maxCount },
    failed: { ageSeconds: seconds(r.failedJobs.maxAgeMs), count: r.failedJobs.maxCount },
  };
}
