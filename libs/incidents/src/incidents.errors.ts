/**
 * How incident-provider failures map onto the domain's error classes. Every failure of
 * `listOpenMajorIncidents` is a `TransientError` (retrying later may help; meanwhile the freeze
 * state is `unknown`, which freezes) or a `PermanentError` (credentials or config must change).
 * Messages never contain the API token or key: everything taken from a response is redacted.
 */
import { types } from 'node:util';
import { type DriftwardenError, PermanentError, TransientError } from '@driftwarden/domain';

export const INCIDENT_ERROR_CODES = {
  /** 401/403: the token or key is wrong, revoked, or lacks the scope (Permanent). */
  auth: 'provider_auth',
  /** Other 4xx (400, 402, 404, 422, unexpected redirect): the request itself is wrong (Permanent). */
  rejected: 'provider_rejected',
  /** 429; `retryAfterMs` set when the provider said when to come back (Transient). */
  rateLimited: 'provider_rate_limited',
  /** 5xx or 408 (Transient). */
  unavailable: 'provider_unavailable',
  /** No answer within `requestTimeoutMs` (Transient). */
  timeout: 'provider_timeout',
  /** Connection refused or reset, DNS failure (Transient). */
  network: 'provider_network',
  /** A 2xx answer that is not the documented shape (Transient). */
  malformed: 'provider_malformed',
  /** More open incidents than the API lets us page through; never truncated silently (Transient). */
  tooManyResults: 'provider_too_many_results',
  /** The caller's AbortSignal fired (Transient). */
  aborted: 'provider_aborted',
  /** The provider config cannot be turned into a request (Permanent; thrown at construction). */
  config: 'provider_config',
} as const;

export type IncidentErrorCode = (typeof INCIDENT_ERROR_CODES)[keyof typeof INCIDENT_ERROR_CODES];

/** The provider's name at the start of every message. */
export type ProviderLabel = 'PagerDuty' | 'Opsgenie' | 'Jira Service Management' | 'incident.io';

/** What the provider calls its credential, for "the API … was refused". */
const CREDENTIAL: Record<ProviderLabel, string> = {
  PagerDuty: 'token',
  Opsgenie: 'key',
  'Jira Service Management': 'token',
  'incident.io': 'key',
};

const REDACTED = '[REDACTED]';
const MAX_DETAIL_LENGTH = 300;

/** Replaces every occurrence of each secret (and of its URL-encoded form) with `[REDACTED]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      out = out.split(form).join(REDACTED);
    }
  }
  return out;
}

/** Redacted, single-line and bounded: safe to put a provider's own error text into a message. */
export function safeDetail(text: string, secrets: readonly string[]): string {
  const oneLine = redactSecrets(text, secrets).replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_DETAIL_LENGTH ? `${oneLine.slice(0, MAX_DETAIL_LENGTH)}…` : oneLine;
}

/** `https://api.example.com/prefix/incidents` without user info, query or fragment. */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export interface HttpFailure {
  provider: ProviderLabel;
  /** e.g. `GET https://api.pagerduty.com/incidents`. */
  request: string;
  status: number;
  /** The provider's own error message, already redacted. */
  detail?: string;
  retryAfterMs?: number;
}

/** Maps a non-2xx status onto the error class and code (see INCIDENT_ERROR_CODES). */
export function errorForStatus(failure: HttpFailure): DriftwardenError {
  const { provider, request, status, detail, retryAfterMs } = failure;
  const suffix = detail ? `: ${detail}` : '';
  if (status === 401 || status === 403) {
    return new PermanentError(
      `${provider} ${request} answered ${status}: the API ${CREDENTIAL[provider]} was refused${suffix}`,
      INCIDENT_ERROR_CODES.auth,
    );
  }
  if (status === 429) {
    const when = retryAfterMs === undefined ? 'no reset time given' : `retry in ${Math.ceil(retryAfterMs / 1000)} s`;
    return new TransientError(`${provider} ${request} answered 429 (rate limited, ${when})${suffix}`, INCIDENT_ERROR_CODES.rateLimited, {
      retryAfterMs,
    });
  }
  if (status === 408 || status >= 500) {
    return new TransientError(`${provider} ${request} answered ${status}${suffix}`, INCIDENT_ERROR_CODES.unavailable);
  }
  return new PermanentError(`${provider} ${request} answered ${status}${suffix}`, INCIDENT_ERROR_CODES.rejected);
}

export function malformedError(provider: ProviderLabel, request: string, problem: string, cause?: unknown): TransientError {
  return new TransientError(`${provider} ${request} returned a malformed body: ${problem}`, INCIDENT_ERROR_CODES.malformed, {
    cause,
  });
}

// Shared with the other HTTP clients (notification webhooks): defined with the error classes.
export { parseRetryAfterSeconds } from '@driftwarden/domain';

/** The `code` of a Node network error, looking through `cause` (undici wraps it in `fetch failed`). */
export function networkErrorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** An Error from any realm (undici's errors are not `instanceof` a test sandbox's Error). */
export function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

/**
 * An Error safe to keep as `cause`: the original when its message holds no secret, else a copy
 * with a redacted message (and the network code, if any).
 */
export function safeCause(err: unknown, secrets: readonly string[]): Error | undefined {
  if (!isError(err)) return undefined;
  const leaks = secrets.some((s) => s.length > 0 && (err.message.includes(s) || String(err.stack ?? '').includes(s)));
  if (!leaks) return err;
  const copy = new Error(redactSecrets(err.message, secrets));
  copy.name = err.name;
  const code = networkErrorCode(err);
  if (code) Object.assign(copy, { code });
  return copy;
}
