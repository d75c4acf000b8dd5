/**
 * Query values are never logged for parameters whose name says they carry a credential: a token
 * passed as `?access_token=` (or a signed URL's `X-Amz-Signature`) must not land in the log.
 * A name is secret when it is one of `SECRET_QUERY_NAMES` or ends with one of
 * `SECRET_QUERY_SUFFIXES`, case-insensitively (`access_token`, `githubToken`, `api_key`,
 * `X-Amz-Signature`, `client_secret`, …). The name stays, so the log still says what was sent.
 */
export const SECRET_QUERY_NAMES: ReadonlySet<string> = new Set([
  'code',
  'sig',
  'auth',
  'authorization',
  'jwt',
  'session',
  'sessionid',
  'pwd',
  'passwd',
  'pass',
  'otp',
  'state',
]);
export const SECRET_QUERY_SUFFIXES: readonly string[] = ['token', 'secret', 'password', 'signature', 'key', 'credential', 'credentials'];
export const REDACTED = '[redacted]';

export function isSecretQueryName(name: string): boolean {
  const n = name.toLowerCase();
  return SECRET_QUERY_NAMES.has(n) || SECRET_QUERY_SUFFIXES.some((s) => n.endsWith(s));
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** The URL (a path with its query, as in a request line) with the values of secret parameters replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && isSecretQueryName(decodeName(name)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, q + 1)}${redacted}${hash < 0 ? '' : url.slice(hash)}`;
}

/** A parsed query object (`req.query`) with the values of secret parameters replaced. */
export function redactQuery(query: unknown): unknown {
  if (typeof query !== 'object' || query === null) return query;
  return Object.fromEntries(Object.entries(query as Record<string, unknown>).map(([k, v]) => [k, isSecretQueryName(k) ? REDACTED : v]));
}

interface SerializedRequest {
  url?: unknown;
  query?: unknown;
  headers?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * For pino-http's `serializers.req` (it receives the standard serialization): the URL, the parsed
 * query and the Referer header with secret query values redacted.
 */
export function redactRequest(req: SerializedRequest): SerializedRequest {
  const headers =
    req.headers && typeof req.headers['referer'] === 'string'
      ? { ...req.headers, referer: redactUrl(req.headers['referer']) }
      : req.headers;
  return {
    ...req,
    ...(typeof req.url === 'string' ? { url: redactUrl(req.url) } : {}),
    ...(req.query !== undefined ? { query: redactQuery(req.query) } : {}),
    ...(headers ? { headers } : {}),
  };
}
