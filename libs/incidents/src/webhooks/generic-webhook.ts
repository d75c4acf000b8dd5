/**
 * The signed generic incident webhook (`POST /v1/webhooks/incidents/:source`), for any tool that
 * can send a webhook (FireHydrant, Rootly, Grafana OnCall, a runbook). Pure functions.
 *
 * Signing (Stripe's scheme, the secret never travels):
 *   X-Driftwarden-Timestamp: <unix seconds when the message was signed>
 *   X-Driftwarden-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>[,v1=<hex>…]
 * Several `v1=` values are allowed (sign with the old and the new secret while one rotates), and
 * several secrets may be configured. A timestamp more than 5 minutes away from the controller's
 * clock is refused (a captured delivery cannot be replayed later), and a delivery is remembered
 * by what its signature covers (so a replay within those 5 minutes is a duplicate). A sender
 * that retries signs again, with a fresh timestamp.
 *
 * The body is an incident or a heartbeat (GENERIC_WEBHOOK_JSON_SCHEMA, published as
 * docs/incident-webhook.schema.json).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRecord, ShapeReader, type ShapeProblem } from '../shape';

export const GENERIC_SIGNATURE_HEADER = 'x-driftwarden-signature';
export const GENERIC_TIMESTAMP_HEADER = 'x-driftwarden-timestamp';
/** How far the signing time may be from the controller's clock, either way. */
export const GENERIC_TOLERANCE_MS = 5 * 60_000;

const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;
const MAX_SIGNATURES = 16;
const MAX_SCOPE_KEYS = 50;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Both headers for a body, signed at `at` with every secret given (tests, the demo, senders). */
export function signGenericWebhook(raw: Buffer | string, at: Date, ...secrets: string[]): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = secrets.map((s) => `v1=${createHmac('sha256', s).update(`${timestamp}.`).update(raw).digest('hex')}`).join(',');
  return { [GENERIC_TIMESTAMP_HEADER]: timestamp, [GENERIC_SIGNATURE_HEADER]: signature };
}

export type GenericVerifyResult =
  { ok: true; signedAt: Date } | { ok: false; reason: 'unsigned' | 'bad_signature' | 'stale_timestamp'; message: string };

/**
 * Checks the signature first (every value against every secret, in constant time), then the
 * timestamp's age. Nothing about a delivery is believed until both pass.
 */
export function verifyGenericWebhook(
  rawBody: Buffer,
  headers: { timestamp: string | undefined; signature: string | undefined },
  secrets: readonly string[],
  now: Date,
): GenericVerifyResult {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) {
    return { ok: false, reason: 'unsigned', message: `expected both ${GENERIC_TIMESTAMP_HEADER} and ${GENERIC_SIGNATURE_HEADER}` };
  }
  const candidates = signature
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .slice(0, MAX_SIGNATURES)
    .map((part) => {
      const hex = part.slice(3);
      const valid = HEX_DIGEST.test(hex);
      return { valid, bytes: valid ? Buffer.from(hex, 'hex') : Buffer.alloc(32) };
    });
  const timestampValid = /^\d{1,12}$/.test(timestamp);
  let matched = false;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
    for (const candidate of candidates) matched = (timingSafeEqual(candidate.bytes, expected) && candidate.valid) || matched;
  }
  if (!matched || !timestampValid) {
    return {
      ok: false,
      reason: 'bad_signature',
      message: `${GENERIC_SIGNATURE_HEADER} does not match "<timestamp>.<body>" for any configured secret`,
    };
  }
  const signedAt = new Date(Number(timestamp) * 1000);
  const skew = now.getTime() - signedAt.getTime();
  if (Math.abs(skew) > GENERIC_TOLERANCE_MS) {
    return {
      ok: false,
      reason: 'stale_timestamp',
      message: `signed at ${signedAt.toISOString()}, ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? 'ago' : 'in the future'}; at most ${GENERIC_TOLERANCE_MS / 1000} s either way (sign each delivery, retries too, when it is sent)`,
    };
  }
  return { ok: true, signedAt };
}

export interface GenericIncident {
  id: string;
  title: string;
  status: 'open' | 'resolved';
  severity: string;
  /** ISO, normalised: the incident freezes from then. */
  startedAt: string;
  resolvedAt?: string;
  /** When the state described held (for ordering); default: the signing time. */
  updatedAt?: string;
  scopeKeys: string[];
  link?: string;
}

export type GenericWebhookMessage = { kind: 'heartbeat' } | { kind: 'incident'; incident: GenericIncident };
export type GenericWebhookParseResult = { ok: true; message: GenericWebhookMessage } | { ok: false; problems: ShapeProblem[] };

const INCIDENT_KEYS = new Set(['type', 'id', 'title', 'status', 'severity', 'startedAt', 'resolvedAt', 'updatedAt', 'scopeKeys', 'link']);

