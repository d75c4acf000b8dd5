/**
 * A fake of incident.io's API (`GET /v2/incidents`, `GET /v1/severities`) on a real HTTP socket,
 * and a maker of its webhooks (signed the Svix way).
 *
 * Like the real API it:
 * - requires `Authorization: Bearer <api key>`: 401 `authentication_error` otherwise;
 * - validates every query against incident.io's OpenAPI description (incidentio-contract.fake.ts:
 *   unknown parameters, operators the parameter does not accept, values of the wrong type,
 *   `page_size` over 250 are 400 `invalid_request_error`);
 * - filters on `status_category` (one_of, not_in), `severity` (one_of, not_in by id; gte, lte by
 *   rank), `created_at` / `updated_at` (gte, lte: a date or a date-time), newest first, pages of
 *   `page_size` (default 25) with `pagination_meta.after` while there is more;
 * - answers schema-valid bodies (checked on every answer; an invalid one becomes a 500).
 */
import { randomUUID } from 'node:crypto';
import { findContractsDir } from './contracts.fake';
import { type FakeReply, HttpFake, type HttpFakeOptions, type ParsedFakeRequest } from './http-fake.fake';
import { type IncidentioContract, loadIncidentioContract } from './incidentio-contract.fake';
import { signSvix } from '../webhooks/incidentio-webhook';

export type { FakeFailure, FakeRequestRecord } from './http-fake.fake';

export type IncidentioStatusCategory = 'triage' | 'live' | 'paused' | 'learning' | 'closed' | 'declined' | 'merged' | 'canceled';

export interface IncidentioFakeIncident {
  /** Default: a ULID-looking id. */
  id?: string;
  /** Default: sequential `INC-<n>`. */
  reference?: string;
  name?: string;
  /** Default `live`. */
  statusCategory?: IncidentioStatusCategory;
  /** Default: a name for the category (`Investigating`, `Closed`, …). */
  status?: string;
  /** A severity name (must be one of the fake's severities); default `Critical`; null: none. */
  severity?: string | null;
  /** Default `Production Outage`; null: none. */
  incidentType?: string | null;
  /** Default: 5 minutes before the fake's now. */
  createdAt?: Date | string;
  updatedAt?: Date | string;
  /** The "Resolved at" timestamp. */
  resolvedAt?: Date | string;
  /** Custom field name → option values. */
  customFields?: Record<string, string[]>;
}

export interface IncidentioFakeOptions extends HttpFakeOptions {
  apiKey?: string;
  /** Severity names, lowest rank first. Default Minor, Major, Critical. */
  severities?: string[];
  now?: () => Date;
  contractsDir?: string;
  validateResponses?: boolean;
}

interface StoredIncident {
  id: string;
  reference: string;
  name: string;
  statusCategory: IncidentioStatusCategory;
  status: string;
  severity: string | null;
  incidentType: string | null;
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  customFields: Record<string, string[]>;
}

export const INCIDENTIO_FAKE_API_KEY = 'incidentio-fake-key';
const DEFAULT_STATUS: Record<IncidentioStatusCategory, string> = {
  triage: 'Triage',
  live: 'Investigating',
  paused: 'Paused',
  learning: 'Post-incident',
  closed: 'Closed',
  declined: 'Declined',
  merged: 'Merged',
  canceled: 'Canceled',
};
const T0 = '2024-01-01T00:00:00.000Z';

export class IncidentioFake extends HttpFake {
  private incidents: StoredIncident[] = [];
  private contract: IncidentioContract | undefined;
  private readonly apiKey: string;
  private readonly severityNames: string[];
  private readonly now: () => Date;
  private readonly validateResponses: boolean;
  private readonly contractsDir: string | undefined;
  private sequence = 0;

  constructor(options: IncidentioFakeOptions = {}) {
    super(options);
    this.apiKey = options.apiKey ?? INCIDENTIO_FAKE_API_KEY;
    this.severityNames = options.severities ?? ['Minor', 'Major', 'Critical'];
    this.now = options.now ?? (() => new Date());
    this.validateResponses = options.validateResponses ?? true;
    this.contractsDir = options.contractsDir;
  }

  setIncidents(incidents: readonly IncidentioFakeIncident[]): this {
    this.incidents = [];
    for (const input of incidents) this.incidents.push(this.store(input));
    return this;
  }

