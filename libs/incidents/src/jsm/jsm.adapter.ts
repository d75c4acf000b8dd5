/**
 * Jira Service Management adapter on `jira.js` (Version3Client): open major incidents are the
 * work items the configured JQL selects that are not done, read with the enhanced JQL search
 * (`POST /rest/api/3/search/jql`, paged by `nextPageToken`; the old `/search` is gone).
 * - Auth: basic (email + API token) or an OAuth 2.0 bearer; `apiUrl` per site, may carry a path
 *   prefix (a proxy, the OAuth gateway `https://api.atlassian.com/ex/jira/<cloudId>`).
 * - Timeouts: `requestTimeoutMs` per request (axios `timeout`); no redirects are followed and no
 *   proxy from the environment is used (like the other providers).
 * - Errors: jira.js rejects with an `HttpException` (status, Jira's `{errorMessages, errors}`)
 *   or the axios error itself (timeouts, network); both are mapped onto the domain's errors
 *   (incidents.errors.ts). `Retry-After` of a 429 is kept. The credentials never appear in a
 *   message, and the axios error (whose config holds the Authorization header) is never kept as
 *   a cause.
 * - Never a partial list: a page that is not the documented shape, a repeated token, or more
 *   pages than JSM_MAX_PAGES fail the whole call.
 */
import type { Version3Client, Config as JiraClientConfig } from 'jira.js';
import type { JsmConfig } from '@driftwarden/config';
import { PermanentError, TransientError } from '@driftwarden/domain';
import type { IncidentProviderPort, ProviderIncidentRef, RecentIncidentRef } from '../incident-provider.port';
import { errorForStatus, INCIDENT_ERROR_CODES, isError, malformedError, parseRetryAfterSeconds, safeDetail } from '../incidents.errors';
import { isRecord, summarizeProblems } from '../shape';
import { isJsmOpen, JSM_BASE_FIELDS, type JsmIssue, readJsmIssue, readJsmSearchPage, toJsmIncidentRef } from './jsm-issues';
import { majorIncidentClause, openIncidentsJql, openIssueJql, recentIncidentsJql } from './jsm-jql';

export type JsmAdapterConfig = Pick<
  JsmConfig,
  'apiUrl' | 'email' | 'apiToken' | 'oauthToken' | 'jql' | 'scopeFields' | 'requestTimeoutMs'
> &
  Partial<Pick<JsmConfig, 'webUrl'>>;

/** Page size (the enhanced search's maximum when fields are asked for). */
export const JSM_PAGE_SIZE = 100;
/** 100 pages of 100: beyond that the call fails rather than page forever. */
export const JSM_MAX_PAGES = 100;
export const JSM_SEARCH_PATH = '/rest/api/3/search/jql';

const PROVIDER = 'Jira Service Management';

/** What the webhook learns by reading a work item back. */
export type JsmIssueObservation =
  /** The work item is gone (deleted, or no longer visible to the API user). */
  | { kind: 'gone'; key: string }
  /** It exists; `open`: the configured JQL selects it and it is not done. */
  | { kind: 'found'; open: boolean; incident: ProviderIncidentRef };

type JiraClient = Pick<Version3Client, 'issueSearch' | 'issues' | 'issueComments'>;

/** Builds the jira.js client (injectable for tests of the wiring only). */
export type JiraClientFactory = (config: JiraClientConfig) => JiraClient;

/**
 * jira.js is loaded when a JSM source is built, not with this module: it and what it brings
 * (axios, form-data) add about 24 MB to every controller's RSS, which a controller without a JSM
 * source should not pay (measured on Node 20 with a require hook). A plain `require`, as in
 * hcl2json.ts: jest cannot run a dynamic `import()` on Node 20.
 */
const defaultFactory: JiraClientFactory = (config) => {
  const jira = require('jira.js') as typeof import('jira.js');
  return new jira.Version3Client(config);
};

export class JsmIncidentAdapter implements IncidentProviderPort {
  readonly name = 'jsm' as const;
  private readonly client: JiraClient;
  private readonly secrets: string[];
  private readonly fields: string[];
  private readonly webUrl: string;

