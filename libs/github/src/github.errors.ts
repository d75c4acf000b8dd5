/**
 * How GitHub REST failures map onto the domain's error classes (CONTRACTS.md §D).
 *
 * - 401 (and a 403 that is not a rate limit: the token lacks a permission) → PermanentError `github_auth`;
 * - 403/429 rate limits that the throttling plugin did not (or may no longer) wait out →
 *   TransientError `github_rate_limited` with `retryAfterMs` (primary: `x-ratelimit-reset`;
 *   secondary: `retry-after`, else GitHub's advice of one minute);
 * - 5xx, timeouts and network failures (after the retry plugin's retries) → TransientError `github_unavailable`;
 * - 404 → PermanentError `github_not_found`, naming what was missing;
 * - 409/422 and other 4xx not handled by an operation → PermanentError `github_rejected` with GitHub's message.
 *
 * Messages never contain a credential: everything taken from a response is redacted and bounded,
 * and the request is described by method and route template only (no query, no headers).
 */
import { type DriftwardenError, PermanentError, TransientError } from '@driftwarden/domain';

export const GITHUB_ERROR_CODES = {
  /** 401, or 403 without rate-limit headers: the credentials are wrong or lack a permission (Permanent). */
  auth: 'github_auth',
  /** Primary or secondary rate limit still in force after the bounded in-process wait (Transient). */
  rateLimited: 'github_rate_limited',
  /** 5xx, timeout or network failure after the retries (Transient). */
  unavailable: 'github_unavailable',
  /** 404: the repository, branch, file, pull request or issue does not exist (Permanent). */
  notFound: 'github_not_found',
  /** 422/409/400 and other 4xx: GitHub refused the request (Permanent). */
  rejected: 'github_rejected',
  /** The branch kept moving while committing: every bounded attempt lost the race (Transient). */
  conflict: 'github_conflict',
  /** A 2xx answer that is not the documented shape (Transient: a proxy or an outage page). */
  malformed: 'github_malformed',
  /** The client options cannot be turned into a client (Permanent; thrown at construction). */
  config: 'github_config',
} as const;

export type GitHubErrorCode = (typeof GITHUB_ERROR_CODES)[keyof typeof GITHUB_ERROR_CODES];

/** GitHub's advice when a secondary rate limit comes without `retry-after`: wait a minute. */
export const SECONDARY_RATE_LIMIT_FALLBACK_MS = 60_000;

const REDACTED = '[REDACTED]';
const MAX_DETAIL_LENGTH = 300;

/** Replaces every occurrence of each secret (and of its URL-encoded form) with `[REDACTED]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(REDACTED);
  }
  // Whatever the caller did not know about: Authorization values and GitHub token formats.
  return out
    .replace(/\b(token|bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`)
    .replace(/\b(gh[pousr]_[A-Za-z0-9_]{8,}|github_pat_[A-Za-z0-9_]{8,})/g, REDACTED);
}

/** Redacted, single-line and bounded: safe to put GitHub's own error text into a message. */
export function safeDetail(text: string, secrets: readonly string[]): string {
  const oneLine = redactSecrets(text, secrets).replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_DETAIL_LENGTH ? `${oneLine.slice(0, MAX_DETAIL_LENGTH)}…` : oneLine;
}

/** The parts of an `@octokit/request-error` RequestError this module reads (duck-typed). */
export interface HttpErrorLike {
  status: number;
  message: string;
  response?: { headers: Record<string, string | number | undefined>; data?: unknown };
}

export function isHttpErrorLike(err: unknown): err is HttpErrorLike & Error {
  return err instanceof Error && typeof (err as { status?: unknown }).status === 'number';
}

