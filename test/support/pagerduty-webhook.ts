import { signPagerDutyBody } from '@driftwarden/incidents';

/** A PagerDuty v3 webhook body (one event per POST), as PagerDuty sends it. */
export function pagerDutyWebhook(o: { eventId: string; type: string; incidentId: string; number: number; priority: string | null; status: string; createdAt: string; urgency?: string; service?: string }) {
  return {
    event: {
      id: o.eventId,
      event_type: o.type,
      resource_type: 'incident',
      occurred_at: new Date().toISOString(),
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
        title: 'checkout returns 5xx',
        service: { id: o.service ?? 'PSVC001', type: 'service_reference', summary: 'checkout' },
        assignees: [{ id: 'PUSER01', type: 'user_reference', summary: 'Alice' }],
        escalation_policy: { id: 'PESC01', type: 'escalation_policy_reference', summary: 'default' },
        teams: [],
        priority: o.priority ? { id: 'PPRIO1', type: 'priority_reference', summary: o.priority } : null,
        urgency: o.urgency ?? 'high',
        conference_bridge: null,
        resolve_reason: null,
      },
    },
  };
}

export function signed(body: unknown, ...secrets: string[]): { raw: string; signature: string } {
  const raw = JSON.stringify(body);
  return { raw, signature: secrets.map((s) => signPagerDutyBody(raw, s)).join(',') };
}
