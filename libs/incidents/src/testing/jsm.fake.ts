/**
 * A fake of the Jira Cloud platform REST API v3 as Jira Service Management uses it, on a real HTTP
 * socket: the enhanced JQL search (`POST /rest/api/3/search/jql`), `GET /rest/api/3/issue/{id}`
 * and `POST /rest/api/3/issue/{id}/comment`.
 *
 * Like the real API it:
 * - requires `Authorization: Basic base64(email:apiToken)` or `Bearer <token>`: 401 otherwise;
 * - validates every request against Atlassian's OpenAPI description (test/contracts/
 *   jira-platform-rest-v3.subset.json; an unknown body key, a wrong type, a missing JQL are 400
 *   in Jira's `{errorMessages, errors}` shape), refuses unbounded JQL and JQL it cannot parse or
 *   that names an unknown field or a work item that does not exist (400, as Jira does: read a work
 *   item that may be gone with GET first);
 * - selects work items with the JQL (jql.fake.ts), returns only the asked-for `fields` (search
 *   default: `id` only), pages with `maxResults` (default 50) and an opaque `nextPageToken`, left
 *   out on the last page (`isLast: true`);
 * - answers schema-valid bodies (checked against the spec on every answer; an invalid answer
 *   becomes a 500 naming the problem);
 * - keeps comments per work item (`comments(key)`), checking their Atlassian Document Format.
 * Scripted failures (timeout, reset, 5xx, 429, malformed) come from HttpFake.
 */
import { findContractsDir } from './contracts.fake';
import { type FakeReply, HttpFake, type HttpFakeOptions, type ParsedFakeRequest } from './http-fake.fake';
import { type JiraContract, loadJiraContract } from './jira-contract.fake';
import { compileJql, type FieldValues, JqlError } from './jql.fake';

export type { FakeFailure, FakeRequestRecord } from './http-fake.fake';

export type JsmStatusCategory = 'new' | 'indeterminate' | 'done';

/** A work item to serve; everything has a default. */
export interface JsmFakeIssue {
  /** Numeric id; default: sequential from 10001. */
  id?: string;
  /** Default `OPS-<n>`. */
  key?: string;
  summary?: string;
  /** Default `Incident`. */
  issueType?: string;
  /** Default `Highest`; null: none. */
  priority?: string | null;
  /** Default `Investigating` (category `indeterminate`). */
  status?: string;
  statusCategory?: JsmStatusCategory;
  /** Default: 5 minutes before the fake's now. */
  created?: Date | string;
  updated?: Date | string;
  /** When a done item was resolved (default: its `updated`). */
  resolved?: Date | string;
  components?: string[];
  labels?: string[];
  /** `customfield_<id>` → { name (for JQL by name), value (as the API returns it) }. */
  customFields?: Record<string, { name: string; value: unknown }>;
}

export interface JsmFakeComment {
  id: string;
  issueKey: string;
  /** The ADF document as posted. */
  body: unknown;
  /** Its text nodes joined (paragraphs by newlines). */
  text: string;
  created: string;
}

export interface JsmFakeOptions extends HttpFakeOptions {
  /** Basic auth that is accepted. Default `driftwarden@example.com` / `jsm-fake-token`. */
  email?: string;
  apiToken?: string;
  /** An OAuth bearer token that is accepted too. Default `jsm-fake-oauth`. */
  oauthToken?: string;
  now?: () => Date;
  contractsDir?: string;
  validateResponses?: boolean;
}

interface StoredIssue {
  id: string;
  key: string;
  project: string;
  summary: string;
  issueType: string;
  priority: string | null;
  status: string;
  statusCategory: JsmStatusCategory;
  created: Date;
  updated: Date;
  resolved: Date | null;
  components: string[];
  labels: string[];
  customFields: Record<string, { name: string; value: unknown }>;
}

export const JSM_FAKE_EMAIL = 'driftwarden@example.com';
export const JSM_FAKE_API_TOKEN = 'jsm-fake-token';
export const JSM_FAKE_OAUTH_TOKEN = 'jsm-fake-oauth';
const DEFAULT_MAX_RESULTS = 50;
const MAX_RESULTS = 5000;

