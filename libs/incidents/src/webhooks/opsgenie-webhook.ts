/**
 * Opsgenie outgoing webhooks (CONTRACTS.md §C2): shared-secret check and payload parsing. Pure.
 *
 * Opsgenie signs nothing; the only authentication is a custom header configured on the Webhook
 * integration, compared here in constant time. Payloads are alert actions (`Create`,
 * `Acknowledge`, `Close`, …); `alert.createdAt` is epoch milliseconds while `alert.updatedAt` is
 * epoch NANOseconds in the documented sample.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isRecord, ShapeReader, type ShapeProblem } from '../shape';

/** Suggested name of the custom header that carries the shared secret. */
export const OPSGENIE_WEBHOOK_TOKEN_HEADER = 'x-opsgenie-token';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * True when `header` equals `expected`. Both sides are hashed first so the comparison runs on
 * equal-length buffers (timingSafeEqual) and reveals nothing about the expected length.
 * An empty `expected` (misconfiguration) never matches.
 */
export function verifyOpsgenieToken(header: string | undefined, expected: string): boolean {
  const equal = timingSafeEqual(sha256(header ?? ''), sha256(expected));
  return equal && header !== undefined && expected.length > 0;
}

export interface OpsgenieWebhookEvent {
  /** `Create`, `Acknowledge`, `UnAcknowledge`, `Close`, `AddNote`, `UpdatePriority`, custom actions, … */
  action: string;
  alertId: string;
  tinyId?: string;
  alias?: string;
  message?: string;
  entity?: string;
  priority?: string;
  tags: string[];
  teams: string[];
  /** ISO, from `alert.createdAt` (epoch ms). */
  createdAt: string;
  /** ISO, from `alert.updatedAt` (epoch ns); absent when the payload has none. */
  updatedAt?: string;
  username?: string;
  userId?: string;
  source?: { name?: string; type?: string };
  integrationId?: string;
  integrationName?: string;
}

export type OpsgenieWebhookParseResult = { ok: true; event: OpsgenieWebhookEvent } | { ok: false; problems: ShapeProblem[] };

/**
 * Epoch number (or numeric string) to ISO. The unit is recognised by magnitude, which is
 * unambiguous for any date between 1973 and 5138: < 1e11 seconds, < 1e14 milliseconds,
 * < 1e17 microseconds, else nanoseconds. Numeric strings are divided exactly (BigInt), so
 * nanosecond values beyond 2^53 keep millisecond precision.
 */
export function epochToIso(value: unknown): string | undefined {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return undefined;
    ms = value < 1e11 ? value * 1000 : value < 1e14 ? value : value < 1e17 ? value / 1e3 : value / 1e6;
  } else if (typeof value === 'string' && /^\d{1,22}$/.test(value)) {
    const big = BigInt(value);
    if (big === 0n) return undefined;
    const divisor = big < 100_000_000_000n ? 0n : big < 100_000_000_000_000n ? 1n : big < 100_000_000_000_000_000n ? 1_000n : 1_000_000n;
    ms = divisor === 0n ? Number(big) * 1000 : Number(big / divisor);
  } else {
    return undefined;
  }
  const date = new Date(Math.round(ms));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function parseOpsgenieWebhook(body: unknown): OpsgenieWebhookParseResult {
  const reader = new ShapeReader();
  if (!isRecord(body)) {
    reader.expected('(body)', 'an object', body);
    return { ok: false, problems: reader.problems };
  }
  const action = reader.string(body, 'action', 'action');
  const integrationId = reader.optionalString(body, 'integrationId', 'integrationId');
  const integrationName = reader.optionalString(body, 'integrationName', 'integrationName');

  let source: OpsgenieWebhookEvent['source'];
  if (body.source !== undefined && body.source !== null) {
    if (isRecord(body.source)) {
      const name = reader.optionalString(body.source, 'name', 'source.name');
      const type = reader.optionalString(body.source, 'type', 'source.type');
      source = { ...(name ? { name } : {}), ...(type ? { type } : {}) };
    } else {
      reader.expected('source', 'an object', body.source);
    }
  }

  if (!isRecord(body.alert)) {
    reader.expected('alert', 'an object', body.alert);
    return { ok: false, problems: reader.problems };
  }
  const alert = body.alert;
  const alertId = reader.string(alert, 'alertId', 'alert.alertId');
  const tinyId = readTinyId(alert, reader);
  const alias = reader.optionalString(alert, 'alias', 'alert.alias');
  const message = reader.optionalString(alert, 'message', 'alert.message');
  const entity = reader.optionalString(alert, 'entity', 'alert.entity');
  const priority = reader.optionalString(alert, 'priority', 'alert.priority');
  const username = reader.optionalString(alert, 'username', 'alert.username');
  const userId = reader.optionalString(alert, 'userId', 'alert.userId');
  const tags = reader.optionalStringArray(alert, 'tags', 'alert.tags') ?? [];
  const teams = reader.optionalStringArray(alert, 'teams', 'alert.teams') ?? [];

  const createdAt = epochToIso(alert.createdAt);
  if (createdAt === undefined) reader.problem('alert.createdAt', 'expected epoch milliseconds (a positive number)');
  let updatedAt: string | undefined;
  if (alert.updatedAt !== undefined && alert.updatedAt !== null) {
    updatedAt = epochToIso(alert.updatedAt);
    if (updatedAt === undefined) reader.problem('alert.updatedAt', 'expected epoch nanoseconds (a positive number)');
  }

  if (reader.problems.length > 0 || !action || !alertId || !createdAt) return { ok: false, problems: reader.problems };
  return {
    ok: true,
    event: {
      action,
      alertId,
      ...(tinyId ? { tinyId } : {}),
      ...(alias ? { alias } : {}),
      ...(message ? { message } : {}),
      ...(entity ? { entity } : {}),
      ...(priority ? { priority } : {}),
      tags,
      teams,
      createdAt,
      ...(updatedAt ? { updatedAt } : {}),
      ...(username ? { username } : {}),
      ...(userId ? { userId } : {}),
      ...(source ? { source } : {}),
      ...(integrationId ? { integrationId } : {}),
      ...(integrationName ? { integrationName } : {}),
    },
  };
}

/** `tinyId` is a string in the documented payload; a number is accepted and kept as its decimal text. */
function readTinyId(alert: Record<string, unknown>, reader: ShapeReader): string | undefined {
  const value = alert.tinyId;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  reader.expected('alert.tinyId', 'a string', value);
  return undefined;
}
