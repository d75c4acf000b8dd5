/**
 * PagerDuty adapter on `@pagerduty/pdjs` 2.2.4: lists open major incidents with
 * `GET /incidents` (CONTRACTS.md §B1), handling the client's traps (§B2, SETUP-NOTES.md):
 * - `server` is https-only and `.all()` breaks off `*.com` hosts: the absolute `url` is passed per
 *   call and the adapter pages itself (`offset` while `more`, never past offset+limit = 10 000);
 * - `requestTimeout` aborts nothing: `requestTimeout: 0` and an AbortSignal (timeout + caller);
 * - non-2xx responses resolve: the status is checked here;
 * - a non-JSON body rejects with the response object (not an Error): wrapped here;
 * - 429 is retried blindly after 20 s: the 429 is seen first (response-head-agent.ts) and turned
 *   into a TransientError with `retryAfterMs` from `ratelimit-reset`, without any retry.
 * The token only ever goes into the Authorization header; errors are redacted.
 */
import { api } from '@pagerduty/pdjs';
import type { APIParameters, APIResponse, PartialCall } from '@pagerduty/pdjs/build/src/api';
import type { IncomingMessage } from 'node:http';
import type { PagerDutyConfig } from '@driftwarden/config';
import { PermanentError, TransientError } from '@driftwarden/domain';
import type { IncidentProviderPort, ProviderIncidentRef, RecentIncidentRef } from '../incident-provider.port';
import {
  describeUrl,
  errorForStatus,
  INCIDENT_ERROR_CODES,
  isError,
  malformedError,
  networkErrorCode,
  parseRetryAfterSeconds,
  safeCause,
  safeDetail,
} from '../incidents.errors';
import { RequestSignal } from '../http/request-signal';
import { isRecord, summarizeProblems } from '../shape';
import { isPagerDutyMajor, type PagerDutyOpenIncident, readIncidentsPage, toPagerDutyIncidentRef } from './pagerduty-incidents';
import { responseHeadAgent } from './response-head-agent';

export type PagerDutyAdapterConfig = Pick<PagerDutyConfig, 'token' | 'apiUrl' | 'major' | 'requestTimeoutMs'> &
  Partial<Pick<PagerDutyConfig, 'from'>>;

/** Page size: the API's maximum. */
export const PAGERDUTY_PAGE_LIMIT = 100;
/** The API answers 400 when offset + limit exceeds this. */
export const PAGERDUTY_MAX_OFFSET_PLUS_LIMIT = 10_000;
export const PAGERDUTY_ACCEPT = 'application/vnd.pagerduty+json;version=2';

/** What pdjs's `api()` returns; injectable for tests of the wiring only. */
export type PdjsFactory = (params: Partial<APIParameters>) => PartialCall;

/** pdjs passes unknown request options (here `agent`, `redirect`) through to node-fetch. */
type PdjsRequest = APIParameters & {
  agent: ReturnType<typeof responseHeadAgent>;
  retryTimeout: number;
};

interface RateLimitSeen {
  retryAfterMs?: number;
}

export class PagerDutyIncidentAdapter implements IncidentProviderPort {
  readonly name = 'pagerduty' as const;
  private readonly pd: PartialCall;
  private readonly listUrl: URL;
  private readonly secrets: string[];

  constructor(
    private readonly config: PagerDutyAdapterConfig,
    pdjs: PdjsFactory = api,
  ) {
    this.pd = pdjs({ token: config.token, requestTimeout: 0 });
    this.listUrl = new URL(`${config.apiUrl.replace(/\/+$/, '')}/incidents`);
    this.secrets = [config.token, this.listUrl.password, this.listUrl.username].filter((s) => s.length > 0);
  }

  async listOpenMajorIncidents(signal?: AbortSignal): Promise<ProviderIncidentRef[]> {
    const open = { 'statuses[]': ['triggered', 'acknowledged'], date_range: 'all' };
    return (await this.walk(open, {}, signal)).map(toPagerDutyIncidentRef);
  }

  /**
   * Major incidents created since `since` whatever their status, with when resolved ones were
   * resolved: the freeze history rebuilt after a Redis loss (cooldowns, rule 3's lookback).
   * `since`/`until` filter on creation time (at most 6 months apart).
   */
  async listRecentMajorIncidents(since: Date, signal?: AbortSignal): Promise<RecentIncidentRef[]> {
    const window = { 'statuses[]': ['triggered', 'acknowledged', 'resolved'], since: since.toISOString(), until: new Date().toISOString() };
    return (await this.walk(window, { anyStatus: true }, signal)).map((i) => ({
      ...toPagerDutyIncidentRef(i),
      ...(i.resolvedAt ? { resolvedAt: i.resolvedAt } : {}),
    }));
  }