export function parseGenericWebhook(body: unknown): GenericWebhookParseResult {
  const reader = new ShapeReader();
  if (!isRecord(body)) {
    reader.expected('(body)', 'an object', body);
    return { ok: false, problems: reader.problems };
  }
  const type = body.type ?? 'incident';
  if (type === 'heartbeat') {
    for (const key of Object.keys(body)) if (key !== 'type') reader.problem(key, 'unknown key (a heartbeat is {"type": "heartbeat"})');
    return reader.problems.length > 0 ? { ok: false, problems: reader.problems } : { ok: true, message: { kind: 'heartbeat' } };
  }
  if (type !== 'incident') {
    reader.problem('type', `expected "incident" or "heartbeat", got ${typeof type === 'string' ? `"${type.slice(0, 40)}"` : typeof type}`);
    return { ok: false, problems: reader.problems };
  }
  for (const key of Object.keys(body))
    if (!INCIDENT_KEYS.has(key)) reader.problem(key, `unknown key (expected ${[...INCIDENT_KEYS].join(', ')})`);
  const id = boundedText(body, 'id', 200, reader);
  const title = boundedText(body, 'title', 1000, reader);
  const severity = boundedText(body, 'severity', 100, reader);
  const status = body.status;
  if (status !== 'open' && status !== 'resolved')
    reader.problem(
      'status',
      `expected "open" or "resolved", got ${typeof status === 'string' ? `"${status.slice(0, 40)}"` : describe(status)}`,
    );
  const startedAt = reader.dateTime(body, 'startedAt', 'startedAt');
  const resolvedAt = reader.optionalDateTime(body, 'resolvedAt', 'resolvedAt');
  const updatedAt = reader.optionalDateTime(body, 'updatedAt', 'updatedAt');
  if (status === 'open' && resolvedAt) reader.problem('resolvedAt', 'expected no resolvedAt while the status is "open"');
  if (startedAt && resolvedAt && Date.parse(resolvedAt) < Date.parse(startedAt))
    reader.problem('resolvedAt', 'expected a time after startedAt');
  const scopeKeys = reader.optionalStringArray(body, 'scopeKeys', 'scopeKeys') ?? [];
  if (scopeKeys.length > MAX_SCOPE_KEYS) reader.problem('scopeKeys', `expected at most ${MAX_SCOPE_KEYS} keys, got ${scopeKeys.length}`);
  scopeKeys.forEach((k, i) => {
    if (k.length === 0 || k.length > 200) reader.problem(`scopeKeys[${i}]`, 'expected 1 to 200 characters');
  });
  let link: string | undefined;
  if (body.link !== undefined && body.link !== null) {
    link = typeof body.link === 'string' && /^https:\/\/[^\s]{1,2040}$/.test(body.link) ? body.link : undefined;
    if (!link) reader.problem('link', 'expected an https:// URL without spaces');
  }
  if (reader.problems.length > 0 || !id || !title || !severity || !startedAt || (status !== 'open' && status !== 'resolved')) {
    return { ok: false, problems: reader.problems };
  }
  return {
    ok: true,
    message: {
      kind: 'incident',
      incident: {
        id,
        title,
        status,
        severity,
        startedAt,
        ...(resolvedAt ? { resolvedAt } : {}),
        ...(updatedAt ? { updatedAt } : {}),
        scopeKeys,
        ...(link ? { link } : {}),
      },
    },
  };
}

function boundedText(body: Record<string, unknown>, key: string, max: number, reader: ShapeReader): string | undefined {
  const value = reader.string(body, key, key);
  if (value === undefined) return undefined;
  if (value.length > max) reader.problem(key, `expected at most ${max} characters, got ${value.length}`);
  else if (CONTROL.test(value)) reader.problem(key, 'expected no control characters');
  else return value;
  return undefined;
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Major: the severity is one of the configured ones (case-insensitive); none configured: every one. */
export function isGenericMajor(incident: Pick<GenericIncident, 'severity'>, severities: readonly string[] | undefined): boolean {
  if (!severities) return true;
  const wanted = new Set(severities.map((s) => s.trim().toLowerCase()));
  return wanted.has(incident.severity.trim().toLowerCase());
}

/** The JSON Schema of the body (docs/incident-webhook.schema.json is this, written out). */
export const GENERIC_WEBHOOK_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://driftwarden.dev/schemas/incident-webhook.schema.json',
  title: 'driftwarden generic incident webhook',
  description:
    'Body of POST /v1/webhooks/incidents/{source}. Sign it: X-Driftwarden-Timestamp: <unix seconds>, X-Driftwarden-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")> (several comma-separated v1= values while a secret rotates). Deliveries signed more than 5 minutes away from the receiver\'s clock are refused.',
  oneOf: [
    {
      title: 'incident',
      type: 'object',
      additionalProperties: false,
      required: ['id', 'title', 'status', 'severity', 'startedAt'],
      if: { properties: { status: { const: 'open' } } },
      then: { not: { required: ['resolvedAt'] } },
      properties: {
        type: { const: 'incident', description: 'Optional: a body without type is an incident.' },
        id: {
          type: 'string',
          minLength: 1,
          maxLength: 200,
          pattern: '^[^\\u0000-\\u001f\\u007f]+$',
          description: "The tool's own incident id (stable: every message about the incident uses it).",
        },
        title: { type: 'string', minLength: 1, maxLength: 1000, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
        status: { enum: ['open', 'resolved'] },
        severity: {
          type: 'string',
          minLength: 1,
          maxLength: 100,
          pattern: '^[^\\u0000-\\u001f\\u007f]+$',
          description: "Major when it is one of the source's major.severities (case-insensitive).",
        },
        startedAt: {
          type: 'string',
          format: 'date-time',
          description: 'When the incident started: it freezes from then (ISO 8601 with a zone).',
        },
        resolvedAt: { type: 'string', format: 'date-time', description: 'When it was resolved (status resolved only).' },
        updatedAt: {
          type: 'string',
          format: 'date-time',
          description: 'When the state described held; messages are applied in this order (default: the signing time).',
        },
        scopeKeys: {
          type: 'array',
          maxItems: 50,
          items: { type: 'string', minLength: 1, maxLength: 200 },
          description:
            "Keys looked up in the source's scopes (exactly one match narrows the freeze to it; none or several: everything is frozen).",
        },
        link: { type: 'string', pattern: '^https://[^\\s]{1,2040}$', description: 'The incident in the tool (https).' },
      },
    },
    {
      title: 'heartbeat',
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: { const: 'heartbeat', description: 'Says the sender is alive: keeps the source fresh when no incident is sent for a while.' },
      },
    },
  ],
} as const;
