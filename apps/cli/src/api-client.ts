import type {
  ApiProblem,
  AuditEntry,
  CreateFreezeRequest,
  DriftDecisionVerb,
  DriftFilter,
  DriftRecord,
  FreezeSource,
  FreezeState,
  Page,
  PostEventsResponse,
  Role,
} from './api.types';

/** One call of the API, described well enough to explain a failure to a person. */
export interface Endpoint {
  method: 'GET' | 'POST' | 'DELETE';
  /** The path as sent, e.g. `/v1/drifts/d-1/approve`. */
  path: string;
  /** The least role the API requires (DESIGN.md §7). */
  role: Role;
  /** What the call does, for messages: "lifting a freeze". */
  what: string;
}

/**
 * Every failure of an API call: `status` is the HTTP status, or 0 when no response arrived
 * (`code` is then `unreachable` or `timeout`); otherwise `code` and `message` are the API's own
 * (`validation_failed`, `conflict`, …), with the JSON path of each problem for a 400.
 * Never carries the token.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problems: ApiProblem[];
  readonly endpoint: Endpoint;
  /** For `unreachable`: the system error code (`ECONNREFUSED`, `ENOTFOUND`, …) when known. */
  readonly errno?: string;
  /** From a `Retry-After` header. */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    details: {
      status: number;
      code: string;
      endpoint: Endpoint;
      problems?: ApiProblem[];
      errno?: string;
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.name = 'ApiError';
    this.status = details.status;
    this.code = details.code;
    this.endpoint = details.endpoint;
    this.problems = details.problems ?? [];
    this.errno = details.errno;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** Worth trying again later: timeouts, 429 and gateway/availability failures. */
  get transient(): boolean {
    return this.code === 'timeout' || [429, 502, 503, 504].includes(this.status);
  }
}

export interface ApiClientOptions {
  /** e.g. `http://127.0.0.1:8080` or `https://ops.example.com/driftwarden` (a path prefix is kept). */
  baseUrl: string;
  token?: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | undefined>;

/**
 * Typed client for the controller's HTTP API v1 (DESIGN.md §7). Each method checks the field
 * its callers cannot do without and trusts the rest of the documented shape (the API may add
 * fields; renderers tolerate optional ones being absent).
 */
export class DriftwardenClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** `POST /v1/events` with one event object or an array of events. */
  async postEvents(events: unknown): Promise<PostEventsResponse> {
    const endpoint = this.endpoint('POST', '/v1/events', 'ingest', 'posting events');
    const body = await this.request(endpoint, { body: events });
    if (!isObject(body) || !Array.isArray(body.accepted)) throw badResponse(endpoint, 'no "accepted" array');
    return body as unknown as PostEventsResponse;
  }

  /** `GET /v1/freeze`: the effective freeze, optionally for one account and region. */
  async getFreeze(query: { account?: string; region?: string } = {}): Promise<FreezeState> {
    const endpoint = this.endpoint('GET', '/v1/freeze', 'viewer', 'reading the freeze state');
    const body = await this.request(endpoint, { query });
    if (!isObject(body) || !Array.isArray(body.sources)) throw badResponse(endpoint, 'no "sources" array');
    return { providers: {}, ...body } as unknown as FreezeState;
  }

  /** `POST /v1/freezes`: a manual freeze; answers the new source. */
  async createFreeze(request: CreateFreezeRequest): Promise<FreezeSource> {
    const endpoint = this.endpoint('POST', '/v1/freezes', 'operator', 'turning a freeze on');
    const body = await this.request(endpoint, { body: request });
    if (!isObject(body) || typeof body.id !== 'string') throw badResponse(endpoint, 'no freeze "id"');
    return body as unknown as FreezeSource;
  }

  /** `DELETE /v1/freezes/:id`: lifts a manual freeze (409 for any other kind of source). */
  async deleteFreeze(id: string): Promise<void> {
    const endpoint = this.endpoint('DELETE', `/v1/freezes/${encodeURIComponent(id)}`, 'operator', 'lifting a freeze');
    await this.request(endpoint, {});
  }

