/**
 * A fake of PagerDuty REST API v2 `GET /incidents` on a real HTTP socket, for the adapter's tests,
 * integration tests, the benchmark and the demo.
 *
 * Like the real API (CONTRACTS.md §B1) it:
 * - requires `Authorization: Token token=<token>` (or `Bearer <token>`): 401 otherwise;
 * - validates every request against test/contracts/pagerduty-rest-openapiv3.json (openapi-backend;
 *   unknown parameters, bad enum values, missing `Accept`/`Content-Type` are refused) and the
 *   documented limits (`limit` ≤ 100, `offset + limit` ≤ 10 000, versioned `Accept`): 400 in
 *   PagerDuty's error shape `{error: {message, code, errors}}`;
 * - filters by `statuses[]`, `urgencies[]`, `service_ids[]`, `team_ids[]`, `user_ids[]`,
 *   `incident_key`, and dates: without `date_range=all` only incidents created in
 *   [`since`, `until`] are returned, by default the last month;
 * - pages with `limit` (default 25) / `offset`, answering `more`, and `total` only with `total=true`;
 * - returns schema-valid `Incident` objects (checked against the spec on every answer when
 *   `validateResponses` is on: an invalid answer becomes a 500 naming the problem), whose
 *   `priority` has `name` only with `include[]=priorities`.
 *
 * Stricter than the real API: unknown query parameters are refused (the real API ignores them,
 * which hides typos such as `statuses=` without brackets). Spec defects patched in memory are
 * listed in PAGERDUTY_SPEC_ERRATA (contracts.fake.ts).
 */
import type {
  PagerDutyErrorResponse,
  PagerDutyIncident,
  PagerDutyIncidentStatus,
  PagerDutyListIncidentsResponse,
  PagerDutyPriority,
  PagerDutyReference,
  PagerDutyUrgency,
} from '../pagerduty/pagerduty.types';
import { findContractsDir, loadPagerDutyContract, type PagerDutyContract } from './contracts.fake';
import { type FakeReply, HttpFake, type HttpFakeOptions, type ParsedFakeRequest } from './http-fake.fake';

export type { FakeFailure, FakeRequestRecord } from './http-fake.fake';

/** An incident to serve; everything has a default. */
export interface PagerDutyFakeIncident {
  /** Default: `Q` + a sequence number. */
  id?: string;
  /** `incident_number`; default: sequential from 1. */
  number?: number;
  title?: string;
  /** Default `triggered`. */
  status?: PagerDutyIncidentStatus;
  /** Default `high`. */
  urgency?: PagerDutyUrgency;
  /** A priority name (`P1`), a priority with an explicit id, or null (default: null). */
  priority?: string | { name: string; id?: string; description?: string } | null;
  /** Service id, or id and name. Default `PSVC001`. */
  service?: string | { id: string; name?: string };
  /** Default: 5 minutes before the fake's `now`. */
  createdAt?: Date | string;
  /** A resolved incident's `resolved_at` (and last status change). Default: its creation time. */
  resolvedAt?: Date | string;
  /** Team ids. */
  teams?: string[];
  /** User ids of the assignees. */
  assignees?: string[];
  incidentKey?: string;
}

export interface PagerDutyFakeOptions extends HttpFakeOptions {
  /** The API token the fake accepts. Default `pd-fake-token`. */
  token?: string;
  /** The fake's clock (the default date window is the month before it). Default: system time. */
  now?: () => Date;
  /** Where the spec files are (default: found by walking up to `test/contracts`). */
  contractsDir?: string;
  /** Check every 200 and error answer against the spec. Default true. */
  validateResponses?: boolean;
  /** Base of `html_url` links. Default `https://acme.pagerduty.com`. */
  webUrl?: string;
  /**
   * `required` (default, tests): refuse to start without the official spec. `optional` (the
   * demo on a machine without test/contracts): validate when the spec is found, else serve
   * unvalidated.
   */
  contracts?: 'required' | 'optional';
}

interface StoredIncident {
  id: string;
  number: number;
  title: string;
  status: PagerDutyIncidentStatus;
  urgency: PagerDutyUrgency;
  priority: { id: string; name: string; description?: string } | null;
  service: { id: string; name: string };
  createdAt: Date;
  resolvedAt?: Date;
  teams: string[];
  assignees: string[];
  incidentKey: string;
}