  private async walk(
    filter: Record<string, string | string[]>,
    major: { anyStatus?: boolean },
    signal?: AbortSignal,
  ): Promise<PagerDutyOpenIncident[]> {
    const found = new Map<string, PagerDutyOpenIncident>();
    let offset = 0;
    for (;;) {
      const page = await this.fetchPage(offset, filter, signal);
      for (const incident of page.incidents) {
        if (isPagerDutyMajor(incident, this.config.major, major)) found.set(incident.id, incident);
      }
      if (!page.more) break;
      if (page.incidents.length === 0) {
        throw malformedError('PagerDuty', this.describe(), `"more" is true but the page at offset ${offset} is empty`);
      }
      offset += page.incidents.length;
      if (offset + PAGERDUTY_PAGE_LIMIT > PAGERDUTY_MAX_OFFSET_PLUS_LIMIT) {
        throw new TransientError(
          `PagerDuty ${this.describe()} has more open incidents matching the filters than offset paging can reach ` +
            `(offset + limit may not exceed ${PAGERDUTY_MAX_OFFSET_PLUS_LIMIT}); the list would be incomplete, so none is returned`,
          INCIDENT_ERROR_CODES.tooManyResults,
        );
      }
    }
    return [...found.values()];
  }

  private describe(): string {
    return `GET ${describeUrl(this.listUrl)}`;
  }

  /**
   * Adds a note to an incident's timeline (`POST /incidents/{id}/notes`, with the `From` user
   * PagerDuty requires: `incidents.pagerduty.from`). The same traps as the list are handled: an
   * own timeout, no blind 429 retry, non-2xx checked here.
   */
  async postNote(incidentId: string, content: string, caller?: AbortSignal): Promise<{ id?: string }> {
    if (!/^[A-Za-z0-9]{1,64}$/.test(incidentId))
      throw new PermanentError(`not a PagerDuty incident id: "${incidentId.slice(0, 40)}"`, INCIDENT_ERROR_CODES.rejected);
    if (!this.config.from)
      throw new PermanentError('PagerDuty notes need incidents.pagerduty.from (the From user email)', INCIDENT_ERROR_CODES.config);
    const url = new URL(`${this.listUrl.toString()}/${incidentId}/notes`);
    const request = `POST ${describeUrl(url)}`;
    const requestSignal = new RequestSignal(this.config.requestTimeoutMs, caller);
    const rateLimit: { seen?: RateLimitSeen } = {};
    let response: APIResponse;
    try {
      response = await this.pd({
        url: url.toString(),
        method: 'POST',
        data: { note: { content } },
        headers: { Accept: PAGERDUTY_ACCEPT, 'Content-Type': 'application/json', From: this.config.from },
        signal: requestSignal.signal,
        redirect: 'manual',
        retryTimeout: 0,
        agent: responseHeadAgent((head: IncomingMessage) => {
          if (head.statusCode !== 429) return;
          rateLimit.seen = { retryAfterMs: retryAfterFrom(head.headers) };
          requestSignal.abortInternally();
        }),
      } as PdjsRequest);
    } catch (rejection: unknown) {
      throw this.mapRejection(rejection, requestSignal, rateLimit.seen, request);
    }
    if (response.status < 200 || response.status > 299) {
      throw errorForStatus({
        provider: 'PagerDuty',
        request,
        status: response.status,
        detail: this.errorDetail(response.data),
        retryAfterMs:
          response.status === 429
            ? parseRetryAfterSeconds(response.headers.get('ratelimit-reset') ?? response.headers.get('retry-after'))
            : undefined,
      });
    }
    const body: unknown = response.data;
    return isRecord(body) && isRecord(body.note) && typeof body.note.id === 'string' ? { id: body.note.id } : {};
  }

  private queryParameters(offset: number, filter: Record<string, string | string[]>): Record<string, string | string[]> {
    const { major } = this.config;
    const query: Record<string, string | string[]> = {
      ...filter,
      'include[]': ['priorities'],
      limit: String(PAGERDUTY_PAGE_LIMIT),
      offset: String(offset),
    };
    // Server-side filters only narrow the list; isPagerDutyMajor checks every criterion again.
    if (major.urgencies) query['urgencies[]'] = [...major.urgencies];
    if (major.services) query['service_ids[]'] = [...major.services];
    return query;
  }

