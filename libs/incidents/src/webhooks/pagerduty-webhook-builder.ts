/**
 * Builds a PagerDuty v3 webhook body (one event per POST) in the shape PagerDuty sends
 * (CONTRACTS §B3): used by the demo's scripted PagerDuty, the benchmark and the tests.
 */
export interface PagerDutyWebhookOptions {
  eventId: string;
  /** e.g. `incident.triggered`, `incident.resolved`. */
  type: string;
  incidentId: string;
  number: number;
  status: string;
  /** ISO; the incident's `created_at`. */
  createdAt: string;
  /** Priority summary (`P1`), or null for an incident without priority. Default `P1`. */
  priority?: string | null;
  urgency?: string;
  title?: string;
  service?: { id: string; summary?: string };
  /** ISO; when the event happened. Default: now. */
  occurredAt?: string;
}

export function pagerDutyWebhookBody(o: PagerDutyWebhookOptions): Record<string, unknown> {
  const priority = o.priority === undefined ? 'P1' : o.priority;
  return {
    event: {
      id: o.eventId,
      event_type: o.type,
      resource_type: 'incident',
      occurred_at: o.occurredAt ?? new Date().toISOString(),
      agent: { id: 'PUSER01', type: 'user_reference', summary: 'Alice' },
      client: null,
      data: {
        id: o.incidentId,
        type: 'incident',
        self: `https://api.pagerduty.com/incidents/${o.incidentId}`,
        html_url: `https://acme.pagerduty.com/incidents/${o.incidentId}`,
        number: o.number,
        status: o.status,
        incident_key: null,
        created_at: o.createdAt,
        title: o.title ?? 'checkout returns 5xx',
        service: { id: o.service?.id ?? 'PSVC001', type: 'service_reference', summary: o.service?.summary ?? 'checkout' },
        assignees: [{ id: 'PUSER01', type: 'user_reference', summary: 'Alice' }],
        escalation_policy: { id: 'PESC01', type: 'escalation_policy_reference', summary: 'default' },
        teams: [],
        priority: priority ? { id: 'PPRIO1', type: 'priority_reference', summary: priority } : null,
        urgency: o.urgency ?? 'high',
        conference_bridge: null,
        resolve_reason: null,
      },
    },
  };
}