const CATEGORY: Record<JsmStatusCategory, { id: number; name: string; colorName: string }> = {
  new: { id: 2, name: 'To Do', colorName: 'blue-gray' },
  indeterminate: { id: 4, name: 'In Progress', colorName: 'yellow' },
  done: { id: 3, name: 'Done', colorName: 'green' },
};

const STANDARD_FIELDS = [
  'summary',
  'status',
  'priority',
  'issuetype',
  'created',
  'updated',
  'resolutiondate',
  'statuscategorychangedate',
  'components',
  'labels',
  'project',
];

export class JsmFake extends HttpFake {
  private issues: StoredIssue[] = [];
  private readonly commentsByKey = new Map<string, JsmFakeComment[]>();
  private contract: JiraContract | undefined;
  private readonly basic: string;
  private readonly bearer: string;
  private readonly now: () => Date;
  private readonly validateResponses: boolean;
  private readonly contractsDir: string | undefined;
  private nextId = 10001;
  private nextComment = 20001;

  constructor(options: JsmFakeOptions = {}) {
    super(options);
    this.basic = Buffer.from(`${options.email ?? JSM_FAKE_EMAIL}:${options.apiToken ?? JSM_FAKE_API_TOKEN}`).toString('base64');
    this.bearer = options.oauthToken ?? JSM_FAKE_OAUTH_TOKEN;
    this.now = options.now ?? (() => new Date());
    this.validateResponses = options.validateResponses ?? true;
    this.contractsDir = options.contractsDir;
  }

  setIssues(issues: readonly JsmFakeIssue[]): this {
    this.issues = [];
    return this.addIssues(issues);
  }

  addIssues(issues: readonly JsmFakeIssue[]): this {
    for (const input of issues) this.issues.push(this.store(input));
    return this;
  }

  /** Changes a work item in place (a transition, a priority change); throws for an unknown key. */
  updateIssue(key: string, change: Partial<JsmFakeIssue>): this {
    const index = this.issues.findIndex((i) => i.key === key);
    if (index < 0) throw new Error(`JsmFake: no work item ${key}`);
    const current = this.issues[index];
    const next = this.store({ ...this.toInput(current), ...change, id: current.id, key: current.key });
    next.updated = change.updated !== undefined ? new Date(change.updated) : this.now();
    this.issues[index] = next;
    return this;
  }

  removeIssue(key: string): this {
    this.issues = this.issues.filter((i) => i.key !== key);
    return this;
  }

  /** The comments posted on a work item, oldest first. */
  comments(key: string): JsmFakeComment[] {
    return [...(this.commentsByKey.get(key) ?? [])];
  }

  allComments(): JsmFakeComment[] {
    return [...this.commentsByKey.values()].flat();
  }

  /** The id Jira gave a stored work item (webhook bodies carry it). */
  idOf(key: string): string {
    const issue = this.issues.find((i) => i.key === key);
    if (!issue) throw new Error(`JsmFake: no work item ${key}`);
    return issue.id;
  }

  protected async prepare(): Promise<void> {
    this.contract = await loadJiraContract(findContractsDir(this.contractsDir));
  }

  protected errorBody(status: number, message: string, errors?: Record<string, string>): unknown {
    return { errorMessages: [message], errors: errors ?? {} };
  }

  protected malformedBody(): unknown {
    // 200 whose issues is not an array.
    return { issues: { total: 1 }, isLast: true };
  }

  protected override commonHeaders(): Record<string, string> {
    return { 'x-arequestid': `fake-${Date.now().toString(36)}` };
  }

