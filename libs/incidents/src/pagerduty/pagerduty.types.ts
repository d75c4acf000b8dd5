/**
 * The parts of PagerDuty REST API v2 that `GET /incidents` returns, written from
 * test/contracts/pagerduty-rest-openapiv3.json (`Incident`, `Priority`, `Reference`,
 * `Pagination`). The spec marks almost nothing required, so almost everything here is optional;
 * the adapter checks at run time what it relies on (see pagerduty-response.ts).
 * `pagerduty.types.spec.ts` compares these types with the spec.
 */
import type { Assert, Equals, RequiredKeys } from '../spec-keys';

/** `Reference` (`Tag/allOf/0` + required `type` and `id`). */
export interface PagerDutyReference {
  id: string;
  type: string;
  summary?: string | null;
  self?: string | null;
  html_url?: string | null;
}

/**
 * `Priority`: a reference (`summary` is the name) unless `include[]=priorities` was sent, which
 * adds `name` and `description`. Names such as "P1" are account-defined; ids are not stable
 * across accounts, so matching is by `name` or `summary`, never by id.
 */
export interface PagerDutyPriority {
  id?: string;
  type?: string;
  summary?: string | null;
  self?: string | null;
  html_url?: string | null;
  name?: string;
  description?: string;
}

export type PagerDutyIncidentStatus = 'triggered' | 'acknowledged' | 'resolved';
export type PagerDutyUrgency = 'high' | 'low';

/** `Incident` (only the fields the adapter reads or the fake fills in are typed). */
export interface PagerDutyIncident {
  id?: string;
  type?: string;
  summary?: string | null;
  self?: string | null;
  html_url?: string | null;
  incident_number?: number;
  title?: string;
  created_at?: string;
  updated_at?: string;
  status?: PagerDutyIncidentStatus;
  incident_key?: string;
  service?: PagerDutyReference;
  assignments?: Array<{ at: string; assignee: PagerDutyReference }>;
  assigned_via?: 'escalation_policy' | 'direct_assignment';
  last_status_change_at?: string;
  last_status_change_by?: PagerDutyReference;
  /** Null while open (the spec says so in prose, not in the schema). */
  resolved_at?: string | null;
  first_trigger_log_entry?: PagerDutyReference;
  alert_counts?: { triggered?: number; resolved?: number; all?: number };
  is_mergeable?: boolean;
  incident_type?: { name?: string };
  escalation_policy?: PagerDutyReference;
  teams?: PagerDutyReference[];
  pending_actions?: Array<{ type?: string; at?: string }>;
  acknowledgements?: Array<{ at: string; acknowledger: PagerDutyReference }>;
  /** Null when the incident has no alerts (spec prose). */
  alert_grouping?: {
    grouping_type?: 'basic' | 'advanced' | 'rules';
    started_at?: string;
    ended_at?: string | null;
    alert_grouping_active?: boolean;
  } | null;
  /** Null when the account has no priorities or none is set. */
  priority?: PagerDutyPriority | null;
  resolve_reason?: { type?: string; incident?: PagerDutyReference } | null;
  incidents_responders?: unknown[];
  responder_requests?: unknown[];
  urgency?: PagerDutyUrgency;
}

/** The 200 body of `GET /incidents`: `Pagination` + `incidents` (required). */
export interface PagerDutyListIncidentsResponse {
  incidents: PagerDutyIncident[];
  offset?: number;
  limit?: number;
  more?: boolean;
  /** Null unless `total=true` was sent. */
  total?: number | null;
}

/** The error body of every PagerDuty error status. */
export interface PagerDutyErrorResponse {
  error?: { code?: number; message?: string; errors?: string[] };
}

// --- Runtime key lists, checked against the types here and against the spec in the spec test ---

export const PAGERDUTY_REFERENCE_REQUIRED = ['id', 'type'] as const;
export const PAGERDUTY_INCIDENT_REQUIRED = [] as const;
export const PAGERDUTY_LIST_INCIDENTS_REQUIRED = ['incidents'] as const;
export const PAGERDUTY_INCIDENT_KEYS = [
  'id',
  'type',
  'summary',
  'self',
  'html_url',
  'incident_number',
  'title',
  'created_at',
  'updated_at',
  'status',
  'incident_key',
  'service',
  'assignments',
  'assigned_via',
  'last_status_change_at',
  'last_status_change_by',
  'resolved_at',
  'first_trigger_log_entry',
  'alert_counts',
  'is_mergeable',
  'incident_type',
  'escalation_policy',
  'teams',
  'pending_actions',
  'acknowledgements',
  'alert_grouping',
  'priority',
  'resolve_reason',
  'incidents_responders',
  'responder_requests',
  'urgency',
] as const;
export const PAGERDUTY_PRIORITY_KEYS = ['id', 'type', 'summary', 'self', 'html_url', 'name', 'description'] as const;

export type PagerDutyTypeChecks = [
  Assert<Equals<RequiredKeys<PagerDutyReference>, (typeof PAGERDUTY_REFERENCE_REQUIRED)[number]>>,
  Assert<Equals<RequiredKeys<PagerDutyIncident>, (typeof PAGERDUTY_INCIDENT_REQUIRED)[number]>>,
  Assert<Equals<RequiredKeys<PagerDutyListIncidentsResponse>, (typeof PAGERDUTY_LIST_INCIDENTS_REQUIRED)[number]>>,
  Assert<Equals<keyof PagerDutyIncident, (typeof PAGERDUTY_INCIDENT_KEYS)[number]>>,
  Assert<Equals<keyof PagerDutyPriority, (typeof PAGERDUTY_PRIORITY_KEYS)[number]>>,
];
