import type { IncidentSource } from '@driftwarden/freeze';
import type { ConfigItemFetcher } from '@driftwarden/ingest';
import type {
  AttributionPort,
  BackportPort,
  DesiredStatePort,
  ExceptionsPort,
  FencePort,
  FreezePort,
  RemediationPort,
  ResourceKinds,
} from '@driftwarden/pipeline';

/**
 * Replacements for the capabilities the pipeline composes (tests, the benchmark). Anything not
 * given uses the real adapter built from the configuration.
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