  protected handle(request: ParsedFakeRequest): { reply: FakeReply; problems: string[]; commit?: () => void } {
    const contract = this.contract;
    if (!contract) throw new Error('JsmFake not started');
    const path = request.path ?? '';
    const headers = flatHeaders(request.headers);
    const auth = this.checkAuthorization(request.headers.authorization);
    const query: Record<string, string | string[]> = {};
    for (const [key, values] of Object.entries(request.query)) query[key] = values.length === 1 ? values[0] : values;

    if (request.method === 'POST' && path === '/rest/api/3/search/jql') {
      if (auth) return this.fail('search', 401, 'Client must be authenticated to access this resource.', [auth]);
      const body = parseJson(request.body);
      if (body === undefined) return this.fail('search', 400, 'Unexpected character: the body is not JSON', ['body is not JSON']);
      const problems = contract.validateSearchRequest(body, headers);
      if (problems.length > 0)
        return this.fail('search', 400, 'Invalid request payload. Refer to the REST API documentation and try again.', problems);
      return this.search(body as Record<string, unknown>);
    }
    const issueMatch = /^\/rest\/api\/3\/issue\/([^/]+)(\/comment)?$/.exec(path);
    if (issueMatch && request.method === 'GET' && !issueMatch[2]) {
      if (auth) return this.fail('getIssue', 401, 'Client must be authenticated to access this resource.', [auth]);
      const problems = contract.validateGetIssueRequest(decodeURIComponent(issueMatch[1]), query, headers);
      if (problems.length > 0) return this.fail('getIssue', 400, 'Invalid request', problems);
      const issue = this.find(decodeURIComponent(issueMatch[1]));
      if (!issue) return this.fail('getIssue', 404, 'Issue does not exist or you do not have permission to see it.', []);
      const fields = splitFields(request.query.fields) ?? ['*all'];
      return this.ok('getIssue', 200, this.render(issue, fields));
    }
    if (issueMatch && request.method === 'POST' && issueMatch[2]) {
      if (auth) return this.fail('addComment', 401, 'Client must be authenticated to access this resource.', [auth]);
      const body = parseJson(request.body);
      const problems =
        body === undefined
          ? ['body is not JSON']
          : contract.validateAddCommentRequest(decodeURIComponent(issueMatch[1]), query, body, headers);
      if (problems.length > 0) return this.fail('addComment', 400, 'Comment body is not valid!', problems);
      const issue = this.find(decodeURIComponent(issueMatch[1]));
      if (!issue) return this.fail('addComment', 404, 'Issue does not exist or you do not have permission to see it.', []);
      return this.addComment(issue, (body as Record<string, unknown>).body);
    }
    return {
      reply: { status: 404, body: this.errorBody(404, 'null for uri: ' + request.url.pathname) },
      problems: [`no such endpoint: ${request.method} ${request.url.pathname}`],
    };
  }

  private checkAuthorization(header: string | undefined): string | undefined {
    if (header === undefined) return 'missing Authorization header';
    if (header === `Basic ${this.basic}` || header === `Bearer ${this.bearer}`) return undefined;
    if (!/^(Basic|Bearer) \S+$/.test(header)) return 'Authorization must be `Basic base64(email:apiToken)` or `Bearer <OAuth token>`';
    return 'unknown credentials';
  }

  private search(body: Record<string, unknown>): { reply: FakeReply; problems: string[] } {
    const jql = typeof body.jql === 'string' ? body.jql : '';
    const maxResults = typeof body.maxResults === 'number' ? body.maxResults : DEFAULT_MAX_RESULTS;
    if (maxResults < 1 || maxResults > MAX_RESULTS)
      return this.fail('search', 400, `maxResults must be between 1 and ${MAX_RESULTS}`, [`maxResults ${maxResults}`]);
    let selected: StoredIssue[];
    try {
      const compiled = compileJql<StoredIssue>(
        jql,
        (issue, field) => this.fieldValues(issue, field),
        (field) => this.knownField(field),
        (field, value) => this.checkValue(field, value),
      );
      selected = this.issues.filter((i) => compiled.matches(i));
      const created = compiled.orderBy.find((o) => o.field.toLowerCase() === 'created');
      selected.sort(
        (a, b) => (created?.direction === 'ASC' ? 1 : -1) * (a.created.getTime() - b.created.getTime()) || Number(a.id) - Number(b.id),
      );
    } catch (err) {
      if (err instanceof JqlError) return this.fail('search', 400, err.message, [`JQL refused: ${err.message}`]);
      throw err;
    }
    let offset = 0;
    if (typeof body.nextPageToken === 'string') {
      const decoded = decodeToken(body.nextPageToken, jql);
      if (decoded === undefined)
        return this.fail('search', 400, 'The provided next page token is invalid or expired.', [
          'nextPageToken was not issued for this query',
        ]);
      offset = decoded;
    }
    const page = selected.slice(offset, offset + maxResults);
    const isLast = offset + maxResults >= selected.length;
    const fields = Array.isArray(body.fields) ? (body.fields as string[]).flatMap((f) => f.split(',')).map((f) => f.trim()) : ['id'];
    const result = {
      issues: page.map((i) => this.render(i, fields)),
      isLast,
      ...(isLast ? {} : { nextPageToken: encodeToken(offset + maxResults, jql) }),
    };
    return this.ok('search', 200, result);
  }