  private async fetchPage(offset: number, filter: Record<string, string | string[]>, caller?: AbortSignal) {
    if (caller?.aborted) throw this.aborted();
    const requestSignal = new RequestSignal(this.config.requestTimeoutMs, caller);
    const rateLimit: { seen?: RateLimitSeen } = {};
    const request: PdjsRequest = {
      url: this.listUrl.toString(),
      method: 'GET',
      queryParameters: this.queryParameters(offset, filter),
      headers: { Accept: PAGERDUTY_ACCEPT, 'Content-Type': 'application/json' },
      signal: requestSignal.signal,
      redirect: 'manual',
      // Belt and braces: should the agent hook ever not run, pdjs must not wait 20 s per retry.
      retryTimeout: 0,
      agent: responseHeadAgent((head: IncomingMessage) => {
        if (head.statusCode !== 429) return;
        rateLimit.seen = { retryAfterMs: retryAfterFrom(head.headers) };
        requestSignal.abortInternally();
      }),
    };

    let response: APIResponse;
    try {
      response = await this.pd(request);
    } catch (rejection: unknown) {
      throw this.mapRejection(rejection, requestSignal, rateLimit.seen);
    }
    return this.readResponse(response);
  }

  private readResponse(response: APIResponse) {
    const status = response.status;
    const body: unknown = response.data;
    if (status < 200 || status > 299) {
      const retryAfterMs =
        status === 429 ? parseRetryAfterSeconds(response.headers.get('ratelimit-reset') ?? response.headers.get('retry-after')) : undefined;
      throw errorForStatus({
        provider: 'PagerDuty',
        request: this.describe(),
        status,
        detail: this.errorDetail(body),
        retryAfterMs,
      });
    }
    const result = readIncidentsPage(body);
    if (!result.ok) throw malformedError('PagerDuty', this.describe(), summarizeProblems(result.problems));
    return result.page;
  }

  private mapRejection(
    rejection: unknown,
    requestSignal: RequestSignal,
    rateLimit: RateLimitSeen | undefined,
    request = this.describe(),
  ): Error {
    if (rateLimit) {
      return errorForStatus({
        provider: 'PagerDuty',
        request,
        status: 429,
        retryAfterMs: rateLimit.retryAfterMs,
      });
    }
    const aborted = requestSignal.cause();
    if (aborted === 'caller') return this.aborted();
    if (aborted === 'timeout') {
      return new TransientError(`PagerDuty ${request} did not answer within ${requestSignal.timeoutMs} ms`, INCIDENT_ERROR_CODES.timeout);
    }
    // pdjs rejects with the APIResponse itself (not an Error) when the body is not JSON.
    if (!isError(rejection) && isRecord(rejection) && typeof rejection.status === 'number') {
      const status = rejection.status;
      if (status >= 200 && status <= 299) {
        return malformedError('PagerDuty', request, `HTTP ${status} with a body that is not JSON`);
      }
      return errorForStatus({ provider: 'PagerDuty', request, status, detail: 'body is not JSON' });
    }
    const code = networkErrorCode(rejection);
    return new TransientError(
      `PagerDuty ${request} failed: ${code ?? (isError(rejection) ? rejection.name : 'unknown error')}`,
      INCIDENT_ERROR_CODES.network,
      { cause: safeCause(rejection, this.secrets) },
    );
  }

  private aborted(): TransientError {
    return new TransientError(`PagerDuty ${this.describe()} was aborted by the caller`, INCIDENT_ERROR_CODES.aborted);
  }

  /** `Authentication failed (code 2006)` from PagerDuty's `{error: {message, code, errors}}`. */
  private errorDetail(body: unknown): string | undefined {
    if (!isRecord(body) || !isRecord(body.error)) return undefined;
    const { message, code, errors } = body.error;
    const parts: string[] = [];
    if (typeof message === 'string') parts.push(message);
    if (typeof code === 'number') parts.push(`(code ${code})`);
    if (Array.isArray(errors)) {
      const texts = errors.filter((e): e is string => typeof e === 'string');
      if (texts.length > 0) parts.push(`- ${texts.join('; ')}`);
    }
    return parts.length > 0 ? safeDetail(parts.join(' '), this.secrets) : undefined;
  }
}

function retryAfterFrom(headers: IncomingMessage['headers']): number | undefined {
  const value = headers['ratelimit-reset'] ?? headers['retry-after'];
  return parseRetryAfterSeconds(Array.isArray(value) ? value[0] : value);
}
