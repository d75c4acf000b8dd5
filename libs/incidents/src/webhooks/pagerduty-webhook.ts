/**
 * PagerDuty webhooks v3 (CONTRACTS.md §B3): signature check and payload parsing. Pure functions.
 *
 * `X-PagerDuty-Signature` holds one or more comma-separated `v1=<hex>` values (several while a
 * secret rotates), each hex(HMAC-SHA256(secret, raw body)). A request is genuine when any value
 * matches any configured secret. The body must be the raw bytes as received.
 *
 * The payload's incident is NOT the REST shape: `number` (not `incident_number`), `assignees`
 * (not `assignments[].assignee`), and `priority` is a reference whose `summary` is the name.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncidentRef } from '@driftwarden/domain';
import { isRecord, ShapeReader, type ShapeProblem } from '../shape';

export const PAGERDUTY_SIGNATURE_HEADER = 'x-pagerduty-signature';
/**
 * A per-delivery id (CONTRACTS.md §B3 suggests deduplicating on it). The signature does not
 * cover it, so a captured body re-sent under a fresh id would pass: the controller deduplicates
 * on the signed `event.id` instead, and orders events by `occurred_at`.
 */
export const PAGERDUTY_WEBHOOK_ID_HEADER = 'x-webhook-id';

const DIGEST_BYTES = 32;
const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;
/** More values than any rotation needs; bounds the work an attacker can cause. */
const MAX_SIGNATURES = 16;

