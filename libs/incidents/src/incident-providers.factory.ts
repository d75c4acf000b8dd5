/**
 * Builds the configured incident providers (none, one or both; DESIGN.md §2: each provider is
 * optional). For a Nest factory provider bound to `INCIDENT_PROVIDERS`.
 */
import type { IncidentsConfig } from '@driftwarden/config';
import type { IncidentProviderPort } from './incident-provider.port';
import { JsmIncidentAdapter } from './jsm/jsm.adapter';
import { OpsgenieIncidentAdapter } from './opsgenie/opsgenie.adapter';
import { PagerDutyIncidentAdapter } from './pagerduty/pagerduty.adapter';

export function createIncidentProviders(config: Pick<IncidentsConfig, 'pagerduty' | 'opsgenie'> & Partial<Pick<IncidentsConfig, 'jsm' | 'incidentio'>>): IncidentProviderPort[] {
  const providers: IncidentProviderPort[] = [];
  if (config.pagerduty) providers.push(new PagerDutyIncidentAdapter(config.pagerduty));
  if (config.opsgenie) providers.push(new OpsgenieIncidentAdapter(config.opsgenie));
  if (config.jsm) providers.push(new JsmIncidentAdapter(config.jsm));
  return providers;
}
