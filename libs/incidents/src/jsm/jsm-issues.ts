/**
 * Pure Jira Service Management logic: reading enhanced-search pages (`POST /rest/api/3/search/jql`,
 * `SearchAndReconcileResults`) and work items (`IssueBean`) defensively, the values of the scope
 * fields, and the work item as the domain's IncidentRef.
 */
import type { ProviderIncidentRef } from '../incident-provider.port';
import { isRecord, ShapeReader, type ShapeProblem } from '../shape';

/** The fields every read asks for (plus the configured scope fields). */
export const JSM_BASE_FIELDS = [
  'summary',
  'status',
  'priority',
  'issuetype',
  'created',
  'updated',
  'resolutiondate',
  'statuscategorychangedate',
] as const;

/** What the adapter needs from one work item, checked. */
export interface JsmIssue {
  /** Numeric id (stable when the item moves to another project). */
  id: string;
  /** `OPS-12`. */
  key: string;
  title: string;
  status: string;
  /** `new`, `indeterminate` or `done`. */
  statusCategory: string;
  priority?: string;
  issueType?: string;
  /** ISO, normalised. */
  createdAt: string;
  updatedAt?: string;
  /** When it was resolved: `resolutiondate`, else the status category change of a done item. */
  resolvedAt?: string;
  /** The scope fields' values, in the configured field order. */
  scopeKeys: string[];
}

export interface JsmSearchPage {
  issues: JsmIssue[];
  /** Absent on the last page. */
  nextPageToken?: string;
  isLast: boolean;
}

export type JsmPageResult = { ok: true; page: JsmSearchPage } | { ok: false; problems: ShapeProblem[] };
export type JsmIssueResult = { ok: true; issue: JsmIssue } | { ok: false; problems: ShapeProblem[] };

/** Checks a 200 body of the enhanced search; any problem rejects the whole page. */
export function readJsmSearchPage(body: unknown, scopeFields: readonly string[]): JsmPageResult {
  const reader = new ShapeReader();
  if (!isRecord(body)) {
    reader.expected('(body)', 'an object', body);
    return { ok: false, problems: reader.problems };
  }
  const issues: JsmIssue[] = [];
  if (!Array.isArray(body.issues)) reader.expected('issues', 'an array', body.issues);
  else {
    body.issues.forEach((raw, index) => {
      const issue = readIssue(raw, `issues[${index}]`, reader, scopeFields);
      if (issue) issues.push(issue);
    });
  }
  const nextPageToken = reader.optionalString(body, 'nextPageToken', 'nextPageToken');
  let isLast: boolean;
  if (typeof body.isLast === 'boolean') isLast = body.isLast;
  else if (body.isLast === undefined) isLast = nextPageToken === undefined;
  else {
    reader.expected('isLast', 'a boolean', body.isLast);
    isLast = true;
  }
  if (!isLast && !nextPageToken) reader.problem('nextPageToken', 'expected a token: isLast is false');
  if (reader.problems.length > 0) return { ok: false, problems: reader.problems };
  return { ok: true, page: { issues, isLast, ...(nextPageToken && !isLast ? { nextPageToken } : {}) } };
}

/** Checks a 200 body of `GET /rest/api/3/issue/{issueIdOrKey}`. */
export function readJsmIssue(body: unknown, scopeFields: readonly string[]): JsmIssueResult {
  const reader = new ShapeReader();
  const issue = readIssue(body, '(body)', reader, scopeFields);
  return issue && reader.problems.length === 0 ? { ok: true, issue } : { ok: false, problems: reader.problems };
}

