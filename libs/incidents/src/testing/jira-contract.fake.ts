/**
 * Atlassian's OpenAPI description of the Jira Cloud platform REST API v3, cut down to the three
 * operations driftwarden calls (test/contracts/jira-platform-rest-v3.subset.json; see its README),
 * as validators for the Jira Service Management fake (openapi-backend, like PagerDuty's).
 *
 * Known defects patched in memory are listed in JIRA_SPEC_ERRATA; nothing else is loosened.
 */
import * as path from 'node:path';
import { type Document, OpenAPIBackend } from 'openapi-backend';
import { addSpecFormats, dig, formatAjvErrors, readJson } from './contracts.fake';

export const JIRA_SPEC_FILE = 'jira-platform-rest-v3.subset.json';

export const JIRA_SPEC_ERRATA = [
  'Comment.body has no schema ("the comment text in Atlassian Document Format"): the fake checks the ADF document shape ' +
    '(type doc, version 1, block nodes with a type, text nodes with text) itself.',
  'SearchAndReconcileResults.nextPageToken is "null" on the last page by its description but typed string: the fake leaves it out there.',
] as const;

export interface JiraContract {
  validateSearchRequest(body: unknown, headers: Record<string, string>): string[];
  validateSearchResponse(body: unknown): string[];
  validateGetIssueRequest(issueIdOrKey: string, query: Record<string, string | string[]>, headers: Record<string, string>): string[];
  validateIssueResponse(body: unknown): string[];
  validateAddCommentRequest(
    issueIdOrKey: string,
    query: Record<string, string | string[]>,
    body: unknown,
    headers: Record<string, string>,
  ): string[];
  validateCommentResponse(body: unknown): string[];
  /** `ErrorCollection`, what every documented error status answers. */
  validateErrorResponse(operation: 'search' | 'getIssue' | 'addComment', status: number, body: unknown): string[];
}

const OPERATIONS = {
  search: 'searchAndReconsileIssuesUsingJqlPost',
  getIssue: 'getIssue',
  addComment: 'addComment',
} as const;

const contracts = new Map<string, Promise<JiraContract>>();

export function loadJiraContract(contractsDir: string): Promise<JiraContract> {
  let contract = contracts.get(contractsDir);
  if (!contract) {
    contract = build(contractsDir);
    contracts.set(contractsDir, contract);
    contract.catch(() => contracts.delete(contractsDir));
  }
  return contract;
}

async function build(contractsDir: string): Promise<JiraContract> {
  const spec = readJson(path.join(contractsDir, JIRA_SPEC_FILE));
  // The operation ids the validators use must be in the file (a changed spec fails here, loudly).
  dig(spec, 'paths', '/rest/api/3/search/jql', 'post');
  dig(spec, 'paths', '/rest/api/3/issue/{issueIdOrKey}', 'get');
  dig(spec, 'paths', '/rest/api/3/issue/{issueIdOrKey}/comment', 'post');
  const backend = new OpenAPIBackend({
    definition: spec as unknown as Document,
    strict: true,
    validate: true,
    ajvOpts: { allErrors: true, strict: false },
    customizeAjv: (ajv) => addSpecFormats(ajv),
  });
  await backend.init();
  const response = (operation: string, status: number, body: unknown) =>
    formatAjvErrors(backend.validateResponse(body, operation, status).errors, 'body');
  return {
    validateSearchRequest(body, headers) {
      const result = backend.validateRequest(
        { method: 'post', path: '/rest/api/3/search/jql', query: {}, headers, body },
        OPERATIONS.search,
      );
      return formatAjvErrors(result.errors, '');
    },
    validateSearchResponse: (body) => response(OPERATIONS.search, 200, body),
    validateGetIssueRequest(issueIdOrKey, query, headers) {
      const result = backend.validateRequest(
        { method: 'get', path: `/rest/api/3/issue/${issueIdOrKey}`, query, headers },
        OPERATIONS.getIssue,
      );
      return formatAjvErrors(result.errors, '');
    },
    validateIssueResponse: (body) => response(OPERATIONS.getIssue, 200, body),
    validateAddCommentRequest(issueIdOrKey, query, body, headers) {
      const result = backend.validateRequest(
        { method: 'post', path: `/rest/api/3/issue/${issueIdOrKey}/comment`, query, headers, body },
        OPERATIONS.addComment,
      );
      return [...formatAjvErrors(result.errors, ''), ...adfProblems(body)];
    },
    validateCommentResponse: (body) => response(OPERATIONS.addComment, 201, body),
    validateErrorResponse: (operation, status, body) => response(OPERATIONS[operation], status, body),
  };
}

/** The Atlassian Document Format shape of a comment body (JIRA_SPEC_ERRATA). */
function adfProblems(body: unknown): string[] {
  const problems: string[] = [];
  const doc = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).body : undefined;
  if (typeof doc !== 'object' || doc === null) return ['body.body expected an Atlassian Document Format document'];
  const d = doc as Record<string, unknown>;
  if (d.type !== 'doc') problems.push('body.body.type must be "doc"');
  if (d.version !== 1) problems.push('body.body.version must be 1');
  if (!Array.isArray(d.content)) return [...problems, 'body.body.content must be an array of block nodes'];
  d.content.forEach((block: unknown, i) => {
    const b = block as Record<string, unknown> | null;
    if (!b || typeof b.type !== 'string') return problems.push(`body.body.content[${i}] must be a node with a type`);
    if (b.content !== undefined && !Array.isArray(b.content)) return problems.push(`body.body.content[${i}].content must be an array`);
    (Array.isArray(b.content) ? b.content : []).forEach((inline: unknown, j) => {
      const n = inline as Record<string, unknown> | null;
      if (!n || typeof n.type !== 'string') problems.push(`body.body.content[${i}].content[${j}] must be a node with a type`);
      else if (n.type === 'text' && (typeof n.text !== 'string' || n.text.length === 0))
        problems.push(`body.body.content[${i}].content[${j}].text must be a non-empty string`);
    });
    return undefined;
  });
  return problems;
}
