/**
 * Pure PagerDuty logic: reading a `GET /incidents` page defensively, deciding which incidents are
 * major (DESIGN.md §2: every configured criterion must match, an omitted one is ignored), and
 * turning an incident into the domain's IncidentRef.
 */
import type { PagerDutyMajorConfig } from '@driftwarden/config';
import type { ProviderIncidentRef } from '../incident-provider.port';
import { isRecord, ShapeReader, type ShapeProblem } from '../shape';

/** What the adapter needs from one incident, checked. */
export interface PagerDutyOpenIncident {
  id: string;
  number?: number;
  title: string;
  url?: string;
  status: string;
  urgency?: string;
  /** `null`: the incident has no priority. */
  priority: { name?: string; summary?: string } | null;
  serviceId: string;
  /** ISO, normalised. */
  createdAt: string;
  /** When it was resolved (`resolved_at`, else the last status change of a resolved incident). */
  resolvedAt?: string;
}

export interface PagerDutyPage {
  incidents: PagerDutyOpenIncident[];
  more: boolean;
}

export type PageReadResult = { ok: true; page: PagerDutyPage } | { ok: false; problems: ShapeProblem[] };

/** Checks a 2xx body of `GET /incidents`; any problem rejects the whole page (never a partial list). */
export function readIncidentsPage(body: unknown): PageReadResult {
  const reader = new ShapeReader();
  if (!isRecord(body)) {
    reader.expected('(body)', 'an object', body);
    return { ok: false, problems: reader.problems };
  }
  const { incidents, more } = body;
  if (!Array.isArray(incidents)) reader.expected('incidents', 'an array', incidents);
  if (typeof more !== 'boolean') reader.expected('more', 'a boolean', more);
  const out: PagerDutyOpenIncident[] = [];
  if (Array.isArray(incidents)) {
    incidents.forEach((raw, index) => {
      const incident = readIncident(raw, `incidents[${index}]`, reader);
      if (incident) out.push(incident);
    });
  }
  if (reader.problems.length > 0) return { ok: false, problems: reader.problems };
  return { ok: true, page: { incidents: out, more: more === true } };
}

function readIncident(raw: unknown, path: string, reader: ShapeReader): PagerDutyOpenIncident | undefined {
  if (!isRecord(raw)) {
    reader.expected(path, 'an incident object', raw);
    return undefined;
  }
  const before = reader.problems.length;
  const id = reader.string(raw, 'id', `${path}.id`);
  const status = reader.string(raw, 'status', `${path}.status`);
  const createdAt = reader.dateTime(raw, 'created_at', `${path}.created_at`);
  const title = reader.optionalString(raw, 'title', `${path}.title`);
  const summary = reader.optionalString(raw, 'summary', `${path}.summary`);
  const url = reader.optionalString(raw, 'html_url', `${path}.html_url`);
  const urgency = reader.optionalString(raw, 'urgency', `${path}.urgency`);
  const resolvedAt = reader.optionalDateTime(raw, 'resolved_at', `${path}.resolved_at`);
  const lastChange = reader.optionalDateTime(raw, 'last_status_change_at', `${path}.last_status_change_at`);

  let number: number | undefined;
  if (raw.incident_number !== undefined && raw.incident_number !== null) {
    if (Number.isSafeInteger(raw.incident_number)) number = raw.incident_number as number;
    else reader.expected(`${path}.incident_number`, 'an integer', raw.incident_number);
  }

  let serviceId: string | undefined;
  if (isRecord(raw.service)) serviceId = reader.string(raw.service, 'id', `${path}.service.id`);
  else reader.expected(`${path}.service`, 'a service reference', raw.service);

  let priority: PagerDutyOpenIncident['priority'] = null;
  if (isRecord(raw.priority)) {
    const name = reader.optionalString(raw.priority, 'name', `${path}.priority.name`);
    const prioritySummary = reader.optionalString(raw.priority, 'summary', `${path}.priority.summary`);
    priority = { name, summary: prioritySummary };
  } else if (raw.priority !== undefined && raw.priority !== null) {
    reader.expected(`${path}.priority`, 'a priority object or null', raw.priority);
  }

  if (reader.problems.length > before || !id || !status || !createdAt || !serviceId) return undefined;
  return {
    id,
    number,
    title: title ?? summary ?? '',
    url,
    status,
    urgency,
    priority,
    serviceId,
    createdAt,
    ...(status === 'resolved' && (resolvedAt ?? lastChange) ? { resolvedAt: resolvedAt ?? lastChange } : {}),
  };
}

const OPEN_STATUSES = new Set(['triggered', 'acknowledged']);

function normalizePriority(value: string): string {
  return value.trim().toLowerCase();
}

/**
 * Every configured criterion must match; an omitted criterion is ignored.
 * - priorities: the priority's `name` or `summary` (case-insensitive, trimmed), never its id;
 *   an incident without priority never matches a priorities criterion;
 * - urgencies: `urgency`;
 * - services: the service id.
 * Resolved incidents never match, whatever the server sent (unless `anyStatus`: the history
 * read after a state rebuild).
 */
export function isPagerDutyMajor(
  incident: PagerDutyOpenIncident,
  major: PagerDutyMajorConfig,
  options: { anyStatus?: boolean } = {},
): boolean {
  if (!options.anyStatus && !OPEN_STATUSES.has(incident.status)) return false;
  if (major.priorities) {
    if (!incident.priority) return false;
    const wanted = new Set(major.priorities.map(normalizePriority));
    const names = [incident.priority.name, incident.priority.summary].filter((n): n is string => typeof n === 'string');
    if (!names.some((n) => wanted.has(normalizePriority(n)))) return false;
  }
  if (major.urgencies) {
    if (incident.urgency === undefined || !(major.urgencies as readonly string[]).includes(incident.urgency)) return false;
  }
  if (major.services) {
    if (!major.services.includes(incident.serviceId)) return false;
  }
  return true;
}

export function toPagerDutyIncidentRef(incident: PagerDutyOpenIncident): ProviderIncidentRef {
  const priority = incident.priority?.name ?? incident.priority?.summary;
  return {
    provider: 'pagerduty',
    id: incident.id,
    ...(incident.number !== undefined ? { number: incident.number } : {}),
    title: incident.title,
    ...(incident.url ? { url: incident.url } : {}),
    status: incident.status,
    ...(priority ? { priority } : {}),
    ...(incident.urgency ? { urgency: incident.urgency } : {}),
    service: incident.serviceId,
    createdAt: incident.createdAt,
    scopeKeys: [incident.serviceId],
  };
}
