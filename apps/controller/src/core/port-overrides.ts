import type { InjectionToken, Provider } from '@nestjs/common';
import type { IncidentSource } from '@driftwarden/freeze';
import { ConfigItemFetcher } from '@driftwarden/ingest';
import {
  AttributionPort,
  DesiredStatePort,
  ExceptionsPort,
  FencePort,
  FreezePort,
  ResourceKinds,
  type BackportPort,
  type RemediationPort,
} from '@driftwarden/pipeline';
import { BACKPORT_ADAPTER, INCIDENT_SOURCES, REMEDIATION_ADAPTER } from './tokens';

/**
 * Replacements for the capabilities the pipeline composes (tests, the benchmark, the demo).
 * Anything not given uses the real adapter built from the configuration. A replacement takes
 * the place of the real provider (as Nest's `overrideProvider` does in a testing module), so the
 * modules never ask "was I replaced?"; the write ports are replaced underneath the dry-run guard,
 * which stays in force whatever is given.
 */
export interface PortOverrides {
  kinds?: ResourceKinds;
  desiredState?: DesiredStatePort;
  attribution?: AttributionPort;
  freeze?: FreezePort;
  fence?: FencePort;
  exceptions?: ExceptionsPort;
  remediation?: RemediationPort;
  backport?: BackportPort;
  fetcher?: ConfigItemFetcher;
  /** Polled incident providers (default: built from `incidents.pagerduty` / `opsgenie` / `jsm` / `incidentio`). */
  incidentSources?: IncidentSource[];
}

/** The provider each replacement takes the place of. */
const REPLACES: { readonly [K in keyof PortOverrides]-?: InjectionToken } = {
  kinds: ResourceKinds,
  desiredState: DesiredStatePort,
  attribution: AttributionPort,
  freeze: FreezePort,
  fence: FencePort,
  exceptions: ExceptionsPort,
  remediation: REMEDIATION_ADAPTER,
  backport: BACKPORT_ADAPTER,
  fetcher: ConfigItemFetcher,
  incidentSources: INCIDENT_SOURCES,
};

/** `providers` with each one that `overrides` replaces swapped for the replacement value. */
export function withOverrides(providers: Provider[], overrides: PortOverrides): Provider[] {
  const replacements = new Map<InjectionToken, unknown>();
  for (const key of Object.keys(REPLACES) as (keyof PortOverrides)[]) {
    if (overrides[key] !== undefined) replacements.set(REPLACES[key], overrides[key]);
  }
  return providers.map((p) => {
    const token = tokenOf(p);
    return replacements.has(token) ? { provide: token, useValue: replacements.get(token) } : p;
  });
}

/** The injection token of a provider (a class is its own token). */
export function tokenOf(p: Provider): InjectionToken {
  return typeof p === 'function' ? p : p.provide;
}
