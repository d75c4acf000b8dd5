/**
 * incident.io adapter (no SDK for Node): `GET {apiUrl}/v2/incidents` with
 * `Authorization: Bearer <api key>`, the filters `status_category[one_of]=<category>` and
 * `severity[one_of]=<severity id>`, `page_size=250`, and the cursor `after` while
 * `pagination_meta.after` is given.
 * - Severities are configured by name, the filter takes ids: `GET /v1/severities` is read once
 *   and kept for SEVERITIES_TTL_MS (a name the account does not have is a config error, named).
 * - Every incident is checked again (status category, severity name): the filter only narrows.
 * - Never a partial list: a malformed page, a repeated cursor or more than INCIDENTIO_MAX_PAGES
 *   pages fail the whole call. Errors (`{type, status, request_id, errors[]}`) map like the other
 *   providers' (incidents.errors.ts); 429 keeps `Retry-After`. The key never appears in a message.
 */
import type { IncidentioConfig } from '@driftwarden/config';
import { PermanentError, TransientError } from '@driftwarden/domain';
import type { IncidentProviderPort, ProviderIncidentRef, RecentIncidentRef } from '../incident-provider.port';
import { describeUrl, INCIDENT_ERROR_CODES, malformedError, safeDetail } from '../incidents.errors';
import { fetchJson, statusError } from '../http/json-request';
import { isRecord, summarizeProblems } from '../shape';
import {
  INCIDENTIO_ENDED_CATEGORIES,
  type IncidentioIncident,
  type IncidentioPage,
  isIncidentioMajor,
  readIncidentioPage,
  readIncidentioSeverities,
  toIncidentioIncidentRef,
} from './incidentio-incidents';

export type IncidentioAdapterConfig = Pick<
  IncidentioConfig,
  'apiKey' | 'apiUrl' | 'major' | 'statusCategories' | 'scopeFields' | 'requestTimeoutMs'
>;

export const INCIDENTIO_PAGE_SIZE = 250;
export const INCIDENTIO_MAX_PAGES = 40;
/** How long the severity names → ids lookup is kept. */
export const SEVERITIES_TTL_MS = 3_600_000;

const PROVIDER = 'incident.io';

export class IncidentioIncidentAdapter implements IncidentProviderPort {
  readonly name = 'incidentio' as const;
  private readonly base: string;
  private readonly secrets: string[];
  private severities: { ids: string[]; at: number } | null = null;

  constructor(
    private readonly config: IncidentioAdapterConfig,
    private readonly fetchFn: typeof fetch = fetch,
    private readonly clock: () => number = () => Date.now(),
  ) {
    this.base = config.apiUrl.replace(/\/+$/, '');
    const url = new URL(this.base);
    this.secrets = [config.apiKey, url.password, url.username].filter((s) => s.length > 0);
  }

  async listOpenMajorIncidents(signal?: AbortSignal): Promise<ProviderIncidentRef[]> {
    const filters: Array<[string, string]> = this.config.statusCategories.map((c) => ['status_category[one_of]', c]);
    const incidents = await this.walk(filters, signal);
    return incidents.filter((i) => isIncidentioMajor(i, this.criteria())).map((i) => toIncidentioIncidentRef(i, this.config.scopeFields));
  }

  /**
   * Major incidents created since `since` that have ended (post-incident, closed, paused) or are
   * still open: the read-back of a gap. An ended one is resolved at its "Resolved at" timestamp,
   * else its `updated_at` (never earlier than the real end: a longer cooldown, never shorter).
   */
  async listRecentMajorIncidents(since: Date, signal?: AbortSignal): Promise<RecentIncidentRef[]> {
    // The filter takes dates: a day early, then exactly by created_at.
    const day = new Date(since.getTime() - 24 * 3_600_000).toISOString().slice(0, 10);
    const categories = [...new Set([...this.config.statusCategories, ...INCIDENTIO_ENDED_CATEGORIES])];
    const filters: Array<[string, string]> = [
      ['created_at[gte]', day],
      ...categories.map((c): [string, string] => ['status_category[one_of]', c]),
    ];
    const incidents = await this.walk(filters, signal);
    const open = new Set<string>(this.config.statusCategories);
    return incidents
      .filter((i) => Date.parse(i.createdAt) >= since.getTime() && isIncidentioMajor(i, this.criteria(), { anyStatus: true }))
      .map((i) => toIncidentioIncidentRef(i, this.config.scopeFields, { resolved: !open.has(i.statusCategory) }));
  }

  private criteria() {
    return {
      ...(this.config.major.severities ? { severities: this.config.major.severities } : {}),
      statusCategories: this.config.statusCategories,
    };
  }