  constructor(
    private readonly config: JsmAdapterConfig,
    factory: JiraClientFactory = defaultFactory,
  ) {
    // Checked now: a JQL that cannot be wrapped is a config error at start-up, not at the first poll.
    majorIncidentClause(config.jql);
    const basic = config.email !== undefined && config.apiToken !== undefined;
    if (!basic && config.oauthToken === undefined) {
      throw new PermanentError('Jira Service Management: expected email and apiToken, or oauthToken', INCIDENT_ERROR_CODES.config);
    }
    const baseRequestConfig = { timeout: config.requestTimeoutMs, maxRedirects: 0, proxy: false };
    // With an access token and a host, jira.js sends `Authorization: Bearer <token>` to that host
    // (no token refresh, no cloud id lookup).
    this.client = factory(
      basic
        ? {
            host: config.apiUrl,
            authentication: { basic: { email: config.email as string, apiToken: config.apiToken as string } },
            baseRequestConfig,
          }
        : { host: config.apiUrl, authentication: { oauth2: { accessToken: config.oauthToken as string } }, baseRequestConfig },
    );
    this.secrets = [
      config.apiToken,
      config.oauthToken,
      basic ? Buffer.from(`${config.email}:${config.apiToken}`).toString('base64') : undefined,
    ].filter((s): s is string => typeof s === 'string' && s.length > 0);
    this.fields = [...new Set([...JSM_BASE_FIELDS, ...config.scopeFields])];
    this.webUrl = config.webUrl ?? config.apiUrl;
  }

  async listOpenMajorIncidents(): Promise<ProviderIncidentRef[]> {
    const issues = await this.search(openIncidentsJql(this.config.jql));
    return issues.filter(isJsmOpen).map((i) => toJsmIncidentRef(i, this.webUrl));
  }

  /**
   * Major incidents created since `since`, any status, with when done ones were resolved
   * (`resolutiondate`, else the move to the done category): the read-back of a gap.
   */
  async listRecentMajorIncidents(since: Date): Promise<RecentIncidentRef[]> {
    const issues = await this.search(recentIncidentsJql(this.config.jql, since));
    return issues.filter((i) => Date.parse(i.createdAt) >= since.getTime()).map((i) => toJsmIncidentRef(i, this.webUrl));
  }

  /**
   * Reads one work item back (a webhook never trusts its body): gone (404), or found and whether
   * it is an open major incident now (the configured JQL, not done).
   */
  async observeIssue(idOrKey: string): Promise<JsmIssueObservation> {
    if (!/^(\d{1,18}|[A-Z][A-Z0-9_]*-\d{1,18})$/.test(idOrKey)) {
      throw new PermanentError(`not a Jira work item id or key: "${idOrKey.slice(0, 40)}"`, INCIDENT_ERROR_CODES.rejected);
    }
    const request = `GET ${this.config.apiUrl}/rest/api/3/issue/${idOrKey}`;
    let body: unknown;
    try {
      body = await this.client.issues.getIssue({ issueIdOrKey: idOrKey, fields: this.fields });
    } catch (err) {
      if (statusOf(err) === 404) return { kind: 'gone', key: idOrKey };
      throw this.mapError(err, request);
    }
    const read = readJsmIssue(body, this.config.scopeFields);
    if (!read.ok) throw malformedError(PROVIDER, request, summarizeProblems(read.problems));
    const issue = read.issue;
    const matching = await this.search(openIssueJql(this.config.jql, issue.id));
    const open = isJsmOpen(issue) && matching.some((m) => m.id === issue.id);
    return { kind: 'found', open, incident: toJsmIncidentRef(issue, this.webUrl) };
  }

  /** A note on the incident's timeline: a comment on the work item (`incidents.notes.jsm`). */
  async postNote(issueKey: string, text: string): Promise<{ id?: string }> {
    return this.addComment(issueKey, text);
  }

  /** Adds a comment (plain text as one ADF paragraph) to a work item: the incident's timeline. */
  async addComment(issueKey: string, text: string): Promise<{ id?: string }> {
    const request = `POST ${this.config.apiUrl}/rest/api/3/issue/${issueKey}/comment`;
    if (!/^[A-Z][A-Z0-9_]*-\d{1,18}$/.test(issueKey))
      throw new PermanentError(`not a Jira work item key: "${issueKey.slice(0, 40)}"`, INCIDENT_ERROR_CODES.rejected);
    try {
      const created: unknown = await this.client.issueComments.addComment({
        issueIdOrKey: issueKey,
        comment: { type: 'doc', version: 1, content: paragraphs(text) },
      });
      return isRecord(created) && typeof created.id === 'string' ? { id: created.id } : {};
    } catch (err) {
      throw this.mapError(err, request);
    }
  }

