/**
 * A fake of the Opsgenie Incident API `GET /v1/incidents` on a real HTTP socket, for the
 * adapter's tests, integration tests, the benchmark and the demo.
 *
 * Like the real API (CONTRACTS.md §C1) it:
 * - requires `Authorization: GenieKey <key>`: 401 otherwise;
 * - serves `/v1/incidents` and the spec's `/v1/incidents/` (trailing slash), under an optional
 *   base path (EU host, proxy prefix);
 * - validates the query parameters against test/contracts/opsgenie-swagger.json with ajv
 *   (`query` required, `limit` 1..100, `offset` ≥ 0, `sort`/`order` enums; unknown parameters
 *   refused, stricter than the real API) and parses `query` (opsgenie-search.fake.ts): 422 with
 *   `{message, took, requestId}` for anything it cannot accept (Opsgenie keeps 400 for malformed
 *   JSON bodies and answers semantic errors with 422);
 * - sorts (`sort`, `order`), pages (`offset`, `limit`, default 20) and answers
 *   `{data, paging: {first, last, next?, prev?}, took, requestId}` with absolute paging URLs (also
 *   in `X-Paging-*` headers); answers are checked against `ListIncidentsResponse` /
 *   `ErrorResponse` when `validateResponses` is on (an invalid answer becomes a 500).
 *
 * Incidents carry team and service ids, as the API returns them; `teamNames`/`serviceNames` let
 * `teams: "Name"` / `services: "Name"` searches match by name too.
 */
import { randomUUID } from 'node:crypto';
import type { OpsgenieErrorResponse, OpsgenieIncident, OpsgenieListIncidentsResponse } from '../opsgenie/opsgenie.types';
import { findContractsDir, loadOpsgenieContract, type OpsgenieContract } from './contracts.fake';
import { type FakeReply, HttpFake, type HttpFakeOptions, type ParsedFakeRequest } from './http-fake.fake';
import { compileIncidentSearch, type SearchableIncident, type SearchPredicate, SearchSyntaxError } from './opsgenie-search.fake';

export type { FakeFailure, FakeRequestRecord } from './http-fake.fake';

export type OpsgeniePriority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';
export type OpsgenieIncidentStatus = 'open' | 'resolved' | 'closed';

/** An incident to serve; everything has a default. */
export interface OpsgenieFakeIncident {
  /** Default: a UUID. */
  id?: string;
  /** Default: sequential from 1. */
  tinyId?: string;
  message?: string;
  /** Default `open`. */
  status?: OpsgenieIncidentStatus;
  /** Default `P3` (Opsgenie's default). */
  priority?: OpsgeniePriority;
  /** Owner team id. */
  ownerTeam?: string;
  /** Responder team ids (the owner team is listed as a responder too). */
  responderTeams?: string[];
  /** Impacted service ids. */
  impactedServices?: string[];
  tags?: string[];
  /** Default: 5 minutes before the fake's `now`. */
  createdAt?: Date | string;
  /** Default: `createdAt`. */
  updatedAt?: Date | string;
}

export interface OpsgenieFakeOptions extends HttpFakeOptions {
  /** The API key the fake accepts. Default `og-fake-key`. */
  apiKey?: string;
  now?: () => Date;
  contractsDir?: string;
  /** Check every answer against the spec. Default true. */
  validateResponses?: boolean;
  /** Team id → name: `teams: "Name"` matches the id's incidents too. */
  teamNames?: Record<string, string>;
  /** Service id → name: `services: "Name"` matches the id's incidents too. */
  serviceNames?: Record<string, string>;
  /**
   * Base of the `paging` URLs (default: the fake's own `url`). Point it elsewhere to serve the
   * foreign-origin links a client must refuse to follow.
   */
  pagingBaseUrl?: string;
}

interface StoredIncident {
  id: string;
  tinyId: string;
  message: string;
  status: OpsgenieIncidentStatus;
  priority: OpsgeniePriority;
  ownerTeam?: string;
  responderTeams: string[];
  impactedServices: string[];
  tags: string[];
  createdAt: Date;
  updatedAt: Date;
}

