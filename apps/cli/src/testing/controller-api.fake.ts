/**
 * A fake of the controller's HTTP API (DESIGN.md §7) on a real socket, for the CLI's tests:
 * the shapes, roles, status codes and error bodies of the endpoints the CLI uses, plus a
 * record of every request (method, path, query, body, Authorization header).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiProblem, AuditEntry, DriftRecord, FreezeSource, FreezeState, ProviderFreshness, Role } from '../api.types';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | undefined;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeControllerApiOptions {
  /** Bearer token → role. */
  tokens?: Record<string, Role>;
  /** The fake's clock. */
  now?: Date;
  /** Largest page a list endpoint returns, whatever `limit` asks. */
  pageSize?: number;
  /** Bodies larger than this are refused with 413. */
  maxBodyBytes?: number;
}

const RANK: Record<Role, number> = { ingest: -1, viewer: 0, operator: 1, admin: 2 };
const TTL = /^(\d+)(s|m|h|d)$/;
const TTL_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export class FakeControllerApi {
  readonly requests: RecordedRequest[] = [];
  drifts: DriftRecord[] = [];
  audit: AuditEntry[] = [];
  sources: FreezeSource[] = [];
  providers: Record<string, ProviderFreshness>;
  private readonly tokens: Record<string, Role>;
  private readonly now: Date;
  private readonly pageSize: number;
  private readonly maxBodyBytes: number;
  private readonly seenEvents = new Set<string>();
  private readonly forced: Reply[] = [];
  private freezeCounter = 0;
  private server?: Server;
  url = '';

  constructor(options: FakeControllerApiOptions = {}) {
    this.tokens = options.tokens ?? { 'op-token': 'operator' };
    this.now = options.now ?? new Date('2025-03-04T12:00:00Z');
    this.pageSize = options.pageSize ?? 100;
    this.maxBodyBytes = options.maxBodyBytes ?? Number.POSITIVE_INFINITY;
    this.providers = { pagerduty: { ok: true, fetchedAt: new Date(this.now.getTime() - 12_000).toISOString() } };
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  }

  /** The next request (any endpoint) gets this answer instead of the normal one. */
  replyNext(status: number, body?: unknown, headers?: Record<string, string>): void {
    this.forced.push({ status, body, headers });
  }

  /** Requests to one path, in order. */
  requestsTo(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      body = raw.toString('utf8');
    }
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      authorization: req.headers.authorization,
    });
    const reply =
      this.forced.shift() ??
      (raw.length > this.maxBodyBytes
        ? error(413, 'payload_too_large', `request body larger than ${this.maxBodyBytes} bytes`)
        : this.route(req.method ?? '', url, body, req.headers.authorization));
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, { ...(text ? { 'content-type': 'application/json' } : {}), ...reply.headers });
    res.end(text);
  }

  private route(method: string, url: URL, body: unknown, authorization: string | undefined): Reply {
    const path = url.pathname;
    const q = url.searchParams;
    const drift = /^\/v1\/drifts\/([^/]+)$/.exec(path);
    const decide = /^\/v1\/drifts\/([^/]+)\/(approve|adopt|reject)$/.exec(path);
    const freezeId = /^\/v1\/freezes\/([^/]+)$/.exec(path);

    const need: Role | undefined =
      method === 'POST' && path === '/v1/events'
        ? 'ingest'
        : (method === 'POST' && path === '/v1/freezes') || (method === 'DELETE' && freezeId) || (method === 'POST' && decide)
          ? 'operator'
          : method === 'GET' && (path === '/v1/freeze' || path === '/v1/drifts' || drift || path === '/v1/audit')
            ? 'viewer'
            : undefined;
    if (need === undefined) return error(404, 'not_found', `no route ${method} ${path}`);
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    const role = token === undefined ? undefined : this.tokens[token];
    if (role === undefined) return error(401, 'unauthorized', 'missing or invalid bearer token');
    const allowed = need === 'ingest' ? role === 'ingest' || role === 'admin' : RANK[role] >= RANK[need];
    if (!allowed) return error(403, 'forbidden', `requires role ${need}, token has ${role}`);

    if (path === '/v1/events') return this.postEvents(body);
    if (path === '/v1/freeze') return this.getFreeze(q.get('account'), q.get('region'));
    if (path === '/v1/freezes') return this.createFreeze(body, token ?? '');
    if (freezeId) return this.deleteFreeze(decodeURIComponent(freezeId[1]));
    if (path === '/v1/drifts') {
      const items = this.drifts.filter(
        (d) =>
          (!q.get('status') || d.status === q.get('status')) &&
          (!q.get('resource') || d.resource.id === q.get('resource')) &&
          (!q.get('account') || d.resource.account === q.get('account')) &&
          (!q.get('kind') || d.resource.type === q.get('kind') || (d.resource as { kind?: string }).kind === q.get('kind')) &&
          (!q.get('overdue') || (d.flags ?? []).includes('overdue') === (q.get('overdue') === 'true')),
      );
      return this.page(items, q);
    }
    if (decide) return this.decide(decodeURIComponent(decide[1]), decide[2], body);
    if (drift) {
      const found = this.drifts.find((d) => d.id === decodeURIComponent(drift[1]));
      return found ? { status: 200, body: found } : error(404, 'not_found', `no drift ${drift[1]}`);
    }
    const since = q.get('since');
    if (since !== null && Number.isNaN(Date.parse(since))) {
      return error(400, 'validation_failed', 'bad query', [{ path: 'since', message: 'expected an ISO time' }]);
    }
    return this.page(
      this.audit.filter((e) => since === null || Date.parse(String(e.at)) >= Date.parse(since)),
      q,
    );
  }

  private page<T>(items: T[], q: URLSearchParams): Reply {
    const offset = q.get('cursor') ? Number(q.get('cursor')?.slice(1)) : 0;
    const limit = Math.min(Number(q.get('limit') ?? this.pageSize) || this.pageSize, this.pageSize);
    const slice = items.slice(offset, offset + limit);
    const next = offset + limit < items.length ? `c${offset + limit}` : null;
    return { status: 200, body: { items: slice, next } };
  }

  private postEvents(body: unknown): Reply {
    const events = Array.isArray(body) ? body : [body];
    const problems = events.flatMap((event, i) =>
      validateEvent(event).map((p) => ({
        path: Array.isArray(body) ? `[${i}]${p.path ? `.${p.path}` : ''}` : p.path,
        message: p.message,
      })),
    );
    if (problems.length > 0) return error(400, 'validation_failed', 'the events are invalid', problems);
    const accepted = events.map((event) => {
      const e = event as Record<string, unknown>;
      const detail = (e.detail ?? {}) as Record<string, unknown>;
      const item = (detail.configurationItem ?? {}) as Record<string, unknown>;
      const eventId = String(e.id);
      const duplicate = this.seenEvents.has(eventId);
      this.seenEvents.add(eventId);
      const cloudtrail = e['detail-type'] === 'AWS API Call via CloudTrail';
      return {
        eventId,
        kind: cloudtrail ? 'cloudtrail' : 'config_item',
        resourceId: typeof item.resourceId === 'string' ? item.resourceId : null,
        duplicate,
      };
    });
    return { status: 202, body: { accepted } };
  }

  private getFreeze(account: string | null, region: string | null): Reply {
    const sources = this.sources.filter(
      (s) =>
        (!account || !s.scope?.accounts || s.scope.accounts.includes(account)) &&
        (!region || !s.scope?.regions || s.scope.regions.includes(region)),
    );
    const state: FreezeState = { frozen: sources.length > 0, sources, providers: this.providers };
    return { status: 200, body: state };
  }

  private createFreeze(body: unknown, token: string): Reply {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const problems: ApiProblem[] = [];
    if (typeof b.reason !== 'string' || b.reason.trim() === '') problems.push({ path: 'reason', message: 'required' });
    const ttl = typeof b.ttl === 'string' ? TTL.exec(b.ttl) : null;
    if (ttl === null) problems.push({ path: 'ttl', message: 'expected a duration such as 30m or 2h' });
    if (problems.length > 0 || ttl === null) return error(400, 'validation_failed', 'invalid freeze', problems);
    this.freezeCounter += 1;
    const source: FreezeSource = {
      id: `man-${this.freezeCounter}`,
      type: 'manual',
      reason: String(b.reason),
      scope: (b.scope as FreezeSource['scope']) ?? null,
      since: this.now.toISOString(),
      until: new Date(this.now.getTime() + Number(ttl[1]) * TTL_MS[ttl[2]]).toISOString(),
      actor: `token:${token.split('-')[0]}`,
    };
    this.sources.push(source);
    return { status: 201, body: source };
  }

  private deleteFreeze(id: string): Reply {
    const source = this.sources.find((s) => s.id === id);
    if (!source) return error(404, 'not_found', `no freeze ${id}`);
    if (source.type !== 'manual') {
      return error(409, 'freeze_not_manual', `freeze ${id} is a ${source.type} freeze and cannot be lifted through the API`);
    }
    this.sources = this.sources.filter((s) => s.id !== id);
    return { status: 204 };
  }

  private decide(id: string, verb: string, body: unknown): Reply {
    const found = this.drifts.find((d) => d.id === id);
    if (!found) return error(404, 'not_found', `no drift ${id}`);
    const comment = (body as { comment?: unknown } | undefined)?.comment;
    if (typeof comment !== 'string' || comment.trim() === '') {
      return error(400, 'validation_failed', 'a comment is required', [{ path: 'comment', message: 'required' }]);
    }
    if (found.status !== 'awaiting_approval') {
      return error(409, 'not_awaiting_approval', `drift ${id} is ${found.status}, not awaiting approval`);
    }
    found.status = verb === 'approve' ? 'reverting' : verb === 'adopt' ? 'backport_open' : 'rejected';
    return { status: 200, body: found };
  }
}