  private addComment(issue: StoredIssue, adf: unknown): { reply: FakeReply; problems: string[]; commit?: () => void } {
    const id = String(this.nextComment++);
    const created = this.now().toISOString().replace('Z', '+0000');
    const comment: JsmFakeComment = { id, issueKey: issue.key, body: adf, text: adfText(adf), created };
    const commit = () => this.commentsByKey.set(issue.key, [...(this.commentsByKey.get(issue.key) ?? []), comment]);
    const author = {
      accountId: '5b10a2844c20165700ede21g',
      active: true,
      displayName: 'driftwarden',
      self: `${this.url}/rest/api/3/user?accountId=5b10a2844c20165700ede21g`,
    };
    const answer = this.ok('addComment', 201, {
      author,
      body: adf,
      created,
      id,
      jsdPublic: true,
      self: `${this.url}/rest/api/3/issue/${issue.id}/comment/${id}`,
      updateAuthor: author,
      updated: created,
    });
    return answer.reply.status === 201 ? { ...answer, commit } : answer;
  }

  private ok(operation: 'search' | 'getIssue' | 'addComment', status: number, body: unknown): { reply: FakeReply; problems: string[] } {
    const contract = this.contract as JiraContract;
    if (this.validateResponses) {
      const invalid =
        operation === 'search'
          ? contract.validateSearchResponse(body)
          : operation === 'getIssue'
            ? contract.validateIssueResponse(body)
            : contract.validateCommentResponse(body);
      if (invalid.length > 0)
        return {
          reply: { status: 500, body: this.errorBody(500, `fake answer breaks the spec: ${invalid.slice(0, 5).join('; ')}`) },
          problems: [],
        };
    }
    return { reply: { status, body }, problems: [] };
  }

  private fail(
    operation: 'search' | 'getIssue' | 'addComment',
    status: number,
    message: string,
    problems: string[],
  ): { reply: FakeReply; problems: string[] } {
    const body = this.errorBody(status, message);
    if (this.validateResponses && this.contract) {
      const invalid = this.contract.validateErrorResponse(operation, status, body);
      if (invalid.length > 0)
        return { reply: { status: 500, body: this.errorBody(500, `fake answer breaks the spec: ${invalid.join('; ')}`) }, problems };
    }
    return { reply: { status, body }, problems };
  }

  private find(idOrKey: string): StoredIssue | undefined {
    return this.issues.find((i) => i.id === idOrKey || i.key === idOrKey);
  }

  private knownField(field: string): boolean {
    const f = field.toLowerCase();
    if (
      [
        'issuetype',
        'type',
        'priority',
        'status',
        'statuscategory',
        'project',
        'created',
        'createddate',
        'updated',
        'updateddate',
        'resolved',
        'resolutiondate',
        'issue',
        'issuekey',
        'id',
        'key',
        'labels',
        'component',
        'summary',
        'text',
      ].includes(f)
    )
      return true;
    return this.customField(field) !== undefined;
  }