  updateIncident(id: string, change: Partial<IncidentioFakeIncident>): this {
    const index = this.incidents.findIndex((i) => i.id === id);
    if (index < 0) throw new Error(`IncidentioFake: no incident ${id}`);
    const cur = this.incidents[index];
    const next = this.store({
      id: cur.id,
      reference: cur.reference,
      name: cur.name,
      statusCategory: cur.statusCategory,
      ...(change.statusCategory && !change.status ? {} : { status: cur.status }),
      severity: cur.severity,
      incidentType: cur.incidentType,
      createdAt: cur.createdAt,
      ...(cur.resolvedAt ? { resolvedAt: cur.resolvedAt } : {}),
      customFields: cur.customFields,
      ...change,
      updatedAt: change.updatedAt ?? this.now(),
    });
    this.incidents[index] = next;
    return this;
  }

  /** The severity's id as the API shows it. */
  severityId(name: string): string {
    const i = this.severityNames.indexOf(name);
    if (i < 0) throw new Error(`IncidentioFake: no severity ${name}`);
    return `01SEV${String(i).padStart(21, '0')}`;
  }

  /** The incident as the API returns it (schema-valid). */
  rendered(id: string): Record<string, unknown> {
    const incident = this.incidents.find((i) => i.id === id);
    if (!incident) throw new Error(`IncidentioFake: no incident ${id}`);
    return this.render(incident);
  }