/** Enough of the real validation to produce problems with JSON paths. */
function validateEvent(event: unknown): ApiProblem[] {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return [{ path: '', message: 'expected an event object' }];
  }
  const e = event as Record<string, unknown>;
  if (typeof e.id !== 'string') return [{ path: 'id', message: `expected string, got ${typeof e.id}` }];
  if (e['detail-type'] === 'AWS API Call via CloudTrail') return [];
  if (e['detail-type'] !== 'Config Configuration Item Change') {
    return [{ path: 'detail-type', message: `unsupported detail-type ${JSON.stringify(e['detail-type'])}` }];
  }
  const item = (e.detail as { configurationItem?: Record<string, unknown> } | undefined)?.configurationItem;
  if (item === undefined) return [{ path: 'detail.configurationItem', message: 'required' }];
  const problems: ApiProblem[] = [];
  if (typeof item.resourceId !== 'string') {
    problems.push({ path: 'detail.configurationItem.resourceId', message: `expected string, got ${typeof item.resourceId}` });
  }
  if (typeof item.resourceType !== 'string') {
    problems.push({ path: 'detail.configurationItem.resourceType', message: `expected string, got ${typeof item.resourceType}` });
  }
  return problems;
}

function error(status: number, code: string, message: string, problems?: ApiProblem[]): Reply {
  return { status, body: { error: { code, message, ...(problems ? { problems } : {}) } } };
}

/** A drift record in the API's shape, with overridable fields. */
export function driftRecord(overrides: Partial<DriftRecord> & { id: string }): DriftRecord {
  return {
    status: 'awaiting_approval',
    dryRun: false,
    resource: { type: 'AWS::EC2::SecurityGroup', id: 'sg-0abc1234def567890', account: '111122223333', region: 'eu-west-1' },
    decision: { action: 'await_approval', rule: 5, reason: 'revert widens exposure: opens tcp/22 to 0.0.0.0/0' },
    principal: { arn: 'arn:aws:sts::111122223333:assumed-role/Dev/alice', class: 'other', session: 'alice' },
    changedAt: '2025-03-04T11:50:00Z',
    detectedAt: '2025-03-04T11:51:00Z',
    updatedAt: '2025-03-04T11:52:00Z',
    diff: { ingress: { extra: [], missing: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }] } },
    evidence: { rule: 5, incidentSnapshot: { pagerduty: { open: [] } } },
    links: {},
    ...overrides,
  };
}