/** `v1=<hex>` for a body and a secret (tests, the demo, and anyone simulating PagerDuty). */
export function signPagerDutyBody(raw: Buffer | string, secret: string): string {
  return `v1=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/**
 * True when any `v1=` value in the header is the HMAC-SHA256 of `rawBody` under any of `secrets`.
 * Every (value, secret) pair is compared, in constant time, on fixed-size buffers: how long it
 * takes depends only on how many values and secrets there are, never on where a match is.
 */
export function verifyPagerDutySignature(rawBody: Buffer, header: string | undefined, secrets: readonly string[]): boolean {
  if (header === undefined || header.length === 0) return false;
  const candidates = header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .slice(0, MAX_SIGNATURES)
    .map((part) => {
      const hex = part.slice(3);
      const valid = HEX_DIGEST.test(hex);
      return { valid, bytes: valid ? Buffer.from(hex, 'hex') : Buffer.alloc(DIGEST_BYTES) };
    });
  if (candidates.length === 0) return false;

  let matched = false;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    for (const candidate of candidates) {
      const equal = timingSafeEqual(candidate.bytes, expected);
      matched = (equal && candidate.valid) || matched;
    }
  }
  return matched;
}

/** The incident in an `incident.*` event, as an IncidentRef plus what only webhooks carry. */
export interface PagerDutyWebhookIncident extends IncidentRef {
  provider: 'pagerduty';
  number: number;
  /** `assignees[]` (user references). */
  assignees: Array<{ id: string; summary?: string }>;
  incidentKey?: string;
  serviceSummary?: string;
  /** Team ids. */
  teams: string[];
}

export interface PagerDutyWebhookEvent {
  /** `event.id`: stable across redeliveries of this event. */
  eventId: string;
  /** e.g. `incident.triggered`, `incident.priority_updated`, `service.updated`. */
  eventType: string;
  /** `incident` or `service`. */
  resourceType: string;
  /** ISO, normalised. */
  occurredAt: string;
  agent?: { id: string; type: string; summary?: string };
  /** Present when `data.type` is `incident`. */
  incident?: PagerDutyWebhookIncident;
  /** The incident the event is about: `data.id` for incident data, `data.incident.id` for notes, responders, … */
  incidentId?: string;
}

export type PagerDutyWebhookParseResult = { ok: true; event: PagerDutyWebhookEvent } | { ok: false; problems: ShapeProblem[] };

/** Parses a (signature-checked) webhook body; problems name the JSON path of each defect. */
export function parsePagerDutyWebhook(body: unknown): PagerDutyWebhookParseResult {
  const reader = new ShapeReader();
  if (!isRecord(body)) {
    reader.expected('(body)', 'an object', body);
    return { ok: false, problems: reader.problems };
  }
  if (!isRecord(body.event)) {
    reader.expected('event', 'an object', body.event);
    return { ok: false, problems: reader.problems };
  }
  const event = body.event;
  const eventId = reader.string(event, 'id', 'event.id');
  const eventType = reader.string(event, 'event_type', 'event.event_type');
  const resourceType = reader.string(event, 'resource_type', 'event.resource_type');
  const occurredAt = reader.dateTime(event, 'occurred_at', 'event.occurred_at');

  let agent: PagerDutyWebhookEvent['agent'];
  if (event.agent !== undefined && event.agent !== null) {
    if (isRecord(event.agent)) {
      const id = reader.string(event.agent, 'id', 'event.agent.id');
      const type = reader.string(event.agent, 'type', 'event.agent.type');
      const summary = reader.optionalString(event.agent, 'summary', 'event.agent.summary');
      if (id && type) agent = { id, type, ...(summary ? { summary } : {}) };
    } else {
      reader.expected('event.agent', 'a reference or null', event.agent);
    }
  }

  let incident: PagerDutyWebhookIncident | undefined;
  let incidentId: string | undefined;
  if (!isRecord(event.data)) {
    reader.expected('event.data', 'an object', event.data);
  } else if (event.data.type === 'incident') {
    incident = readWebhookIncident(event.data, 'event.data', reader);
    incidentId = incident?.id;
  } else if (isRecord(event.data.incident)) {
    incidentId = reader.string(event.data.incident, 'id', 'event.data.incident.id');
  }

  if (reader.problems.length > 0 || !eventId || !eventType || !resourceType || !occurredAt) {
    return { ok: false, problems: reader.problems };
  }
  return {
    ok: true,
    event: {
      eventId,
      eventType,
      resourceType,
      occurredAt,
      ...(agent ? { agent } : {}),
      ...(incident ? { incident } : {}),
      ...(incidentId ? { incidentId } : {}),
    },
  };
}

function readWebhookIncident(data: Record<string, unknown>, path: string, reader: ShapeReader): PagerDutyWebhookIncident | undefined {
  const before = reader.problems.length;
  const id = reader.string(data, 'id', `${path}.id`);
  const status = reader.string(data, 'status', `${path}.status`);
  const createdAt = reader.dateTime(data, 'created_at', `${path}.created_at`);
  const title = reader.optionalString(data, 'title', `${path}.title`);
  const url = reader.optionalString(data, 'html_url', `${path}.html_url`);
  const urgency = reader.optionalString(data, 'urgency', `${path}.urgency`);
  const incidentKey = reader.optionalString(data, 'incident_key', `${path}.incident_key`);

  const number = data.number;
  if (!Number.isSafeInteger(number)) {
    reader.problem(
      `${path}.number`,
      data.incident_number !== undefined && number === undefined
        ? 'expected an integer (webhooks carry `number`, not the REST `incident_number`)'
        : `expected an integer, got ${number === null ? 'null' : typeof number}`,
    );
  }

  let priority: string | undefined;
  if (data.priority !== undefined && data.priority !== null) {
    if (isRecord(data.priority)) priority = reader.optionalString(data.priority, 'summary', `${path}.priority.summary`);
    else reader.expected(`${path}.priority`, 'a priority reference or null', data.priority);
  }

  let service: string | undefined;
  let serviceSummary: string | undefined;
  if (data.service !== undefined && data.service !== null) {
    if (isRecord(data.service)) {
      service = reader.string(data.service, 'id', `${path}.service.id`);
      serviceSummary = reader.optionalString(data.service, 'summary', `${path}.service.summary`);
    } else {
      reader.expected(`${path}.service`, 'a service reference', data.service);
    }
  }

  const assignees = readReferences(data, 'assignees', path, reader);
  const teams = readReferences(data, 'teams', path, reader).map((t) => t.id);

  if (reader.problems.length > before || !id || !status || !createdAt) return undefined;
  return {
    provider: 'pagerduty',
    id,
    number: number as number,
    title: title ?? '',
    ...(url ? { url } : {}),
    status,
    ...(priority ? { priority } : {}),
    ...(urgency ? { urgency } : {}),
    ...(service ? { service } : {}),
    createdAt,
    assignees,
    ...(incidentKey ? { incidentKey } : {}),
    ...(serviceSummary ? { serviceSummary } : {}),
    teams,
  };
}

function readReferences(
  data: Record<string, unknown>,
  key: string,
  path: string,
  reader: ShapeReader,
): Array<{ id: string; summary?: string }> {
  const value = data[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    reader.expected(`${path}.${key}`, 'an array of references', value);
    return [];
  }
  const out: Array<{ id: string; summary?: string }> = [];
  value.forEach((item, index) => {
    const at = `${path}.${key}[${index}]`;
    if (!isRecord(item)) return reader.expected(at, 'a reference object', item);
    const id = reader.string(item, 'id', `${at}.id`);
    const summary = reader.optionalString(item, 'summary', `${at}.summary`);
    if (id) out.push({ id, ...(summary ? { summary } : {}) });
  });
  return out;
}
