/**
 * Pure incident.io logic: reading `GET /v2/incidents` pages (`ListResponseBody15`), the severities
 * (`GET /v1/severities`) and an incident (the API's `IncidentV2` and the webhook's
 * `WebhookIncidentV2` share the fields read here) defensively; which incidents are major; the
 * incident as the domain's IncidentRef.
 */
import type { ProviderIncidentRef } from '../incident-provider.port';
import { isRecord, ShapeReader, type ShapeProblem } from '../shape';

export interface IncidentioIncident {
  id: string;
  /** `INC-123`. */
  reference?: string;
  name: string;
  status: string;
  /** `triage`, `live`, `paused`, `learning`, `closed`, `declined`, `merged`, `canceled`. */
  statusCategory: string;
  severity?: string;
  incidentType?: string;
  permalink?: string;
  /** ISO, normalised. */
  createdAt: string;
  updatedAt: string;
  /** The "Resolved at" timestamp value, when the incident has one. */
  resolvedAt?: string;
  /** Custom field name → its values as text (options, catalog entries, text, numbers, links). */
  customFields: Record<string, string[]>;
}

export interface IncidentioPage {
  incidents: IncidentioIncident[];
  /** Absent on the last page. */
  after?: string;
}

export type IncidentioPageResult = { ok: true; page: IncidentioPage } | { ok: false; problems: ShapeProblem[] };
export type IncidentioSeveritiesResult =
  { ok: true; severities: Array<{ id: string; name: string; rank: number }> } | { ok: false; problems: ShapeProblem[] };
export type IncidentioIncidentResult = { ok: true; incident: IncidentioIncident } | { ok: false; problems: ShapeProblem[] };

/** Categories an incident that was once declared can end in (resolution read back after a gap). */
export const INCIDENTIO_ENDED_CATEGORIES = ['learning', 'closed', 'paused'] as const;

export function readIncidentioPage(body: unknown): IncidentioPageResult {
  const reader = new ShapeReader();
  if (!isRecord(body)) {
    reader.expected('(body)', 'an object', body);
    return { ok: false, problems: reader.problems };
  }
  const incidents: IncidentioIncident[] = [];
  if (!Array.isArray(body.incidents)) reader.expected('incidents', 'an array', body.incidents);
  else {
    body.incidents.forEach((raw, index) => {
      const incident = readIncident(raw, `incidents[${index}]`, reader);
      if (incident) incidents.push(incident);
    });
  }
  let after: string | undefined;
  if (body.pagination_meta !== undefined && body.pagination_meta !== null) {
    if (isRecord(body.pagination_meta)) after = reader.optionalString(body.pagination_meta, 'after', 'pagination_meta.after');
    else reader.expected('pagination_meta', 'an object', body.pagination_meta);
  }
  if (reader.problems.length > 0) return { ok: false, problems: reader.problems };
  return { ok: true, page: { incidents, ...(after ? { after } : {}) } };
}

export function readIncidentioSeverities(body: unknown): IncidentioSeveritiesResult {
  const reader = new ShapeReader();
  if (!isRecord(body) || !Array.isArray(body.severities)) {
    reader.expected(
      isRecord(body) ? 'severities' : '(body)',
      isRecord(body) ? 'an array' : 'an object',
      isRecord(body) ? body.severities : body,
    );
    return { ok: false, problems: reader.problems };
  }
  const severities: Array<{ id: string; name: string; rank: number }> = [];
  body.severities.forEach((raw, index) => {
    const at = `severities[${index}]`;
    if (!isRecord(raw)) return reader.expected(at, 'a severity object', raw);
    const id = reader.string(raw, 'id', `${at}.id`);
    const name = reader.string(raw, 'name', `${at}.name`);
    const rank = typeof raw.rank === 'number' && Number.isFinite(raw.rank) ? raw.rank : undefined;
    if (rank === undefined) reader.expected(`${at}.rank`, 'a number', raw.rank);
    if (id && name && rank !== undefined) severities.push({ id, name, rank });
    return undefined;
  });
  return reader.problems.length > 0 ? { ok: false, problems: reader.problems } : { ok: true, severities };
}

/** An incident on its own (a webhook's), its problems at `path`. */
export function readIncidentioIncident(raw: unknown, path: string): IncidentioIncidentResult {
  const reader = new ShapeReader();
  const incident = readIncident(raw, path, reader);
  return incident && reader.problems.length === 0 ? { ok: true, incident } : { ok: false, problems: reader.problems };
}