/** GitHub's `{message, errors?: [{message?, code, field?, resource?}]}` as one line. */
export function gitHubMessage(data: unknown): string | undefined {
  if (typeof data === 'string') return data.length > 0 ? data : undefined;
  if (typeof data !== 'object' || data === null) return undefined;
  const record = data as { message?: unknown; errors?: unknown };
  const parts: string[] = [];
  if (typeof record.message === 'string') parts.push(record.message);
  if (Array.isArray(record.errors)) {
    const details = record.errors
      .map((e: unknown) => {
        if (typeof e === 'string') return e;
        if (typeof e !== 'object' || e === null) return undefined;
        const item = e as { message?: unknown; code?: unknown; field?: unknown; resource?: unknown };
        if (typeof item.message === 'string') return item.message;
        const where = [item.resource, item.field].filter((x): x is string => typeof x === 'string').join('.');
        return typeof item.code === 'string' ? `${where ? `${where} ` : ''}${item.code}` : undefined;
      })
      .filter((x): x is string => x !== undefined);
    if (details.length > 0) parts.push(`(${details.join('; ')})`);
  }
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** The messages of GitHub's `errors[]` (e.g. "A pull request already exists for acme:branch."). */
export function gitHubErrorMessages(data: unknown): string[] {
  if (typeof data !== 'object' || data === null) return [];
  const errors = (data as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .map((e: unknown) =>
      typeof e === 'string' ? e : typeof e === 'object' && e !== null ? (e as { message?: unknown }).message : undefined,
    )
    .filter((m): m is string => typeof m === 'string');
}

/** The `errors[].code` values (e.g. `already_exists`). */
export function gitHubErrorCodes(data: unknown): string[] {
  if (typeof data !== 'object' || data === null) return [];
  const errors = (data as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .map((e: unknown) => (typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined))
    .filter((c): c is string => typeof c === 'string');
}

function header(err: HttpErrorLike, name: string): string | undefined {
  const value = err.response?.headers[name];
  return value === undefined ? undefined : String(value);
}

export type RateLimitKind = 'primary' | 'secondary';

/**
 * Whether a 403/429 is a rate limit, and which: primary when `x-ratelimit-remaining` is 0,
 * secondary when GitHub says so or sends `retry-after` (or answers 429, which is only ever a limit).
 */
export function rateLimitKind(err: HttpErrorLike): RateLimitKind | undefined {
  if (err.status !== 403 && err.status !== 429) return undefined;
  if (header(err, 'x-ratelimit-remaining') === '0') return 'primary';
  const message = gitHubMessage(err.response?.data) ?? err.message;
  if (/\bsecondary rate\b/i.test(message) || /abuse/i.test(message)) return 'secondary';
  if (header(err, 'retry-after') !== undefined || err.status === 429) return 'secondary';
  if (/rate limit/i.test(message)) return 'primary';
  return undefined;
}

/** How long GitHub asked us to wait, from `retry-after` (seconds or HTTP date) or `x-ratelimit-reset`. */
export function retryAfterMsOf(err: HttpErrorLike, nowMs: number): number | undefined {
  const retryAfter = header(err, 'retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  const reset = Number(header(err, 'x-ratelimit-reset'));
  if (header(err, 'x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0) {
    // The reset is in whole seconds; one more second so the retry lands after it (GitHub's advice).
    return Math.max(0, reset * 1000 - nowMs) + 1000;
  }
  return rateLimitKind(err) === 'secondary' ? SECONDARY_RATE_LIMIT_FALLBACK_MS : undefined;
}

export interface GitHubErrorContext {
  /** `METHOD /route/{template}`, e.g. `GET /repos/{owner}/{repo}/git/ref/{ref}`. */
  request: string;
  /** What the request was about, for 404s: e.g. `branch main in acme/infra`. */
  what?: string;
  /** Values to redact from anything quoted (the token, the private key…). */
  secrets: readonly string[];
  nowMs: number;
}

/**
 * The cause kept on mapped errors: status, GitHub's (redacted) message and the response headers
 * worth having when debugging, and nothing else: no request (URL, headers, body) and no response
 * body, so no credential can travel with the error, whatever GitHub or a proxy echoed.
 */
export class GitHubHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'GitHubHttpError';
  }
}

const KEPT_HEADERS = [
  'x-github-request-id',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-ratelimit-used',
  'x-ratelimit-resource',
];

export function sanitizedCause(err: HttpErrorLike & Error, secrets: readonly string[]): GitHubHttpError {
  const text = gitHubMessage(err.response?.data) ?? err.message;
  return new GitHubHttpError(safeDetail(text, secrets), err.status, keptHeaders(err.response?.headers ?? {}, secrets));
}

/** The response headers worth keeping on a cause (request id, rate limits), redacted. */
export function keptHeaders(
  headers: Readonly<Record<string, string | number | undefined>>,
  secrets: readonly string[],
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers[name];
    if (value !== undefined) kept[name] = safeDetail(String(value), secrets);
  }
  return kept;
}

/** Maps a failure of an Octokit call onto a DriftwardenError; anything else is returned unchanged. */
export function mapGitHubError(err: unknown, context: GitHubErrorContext): unknown {
  if (err instanceof PermanentError || err instanceof TransientError) return err;
  const { secrets, nowMs } = context;
  const request = redactSecrets(context.request, secrets);
  const what = context.what === undefined ? undefined : redactSecrets(context.what, secrets);
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) {
    return new TransientError(
      `GitHub ${request} ${err.name === 'TimeoutError' ? 'timed out' : 'was aborted'}`,
      GITHUB_ERROR_CODES.unavailable,
      {
        cause: new GitHubHttpError(err.name, 0, {}),
      },
    );
  }
  if (!isHttpErrorLike(err)) return err;
  const detailText = gitHubMessage(err.response?.data) ?? (err.response ? undefined : err.message);
  const detail = detailText ? safeDetail(detailText, secrets) : undefined;
  const suffix = detail ? `: ${detail}` : '';
  return errorForStatus(err, sanitizedCause(err, secrets), { request, what, suffix, nowMs });
}

function errorForStatus(
  err: HttpErrorLike & Error,
  cause: GitHubHttpError,
  { request, what, suffix, nowMs }: { request: string; what?: string; suffix: string; nowMs: number },
): DriftwardenError {
  const status = err.status;
  const options = { cause };
  if (!err.response) {
    // @octokit/request reports a network failure (or a fetch timeout) as a 500 without a response.
    return new TransientError(
      `GitHub ${request} failed before any answer${suffix || ': network error'}`,
      GITHUB_ERROR_CODES.unavailable,
      options,
    );
  }
  if (status === 401) {
    return new PermanentError(`GitHub ${request} answered 401: the credentials were refused${suffix}`, GITHUB_ERROR_CODES.auth, options);
  }
  const limit = rateLimitKind(err);
  if (limit) {
    const retryAfterMs = retryAfterMsOf(err, nowMs);
    return new TransientError(
      `GitHub ${request} answered ${status}: ${limit} rate limit${retryAfterMs !== undefined ? `, retry in ${Math.ceil(retryAfterMs / 1000)}s` : ''}${suffix}`,
      GITHUB_ERROR_CODES.rateLimited,
      { ...options, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    );
  }
  if (status === 403) {
    return new PermanentError(
      `GitHub ${request} answered 403: the credentials lack a permission for this${suffix}`,
      GITHUB_ERROR_CODES.auth,
      options,
    );
  }
  if (status === 404) {
    return new PermanentError(
      `GitHub ${request} answered 404: ${what ?? 'the resource'} not found (or not visible to these credentials)${suffix}`,
      GITHUB_ERROR_CODES.notFound,
      options,
    );
  }
  if (status >= 500 || status === 408) {
    return new TransientError(
      `GitHub ${request} answered ${status}: GitHub is unavailable${suffix}`,
      GITHUB_ERROR_CODES.unavailable,
      options,
    );
  }
  return new PermanentError(`GitHub ${request} answered ${status}: the request was refused${suffix}`, GITHUB_ERROR_CODES.rejected, options);
}
