/**
 * incident.io webhooks, signed the Svix way (incident.io sends them through Svix). Pure functions.
 *
 * Verification exactly as Svix documents it ("Verifying webhooks manually"):
 * - headers `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature` (the same as
 *   `svix-id`, `svix-timestamp`, `svix-signature`, accepted too);
 * - the signed content is `<webhook-id>.<webhook-timestamp>.<raw body>`;
 * - the key is the secret without its `whsec_` prefix, base64-decoded;
 * - the signature is base64(HMAC-SHA256(key, signed content)); the header holds space-separated
 *   `v1,<base64>` entries (several while a secret rotates); any one matching is enough, compared
 *   in constant time;
 * - a timestamp more than 5 minutes from now, either way, is refused (replay protection); the id
 *   is covered by the signature, so deliveries are deduplicated on it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRecord, ShapeReader, type ShapeProblem } from '../shape';
import { type IncidentioIncident, readIncidentioIncident } from '../incidentio/incidentio-incidents';

export const SVIX_ID_HEADERS = ['webhook-id', 'svix-id'] as const;
export const SVIX_TIMESTAMP_HEADERS = ['webhook-timestamp', 'svix-timestamp'] as const;
export const SVIX_SIGNATURE_HEADERS = ['webhook-signature', 'svix-signature'] as const;
export const SVIX_TOLERANCE_MS = 5 * 60_000;

const MAX_SIGNATURES = 16;

/** The HMAC key of a `whsec_…` secret (undefined when it is not one). */
export function svixKey(secret: string): Buffer | undefined {
  if (!secret.startsWith('whsec_')) return undefined;
  const b64 = secret.slice(6);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const key = Buffer.from(b64, 'base64');
  return key.length > 0 ? key : undefined;
}

/** `v1,<base64>` for a delivery (tests, the demo, anyone simulating incident.io). */
export function signSvix(id: string, timestamp: number, raw: Buffer | string, secret: string): string {
  const key = svixKey(secret);
  if (!key) throw new Error('not a whsec_ secret');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(raw).digest('base64')}`;
}

export type SvixVerifyResult =
  { ok: true; id: string; signedAt: Date } | { ok: false; reason: 'unsigned' | 'bad_signature' | 'stale_timestamp'; message: string };

export function verifySvixWebhook(
  rawBody: Buffer,
  headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
  secrets: readonly string[],
  now: Date,
): SvixVerifyResult {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature)
    return { ok: false, reason: 'unsigned', message: 'expected webhook-id, webhook-timestamp and webhook-signature' };
  const candidates = signature
    .split(' ')
    .filter((part) => part.length > 0)
    .slice(0, MAX_SIGNATURES)
    .map((part) => {
      const [version, value] = part.split(',', 2);
      const bytes =
        version === 'v1' && value !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : undefined;
      return bytes && bytes.length === 32 ? { valid: true, bytes } : { valid: false, bytes: Buffer.alloc(32) };
    });
  const timestampValid = /^\d{1,12}$/.test(timestamp);
  let matched = false;
  for (const secret of secrets) {
    const key = svixKey(secret);
    if (!key) continue;
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(rawBody).digest();
    for (const candidate of candidates) matched = (timingSafeEqual(candidate.bytes, expected) && candidate.valid) || matched;
  }
  if (!matched || !timestampValid)
    return {
      ok: false,
      reason: 'bad_signature',
      message: 'webhook-signature does not match "<webhook-id>.<webhook-timestamp>.<body>" for any configured secret',
    };
  const signedAt = new Date(Number(timestamp) * 1000);
  const skew = now.getTime() - signedAt.getTime();
  if (Math.abs(skew) > SVIX_TOLERANCE_MS) {
    return {
      ok: false,
      reason: 'stale_timestamp',
      message: `webhook-timestamp is ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? 'old' : 'in the future'}; at most ${SVIX_TOLERANCE_MS / 1000} s either way`,
    };
  }
  return { ok: true, id, signedAt };
}

/** Events whose payload is the whole incident. */
export const INCIDENTIO_INCIDENT_EVENTS = [
  'public_incident.incident_created_v2',
  'public_incident.incident_updated_v2',
  'public_incident.incident_status_updated_v2',
] as const;
/** Private incidents: the payload is only `{id}`; the incident is read through the API. */
export const INCIDENTIO_PRIVATE_EVENTS = ['private_incident.incident_created_v2', 'private_incident.incident_updated_v2'] as const;

export type IncidentioWebhookEvent =
  | { kind: 'incident'; eventType: string; incident: IncidentioIncident }
  | { kind: 'private'; eventType: string; id: string }
  | { kind: 'other'; eventType: string };

export type IncidentioWebhookParseResult = { ok: true; event: IncidentioWebhookEvent } | { ok: false; problems: ShapeProblem[] };

export function parseIncidentioWebhook(body: unknown): IncidentioWebhookParseResult {
  const reader = new ShapeReader();
  if (!isRecord(body)) {
    reader.expected('(body)', 'an object', body);
    return { ok: false, problems: reader.problems };
  }
  const eventType = reader.string(body, 'event_type', 'event_type');
  if (!eventType) return { ok: false, problems: reader.problems };
  const payload = body[eventType];
  if ((INCIDENTIO_INCIDENT_EVENTS as readonly string[]).includes(eventType)) {
    // A status change wraps the incident: `{incident, previous_status, new_status}` (IncidentWithStatusChangeV2).
    const statusChange = eventType === 'public_incident.incident_status_updated_v2';
    if (statusChange && !isRecord(payload)) {
      reader.expected(eventType, 'an object', payload);
      return { ok: false, problems: reader.problems };
    }
    const read = statusChange
      ? readIncidentioIncident((payload as Record<string, unknown>).incident, `${eventType}.incident`)
      : readIncidentioIncident(payload, eventType);
    return read.ok ? { ok: true, event: { kind: 'incident', eventType, incident: read.incident } } : { ok: false, problems: read.problems };
  }
  if ((INCIDENTIO_PRIVATE_EVENTS as readonly string[]).includes(eventType)) {
    if (!isRecord(payload)) {
      reader.expected(eventType, 'an object', payload);
      return { ok: false, problems: reader.problems };
    }
    const id = reader.string(payload, 'id', `${eventType}.id`);
    return id ? { ok: true, event: { kind: 'private', eventType, id } } : { ok: false, problems: reader.problems };
  }
  return { ok: true, event: { kind: 'other', eventType } };
}