  /** Jira refuses `issue = X` when X is no work item (the adapter reads with GET first). */
  private checkValue(field: string, value: unknown): void {
    if (['issue', 'issuekey', 'id', 'key'].includes(field.toLowerCase()) && this.find(String(value)) === undefined) {
      throw new JqlError(`An issue with key '${String(value)}' does not exist for field '${field}'.`);
    }
  }

  /** `cf[10050]`, `customfield_10050` or the field's name (case-insensitive). */
  private customField(field: string): string | undefined {
    const byId = /^cf\[(\d+)\]$/i.exec(field) ?? /^customfield_(\d+)$/i.exec(field);
    const names = new Map<string, string>();
    for (const issue of this.issues) for (const [id, f] of Object.entries(issue.customFields)) names.set(f.name.toLowerCase(), id);
    if (byId) return `customfield_${byId[1]}`;
    return names.get(field.toLowerCase());
  }

  private fieldValues(issue: StoredIssue, field: string): FieldValues | undefined {
    const f = field.toLowerCase();
    const text = (values: Array<string | null>): FieldValues => ({ values, type: 'text' });
    const date = (d: Date | null): FieldValues => ({ values: d ? [d.getTime()] : [], type: 'date' });
    switch (f) {
      case 'issuetype':
      case 'type':
        return text([issue.issueType]);
      case 'priority':
        return text([issue.priority]);
      case 'status':
        return text([issue.status]);
      case 'statuscategory':
        return text([CATEGORY[issue.statusCategory].name, issue.statusCategory]);
      case 'project':
        return text([issue.project]);
      case 'created':
      case 'createddate':
        return date(issue.created);
      case 'updated':
      case 'updateddate':
        return date(issue.updated);
      case 'resolved':
      case 'resolutiondate':
        return date(issue.resolved);
      case 'issue':
      case 'issuekey':
      case 'id':
      case 'key':
        return text([issue.id, issue.key]);
      case 'labels':
        return text(issue.labels);
      case 'component':
        return text(issue.components);
      case 'summary':
      case 'text':
        return text([issue.summary]);
      default: {
        const id = this.customField(field);
        const value = id ? issue.customFields[id]?.value : undefined;
        return text(flattenValue(value));
      }
    }
  }

  private render(issue: StoredIssue, requested: readonly string[]): Record<string, unknown> {
    const all = requested.includes('*all') || requested.includes('*navigable');
    const wanted = new Set(
      all ? [...STANDARD_FIELDS, ...Object.keys(issue.customFields)] : requested.filter((f) => f !== 'id' && f !== 'key'),
    );
    const stamp = (d: Date) => d.toISOString().replace('Z', '+0000');
    const fields: Record<string, unknown> = {};
    const put = (name: string, value: () => unknown) => {
      if (wanted.has(name)) fields[name] = value();
    };
    const category = CATEGORY[issue.statusCategory];
    put('summary', () => issue.summary);
    put('status', () => ({
      self: `${this.url}/rest/api/3/status/1${category.id}`,
      description: '',
      iconUrl: `${this.url}/images/icons/statuses/generic.png`,
      name: issue.status,
      id: `1${category.id}`,
      statusCategory: {
        self: `${this.url}/rest/api/3/statuscategory/${category.id}`,
        id: category.id,
        key: issue.statusCategory,
        colorName: category.colorName,
        name: category.name,
      },
    }));
    put('priority', () =>
      issue.priority
        ? {
            self: `${this.url}/rest/api/3/priority/1`,
            iconUrl: `${this.url}/images/icons/priorities/highest.svg`,
            name: issue.priority,
            id: '1',
          }
        : null,
    );
    put('issuetype', () => ({
      self: `${this.url}/rest/api/3/issuetype/10004`,
      id: '10004',
      description: 'A problem which impairs or prevents the functions of a service',
      name: issue.issueType,
      subtask: false,
    }));
    put('created', () => stamp(issue.created));
    put('updated', () => stamp(issue.updated));
    put('resolutiondate', () => (issue.resolved ? stamp(issue.resolved) : null));
    put('statuscategorychangedate', () => stamp(issue.statusCategory === 'done' ? (issue.resolved ?? issue.updated) : issue.created));
    put('components', () =>
      issue.components.map((name, i) => ({ self: `${this.url}/rest/api/3/component/${10100 + i}`, id: String(10100 + i), name })),
    );
    put('labels', () => [...issue.labels]);
    put('project', () => ({
      self: `${this.url}/rest/api/3/project/10000`,
      id: '10000',
      key: issue.project,
      name: `Project ${issue.project}`,
      projectTypeKey: 'service_desk',
    }));
    for (const [id, f] of Object.entries(issue.customFields)) put(id, () => f.value);
    for (const name of wanted) if (/^customfield_\d+$/.test(name) && !(name in fields)) fields[name] = null;
    return {
      expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
      id: issue.id,
      self: `${this.url}/rest/api/3/issue/${issue.id}`,
      key: issue.key,
      fields,
    };
  }