function readIncident(raw: unknown, path: string, reader: ShapeReader): IncidentioIncident | undefined {
  if (!isRecord(raw)) {
    reader.expected(path, 'an incident object', raw);
    return undefined;
  }
  const before = reader.problems.length;
  const id = reader.string(raw, 'id', `${path}.id`);
  const name = reader.optionalString(raw, 'name', `${path}.name`) ?? '';
  const reference = reader.optionalString(raw, 'reference', `${path}.reference`);
  const permalink = reader.optionalString(raw, 'permalink', `${path}.permalink`);
  const createdAt = reader.dateTime(raw, 'created_at', `${path}.created_at`);
  const updatedAt = reader.dateTime(raw, 'updated_at', `${path}.updated_at`);
  let status: string | undefined;
  let statusCategory: string | undefined;
  if (isRecord(raw.incident_status)) {
    status = reader.string(raw.incident_status, 'name', `${path}.incident_status.name`);
    statusCategory = reader.string(raw.incident_status, 'category', `${path}.incident_status.category`);
  } else {
    reader.expected(`${path}.incident_status`, 'an object', raw.incident_status);
  }
  const severity = named(raw.severity, `${path}.severity`, reader);
  const incidentType = named(raw.incident_type, `${path}.incident_type`, reader);
  let resolvedAt: string | undefined;
  if (raw.incident_timestamp_values !== undefined && raw.incident_timestamp_values !== null) {
    if (!Array.isArray(raw.incident_timestamp_values))
      reader.expected(`${path}.incident_timestamp_values`, 'an array', raw.incident_timestamp_values);
    else {
      raw.incident_timestamp_values.forEach((entry, index) => {
        const at = `${path}.incident_timestamp_values[${index}]`;
        if (!isRecord(entry) || !isRecord(entry.incident_timestamp)) return;
        const label = entry.incident_timestamp.name;
        if (typeof label === 'string' && label.trim().toLowerCase() === 'resolved at' && isRecord(entry.value)) {
          resolvedAt = reader.optionalDateTime(entry.value, 'value', `${at}.value.value`) ?? resolvedAt;
        }
      });
    }
  }
  const customFields: Record<string, string[]> = {};
  if (raw.custom_field_entries !== undefined && raw.custom_field_entries !== null) {
    if (!Array.isArray(raw.custom_field_entries)) reader.expected(`${path}.custom_field_entries`, 'an array', raw.custom_field_entries);
    else {
      raw.custom_field_entries.forEach((entry, index) => {
        const at = `${path}.custom_field_entries[${index}]`;
        if (!isRecord(entry) || !isRecord(entry.custom_field)) return reader.expected(at, 'an entry with a custom_field', entry);
        const field = reader.string(entry.custom_field, 'name', `${at}.custom_field.name`);
        if (!Array.isArray(entry.values)) return reader.expected(`${at}.values`, 'an array', entry.values);
        if (field) customFields[field] = entry.values.flatMap((value, j) => customFieldText(value, `${at}.values[${j}]`, reader));
        return undefined;
      });
    }
  }
  if (reader.problems.length > before || !id || !createdAt || !updatedAt || !status || !statusCategory) return undefined;
  return {
    id,
    ...(reference ? { reference } : {}),
    name,
    status,
    statusCategory,
    ...(severity ? { severity } : {}),
    ...(incidentType ? { incidentType } : {}),
    ...(permalink ? { permalink } : {}),
    createdAt,
    updatedAt,
    ...(resolvedAt ? { resolvedAt } : {}),
    customFields,
  };
}

function named(value: unknown, path: string, reader: ShapeReader): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    reader.expected(path, 'an object with a name', value);
    return undefined;
  }
  return reader.string(value, 'name', `${path}.name`);
}

function customFieldText(value: unknown, path: string, reader: ShapeReader): string[] {
  if (!isRecord(value)) {
    reader.expected(path, 'a custom field value object', value);
    return [];
  }
  const out: string[] = [];
  if (isRecord(value.value_option) && typeof value.value_option.value === 'string') out.push(value.value_option.value);
  if (isRecord(value.value_catalog_entry) && typeof value.value_catalog_entry.name === 'string') out.push(value.value_catalog_entry.name);
  for (const key of ['value_text', 'value_numeric', 'value_link'] as const)
    if (typeof value[key] === 'string' && (value[key] as string).length > 0) out.push(value[key] as string);
  return out;
}

/**
 * Major: its status category is one of `statusCategories` (the API was asked for those; checked
 * again) and, when severities are configured, its severity is one of them (by name,
 * case-insensitive; an incident without severity never matches).
 */
export function isIncidentioMajor(
  incident: IncidentioIncident,
  criteria: { severities?: readonly string[]; statusCategories: readonly string[] },
  options: { anyStatus?: boolean } = {},
): boolean {
  if (!options.anyStatus && !criteria.statusCategories.includes(incident.statusCategory)) return false;
  if (criteria.severities) {
    if (!incident.severity) return false;
    const wanted = new Set(criteria.severities.map((s) => s.trim().toLowerCase()));
    if (!wanted.has(incident.severity.trim().toLowerCase())) return false;
  }
  return true;
}

/** Scope keys: the incident type's name, then the values of the configured custom fields, in order. */
export function toIncidentioIncidentRef(
  incident: IncidentioIncident,
  scopeFields: readonly string[],
  options: { resolved?: boolean } = {},
): ProviderIncidentRef {
  const number =
    incident.reference && /^[A-Z]+-(\d{1,15})$/.test(incident.reference) ? Number(incident.reference.split('-')[1]) : undefined;
  const scopeKeys = [
    ...new Set([...(incident.incidentType ? [incident.incidentType] : []), ...scopeFields.flatMap((f) => incident.customFields[f] ?? [])]),
  ];
  return {
    provider: 'incidentio',
    id: incident.id,
    ...(number !== undefined ? { number } : {}),
    title: incident.name,
    ...(incident.permalink ? { url: incident.permalink } : {}),
    status: incident.status,
    ...(incident.severity ? { priority: incident.severity } : {}),
    createdAt: incident.createdAt,
    ...(options.resolved ? { resolvedAt: incident.resolvedAt ?? incident.updatedAt } : {}),
    scopeKeys,
  };
}
