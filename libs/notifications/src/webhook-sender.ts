/**
 * Delivers a notification to an outgoing webhook: a JSON body signed with HMAC-SHA256 (when a
 * secret is configured), or Slack's incoming-webhook shape `{text}`. Failures are classified
 * for the queue: a timeout, a network error, 429 or a 5xx is retried (Retry-After in seconds
 * is honoured); any other status is permanent (the receiver refused the message).
 * The URL may hold a token (Slack's do): it never appears in an error or a log.
 */
import { createHmac } from 'node:crypto';
import { PermanentError, TransientError, parseRetryAfterSeconds } from '@driftwarden/domain';
import type { Notification } from './notification-rules';

export interface WebhookTarget {
  name: string;
  url: string;
  format: 'json' | 'slack';
  secret?: string;
  requestTimeoutMs: number;
}

export const SIGNATURE_HEADER = 'x-driftwarden-signature';

/** `sha256=<hex>` of the body, the way GitHub signs its webhooks; receivers compare in constant time. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export function notificationBody(n: Notification, format: WebhookTarget['format'], links: { drift?: string }): string {
  if (format === 'slack') {
    const lines = [`*${n.title}*`, n.reason, ...(links.drift ? [`<${links.drift}|${n.driftId}>`] : [])].filter((l) => l !== '');
    return JSON.stringify({ text: lines.join('\n') });
  }
  return JSON.stringify({
    kind: n.kind,
    title: n.title,
    reason: n.reason,
    at: n.at,
    ...(n.driftId ? { driftId: n.driftId } : {}),
    ...(n.resourceKey ? { resourceKey: n.resourceKey } : {}),
    auditId: n.auditId,
    ...(links.drift ? { links: { drift: links.drift } } : {}),
  });
}

export async function sendWebhook(
  target: WebhookTarget,
  n: Notification,
  links: { drift?: string } = {},
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const body = notificationBody(n, target.format, links);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'driftwarden',
    // The same id on every attempt: receivers can drop a repeat.
    'x-driftwarden-delivery': `${n.auditId}:${n.kind}`,
  };
  if (target.secret && target.format === 'json') headers[SIGNATURE_HEADER] = signBody(target.secret, body);
  const what = `notification webhook ${target.name}`;
  let res: Response;
  try {
    res = await fetchImpl(target.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(target.requestTimeoutMs),
      redirect: 'manual',
    });
  } catch (err) {
    // By name: the abort reason is a DOMException, not always an `instanceof Error` here.
    const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    // Only the name and the kind of failure: the URL may carry a token.
    throw new TransientError(
      `${what}: ${timedOut ? `no answer within ${target.requestTimeoutMs} ms` : 'could not connect'}`,
      timedOut ? 'notify_timeout' : 'notify_unreachable',
    );
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.ok) return;
  if (res.status === 429 || res.status >= 500) {
    const after = parseRetryAfterSeconds(res.headers.get('retry-after'));
    throw new TransientError(
      `${what}: HTTP ${res.status}`,
      res.status === 429 ? 'notify_rate_limited' : 'notify_unavailable',
      after !== undefined ? { retryAfterMs: after } : undefined,
    );
  }
  // Redirects are not followed (the message goes where it was configured to go): a setting to fix, not retried.
  if (res.status >= 300 && res.status < 400)
    throw new PermanentError(`${what}: redirected (HTTP ${res.status}); configure the URL it redirects to`, 'notify_redirected');
  throw new PermanentError(`${what}: refused with HTTP ${res.status}`, 'notify_refused');
}