export const PAGERDUTY_FAKE_DEFAULT_TOKEN = 'pd-fake-token';
const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 25;
const MAX_OFFSET_PLUS_LIMIT = 10_000;
const SIX_MONTHS_MS = 183 * 24 * 3600 * 1000;

const ERROR_CODES: Record<number, { code: number; message: string }> = {
  400: { code: 2001, message: 'Invalid Input Provided' },
  401: { code: 2006, message: 'Authentication failed' },
  402: { code: 2012, message: 'Account does not have the abilities to perform the action' },
  403: { code: 2010, message: 'Access Denied' },
  404: { code: 2100, message: 'Not Found' },
  429: { code: 2020, message: 'Rate Limit Exceeded' },
};

export class PagerDutyFake extends HttpFake {
  private incidents: StoredIncident[] = [];
  private contract: PagerDutyContract | undefined;
  private readonly token: string;
  private readonly now: () => Date;
  private readonly validateResponses: boolean;
  private readonly webUrl: string;
  private readonly contractsDir: string | undefined;

  constructor(options: PagerDutyFakeOptions = {}) {
    super(options);
    this.token = options.token ?? PAGERDUTY_FAKE_DEFAULT_TOKEN;
    this.now = options.now ?? (() => new Date());
    this.validateResponses = options.validateResponses ?? true;
    this.webUrl = (options.webUrl ?? 'https://acme.pagerduty.com').replace(/\/+$/, '');
    this.contractsDir = options.contractsDir;
    this.contractsMode = options.contracts ?? 'required';
  }

  private readonly contractsMode: 'required' | 'optional';

  /** Whether requests are being validated against the official description. */
  get validating(): boolean {
    return this.contract !== undefined;
  }

  /** Replaces every incident served. */
  setIncidents(incidents: readonly PagerDutyFakeIncident[]): this {
    this.incidents = [];
    return this.addIncidents(incidents);
  }

  /** Adds incidents to those served. */
  addIncidents(incidents: readonly PagerDutyFakeIncident[]): this {
    for (const input of incidents) this.incidents.push(this.store(input));
    return this;
  }

  /** The incidents as the API would return them with `include[]=priorities`. */
  renderedIncidents(): PagerDutyIncident[] {
    return this.incidents.map((i) => this.render(i, true));
  }

  protected async prepare(): Promise<void> {
    let dir: string;
    try {
      dir = findContractsDir(this.contractsDir);
    } catch (err) {
      if (this.contractsMode === 'optional') return;
      throw err;
    }
    this.contract = await loadPagerDutyContract(dir);
  }

  protected errorBody(status: number, message: string, errors?: string[]): PagerDutyErrorResponse {
    const known = ERROR_CODES[status];
    return {
      error: {
        message,
        ...(known ? { code: known.code } : {}),
        ...(errors && errors.length > 0 ? { errors } : {}),
      },
    };
  }

  protected malformedBody(): unknown {
    // A 200 without the required `incidents` array.
    return { limit: MAX_LIMIT, offset: 0, more: false, total: null };
  }

  /** The notes added to an incident (`POST /incidents/{id}/notes`), oldest first. */
  notes(incidentId: string): Array<{ id: string; content: string; from: string }> {
    return [...(this.notesById.get(incidentId) ?? [])];
  }

  /** Every note added, with its incident. */
  allNotes(): Array<{ incidentId: string; id: string; content: string; from: string }> {
    return [...this.notesById.entries()].flatMap(([incidentId, notes]) => notes.map((n) => ({ incidentId, ...n })));
  }

  private readonly notesById = new Map<string, Array<{ id: string; content: string; from: string }>>();

  /** Also forgets the notes. */
  override reset(): this {
    super.reset();
    this.notesById.clear();
    return this;
  }

