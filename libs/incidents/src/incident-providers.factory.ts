/**
 * Builds the configured polled incident providers (any of PagerDuty, Opsgenie, JSM, incident.io; DESIGN.md §2: each provider is
 * optional). For a Nest factory provider bound to `INCIDENT_PROVIDERS`.
 */
import type { IncidentsConfig } from '@driftwarden/config';
import type { IncidentProviderPort } from './incident-provider.port';
import { IncidentioIncidentAdapter } from './incidentio/incidentio.adapter';
import { JsmIncidentAdapter } from './jsm/jsm.adapter';
import { OpsgenieIncidentAdapter } from './opsgenie/opsgenie.adapter';
import { PagerDutyIncidentAdapter } from './pagerduty/pagerduty.adapter';

export function createIncidentProviders(
  config: Pick<IncidentsConfig, 'pagerduty' | 'opsgenie'> & Partial<Pick<IncidentsConfig, 'jsm' | 'incidentio'>>,
): IncidentProviderPort[] {
  const providers: IncidentProviderPort[] = [];
  if (config.pagerduty) providers.push(new PagerDutyIncidentAdapter(config.pagerduty));
  if (config.opsgenie) providers.push(new OpsgenieIncidentAdapter(config.opsgenie));
  if (config.jsm) providers.push(new JsmIncidentAdapter(config.jsm));
  if (config.incidentio) providers.push(new IncidentioIncidentAdapter(config.incidentio));
  return providers;
}