  /**
   * A webhook delivery of `eventType` about a stored incident, in incident.io's shape (checked
   * against the description's webhook schema) and signed the Svix way with `secret`.
   */
  webhook(
    eventType: string,
    id: string,
    secret: string,
    options: { at?: Date; webhookId?: string } = {},
  ): { raw: string; headers: Record<string, string> } {
    const contract = this.requireContract();
    const incident = this.rendered(id);
    const payload = eventType.startsWith('private_incident.')
      ? { id }
      : eventType === 'public_incident.incident_status_updated_v2'
        ? {
            incident,
            previous_status: {
              ...(incident.incident_status as object),
              id: '01STprevious0000000000000',
              name: 'Triage',
              category: 'triage',
            },
            new_status: incident.incident_status,
            message: 'status changed',
          }
        : { ...incident, most_recent_update_message: 'driftwarden test' };
    const body = { event_type: eventType, [eventType]: payload };
    const problems = contract.validateWebhook(eventType, body);
    if (problems.length > 0) throw new Error(`IncidentioFake: webhook breaks the description: ${problems.slice(0, 3).join('; ')}`);
    const raw = JSON.stringify(body);
    const webhookId = options.webhookId ?? `msg_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    const timestamp = Math.floor((options.at ?? this.now()).getTime() / 1000);
    return {
      raw,
      headers: {
        'webhook-id': webhookId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signSvix(webhookId, timestamp, raw, secret),
      },
    };
  }

  protected async prepare(): Promise<void> {
    this.contract = loadIncidentioContract(findContractsDir(this.contractsDir));
  }

  protected errorBody(status: number, message: string): unknown {
    const type =
      status === 401
        ? 'authentication_error'
        : status === 403
          ? 'resource_forbidden'
          : status === 404
            ? 'not_found'
            : status === 429
              ? 'rate_limit_reached'
              : status >= 500
                ? 'api_error'
                : 'invalid_request_error';
    return { type, status, request_id: randomUUID(), errors: [{ code: type, message }] };
  }

  protected malformedBody(): unknown {
    return { incidents: 'none', pagination_meta: { page_size: 25 } };
  }

  protected handle(request: ParsedFakeRequest): { reply: FakeReply; problems: string[] } {
    const contract = this.requireContract();
    const auth = request.headers.authorization;
    const authProblem =
      auth === undefined ? 'missing Authorization header' : auth === `Bearer ${this.apiKey}` ? undefined : 'unknown API key';
    if (request.method === 'GET' && request.path === '/v1/severities') {
      if (authProblem) return this.fail(401, 'The API key provided is not valid', [authProblem]);
      if (Object.keys(request.query).length > 0)
        return this.fail(400, 'this endpoint takes no query parameters', [`unexpected query ${Object.keys(request.query).join(', ')}`]);
      return this.ok(
        {
          severities: this.severityNames.map((name, i) => ({
            id: this.severityId(name),
            name,
            description: `${name} impact`,
            rank: i + 1,
            created_at: T0,
            updated_at: T0,
          })),
        },
        'severities',
      );
    }
    if (request.method === 'GET' && request.path === '/v2/incidents') {
      if (authProblem) return this.fail(401, 'The API key provided is not valid', [authProblem]);
      const problems = contract.validateListIncidentsQuery(request.query);
      if (problems.length > 0) return this.fail(400, problems[0], problems);
      return this.list(request.query);
    }
    return {
      reply: { status: 404, body: this.errorBody(404, 'no such route') },
      problems: [`no such endpoint: ${request.method} ${request.url.pathname}`],
    };
  }

  private list(query: Record<string, string[]>): { reply: FakeReply; problems: string[] } {
    const ranks = new Map(this.severityNames.map((n, i) => [this.severityId(n), i]));
    const one = (key: string) => query[key];
    let selected = this.incidents.filter((i) => {
      const cat = one('status_category[one_of]');
      const notCat = one('status_category[not_in]');
      if (cat && !cat.includes(i.statusCategory)) return false;
      if (notCat && notCat.includes(i.statusCategory)) return false;
      const sevId = i.severity ? this.severityId(i.severity) : undefined;
      if (one('severity[one_of]') && (!sevId || !one('severity[one_of]').includes(sevId))) return false;
      if (one('severity[not_in]') && sevId && one('severity[not_in]').includes(sevId)) return false;
      const rank = sevId ? (ranks.get(sevId) ?? -1) : -1;
      if (one('severity[gte]') && rank < (ranks.get(one('severity[gte]')[0]) ?? Infinity)) return false;
      if (one('severity[lte]') && rank > (ranks.get(one('severity[lte]')[0]) ?? -Infinity)) return false;
      for (const [field, value] of [
        ['created_at', i.createdAt],
        ['updated_at', i.updatedAt],
      ] as const) {
        const gte = one(`${field}[gte]`)?.[0];
        const lte = one(`${field}[lte]`)?.[0];
        if (gte && value.getTime() < Date.parse(gte)) return false;
        if (lte && value.getTime() > Date.parse(lte)) return false;
      }
      return true;
    });
    selected = selected.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : 1));
    const pageSize = Number(one('page_size')?.[0] ?? 25);
    const after = one('after')?.[0];
    let start = 0;
    if (after) {
      const index = selected.findIndex((i) => i.id === after);
      if (index < 0) return this.fail(400, `after: no incident ${after} in this listing`, [`after ${after} unknown`]);
      start = index + 1;
    }
    const page = selected.slice(start, start + pageSize);
    const more = start + pageSize < selected.length;
    return this.ok(
      {
        incidents: page.map((i) => this.render(i)),
        pagination_meta: { ...(more ? { after: page[page.length - 1].id } : {}), page_size: pageSize, total_record_count: selected.length },
      },
      'list',
    );
  }

  private ok(body: unknown, kind: 'list' | 'severities'): { reply: FakeReply; problems: string[] } {
    if (this.validateResponses) {
      const invalid =
        kind === 'list'
          ? this.requireContract().validateListIncidentsResponse(body)
          : this.requireContract().validateSeveritiesResponse(body);
      if (invalid.length > 0)
        return {
          reply: { status: 500, body: this.errorBody(500, `fake answer breaks the spec: ${invalid.slice(0, 5).join('; ')}`) },
          problems: [],
        };
    }
    return { reply: { status: 200, body }, problems: [] };
  }

  private fail(status: number, message: string, problems: string[]): { reply: FakeReply; problems: string[] } {
    const body = this.errorBody(status, message);
    if (this.validateResponses) {
      const invalid = this.requireContract().validateErrorResponse(body);
      if (invalid.length > 0)
        return {
          reply: {
            status: 500,
            body: {
              type: 'api_error',
              status: 500,
              request_id: randomUUID(),
              errors: [{ code: 'api_error', message: invalid.join('; ') }],
            },
          },
          problems,
        };
    }
    return { reply: { status, body }, problems };
  }

  private requireContract(): IncidentioContract {
    if (!this.contract) throw new Error('IncidentioFake not started');
    return this.contract;
  }

  private store(input: IncidentioFakeIncident): StoredIncident {
    this.sequence++;
    const createdAt = input.createdAt === undefined ? new Date(this.now().getTime() - 5 * 60_000) : new Date(input.createdAt);
    const statusCategory = input.statusCategory ?? 'live';
    if (input.severity && !this.severityNames.includes(input.severity))
      throw new Error(`IncidentioFake: unknown severity ${input.severity}`);
    return {
      id: input.id ?? `01INC${String(this.sequence).padStart(21, '0')}`,
      reference: input.reference ?? `INC-${this.sequence}`,
      name: input.name ?? `Incident ${this.sequence}`,
      statusCategory,
      status: input.status ?? DEFAULT_STATUS[statusCategory],
      severity: input.severity === undefined ? 'Critical' : input.severity,
      incidentType: input.incidentType === undefined ? 'Production Outage' : input.incidentType,
      createdAt,
      updatedAt: input.updatedAt === undefined ? createdAt : new Date(input.updatedAt),
      resolvedAt: input.resolvedAt === undefined ? null : new Date(input.resolvedAt),
      customFields: input.customFields ?? {},
    };
  }

  private render(i: StoredIncident): Record<string, unknown> {
    const iso = (d: Date) => d.toISOString();
    // The description requires properties it does not define (INCIDENTIO_SPEC_ERRATA): sent with plausible values.
    const timestamp = (id: string, name: string, rank: number, value: Date) => ({
      incident_timestamp: {
        id,
        name,
        rank,
        description: name,
        set_on_creation: rank === 1,
        set_on_acceptance: false,
        set_on_resolution: rank === 2,
        set_by_rules: false,
        timestamp_type: 'standard',
        created_at: T0,
        updated_at: T0,
      },
      value: { id: `${id}V`, incident_id: i.id, incident_timestamp_id: id, value: iso(value), created_at: iso(value) },
    });
    const timestamps = [
      timestamp('01TS0000000000000000000001', 'Reported at', 1, i.createdAt),
      ...(i.resolvedAt ? [timestamp('01TS0000000000000000000002', 'Resolved at', 2, i.resolvedAt)] : []),
    ];
    const customFieldEntries = Object.entries(i.customFields).map(([name, values], index) => {
      const fieldId = `01CF${String(index).padStart(22, '0')}`;
      const options = values.map((value, j) => ({
        custom_field_id: fieldId,
        id: `01OPT${String(index * 100 + j).padStart(21, '0')}`,
        sort_key: j,
        value,
      }));
      const customField = {
        id: fieldId,
        name,
        description: name,
        field_type: 'single_select',
        options,
        organisation_id: '01ORG0000000000000000000001',
        dynamic_options: false,
        rank: index,
        cannot_be_unset: false,
        is_usable: true,
        condition_groups: [],
        field_mode: 'manual',
        created_at: T0,
        updated_at: T0,
      };
      return { custom_field: customField, values: options.map((o) => ({ value_option: o })) };
    });
    return {
      id: i.id,
      reference: i.reference,
      name: i.name,
      external_id: 0,
      idempotency_key: '',
      did_opt_out_of_post_incident_flow: false,
      organisation_id: '01ORG0000000000000000000001',
      last_activity_at: iso(i.updatedAt),
      reported_at: iso(i.createdAt),
      postmortem_status: 'not_started',
      visibility: 'public',
      mode: 'standard',
      creator: {
        api_key: {
          id: '01KEY0000000000000000000001',
          name: 'driftwarden test',
          roles: ['viewer'],
          created_by: { id: '01USR0000000000000000000001', name: 'Alice', role: 'owner' },
        },
      },
      incident_status: {
        id: `01ST${i.statusCategory.padEnd(22, '0')}`,
        name: i.status,
        description: i.status,
        rank: 1,
        category: i.statusCategory,
        created_at: T0,
        updated_at: T0,
      },
      ...(i.severity
        ? {
            severity: {
              id: this.severityId(i.severity),
              name: i.severity,
              description: `${i.severity} impact`,
              rank: this.severityNames.indexOf(i.severity) + 1,
              created_at: T0,
              updated_at: T0,
            },
          }
        : {}),
      ...(i.incidentType
        ? {
            incident_type: {
              id: '01TYPE000000000000000000001',
              name: i.incidentType,
              description: i.incidentType,
              is_default: true,
              private_incidents_only: false,
              create_in_triage: 'optional',
              created_at: T0,
              updated_at: T0,
              severity_aliases: [],
              rank: 1,
              override_auto_close_incidents: false,
              auto_close_incidents: false,
              auto_close_incidents_delay_days: 0,
              override_auto_archive_slack_channels: false,
              auto_archive_slack_channels: false,
              auto_archive_slack_channels_delay_days: 0,
            },
          }
        : {}),
      incident_role_assignments: [],
      custom_field_entries: customFieldEntries,
      incident_timestamp_values: timestamps,
      permalink: `https://app.incident.io/acme/incidents/${i.reference.replace('INC-', '')}`,
      slack_team_id: 'T02A1FSLE8J',
      slack_channel_id: 'C02AW36C1M5',
      slack_channel_name: `inc-${i.reference.toLowerCase()}`,
      summary: i.name,
      created_at: iso(i.createdAt),
      updated_at: iso(i.updatedAt),
    };
  }
}