  /** `GET /v1/drifts`: one page. */
  async listDrifts(query: DriftFilter & { limit?: number; cursor?: string }): Promise<Page<DriftRecord>> {
    const endpoint = this.endpoint('GET', '/v1/drifts', 'viewer', 'listing drifts');
    return asPage<DriftRecord>(endpoint, await this.request(endpoint, { query }));
  }

  /** `GET /v1/drifts/:id`: the whole record with its evidence. */
  async getDrift(id: string): Promise<DriftRecord> {
    const endpoint = this.endpoint('GET', `/v1/drifts/${encodeURIComponent(id)}`, 'viewer', 'reading a drift');
    const body = await this.request(endpoint, {});
    if (!isObject(body) || typeof body.id !== 'string') throw badResponse(endpoint, 'no drift "id"');
    return body as unknown as DriftRecord;
  }

  /** `POST /v1/drifts/:id/approve|adopt|reject` with the operator's comment. */
  async decideDrift(id: string, verb: DriftDecisionVerb, comment: string, confirmSuspicious = false): Promise<unknown> {
    const endpoint = this.endpoint(
      'POST',
      `/v1/drifts/${encodeURIComponent(id)}/${verb}`,
      'operator',
      `${verb === 'approve' ? 'approving' : verb === 'adopt' ? 'adopting' : 'rejecting'} a drift`,
    );
    return this.request(endpoint, { body: { comment, ...(confirmSuspicious ? { confirmSuspicious: true } : {}) } });
  }

  /** `POST /v1/replay/failed`: decide again the items whose evaluation failed for good. */
  async replayFailed(
    limit?: number,
  ): Promise<{ requeued: { driftId: string; eventId: string }[]; skipped: { driftId: string; reason: string }[] }> {
    const endpoint = this.endpoint('POST', '/v1/replay/failed', 'operator', 'replaying failed evaluations');
    return (await this.request(endpoint, { body: limit ? { limit } : {} })) as {
      requeued: { driftId: string; eventId: string }[];
      skipped: { driftId: string; reason: string }[];
    };
  }

  /** `GET /v1/audit`: one page, entries at or after `since` (ISO). */
  async listAudit(query: { since?: string; limit?: number; cursor?: string }): Promise<Page<AuditEntry>> {
    const endpoint = this.endpoint('GET', '/v1/audit', 'viewer', 'reading the audit log');
    return asPage<AuditEntry>(endpoint, await this.request(endpoint, { query }));
  }

  /** `GET /v1/audit/verify`: the controller checks the chain and its checkpoints. */
  async verifyAudit(): Promise<Record<string, unknown>> {
    const endpoint = this.endpoint('GET', '/v1/audit/verify', 'viewer', 'verifying the audit chain');
    const body = await this.request(endpoint, {});
    if (!isObject(body) || typeof body.ok !== 'boolean') throw badResponse(endpoint, 'no "ok"');
    return body;
  }

  /** `GET /v1/drifts/:id/evidence`: the record's sealed evidence bundle. */
  async getEvidence(id: string): Promise<Record<string, unknown>> {
    const endpoint = this.endpoint('GET', `/v1/drifts/${encodeURIComponent(id)}/evidence`, 'viewer', 'reading an evidence bundle');
    const body = await this.request(endpoint, {});
    if (!isObject(body) || !isObject(body.integrity)) throw badResponse(endpoint, 'no "integrity"');
    return body;
  }

  private endpoint(method: Endpoint['method'], path: string, role: Role, what: string): Endpoint {
    return { method, path, role, what };
  }