export const OPSGENIE_FAKE_DEFAULT_KEY = 'og-fake-key';
const DEFAULT_LIMIT = 20;
const PATHS = new Set(['/v1/incidents', '/v1/incidents/']);
type SortField = 'createdAt' | 'tinyId' | 'message' | 'status' | 'isSeen' | 'owner';

export class OpsgenieFake extends HttpFake {
  private incidents: StoredIncident[] = [];
  private contract: OpsgenieContract | undefined;
  private readonly apiKey: string;
  private readonly now: () => Date;
  private readonly validateResponses: boolean;
  private readonly teamNames: Record<string, string>;
  private readonly serviceNames: Record<string, string>;
  private readonly pagingBaseUrl: string | undefined;
  private readonly contractsDir: string | undefined;

  constructor(options: OpsgenieFakeOptions = {}) {
    super(options);
    this.apiKey = options.apiKey ?? OPSGENIE_FAKE_DEFAULT_KEY;
    this.now = options.now ?? (() => new Date());
    this.validateResponses = options.validateResponses ?? true;
    this.teamNames = options.teamNames ?? {};
    this.serviceNames = options.serviceNames ?? {};
    this.pagingBaseUrl = options.pagingBaseUrl?.replace(/\/+$/, '');
    this.contractsDir = options.contractsDir;
  }

  setIncidents(incidents: readonly OpsgenieFakeIncident[]): this {
    this.incidents = [];
    return this.addIncidents(incidents);
  }

  addIncidents(incidents: readonly OpsgenieFakeIncident[]): this {
    for (const input of incidents) this.incidents.push(this.store(input));
    return this;
  }

  renderedIncidents(): OpsgenieIncident[] {
    return this.incidents.map((i) => render(i));
  }

  protected async prepare(): Promise<void> {
    this.contract = loadOpsgenieContract(findContractsDir(this.contractsDir));
  }

  protected override commonHeaders(): Record<string, string> {
    return { 'x-request-id': randomUUID(), 'x-response-time': '0.004' };
  }

  protected errorBody(_status: number, message: string): OpsgenieErrorResponse {
    return { message, took: 0.002, requestId: randomUUID() };
  }

  protected malformedBody(): unknown {
    // `data` is not an array.
    return { data: { id: 'not-a-list' }, took: 0.001, requestId: randomUUID() };
  }

  private readonly notesById = new Map<string, string[]>();

  /** The notes added to an incident (`POST /v1/incidents/{id}/notes`), oldest first. */
  notes(incidentId: string): string[] {
    return [...(this.notesById.get(incidentId) ?? [])];
  }

  /** Also forgets the notes. */
  override reset(): this {
    super.reset();
    this.notesById.clear();
    return this;
  }

