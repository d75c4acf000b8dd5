/**
 * The v1 API as the console uses it: the bearer token (kept in sessionStorage only: it is gone
 * when the tab closes, and never in a URL), JSON in and out, errors as the API words them.
 * A 401 anywhere ends the session (the token was removed or rotated on the server).
 */
const TOKEN_KEY = 'driftwarden.token';

export interface Problem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

let onUnauthorized: (() => void) | null = null;

/** Called once per 401 (the app signs out and says why). */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

export async function api<T>(
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; signal?: AbortSignal } = {},
): Promise<T> {
  const token = opts.token ?? storedToken();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'unreachable', 'The controller cannot be reached. Check your connection and try again.');
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string; problems?: Problem[] } } | null)?.error;
    const e = new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? `HTTP ${res.status}`, err?.problems ?? []);
    if (res.status === 401 && !opts.token) onUnauthorized?.();
    throw e;
  }
  return body as T;
}

/** `?a=1&b=2` of the values that are set. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

// ---------------------------------------------------------------------------------------------
// Shapes (as GET /docs describes them; only what the console reads)
// ---------------------------------------------------------------------------------------------

export type Role = 'viewer' | 'ingest' | 'operator' | 'admin';

export interface Me {
  name: string;
  role: Role;
  identity: string | null;
  can: { decide: boolean; freeze: boolean; override: boolean; exceptions: boolean };
}

export interface Scope {
  accounts?: string[];
  regions?: string[];
  resourceTypes?: string[];
  tags?: Record<string, string>;
}

export interface FreezeSource {
  id: string;
  type: 'incident' | 'manual' | 'window' | 'cooldown' | 'unknown';
  reason: string;
  scope: Scope | null;
  since: string;
  until: string | null;
  actor?: string;
  incident?: { provider: string; id: string; number?: number; title: string; url?: string };
}

export interface FreezeView {
  frozen: boolean;
  sources: FreezeSource[];
  providers: Record<string, { ok: boolean; fetchedAt: string | null; error?: string }>;
  overrides?: { id: string; reason: string; scope?: Scope; since: string; until: string; actor: string }[];
}

export interface Principal {
  arn: string | null;
  class: string;
  session?: string;
}

export interface Difference {
  id: string;
  key: string;
  side: string;
  sentence: string;
  direction: { axis: string; change: string; revert: string };
  madeBy: {
    source: string;
    principal: Principal;
    at: string;
    cloudTrailEventId?: string;
    eventName?: string;
    configEventId: string;
    unattributable?: string;
  };
  decision: {
    action: string;
    rule: number | null;
    reason: string;
    at: string;
    human?: { verb: string; by: string; identity?: string; comment: string; at: string };
  };
  flags?: string[];
}

export interface Drift {
  id: string;
  status: string;
  dryRun: boolean;
  resource: { type: string; id: string; account: string; region: string; address?: string; stack?: string };
  decision: { action: string; rule: number | null; reason: string };
  principal: Principal;
  changedAt: string;
  detectedAt: string;
  updatedAt: string;
  flags?: string[];
  differences?: Difference[];
  evidence: Record<string, unknown> & {
    explanations?: string[];
    apiCalls?: unknown[];
    afterState?: { verified: boolean; at: string; source: string };
  };
  links: {
    pullRequest?: { url: string; number?: number; repo?: string; merged?: boolean; openedAt?: string; overdueSince?: string };
    issue?: { url: string; number?: number; repo?: string };
    incident?: { provider: string; id: string; number?: number; title: string; url?: string };
  };
  approval?: { action: string; by: string; identity?: string; comment: string; at: string; expiresAt?: string; lapsedAt?: string };
  failure?: { stage: string; code: string; message: string; at: string };
}

export interface AuditEntry {
  id: string;
  at: string;
  type: string;
  actor: string;
  reason?: string;
  driftId?: string;
  resourceKey?: string;
  details?: Record<string, unknown>;
}

export interface ResourceException {
  id: string;
  resource: string;
  reason: string;
  until: string;
  actor: string;
  createdAt?: string;
  deletedAt?: string;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}
