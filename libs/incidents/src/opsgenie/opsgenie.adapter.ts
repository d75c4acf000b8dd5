/**
 * Opsgenie adapter (no SDK exists): `GET {apiUrl}/v1/incidents?query=…&offset=0&limit=100&
 * sort=createdAt&order=desc` with `Authorization: GenieKey <key>` (CONTRACTS.md §C1).
 * - Path: `/v1/incidents` as documented (the 2021 spec writes `/v1/incidents/`; the API serves
 *   both, the fake accepts both).
 * - Base URL: US `https://api.opsgenie.com`, EU `https://api.eu.opsgenie.com`, or any URL with a
 *   path prefix (proxies, test doubles).
 * - Paging: follows `paging.next` (absolute) only when it is on the same origin as `apiUrl`, so
 *   the key is never sent elsewhere; a foreign or repeating link fails the call (never truncated).
 * - 429: TransientError with `retryAfterMs` from `X-RateLimit-Period-In-Sec`.
 * - Errors `{message, took, requestId}` are mapped like PagerDuty's (incidents.errors.ts).
 */
import type { OpsgenieConfig } from '@driftwarden/config';
import { PermanentError, TransientError } from '@driftwarden/domain';
import type { IncidentProviderPort, ProviderIncidentRef, RecentIncidentRef } from '../incident-provider.port';
import { describeUrl, INCIDENT_ERROR_CODES, malformedError, safeDetail } from '../incidents.errors';
import { fetchJson, statusError, type JsonRequest } from '../http/json-request';
import { isRecord, summarizeProblems } from '../shape';
import {
  isOpsgenieMajor,
  type OpsgenieOpenIncident,
  readOpsgeniePage,
  toOpsgenieIncidentRef,
  type OpsgeniePage,
} from './opsgenie-incidents';
import { buildOpsgenieMajorQuery } from './opsgenie-query';

export type OpsgenieAdapterConfig = Pick<OpsgenieConfig, 'apiKey' | 'apiUrl' | 'major' | 'requestTimeoutMs'>;

export const OPSGENIE_PAGE_LIMIT = 100;
/** 100 pages of 100: beyond that the call fails rather than page forever. */
export const OPSGENIE_MAX_PAGES = 100;
export const OPSGENIE_INCIDENTS_PATH = '/v1/incidents';

export type FetchFunction = typeof fetch;

/** Where Opsgenie says how long to wait after a 429 (its own header first). */
const RATE_LIMIT_HEADERS = ['x-ratelimit-period-in-sec', 'retry-after'];

export class OpsgenieIncidentAdapter implements IncidentProviderPort {
  readonly name = 'opsgenie' as const;
  /** The search query sent (built once from `major`). */
  readonly query: string;
  private readonly firstPage: URL;
  private readonly secrets: string[];

  constructor(
    private readonly config: OpsgenieAdapterConfig,
    private readonly fetchFn: FetchFunction = fetch,
  ) {
    this.query = buildOpsgenieMajorQuery(config.major);
    this.firstPage = new URL(`${config.apiUrl.replace(/\/+$/, '')}${OPSGENIE_INCIDENTS_PATH}`);
    this.firstPage.search = new URLSearchParams({
      query: this.query,
      offset: '0',
      limit: String(OPSGENIE_PAGE_LIMIT),
      sort: 'createdAt',
      order: 'desc',
    }).toString();
    this.secrets = [config.apiKey, this.firstPage.password, this.firstPage.username].filter((s) => s.length > 0);
  }

  async listOpenMajorIncidents(signal?: AbortSignal): Promise<ProviderIncidentRef[]> {
    return (await this.walk(this.firstPage, {}, signal)).map(toOpsgenieIncidentRef);
  }

  /**
   * Major incidents created since `since`, any status (the query's `status: open` becomes
   * `createdAt > <ms>`). A resolved or closed one gets `updatedAt` as its resolution time: the API
   * has no other, and it is never earlier than the real one (a longer cooldown, never shorter).
   */
  async listRecentMajorIncidents(since: Date, signal?: AbortSignal): Promise<RecentIncidentRef[]> {
    const first = new URL(this.firstPage);
    first.searchParams.set('query', buildOpsgenieMajorQuery(this.config.major, { createdAfter: since }));
    return (await this.walk(first, { anyStatus: true }, signal)).map((i) => {
      const done = i.status !== undefined && i.status.toLowerCase() !== 'open';
      return { ...toOpsgenieIncidentRef(i), ...(done ? { resolvedAt: i.updatedAt ?? new Date().toISOString() } : {}) };
    });
  }