  /**
   * `POST /v1/incidents/{identifier}/notes?identifierType=id|tiny` with `{note, user?, source?}`
   * (Opsgenie's incident API documentation and its official Go SDK v2; the 2021 description has
   * no such path: OPSGENIE_SPEC_ERRATA). Asynchronous like every Opsgenie incident action: 202
   * `{result, took, requestId}` whatever the incident; the note is kept only for an incident the
   * fake has (a note to an unknown one fails later, in the request status, as in Opsgenie).
   */
  private addNote(request: ParsedFakeRequest, identifier: string): { reply: FakeReply; problems: string[]; commit?: () => void } {
    const auth = request.headers.authorization;
    if (auth === undefined || auth !== `GenieKey ${this.apiKey}`)
      return this.fail(401, 'Could not authenticate', ['Authorization must be `GenieKey <the API key>`']);
    const problems: string[] = [];
    const identifierType = request.query.identifierType?.[0];
    for (const key of Object.keys(request.query)) if (key !== 'identifierType') problems.push(`query.${key} is not a parameter`);
    if (identifierType !== undefined && !['id', 'tiny'].includes(identifierType))
      problems.push(`query.identifierType must be id or tiny, got "${identifierType}"`);
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      problems.push('body is not JSON');
    }
    const b = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
    if (b) {
      for (const key of Object.keys(b))
        if (!['note', 'user', 'source'].includes(key)) problems.push(`body.${key} is not a field of Add Note`);
      if (typeof b.note !== 'string' || b.note.length === 0 || b.note.length > 25_000)
        problems.push('body.note must be a string of 1 to 25000 characters');
      for (const key of ['user', 'source'])
        if (b[key] !== undefined && (typeof b[key] !== 'string' || (b[key] as string).length > 100))
          problems.push(`body.${key} must be a string of at most 100 characters`);
    } else if (body !== undefined) problems.push('body must be an object');
    if (problems.length > 0) return this.fail(422, `Request parameters are not valid: ${problems.join('; ')}`, problems);
    const incident = this.incidents.find((i) => (identifierType === 'tiny' ? i.tinyId === identifier : i.id === identifier));
    const commit = () => {
      if (incident && b) this.notesById.set(incident.id, [...(this.notesById.get(incident.id) ?? []), b.note as string]);
    };
    return {
      reply: { status: 202, body: { result: 'Request will be processed', took: 0.01, requestId: `req-${Date.now().toString(36)}` } },
      problems: [],
      commit,
    };
  }

  protected handle(request: ParsedFakeRequest): { reply: FakeReply; problems: string[]; commit?: () => void } {
    const noteMatch =
      request.method === 'POST' && request.path ? /^\/v1\/incidents\/([A-Za-z0-9-]{1,64})\/notes$/.exec(request.path) : null;
    if (noteMatch) return this.addNote(request, noteMatch[1]);
    if (request.path === undefined || !PATHS.has(request.path)) {
      return this.fail(404, 'Could not find handler', [`no such endpoint: ${request.method} ${request.url.pathname}`]);
    }
    if (request.method !== 'GET') {
      return this.fail(405, 'Method Not Allowed', [`this fake serves only GET /v1/incidents, not ${request.method}`]);
    }
    const auth = request.headers.authorization;
    if (auth === undefined || !/^GenieKey \S+$/.test(auth) || auth.slice('GenieKey '.length) !== this.apiKey) {
      return this.fail(401, 'Could not authenticate', [
        auth === undefined ? 'missing Authorization header' : 'Authorization must be `GenieKey <the API key>`',
      ]);
    }
    const contract = this.requireContract();
    const query: Record<string, string | string[]> = {};
    for (const [key, values] of Object.entries(request.query)) query[key] = values.length === 1 ? values[0] : values;
    const problems = contract.validateListIncidentsQuery(query);
    if (problems.length > 0) return this.fail(422, `Request parameters are not valid: ${problems.join('; ')}`, problems);

    let predicate: SearchPredicate;
    try {
      predicate = compileIncidentSearch(request.query.query[0]);
    } catch (err: unknown) {
      if (!(err instanceof SearchSyntaxError)) throw err;
      const problem = `Could not parse search query: ${err.message}`;
      return this.fail(422, problem, [problem]);
    }
    return { reply: this.list(request, predicate), problems: [] };
  }

  private requireContract(): OpsgenieContract {
    if (!this.contract) throw new Error('OpsgenieFake not started');
    return this.contract;
  }

  private fail(status: number, message: string, problems: string[]): { reply: FakeReply; problems: string[] } {
    const body = this.errorBody(status, message);
    if (this.validateResponses) {
      const invalid = this.requireContract().validateErrorResponse(body);
      if (invalid.length > 0)
        return { reply: { status: 500, body: this.errorBody(500, `fake answer breaks the spec: ${invalid.join('; ')}`) }, problems };
    }
    return { reply: { status, body }, problems };
  }

  private list(request: ParsedFakeRequest, predicate: (i: SearchableIncident) => boolean): FakeReply {
    const q = request.query;
    const offset = Number(q.offset?.[0] ?? 0);
    const limit = Number(q.limit?.[0] ?? DEFAULT_LIMIT);
    const sort = (q.sort?.[0] ?? 'createdAt') as SortField;
    const order = q.order?.[0] ?? 'desc';

    const matching = this.incidents.filter((i) => predicate(this.searchable(i)));
    const key = (i: StoredIncident): string | number =>
      sort === 'createdAt'
        ? i.createdAt.getTime()
        : sort === 'tinyId'
          ? Number(i.tinyId)
          : sort === 'message'
            ? i.message
            : sort === 'status'
              ? i.status
              : sort === 'isSeen'
                ? 0
                : '';
    matching.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const cmp = ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      return order === 'asc' ? cmp : -cmp;
    });

    const pageUrl = (pageOffset: number): string => {
      const base = this.pagingBaseUrl ?? this.url;
      const params = new URLSearchParams({ query: q.query[0], offset: String(pageOffset), limit: String(limit), sort, order });
      return `${base}/v1/incidents?${params.toString()}`;
    };
    const lastOffset = matching.length === 0 ? 0 : Math.floor((matching.length - 1) / limit) * limit;
    const paging: NonNullable<OpsgenieListIncidentsResponse['paging']> = { first: pageUrl(0), last: pageUrl(lastOffset) };
    if (offset + limit < matching.length) paging.next = pageUrl(offset + limit);
    if (offset > 0) paging.prev = pageUrl(Math.max(0, offset - limit));

    const body: OpsgenieListIncidentsResponse = {
      data: matching.slice(offset, offset + limit).map((i) => render(i)),
      paging,
      took: 0.005,
      requestId: randomUUID(),
    };
    if (this.validateResponses) {
      const invalid = this.requireContract().validateListIncidentsResponse(body);
      if (invalid.length > 0) {
        return { status: 500, body: this.errorBody(500, `fake answer breaks the spec: ${invalid.slice(0, 5).join('; ')}`) };
      }
    }
    const headers: Record<string, string> = { 'x-paging-first': paging.first ?? '', 'x-paging-last': paging.last ?? '' };
    if (paging.next) headers['x-paging-next'] = paging.next;
    if (paging.prev) headers['x-paging-prev'] = paging.prev;
    return { status: 200, body, headers };
  }

  private searchable(incident: StoredIncident): SearchableIncident {
    const teamIds = [...(incident.ownerTeam ? [incident.ownerTeam] : []), ...incident.responderTeams];
    return {
      status: incident.status,
      priority: incident.priority,
      message: incident.message,
      tinyId: incident.tinyId,
      tags: incident.tags,
      teams: [...teamIds, ...teamIds.map((id) => this.teamNames[id]).filter((n): n is string => n !== undefined)],
      services: [
        ...incident.impactedServices,
        ...incident.impactedServices.map((id) => this.serviceNames[id]).filter((n): n is string => n !== undefined),
      ],
      createdAt: incident.createdAt.getTime(),
      updatedAt: incident.updatedAt.getTime(),
    };
  }

  private store(input: OpsgenieFakeIncident): StoredIncident {
    const tinyId = input.tinyId ?? String(Math.max(0, ...this.incidents.map((i) => Number(i.tinyId) || 0)) + 1);
    const createdAt = toDate(input.createdAt, new Date(this.now().getTime() - 5 * 60_000));
    return {
      id: input.id ?? randomUUID(),
      tinyId,
      message: input.message ?? `Incident ${tinyId}`,
      status: input.status ?? 'open',
      priority: input.priority ?? 'P3',
      ownerTeam: input.ownerTeam,
      responderTeams: input.responderTeams ?? [],
      impactedServices: input.impactedServices ?? [],
      tags: input.tags ?? [],
      createdAt,
      updatedAt: toDate(input.updatedAt, createdAt),
    };
  }
}

function toDate(value: Date | string | undefined, fallback: Date): Date {
  if (value === undefined) return fallback;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`OpsgenieFake: invalid date ${String(value)}`);
  return date;
}

function render(incident: StoredIncident): OpsgenieIncident {
  const teams = [...new Set([...(incident.ownerTeam ? [incident.ownerTeam] : []), ...incident.responderTeams])];
  return {
    id: incident.id,
    tinyId: incident.tinyId,
    message: incident.message,
    status: incident.status,
    isSeen: false,
    tags: incident.tags,
    createdAt: incident.createdAt.toISOString(),
    updatedAt: incident.updatedAt.toISOString(),
    source: 'driftwarden-fake',
    owner: '',
    priority: incident.priority,
    responders: teams.map((id) => ({ type: 'team' as const, id })),
    ...(incident.ownerTeam ? { ownerTeam: incident.ownerTeam } : {}),
    extraProperties: {},
    impactedServices: incident.impactedServices,
  };
}