  private async walk(filters: Array<[string, string]>, signal?: AbortSignal): Promise<IncidentioIncident[]> {
    const severityIds = await this.severityIds(signal);
    const found = new Map<string, IncidentioIncident>();
    const seen = new Set<string>();
    let after: string | undefined;
    for (let pages = 0; ; pages++) {
      if (pages >= INCIDENTIO_MAX_PAGES) {
        throw new TransientError(
          `${PROVIDER} GET ${this.base}/v2/incidents has more than ${INCIDENTIO_MAX_PAGES * INCIDENTIO_PAGE_SIZE} matching incidents; the list would be incomplete, so none is returned`,
          INCIDENT_ERROR_CODES.tooManyResults,
        );
      }
      const url = new URL(`${this.base}/v2/incidents`);
      url.searchParams.append('page_size', String(INCIDENTIO_PAGE_SIZE));
      if (after) url.searchParams.append('after', after);
      for (const [key, value] of filters) url.searchParams.append(key, value);
      for (const id of severityIds ?? []) url.searchParams.append('severity[one_of]', id);
      const { request, body } = await this.getJson(url, signal);
      const read = readIncidentioPage(body);
      if (!read.ok) throw malformedError(PROVIDER, request, summarizeProblems(read.problems));
      const page: IncidentioPage = read.page;
      for (const incident of page.incidents) found.set(incident.id, incident);
      if (!page.after || page.incidents.length === 0) break;
      if (seen.has(page.after))
        throw malformedError(PROVIDER, `GET ${describeUrl(url)}`, 'pagination_meta.after repeats a page already read');
      seen.add(page.after);
      after = page.after;
    }
    return [...found.values()];
  }

  /** The ids of the configured severity names (undefined: no severity criterion). */
  private async severityIds(signal?: AbortSignal): Promise<string[] | undefined> {
    const names = this.config.major.severities;
    if (!names) return undefined;
    if (this.severities && this.clock() - this.severities.at < SEVERITIES_TTL_MS) return this.severities.ids;
    const { request, body } = await this.getJson(new URL(`${this.base}/v1/severities`), signal);
    const read = readIncidentioSeverities(body);
    if (!read.ok) throw malformedError(PROVIDER, request, summarizeProblems(read.problems));
    const all = read.severities;
    const byName = new Map(all.map((s) => [s.name.trim().toLowerCase(), s.id]));
    const missing = names.filter((n) => !byName.has(n.trim().toLowerCase()));
    if (missing.length > 0) {
      throw new PermanentError(
        `incidents.incidentio.major.severities: incident.io has no severity named ${missing.map((m) => `"${m}"`).join(', ')}; it has ${all.map((s) => `"${s.name}"`).join(', ') || 'none'}`,
        INCIDENT_ERROR_CODES.config,
      );
    }
    const ids = [...new Set(names.map((n) => byName.get(n.trim().toLowerCase()) as string))];
    this.severities = { ids, at: this.clock() };
    return ids;
  }

  /** The JSON body of a 2xx answer; every other outcome as a domain error. */
  private async getJson(url: URL, caller?: AbortSignal): Promise<{ request: string; body: unknown }> {
    const request = `GET ${describeUrl(url)}`;
    const answer = await fetchJson({
      provider: PROVIDER,
      request,
      fetchFn: this.fetchFn,
      url,
      init: { method: 'GET', headers: { Authorization: `Bearer ${this.config.apiKey}`, Accept: 'application/json' } },
      timeoutMs: this.config.requestTimeoutMs,
      caller,
      secrets: this.secrets,
    });
    const failed = statusError(PROVIDER, request, answer, answer.parsed ? this.errorDetail(answer.body) : 'body is not JSON', [
      'retry-after',
    ]);
    if (failed) throw failed;
    if (!answer.parsed) throw malformedError(PROVIDER, request, `HTTP ${answer.status} with a body that is not JSON`);
    return { request, body: answer.body };
  }

  /** `authentication_error: …` from `{type, status, request_id, errors: [{code, message}]}`. */
  private errorDetail(body: unknown): string | undefined {
    if (!isRecord(body)) return undefined;
    const parts: string[] = [];
    if (typeof body.type === 'string') parts.push(`${body.type}:`);
    if (Array.isArray(body.errors)) for (const e of body.errors) if (isRecord(e) && typeof e.message === 'string') parts.push(e.message);
    if (typeof body.request_id === 'string') parts.push(`(request_id ${body.request_id})`);
    return parts.length > 0 ? safeDetail(parts.join(' '), this.secrets) : undefined;
  }
}
