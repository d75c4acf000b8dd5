/**
 * Which errors mean "Redis cannot be reached or does not answer" (as opposed to a bug, a bad
 * command or bad data): the API answers them 503 `redis_unavailable` with Retry-After.
 *
 * The request/response connections (createRedis, not blocking) fail fast, so during an outage a
 * command ends in one of these: sent while disconnected ("Stream isn't writeable…", the offline
 * queue is off once connected), in flight when the connection dropped (MaxRetriesPerRequestError,
 * AbortError for a MULTI), unanswered within the command timeout ("Command timed out"), or sent on
 * a connection being closed ("Connection is closed."). A Redis that is restarting answers
 * `LOADING`; a replica that is being failed over answers `READONLY`/`MASTERDOWN`.
 */
const UNAVAILABLE_MESSAGES = [
  "Stream isn't writeable",
  'Command timed out',
  'Connection is closed.',
  'Command aborted due to connection close',
  'Reached the max retries per request limit',
];
const UNAVAILABLE_REPLIES = /^(LOADING|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/;
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError']);

/** Network errors of a Redis connection (its `error` events), never a command's own failure. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** True for an error (or any error in its `cause` chain) that means Redis is unreachable or not answering. */
export function isRedisUnavailableError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (UNAVAILABLE_NAMES.has(e.name)) return true;
    if (UNAVAILABLE_MESSAGES.some((m) => e instanceof Error && e.message.startsWith(m))) return true;
    if (UNAVAILABLE_REPLIES.test(e.message)) return true;
  }
  return false;
}

/** Also the socket errors a Redis connection emits while it reconnects (ECONNREFUSED, …). */
export function isRedisConnectionError(err: unknown): boolean {
  if (isRedisUnavailableError(err)) return true;
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}
