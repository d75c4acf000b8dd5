/**
 * Jira admin webhooks (Jira Service Management work items): signature check and payload parsing.
 * Pure functions.
 *
 * A webhook registered with a secret carries `X-Hub-Signature: sha256=<hex>`, the
 * HMAC-SHA256 of the raw body under the secret (WebSub style). jira.js (5.x and 6.x) ships no
 * verifier, so it is done here, in constant time, against every configured secret (several while
 * one rotates). `X-Atlassian-Webhook-Identifier` is the same on every retry of one delivery.
 *
 * The body is never trusted for the incident's state: only the work item's id and key are taken
 * from it, and the work item is read back from the API (JsmIncidentAdapter.observeIssue).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { epochToIso } from './opsgenie-webhook';
import { isRecord, ShapeReader, type ShapeProblem } from '../shape';

export const JIRA_SIGNATURE_HEADER = 'x-hub-signature';
export const JIRA_WEBHOOK_ID_HEADER = 'x-atlassian-webhook-identifier';

/** Events whose work item is read back. */
export const JIRA_ISSUE_EVENTS = ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted'] as const;

const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;

/** `sha256=<hex>` for a body and a secret (tests, the demo, anyone simulating Jira). */
export function signJiraBody(raw: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/**
 * True when the header is `sha256=<hex>` and the hex is the HMAC-SHA256 of `rawBody` under any of
 * `secrets`. Every secret is compared (timingSafeEqual on 32-byte buffers), so the time taken does
 * not depend on which secret matched or where the digests differ.
 */
export function verifyJiraSignature(rawBody: Buffer, header: string | undefined, secrets: readonly string[]): boolean {
  if (header === undefined) return false;
  const match = /^sha256=(.*)$/i.exec(header.trim());
  const hex = match ? match[1] : '';
  const valid = HEX_DIGEST.test(hex);
  const candidate = valid ? Buffer.from(hex, 'hex') : Buffer.alloc(32);
  let matched = false;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    matched = timingSafeEqual(candidate, expected) || matched;
  }
  return matched && valid;
}

export interface JiraWebhookEvent {
  /** e.g. `jira:issue_updated`, `comment_created`. */
  webhookEvent: string;
  /** ISO, from `timestamp` (epoch ms). */
  occurredAt: string;
  /** The work item the event is about, when it is about one. */
  issue?: { id: string; key: string };
}

export type JiraWebhookParseResult = { ok: true; event: JiraWebhookEvent } | { ok: false; problems: ShapeProblem[] };

export function parseJiraWebhook(body: unknown): JiraWebhookParseResult {
  const reader = new ShapeReader();
  if (!isRecord(body)) {
    reader.expected('(body)', 'an object', body);
    return { ok: false, problems: reader.problems };
  }
  const webhookEvent = reader.string(body, 'webhookEvent', 'webhookEvent');
  const occurredAt = epochToIso(body.timestamp);
  if (occurredAt === undefined) reader.problem('timestamp', 'expected epoch milliseconds (a positive number)');
  let issue: JiraWebhookEvent['issue'];
  if (body.issue !== undefined && body.issue !== null) {
    if (!isRecord(body.issue)) reader.expected('issue', 'an object', body.issue);
    else {
      const id = reader.string(body.issue, 'id', 'issue.id');
      const key = reader.string(body.issue, 'key', 'issue.key');
      if (id !== undefined && !/^\d{1,18}$/.test(id))
        reader.problem('issue.id', `expected a numeric work item id, got "${id.slice(0, 40)}"`);
      if (key !== undefined && !/^[A-Z][A-Z0-9_]*-\d{1,18}$/.test(key))
        reader.problem('issue.key', `expected a work item key such as OPS-12, got "${key.slice(0, 40)}"`);
      if (id && key) issue = { id, key };
    }
  } else if (webhookEvent && (JIRA_ISSUE_EVENTS as readonly string[]).includes(webhookEvent)) {
    reader.problem('issue', `expected the work item of a ${webhookEvent} event`);
  }
  if (reader.problems.length > 0 || !webhookEvent || !occurredAt) return { ok: false, problems: reader.problems };
  return { ok: true, event: { webhookEvent, occurredAt, ...(issue ? { issue } : {}) } };
}

/** A Jira issue webhook body in the shape Jira sends (tests, the demo). */
export function jiraWebhookBody(o: {
  event: (typeof JIRA_ISSUE_EVENTS)[number];
  id: string;
  key: string;
  timestamp?: number;
  summary?: string;
}): Record<string, unknown> {
  return {
    timestamp: o.timestamp ?? Date.now(),
    webhookEvent: o.event,
    issue_event_type_name:
      o.event === 'jira:issue_created' ? 'issue_created' : o.event === 'jira:issue_deleted' ? 'issue_deleted' : 'issue_generic',
    user: { accountId: '5b10a2844c20165700ede21g', displayName: 'Alice' },
    issue: {
      id: o.id,
      self: `https://acme.atlassian.net/rest/api/2/issue/${o.id}`,
      key: o.key,
      fields: { summary: o.summary ?? 'checkout returns 5xx' },
    },
  };
}