  private async search(jql: string): Promise<JsmIssue[]> {
    const request = `POST ${this.config.apiUrl}${JSM_SEARCH_PATH}`;
    const found = new Map<string, JsmIssue>();
    const seenTokens = new Set<string>();
    let nextPageToken: string | undefined;
    for (let pages = 0; ; pages++) {
      if (pages >= JSM_MAX_PAGES) {
        throw new TransientError(
          `${PROVIDER} ${request} has more than ${JSM_MAX_PAGES * JSM_PAGE_SIZE} matching work items; the list would be incomplete, so none is returned`,
          INCIDENT_ERROR_CODES.tooManyResults,
        );
      }
      let body: unknown;
      try {
        body = await this.client.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({
          jql,
          fields: this.fields,
          maxResults: JSM_PAGE_SIZE,
          ...(nextPageToken ? { nextPageToken } : {}),
        });
      } catch (err) {
        throw this.mapError(err, request);
      }
      const read = readJsmSearchPage(body, this.config.scopeFields);
      if (!read.ok) throw malformedError(PROVIDER, request, summarizeProblems(read.problems));
      for (const issue of read.page.issues) found.set(issue.id, issue);
      if (read.page.isLast || !read.page.nextPageToken) break;
      if (seenTokens.has(read.page.nextPageToken)) throw malformedError(PROVIDER, request, 'nextPageToken repeats a page already read');
      seenTokens.add(read.page.nextPageToken);
      nextPageToken = read.page.nextPageToken;
    }
    return [...found.values()];
  }

  /** A jira.js rejection as a domain error (never holding the axios config, which holds the credentials). */
  private mapError(err: unknown, request: string): Error {
    const status = statusOf(err);
    if (status !== undefined) {
      const headers = responseHeaders(err);
      return errorForStatus({
        provider: PROVIDER,
        request,
        status,
        detail: this.errorDetail(responseData(err)),
        retryAfterMs: status === 429 ? parseRetryAfterSeconds(headers['retry-after']) : undefined,
      });
    }
    const code = errorCode(err);
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      return new TransientError(
        `${PROVIDER} ${request} did not answer within ${this.config.requestTimeoutMs} ms`,
        INCIDENT_ERROR_CODES.timeout,
      );
    }
    if (code === 'ERR_CANCELED') return new TransientError(`${PROVIDER} ${request} was aborted`, INCIDENT_ERROR_CODES.aborted);
    const copy = new Error(isError(err) ? safeDetail(err.message, this.secrets) : 'unknown error');
    if (code) Object.assign(copy, { code });
    return new TransientError(`${PROVIDER} ${request} failed: ${code ?? copy.message}`, INCIDENT_ERROR_CODES.network, { cause: copy });
  }

  /** `Field 'x' does not exist; …` from Jira's `{errorMessages: [], errors: {field: message}}`. */
  private errorDetail(data: unknown): string | undefined {
    if (typeof data === 'string')
      return data.trim().length > 0 ? safeDetail(data.startsWith('<') ? 'body is not JSON' : data, this.secrets) : undefined;
    if (!isRecord(data)) return undefined;
    const parts: string[] = [];
    if (Array.isArray(data.errorMessages)) parts.push(...data.errorMessages.filter((m): m is string => typeof m === 'string'));
    if (isRecord(data.errors))
      for (const [field, message] of Object.entries(data.errors)) if (typeof message === 'string') parts.push(`${field}: ${message}`);
    return parts.length > 0 ? safeDetail(parts.join('; '), this.secrets) : undefined;
  }
}

/** Plain text as ADF paragraphs (one per line; an empty line is kept as an empty paragraph). */
function paragraphs(text: string): Array<{ type: string; content: Array<{ type: string; text: string }> }> {
  return text.split('\n').map((line) => ({ type: 'paragraph', content: line.length > 0 ? [{ type: 'text', text: line }] : [] }));
}

/** jira.js's HttpException has `status`; an axios error with a response has `response.status`. */
function statusOf(err: unknown): number | undefined {
  if (!isRecord(err)) return undefined;
  const response = isRecord(err.response) ? err.response : undefined;
  const cause = isRecord(err.cause) && isRecord(err.cause.response) ? err.cause.response : undefined;
  for (const candidate of [cause?.status, response?.status]) if (typeof candidate === 'number' && candidate >= 100) return candidate;
  // An HttpException built without a response (a network error wrapped) has the default 500 and no cause response.
  return undefined;
}

function responseData(err: unknown): unknown {
  if (!isRecord(err)) return undefined;
  if (isRecord(err.cause) && isRecord(err.cause.response)) return err.cause.response.data;
  if (isRecord(err.response)) return err.response.data;
  return undefined;
}

function responseHeaders(err: unknown): Record<string, string | undefined> {
  const raw = isRecord(err) && isRecord(err.cause) && isRecord(err.cause.response) ? err.cause.response.headers : undefined;
  if (!isRecord(raw)) return {};
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(raw))
    out[key.toLowerCase()] = Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value);
  return out;
}

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && isRecord(current); depth++) {
    if (
      typeof current.code === 'string' &&
      current.code.length > 0 &&
      current.code !== 'ERR_BAD_REQUEST' &&
      current.code !== 'ERR_BAD_RESPONSE'
    )
      return current.code;
    current = current.cause;
  }
  return undefined;
}