  private store(input: JsmFakeIssue): StoredIssue {
    const id = input.id ?? String(this.nextId++);
    const key = input.key ?? `OPS-${this.issues.length + 1}`;
    const created = input.created === undefined ? new Date(this.now().getTime() - 5 * 60_000) : new Date(input.created);
    if (Number.isNaN(created.getTime())) throw new Error(`JsmFake: invalid created ${String(input.created)}`);
    const updated = input.updated === undefined ? created : new Date(input.updated);
    const statusCategory = input.statusCategory ?? 'indeterminate';
    return {
      id,
      key,
      project: key.split('-')[0],
      summary: input.summary ?? `Incident ${key}`,
      issueType: input.issueType ?? 'Incident',
      priority: input.priority === undefined ? 'Highest' : input.priority,
      status: input.status ?? (statusCategory === 'done' ? 'Resolved' : statusCategory === 'new' ? 'Open' : 'Investigating'),
      statusCategory,
      created,
      updated,
      resolved: statusCategory === 'done' ? new Date(input.resolved ?? updated) : null,
      components: input.components ?? [],
      labels: input.labels ?? [],
      customFields: input.customFields ?? {},
    };
  }

  private toInput(issue: StoredIssue): JsmFakeIssue {
    return {
      summary: issue.summary,
      issueType: issue.issueType,
      priority: issue.priority,
      status: issue.status,
      statusCategory: issue.statusCategory,
      created: issue.created,
      updated: issue.updated,
      ...(issue.resolved ? { resolved: issue.resolved } : {}),
      components: issue.components,
      labels: issue.labels,
      customFields: issue.customFields,
    };
  }
}

function flatHeaders(headers: ParsedFakeRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (out['content-type']) out['content-type'] = out['content-type'].split(';')[0].trim().toLowerCase();
  return out;
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function splitFields(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

function flattenValue(value: unknown): Array<string | null> {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string' || typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(flattenValue);
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    for (const key of ['value', 'name', 'displayName']) if (typeof v[key] === 'string') return [v[key] as string];
  }
  return [];
}

function encodeToken(offset: number, jql: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: jql })).toString('base64url');
}

function decodeToken(token: string, jql: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; q?: unknown };
    return typeof parsed.o === 'number' && parsed.q === jql ? parsed.o : undefined;
  } catch {
    return undefined;
  }
}

/** The text of an ADF document: text nodes joined, one line per block. */
export function adfText(doc: unknown): string {
  if (typeof doc !== 'object' || doc === null) return '';
  const blocks = (doc as { content?: unknown }).content;
  if (!Array.isArray(blocks)) return '';
  return blocks
    .map((block: unknown) => {
      const inline = typeof block === 'object' && block !== null ? (block as { content?: unknown }).content : undefined;
      return Array.isArray(inline)
        ? inline
            .map((n: unknown) =>
              typeof n === 'object' && n !== null && typeof (n as { text?: unknown }).text === 'string' ? (n as { text: string }).text : '',
            )
            .join('')
        : '';
    })
    .join('\n');
}
