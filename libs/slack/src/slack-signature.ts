/**
 * Slack request signing, as Slack documents it ("Verifying requests from Slack"): the
 * `X-Slack-Signature` header is `v0=` + hex(HMAC-SHA256(signing secret, `v0:<X-Slack-Request-Timestamp>:<raw body>`)).
 * The raw body is the exact bytes Slack sent (form-encoded for interactivity and slash
 * commands): never a re-encoding of the parsed form. A timestamp more than five minutes from
 * now (either way) is refused, so a captured request cannot be replayed later; the comparison is
 * constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';
/** How far a request's timestamp may be from now. */
export const SLACK_MAX_SKEW_SECONDS = 5 * 60;

export type SlackVerification = { ok: true } | { ok: false; reason: 'unsigned' | 'malformed' | 'stale' | 'bad_signature' };

export function slackSignature(signingSecret: string, timestamp: string | number, rawBody: Buffer | string): string {
  const mac = createHmac('sha256', signingSecret);
  mac.update(`v0:${timestamp}:`);
  mac.update(rawBody);
  return `v0=${mac.digest('hex')}`;
}

export function verifySlackRequest(input: {
  signingSecret: string;
  rawBody: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  nowMs?: number;
}): SlackVerification {
  const { signature, timestamp } = input;
  if (!signature || !timestamp) return { ok: false, reason: 'unsigned' };
  if (!/^\d{1,12}$/.test(timestamp) || !/^v0=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'malformed' };
  const nowSeconds = Math.floor((input.nowMs ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_MAX_SKEW_SECONDS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(slackSignature(input.signingSecret, timestamp, input.rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}
