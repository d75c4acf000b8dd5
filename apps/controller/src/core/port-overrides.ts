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
  ResourceAnalyzers,
} from '@driftwarden/pipeline';

/**
 * The capabilities the pipeline composes. Anything not given uses the "not installed"
 * adapter, which is fine for dry-run and refused in enforce mode.
 */
export interface PortOverrides {
  analyzers?: ResourceAnalyzers;
  desiredState?: DesiredStatePort;
  attribution?: AttributionPort;
  freeze?: FreezePort;
  fence?: FencePort;
  exceptions?: ExceptionsPort;
  remediation?: RemediationPort;
  backport?: BackportPort;
  fetcher?: ConfigItemFetcher;
  /** Incident providers (default: built from `incidents.pagerduty` / `incidents.opsgenie`). */
  incidentSources?: IncidentSource[];
}