  private async walk(firstPage: URL, major: { anyStatus?: boolean }, signal?: AbortSignal): Promise<OpsgenieOpenIncident[]> {
    const found = new Map<string, OpsgenieOpenIncident>();
    const visited = new Set<string>();
    let url: URL | undefined = firstPage;
    for (let pages = 0; url; pages++) {
      if (pages >= OPSGENIE_MAX_PAGES) {
        throw new TransientError(
          `Opsgenie ${this.describe(this.firstPage)} has more than ${OPSGENIE_MAX_PAGES * OPSGENIE_PAGE_LIMIT} open major incidents; ` +
            'the list would be incomplete, so none is returned',
          INCIDENT_ERROR_CODES.tooManyResults,
        );
      }
      visited.add(url.toString());
      const page: OpsgeniePage = await this.fetchPage(url, signal);
      for (const incident of page.incidents) {
        if (isOpsgenieMajor(incident, this.config.major, major)) found.set(incident.id, incident);
      }
      url = page.incidents.length > 0 && page.next ? this.nextPage(page.next, visited) : undefined;
    }
    return [...found.values()];
  }

  private describe(url: URL): string {
    return `GET ${describeUrl(url)}`;
  }

  /**
   * Adds a note to an incident (`POST /v1/incidents/{id}/notes?identifierType=id`, documented in
   * the incident API and the official Go SDK, not in the 2021 description). Opsgenie handles it
   * asynchronously (202): a note to an incident that is gone fails later, unseen here.
   */
  async postNote(incidentId: string, note: string, caller?: AbortSignal): Promise<{ requestId?: string }> {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(incidentId))
      throw new PermanentError(`not an Opsgenie incident id: "${incidentId.slice(0, 40)}"`, INCIDENT_ERROR_CODES.rejected);
    const url = new URL(`${this.config.apiUrl.replace(/\/+$/, '')}${OPSGENIE_INCIDENTS_PATH}/${incidentId}/notes`);
    url.searchParams.set('identifierType', 'id');
    const request = `POST ${describeUrl(url)}`;
    const answer = await fetchJson({
      ...this.exchange(url, request, caller),
      init: {
        method: 'POST',
        headers: { Authorization: `GenieKey ${this.config.apiKey}`, Accept: 'application/json', 'Content-Type': 'application/json' },
        body: JSON.stringify({ note: note.slice(0, 25_000), source: 'driftwarden' }),
      },
    });
    const body = answer.body;
    const failed = statusError('Opsgenie', request, answer, this.errorDetail(body), RATE_LIMIT_HEADERS);
    if (failed) throw failed;
    return isRecord(body) && typeof body.requestId === 'string' ? { requestId: body.requestId } : {};
  }

  /** `paging.next`, if it is safe to send the key there. */
  private nextPage(next: string, visited: Set<string>): URL {
    let url: URL;
    try {
      url = new URL(next);
    } catch {
      throw malformedError('Opsgenie', this.describe(this.firstPage), 'paging.next is not an absolute URL');
    }
    if (url.origin !== this.firstPage.origin) {
      throw malformedError(
        'Opsgenie',
        this.describe(this.firstPage),
        `paging.next points to another origin (${url.origin}); the API key is only sent to ${this.firstPage.origin}`,
      );
    }
    if (visited.has(url.toString())) {
      throw malformedError('Opsgenie', this.describe(this.firstPage), 'paging.next repeats a page already read');
    }
    return url;
  }

  private async fetchPage(url: URL, caller?: AbortSignal): Promise<OpsgeniePage> {
    const request = this.describe(url);
    const answer = await fetchJson({
      ...this.exchange(url, request, caller),
      init: { method: 'GET', headers: { Authorization: `GenieKey ${this.config.apiKey}`, Accept: 'application/json' } },
    });
    const failed = statusError(
      'Opsgenie',
      request,
      answer,
      answer.parsed ? this.errorDetail(answer.body) : 'body is not JSON',
      RATE_LIMIT_HEADERS,
    );
    if (failed) throw failed;
    if (!answer.parsed) throw malformedError('Opsgenie', request, `HTTP ${answer.status} with a body that is not JSON`);
    const result = readOpsgeniePage(answer.body);
    if (!result.ok) throw malformedError('Opsgenie', request, summarizeProblems(result.problems));
    return result.page;
  }

  /** What every request to Opsgenie shares (the method, headers and body are the caller's). */
  private exchange(url: URL, request: string, caller?: AbortSignal): Omit<JsonRequest, 'init'> {
    return {
      provider: 'Opsgenie',
      request,
      fetchFn: this.fetchFn,
      url,
      timeoutMs: this.config.requestTimeoutMs,
      caller,
      secrets: this.secrets,
    };
  }

  /** `Could not authenticate (requestId 7c1…)` from `{message, took, requestId}`. */
  private errorDetail(body: unknown): string | undefined {
    if (!isRecord(body)) return undefined;
    const parts: string[] = [];
    if (typeof body.message === 'string') parts.push(body.message);
    if (typeof body.requestId === 'string') parts.push(`(requestId ${body.requestId})`);
    return parts.length > 0 ? safeDetail(parts.join(' '), this.secrets) : undefined;
  }
}
