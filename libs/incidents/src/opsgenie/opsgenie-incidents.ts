/**
 * Pure Opsgenie logic: reading a `GET /v1/incidents` page defensively, re-checking the major
 * criteria the data allows, and turning an incident into the domain's IncidentRef.
 */
import type { OpsgenieMajorConfig } from '@driftwarden/config';
import type { ProviderIncidentRef } from '../incident-provider.port';
import { isRecord, ShapeReader, type ShapeProblem } from '../shape';

export interface OpsgenieOpenIncident {
  id: string;
  tinyId?: string;
  message: string;
  status?: string;
  priority?: string;
  ownerTeam?: string;
  /** Ids of responders of type `team`. */
  responderTeams: string[];
  impactedServices: string[];
  /** ISO, normalised. */
  createdAt: string;
  /** ISO, normalised (absent when the API left it out). */
  updatedAt?: string;
}

export interface OpsgeniePage {
  incidents: OpsgenieOpenIncident[];
  next?: string;
}

export type OpsgeniePageResult = { ok: true; page: OpsgeniePage } | { ok: false; problems: ShapeProblem[] };

export function readOpsgeniePage(body: unknown): OpsgeniePageResult {
  const reader = new ShapeReader();
  if (!isRecord(body)) {
    reader.expected('(body)', 'an object', body);
    return { ok: false, problems: reader.problems };
  }
  const incidents: OpsgenieOpenIncident[] = [];
  if (!Array.isArray(body.data)) {
    reader.expected('data', 'an array', body.data);
  } else {
    body.data.forEach((raw, index) => {
      const incident = readIncident(raw, `data[${index}]`, reader);
      if (incident) incidents.push(incident);
    });
  }
  let next: string | undefined;
  if (body.paging !== undefined && body.paging !== null) {
    if (isRecord(body.paging)) next = reader.optionalString(body.paging, 'next', 'paging.next');
    else reader.expected('paging', 'an object', body.paging);
  }
  if (reader.problems.length > 0) return { ok: false, problems: reader.problems };
  return { ok: true, page: { incidents, ...(next ? { next } : {}) } };
}

function readIncident(raw: unknown, path: string, reader: ShapeReader): OpsgenieOpenIncident | undefined {
  if (!isRecord(raw)) {
    reader.expected(path, 'an incident object', raw);
    return undefined;
  }
  const before = reader.problems.length;
  const id = reader.string(raw, 'id', `${path}.id`);
  // The spec requires only `id`; the freeze starts at createdAt, so the adapter needs it too.
  const createdAt = reader.dateTime(raw, 'createdAt', `${path}.createdAt`);
  const updatedAt = reader.optionalDateTime(raw, 'updatedAt', `${path}.updatedAt`);
  const tinyId = reader.optionalString(raw, 'tinyId', `${path}.tinyId`);
  const message = reader.optionalString(raw, 'message', `${path}.message`);
  const status = reader.optionalString(raw, 'status', `${path}.status`);
  const priority = reader.optionalString(raw, 'priority', `${path}.priority`);
  const ownerTeam = reader.optionalString(raw, 'ownerTeam', `${path}.ownerTeam`);
  const impactedServices = reader.optionalStringArray(raw, 'impactedServices', `${path}.impactedServices`) ?? [];
  const responderTeams: string[] = [];
  if (raw.responders !== undefined && raw.responders !== null) {
    if (!Array.isArray(raw.responders)) {
      reader.expected(`${path}.responders`, 'an array', raw.responders);
    } else {
      raw.responders.forEach((responder, index) => {
        const at = `${path}.responders[${index}]`;
        if (!isRecord(responder)) return reader.expected(at, 'a responder object', responder);
        const type = reader.string(responder, 'type', `${at}.type`);
        const responderId = reader.string(responder, 'id', `${at}.id`);
        if (type === 'team' && responderId) responderTeams.push(responderId);
      });
    }
  }
  if (reader.problems.length > before || !id || !createdAt) return undefined;
  return {
    id,
    tinyId,
    message: message ?? '',
    status,
    priority,
    ownerTeam,
    responderTeams,
    impactedServices,
    createdAt,
    ...(updatedAt ? { updatedAt } : {}),
  };
}

/**
 * The query already selected `status: open` and every configured criterion (server side). What
 * the data lets us check is checked again: an incident whose status or priority contradicts the
 * criteria is dropped. Teams and services are configured by name while incidents carry ids, so
 * those two criteria rest on the server-side query alone.
 */
export function isOpsgenieMajor(
  incident: OpsgenieOpenIncident,
  major: OpsgenieMajorConfig,
  options: { anyStatus?: boolean } = {},
): boolean {
  if (!options.anyStatus && incident.status !== undefined && incident.status.toLowerCase() !== 'open') return false;
  if (major.priorities && incident.priority !== undefined) {
    if (!(major.priorities as readonly string[]).includes(incident.priority.toUpperCase())) return false;
  }
  return true;
}

export function toOpsgenieIncidentRef(incident: OpsgenieOpenIncident): ProviderIncidentRef {
  const number = incident.tinyId !== undefined && /^\d{1,15}$/.test(incident.tinyId) ? Number(incident.tinyId) : undefined;
  const scopeKeys = [
    ...new Set([...(incident.ownerTeam ? [incident.ownerTeam] : []), ...incident.responderTeams, ...incident.impactedServices]),
  ];
  return {
    provider: 'opsgenie',
    id: incident.id,
    ...(number !== undefined ? { number } : {}),
    title: incident.message,
    status: incident.status ?? 'open',
    ...(incident.priority ? { priority: incident.priority } : {}),
    ...(incident.impactedServices.length > 0 ? { service: incident.impactedServices[0] } : {}),
    createdAt: incident.createdAt,
    scopeKeys,
  };
}