  private async request(endpoint: Endpoint, init: { query?: Query; body?: unknown }): Promise<unknown> {
    const url = new URL(this.base + endpoint.path);
    for (const [key, value] of Object.entries(init.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    let text: string;
    try {
      const signal = AbortSignal.timeout(this.options.timeoutMs);
      response = await this.fetchImpl(url, {
        method: endpoint.method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal,
      });
      text = await response.text();
    } catch (cause) {
      throw transportError(endpoint, cause, this.options.timeoutMs);
    }

    const parsed = parseJson(text);
    if (response.ok) {
      if (text.trim() !== '' && parsed === undefined) throw badResponse(endpoint, 'the body is not JSON');
      return parsed;
    }
    throw httpError(endpoint, response, text, parsed);
  }
}

/**
 * The most items one list request asks for. The controller refuses a larger `limit` with 400
 * (`GET /v1/drifts` takes 1-500, `GET /v1/audit` 1-1000), so a bigger `--limit` is collected
 * over several pages.
 */
export const MAX_PAGE_SIZE = 500;

/**
 * Follows `next` cursors until `limit` items are collected or the list ends. Each page asks for
 * no more than what is still missing (and at most MAX_PAGE_SIZE). `next` is where a later call
 * would continue, or null.
 */
export async function collectPages<T>(
  fetchPage: (cursor: string | undefined, limit: number) => Promise<Page<T>>,
  limit: number,
): Promise<Page<T>> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor, Math.min(limit - items.length, MAX_PAGE_SIZE));
    items.push(...page.items.slice(0, limit - items.length));
    const next = page.next ?? null;
    if (next === null || items.length >= limit || page.items.length === 0) return { items, next };
    cursor = next;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function asPage<T>(endpoint: Endpoint, body: unknown): Page<T> {
  if (!isObject(body) || !Array.isArray(body.items)) throw badResponse(endpoint, 'no "items" array');
  const next = typeof body.next === 'string' && body.next !== '' ? body.next : null;
  return { items: body.items as T[], next };
}

function badResponse(endpoint: Endpoint, why: string): ApiError {
  return new ApiError(`unexpected answer to ${endpoint.method} ${endpoint.path}: ${why}`, {
    status: 200,
    code: 'bad_response',
    endpoint,
  });
}

function httpError(endpoint: Endpoint, response: Response, text: string, parsed: unknown): ApiError {
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const error = isObject(parsed) && isObject(parsed.error) ? parsed.error : undefined;
  if (error !== undefined && typeof error.code === 'string') {
    const problems = Array.isArray(error.problems)
      ? error.problems.filter(isObject).map((p) => ({ path: String(p.path ?? ''), message: String(p.message ?? '') }))
      : [];
    const message = typeof error.message === 'string' ? error.message : response.statusText;
    return new ApiError(message, { status: response.status, code: error.code, endpoint, problems, retryAfterMs });
  }
  // Not the API's error shape (a proxy, an old server): keep a short excerpt of what came back.
  const excerpt = text.trim().replace(/\s+/g, ' ').slice(0, 200);
  const message = excerpt === '' ? response.statusText || `HTTP ${response.status}` : excerpt;
  return new ApiError(message, { status: response.status, code: `http_${response.status}`, endpoint, retryAfterMs });
}

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function transportError(endpoint: Endpoint, cause: unknown, timeoutMs: number): ApiError {
  // Duck-typed: fetch's errors may come from another realm (jest), where `instanceof Error` fails.
  const name = isObjectLike(cause) && 'name' in cause ? cause.name : undefined;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ApiError(`no answer within ${timeoutMs / 1000}s`, {
      status: 0,
      code: 'timeout',
      endpoint,
      cause,
    });
  }
  const errno = findErrno(cause);
  const message = errno ?? findMessage(cause) ?? String(cause);
  return new ApiError(message, { status: 0, code: 'unreachable', endpoint, errno, cause });
}

/** Node's fetch wraps the socket error: `TypeError('fetch failed', { cause: Error{code} | AggregateError })`. */
function findErrno(error: unknown, depth = 0): string | undefined {
  if (!isObjectLike(error) || depth > 5) return undefined;
  if (typeof error.code === 'string' && /^E[A-Z_]+$/.test(error.code)) return error.code;
  if (Array.isArray(error.errors)) {
    for (const inner of error.errors) {
      const found = findErrno(inner, depth + 1);
      if (found) return found;
    }
  }
  return findErrno(error.cause, depth + 1);
}

/** The innermost message ("fetch failed" says little; its cause says why). */
function findMessage(error: unknown, depth = 0): string | undefined {
  if (!isObjectLike(error) || depth > 5) return undefined;
  const own = 'message' in error && typeof error.message === 'string' ? error.message : undefined;
  return findMessage(error.cause, depth + 1) ?? own;
}

function isObjectLike(value: unknown): value is { code?: unknown; errors?: unknown; cause?: unknown } {
  return typeof value === 'object' && value !== null;
}