function readIssue(raw: unknown, path: string, reader: ShapeReader, scopeFields: readonly string[]): JsmIssue | undefined {
  if (!isRecord(raw)) {
    reader.expected(path, 'a work item object', raw);
    return undefined;
  }
  const before = reader.problems.length;
  const at = (key: string) => (path === '(body)' ? key : `${path}.${key}`);
  const id = reader.string(raw, 'id', at('id'));
  if (id !== undefined && !/^\d{1,18}$/.test(id)) reader.problem(at('id'), `expected a numeric id, got "${id.slice(0, 40)}"`);
  const key = reader.string(raw, 'key', at('key'));
  if (!isRecord(raw.fields)) {
    reader.expected(at('fields'), 'an object', raw.fields);
    return undefined;
  }
  const fields = raw.fields;
  const f = (name: string) => at(`fields.${name}`);
  const title = reader.optionalString(fields, 'summary', f('summary')) ?? '';
  const createdAt = reader.dateTime(fields, 'created', f('created'));
  const updatedAt = reader.optionalDateTime(fields, 'updated', f('updated'));
  const resolutionDate = reader.optionalDateTime(fields, 'resolutiondate', f('resolutiondate'));
  const categoryChange = reader.optionalDateTime(fields, 'statuscategorychangedate', f('statuscategorychangedate'));

  let status: string | undefined;
  let statusCategory: string | undefined;
  if (isRecord(fields.status)) {
    status = reader.string(fields.status, 'name', f('status.name'));
    if (isRecord(fields.status.statusCategory))
      statusCategory = reader.string(fields.status.statusCategory, 'key', f('status.statusCategory.key'));
    else reader.expected(f('status.statusCategory'), 'an object', fields.status.statusCategory);
  } else {
    reader.expected(f('status'), 'an object', fields.status);
  }
  const priority = namedField(fields, 'priority', f('priority'), reader);
  const issueType = namedField(fields, 'issuetype', f('issuetype'), reader);
  const scopeKeys = [...new Set(scopeFields.flatMap((field) => scopeValues(fields[field], f(field), reader)))];

  if (reader.problems.length > before || !id || !key || !createdAt || !status || !statusCategory) return undefined;
  const done = statusCategory === 'done';
  const resolvedAt = done ? (resolutionDate ?? categoryChange ?? updatedAt) : undefined;
  return {
    id,
    key,
    title,
    status,
    statusCategory,
    ...(priority ? { priority } : {}),
    ...(issueType ? { issueType } : {}),
    createdAt,
    ...(updatedAt ? { updatedAt } : {}),
    ...(resolvedAt ? { resolvedAt } : {}),
    scopeKeys,
  };
}

/** `{name}` objects (priority, issue type); absent or null: undefined. */
function namedField(fields: Record<string, unknown>, key: string, path: string, reader: ShapeReader): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    reader.expected(path, 'an object with a name', value);
    return undefined;
  }
  return reader.optionalString(value, 'name', `${path}.name`);
}

/**
 * The values of a scope field, as the keys looked up in `scopes`: a component's `name`, a label,
 * a select option's `value`, a user or object's `name`/`displayName`, a text or number; arrays of
 * those flattened. Absent or null: none. Anything else is a problem (fail loudly, not silently
 * global).
 */
export function scopeValues(value: unknown, path: string, reader: ShapeReader): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.length > 0 ? [value] : [];
  if (typeof value === 'number' && Number.isFinite(value)) return [String(value)];
  if (Array.isArray(value)) return value.flatMap((item, index) => scopeValues(item, `${path}[${index}]`, reader));
  if (isRecord(value)) {
    for (const key of ['value', 'name', 'displayName'] as const) {
      if (typeof value[key] === 'string' && (value[key] as string).length > 0) {
        const own = [value[key] as string];
        // A cascading select: `{value, child: {value}}` gives both.
        return isRecord(value.child) ? [...own, ...scopeValues(value.child, `${path}.child`, reader)] : own;
      }
    }
  }
  reader.expected(path, 'a text, a number, an option ({value}), a named object ({name}) or an array of those', value);
  return [];
}

/** Open means: not in the `done` status category (the JQL asked for that; checked again). */
export function isJsmOpen(issue: JsmIssue): boolean {
  return issue.statusCategory !== 'done';
}

export function toJsmIncidentRef(issue: JsmIssue, webUrl: string): ProviderIncidentRef {
  return {
    provider: 'jsm',
    id: issue.key,
    title: issue.title,
    url: `${webUrl.replace(/\/+$/, '')}/browse/${encodeURIComponent(issue.key)}`,
    status: issue.status,
    ...(issue.priority ? { priority: issue.priority } : {}),
    createdAt: issue.createdAt,
    ...(issue.resolvedAt ? { resolvedAt: issue.resolvedAt } : {}),
    scopeKeys: issue.scopeKeys,
  };
}