  /**
   * `POST /incidents/{id}/notes` (PagerDuty requires `From`, the email of a user of the account):
   * validated against the spec; 404 for an incident the fake does not have.
   */
  private createNote(request: ParsedFakeRequest, id: string): { reply: FakeReply; problems: string[]; commit?: () => void } {
    const authProblem = this.checkAuthorization(request.headers.authorization);
    if (authProblem) return this.fail(401, ERROR_CODES[401].message, [authProblem]);
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      return this.fail(400, ERROR_CODES[400].message, ['body is not JSON']);
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers))
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
    if (headers['content-type']) headers['content-type'] = headers['content-type'].split(';')[0].trim().toLowerCase();
    const problems = this.contract ? this.contract.validateCreateNoteRequest({ id, headers, body }) : [];
    const accept = headers.accept ?? '';
    if (accept && !/application\/vnd\.pagerduty\+json;\s*version=2\b/.test(accept))
      problems.push(`Accept must be application/vnd.pagerduty+json;version=2, got "${accept}"`);
    if (problems.length > 0) return this.fail(400, ERROR_CODES[400].message, problems);
    const incident = this.incidents.find((i) => i.id === id);
    if (!incident) return this.fail(404, 'Incident Not Found', []);
    const from = headers.from ?? '';
    const content = (body as { note: { content: string } }).note.content;
    const note = { id: `PN${String(this.allNotes().length + 1).padStart(5, '0')}`, content, from };
    const commit = () => this.notesById.set(id, [...(this.notesById.get(id) ?? []), note]);
    const created = this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const answer = {
      note: {
        id: note.id,
        user: {
          id: 'PUSER01',
          type: 'user_reference',
          summary: from,
          self: `${this.url}/users/PUSER01`,
          html_url: `${this.webUrl}/users/PUSER01`,
        },
        channel: { summary: 'The PagerDuty website or APIs' },
        content,
        created_at: created,
        updated_at: created,
      },
    };
    if (this.validateResponses && this.contract) {
      const invalid = this.contract.validateCreateNoteResponse(answer);
      if (invalid.length > 0)
        return { reply: { status: 500, body: this.errorBody(500, `fake answer breaks the spec: ${invalid.join('; ')}`) }, problems: [] };
    }
    return { reply: { status: 200, body: answer }, problems: [], commit };
  }

  protected handle(request: ParsedFakeRequest): { reply: FakeReply; problems: string[]; commit?: () => void } {
    const noteMatch = request.method === 'POST' && request.path ? /^\/incidents\/([A-Za-z0-9]+)\/notes$/.exec(request.path) : null;
    if (noteMatch) return this.createNote(request, noteMatch[1]);
    if (request.path !== '/incidents') {
      return this.fail(404, 'Not Found', [`no such endpoint: ${request.method} ${request.url.pathname}`]);
    }
    if (request.method !== 'GET') {
      return this.fail(404, 'Not Found', [`this fake serves only GET /incidents, not ${request.method}`]);
    }
    const authProblem = this.checkAuthorization(request.headers.authorization);
    if (authProblem) return this.fail(401, ERROR_CODES[401].message, [authProblem]);

    const problems = this.validate(request);
    if (problems.length > 0) return this.fail(400, ERROR_CODES[400].message, problems);
    return { reply: this.list(request.query), problems: [] };
  }

  private fail(status: number, message: string, problems: string[]): { reply: FakeReply; problems: string[] } {
    const body = this.errorBody(status, message, status === 400 ? problems : undefined);
    if (this.validateResponses && this.contract && [400, 401, 402, 403, 429].includes(status)) {
      const invalid = this.contract.validateErrorResponse(status, body);
      if (invalid.length > 0)
        return { reply: { status: 500, body: this.errorBody(500, `fake answer breaks the spec: ${invalid.join('; ')}`) }, problems };
    }
    return { reply: { status, body }, problems };
  }

  private checkAuthorization(header: string | undefined): string | undefined {
    if (header === undefined) return 'missing Authorization header';
    const match = /^(?:Token token=|Bearer )(.+)$/.exec(header);
    if (!match) return 'Authorization must be `Token token=<API key>` or `Bearer <OAuth token>`';
    if (match[1] !== this.token) return 'unknown API token';
    return undefined;
  }

  private validate(request: ParsedFakeRequest): string[] {
    const contract = this.contract;
    if (!contract) {
      if (this.contractsMode === 'optional') return [];
      throw new Error('PagerDutyFake not started');
    }
    const query: Record<string, string | string[]> = {};
    for (const [key, values] of Object.entries(request.query)) query[key] = values.length === 1 ? values[0] : values;
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers)) {
      if (value === undefined) continue;
      headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    // A media type with parameters (`application/json; charset=utf-8`, what pdjs sends by
    // default) is the media type the spec enumerates.
    if (headers['content-type']) headers['content-type'] = headers['content-type'].split(';')[0].trim().toLowerCase();
    const problems = contract.validateListIncidentsRequest({ query, headers });

    const accept = request.headers.accept ?? '';
    if (accept && !/application\/vnd\.pagerduty\+json;\s*version=2\b/.test(accept)) {
      problems.push(`Accept must be application/vnd.pagerduty+json;version=2, got "${accept}"`);
    }
    const limit = single(request.query, 'limit');
    const offset = single(request.query, 'offset');
    const limitValue = limit === undefined ? DEFAULT_LIMIT : Number(limit);
    const offsetValue = offset === undefined ? 0 : Number(offset);
    if (Number.isInteger(limitValue) && (limitValue < 1 || limitValue > MAX_LIMIT)) {
      problems.push(`limit must be between 1 and ${MAX_LIMIT}, got ${limitValue}`);
    }
    if (Number.isInteger(offsetValue) && offsetValue < 0) problems.push(`offset must not be negative, got ${offsetValue}`);
    if (Number.isInteger(limitValue) && Number.isInteger(offsetValue) && offsetValue + limitValue > MAX_OFFSET_PLUS_LIMIT) {
      problems.push(`Offset + limit must be less than or equal to ${MAX_OFFSET_PLUS_LIMIT} (got ${offsetValue} + ${limitValue})`);
    }
    for (const key of ['since', 'until']) {
      const value = single(request.query, key);
      if (value !== undefined && Number.isNaN(Date.parse(value))) problems.push(`${key} is not a date: "${value}"`);
    }
    if (single(request.query, 'date_range') !== 'all') {
      const { since, until } = this.window(request.query);
      if (until.getTime() - since.getTime() > SIX_MONTHS_MS) problems.push('The date range cannot exceed 6 months');
      if (until.getTime() < since.getTime()) problems.push('until must be after since');
    }
    return problems;
  }

  /** [since, until] without `date_range=all`: the given bounds, by default the last month. */
  private window(query: Record<string, string[]>): { since: Date; until: Date } {
    const now = this.now();
    const untilText = single(query, 'until');
    const sinceText = single(query, 'since');
    const until = untilText !== undefined ? new Date(untilText) : now;
    let since: Date;
    if (sinceText !== undefined) {
      since = new Date(sinceText);
    } else {
      since = new Date(until.getTime());
      since.setUTCMonth(since.getUTCMonth() - 1);
    }
    return { since, until };
  }

  private list(query: Record<string, string[]>): FakeReply {
    const statuses = query['statuses[]'];
    const urgencies = query['urgencies[]'];
    const services = query['service_ids[]'];
    const teams = query['team_ids[]'];
    const users = query['user_ids[]'];
    const incidentKey = single(query, 'incident_key');
    const window = single(query, 'date_range') === 'all' ? undefined : this.window(query);

    const matching = this.incidents
      .filter((i) => !statuses || statuses.includes(i.status))
      .filter((i) => !urgencies || urgencies.includes(i.urgency))
      .filter((i) => !services || services.includes(i.service.id))
      .filter((i) => !teams || i.teams.some((t) => teams.includes(t)))
      .filter((i) => !users || (i.status !== 'resolved' && i.assignees.some((u) => users.includes(u))))
      .filter((i) => incidentKey === undefined || i.incidentKey === incidentKey)
      .filter((i) => !window || (i.createdAt >= window.since && i.createdAt <= window.until))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.number - b.number);

    const limit = Number(single(query, 'limit') ?? DEFAULT_LIMIT);
    const offset = Number(single(query, 'offset') ?? 0);
    const includePriorities = (query['include[]'] ?? []).includes('priorities');
    const body: PagerDutyListIncidentsResponse = {
      incidents: matching.slice(offset, offset + limit).map((i) => this.render(i, includePriorities)),
      limit,
      offset,
      more: offset + limit < matching.length,
      total: single(query, 'total') === 'true' ? matching.length : null,
    };
    if (this.validateResponses && this.contract) {
      const invalid = this.contract.validateListIncidentsResponse(body);
      if (invalid.length > 0) {
        return { status: 500, body: this.errorBody(500, `fake answer breaks the spec: ${invalid.slice(0, 5).join('; ')}`) };
      }
    }
    return { status: 200, body, headers: { 'ratelimit-limit': '960', 'ratelimit-remaining': '959', 'ratelimit-reset': '60' } };
  }

  private store(input: PagerDutyFakeIncident): StoredIncident {
    const sequence = this.incidents.length + 1;
    const number = input.number ?? Math.max(0, ...this.incidents.map((i) => i.number)) + 1;
    const priority =
      input.priority === undefined || input.priority === null
        ? null
        : typeof input.priority === 'string'
          ? { id: priorityId(input.priority), name: input.priority }
          : {
              id: input.priority.id ?? priorityId(input.priority.name),
              name: input.priority.name,
              description: input.priority.description,
            };
    const service =
      input.service === undefined
        ? { id: 'PSVC001', name: 'Checkout API' }
        : typeof input.service === 'string'
          ? { id: input.service, name: `Service ${input.service}` }
          : { id: input.service.id, name: input.service.name ?? `Service ${input.service.id}` };
    const createdAt =
      input.createdAt === undefined
        ? new Date(this.now().getTime() - 5 * 60_000)
        : input.createdAt instanceof Date
          ? input.createdAt
          : new Date(input.createdAt);
    if (Number.isNaN(createdAt.getTime())) throw new Error(`PagerDutyFake: invalid createdAt ${String(input.createdAt)}`);
    const id = input.id ?? `Q${String(sequence).padStart(6, '0')}FAKE`;
    return {
      id,
      number,
      title: input.title ?? `Incident ${number}`,
      status: input.status ?? 'triggered',
      urgency: input.urgency ?? 'high',
      priority,
      service,
      createdAt,
      ...(input.resolvedAt !== undefined ? { resolvedAt: new Date(input.resolvedAt) } : {}),
      teams: input.teams ?? [],
      assignees: input.assignees ?? [],
      incidentKey: input.incidentKey ?? `key-${id}`,
    };
  }

  private ref(type: string, id: string, collection: string, summary: string): PagerDutyReference {
    return { id, type, summary, self: `${this.url}/${collection}/${id}`, html_url: `${this.webUrl}/${collection}/${id}` };
  }

  private render(incident: StoredIncident, includePriorities: boolean): PagerDutyIncident {
    const created = incident.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const open = incident.status !== 'resolved';
    const resolved = (incident.resolvedAt ?? incident.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const serviceRef = this.ref('service_reference', incident.service.id, 'services', incident.service.name);
    let priority: PagerDutyPriority | null = null;
    if (incident.priority) {
      const { id, name, description } = incident.priority;
      priority = includePriorities
        ? {
            id,
            type: 'priority',
            summary: name,
            self: `${this.url}/priorities/${id}`,
            html_url: null,
            name,
            description: description ?? `${name} priority`,
          }
        : { id, type: 'priority_reference', summary: name, self: `${this.url}/priorities/${id}` };
    }
    return {
      id: incident.id,
      type: 'incident',
      summary: `[#${incident.number}] ${incident.title}`,
      self: `${this.url}/incidents/${incident.id}`,
      html_url: `${this.webUrl}/incidents/${incident.id}`,
      incident_number: incident.number,
      title: incident.title,
      created_at: created,
      updated_at: created,
      status: incident.status,
      incident_key: incident.incidentKey,
      service: serviceRef,
      assignments: open
        ? incident.assignees.map((u) => ({ at: created, assignee: this.ref('user_reference', u, 'users', `User ${u}`) }))
        : [],
      assigned_via: 'escalation_policy',
      last_status_change_at: open ? created : resolved,
      last_status_change_by: serviceRef,
      resolved_at: open ? null : resolved,
      first_trigger_log_entry: {
        ...this.ref('trigger_log_entry_reference', `R${incident.id}`, 'log_entries', 'Triggered through the API'),
      },
      alert_counts: { all: 1, triggered: open ? 1 : 0, resolved: open ? 0 : 1 },
      is_mergeable: true,
      incident_type: { name: 'incident_default' },
      escalation_policy: this.ref('escalation_policy_reference', 'PEP0001', 'escalation_policies', 'Default'),
      teams: incident.teams.map((t) => this.ref('team_reference', t, 'teams', `Team ${t}`)),
      pending_actions: [],
      acknowledgements: [],
      alert_grouping: null,
      priority,
      resolve_reason: null,
      incidents_responders: [],
      responder_requests: [],
      urgency: incident.urgency,
    };
  }
}

function single(query: Record<string, string[]>, key: string): string | undefined {
  const values = query[key];
  return values === undefined ? undefined : values[values.length - 1];
}

/** A stable, PagerDuty-looking id for a priority name (never equal to the name). */
function priorityId(name: string): string {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `PR${hash.toString(36).toUpperCase().padStart(5, '0')}`;
}
