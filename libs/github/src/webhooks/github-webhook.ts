/**
 * GitHub webhooks (CONTRACTS.md §D): the `X-Hub-Signature-256` check and the `pull_request`
 * payload, reduced to what the backport lifecycle needs (merged → `backport_merged`, closed
 * unmerged → `awaiting_approval`).
 *
 * The signature is `sha256=<hex(HMAC-SHA256(secret, raw body))>`, computed and compared in
 * constant time by `@octokit/webhooks-methods`. That package is ESM-only and its `exports` only
 * has `import` conditions, so CommonJS cannot `require` it (not even Node's `require(esm)`): it
 * is loaded once with a dynamic `import()`, which compiled CommonJS keeps as a real import.
 */
import { createHash } from 'node:crypto';

export const GITHUB_SIGNATURE_HEADER = 'x-hub-signature-256';
export const GITHUB_EVENT_HEADER = 'x-github-event';
/**
 * A GUID per delivery, the same on redelivery. Not covered by the signature: a captured body
 * re-sent under a fresh GUID is still a replay, so deliveries are deduplicated on
 * `gitHubDeliveryKey` (the signed body), not on this header.
 */
export const GITHUB_DELIVERY_HEADER = 'x-github-delivery';

/**
 * The deduplication key of a delivery: SHA-256 of the raw body, which the signature covers.
 * Two genuine events never have the same body (each carries its action and the pull request's
 * `updated_at`), and a redelivery or a replay always does, whatever its `X-GitHub-Delivery`.
 */
export function gitHubDeliveryKey(rawBody: Buffer | string): string {
  return createHash('sha256').update(rawBody).digest('hex');
}

/** What is used of `@octokit/webhooks-methods` (an ES module, loaded on first use). */
interface WebhooksMethods {
  verifyWithFallback(secret: string, payload: string, signature: string, additionalSecrets?: string[]): Promise<boolean>;
  sign(secret: string, payload: string): Promise<string>;
}
let webhooksMethods: Promise<WebhooksMethods> | undefined;

function loadWebhooksMethods(): Promise<WebhooksMethods> {
  webhooksMethods ??= import('@octokit/webhooks-methods') as Promise<WebhooksMethods>;
  return webhooksMethods;
}

const SIGNATURE = /^sha256=[0-9a-f]{64}$/;

/**
 * True when `header` is `sha256=` + the HMAC-SHA256 of the raw body under `secret` (or one of
 * `additionalSecrets`, while a secret rotates). Missing, empty, malformed or `sha1=` headers are
 * false, never an exception. `rawBody` must be the bytes as received, before any JSON parsing.
 */
export async function verifyGitHubSignature(
  rawBody: Buffer | string,
  header: string | readonly string[] | undefined,
  secret: string,
  additionalSecrets: readonly string[] = [],
): Promise<boolean> {
  const value = typeof header === 'string' ? header : header?.length === 1 ? header[0] : undefined;
  if (typeof value !== 'string' || !SIGNATURE.test(value.trim())) return false;
  const secrets = [secret, ...additionalSecrets].filter((s) => s.length > 0);
  if (secrets.length === 0) return false;
  const payload = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  if (payload.length === 0) return false;
  const { verifyWithFallback } = await loadWebhooksMethods();
  return verifyWithFallback(secrets[0], payload, value.trim(), secrets.slice(1));
}

/** `sha256=<hex>` for a body (the sandbox, the demo and tests sign what they send with it). */
export async function signGitHubPayload(rawBody: Buffer | string, secret: string): Promise<string> {
  const { sign } = await loadWebhooksMethods();
  return sign(secret, typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
}

export interface WebhookProblem {
  /** Dotted JSON path, e.g. `pull_request.head.ref`; `(body)` for the whole body. */
  path: string;
  message: string;
}

export interface PullRequestEvent {
  /** `opened`, `closed`, `reopened`, `synchronize`, `edited`, `labeled`, … */
  action: string;
  merged: boolean;
  number: number;
  headRef: string;
  baseRef: string;
  htmlUrl: string;
  repo: { owner: string; name: string };
  body: string;
  /** `pull_request.updated_at` (ISO): when this event happened; absent if the payload has none. */
  updatedAt?: string;
}

export type PullRequestEventParseResult = { ok: true; event: PullRequestEvent } | { ok: false; problems: WebhookProblem[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Reads a `pull_request` event body: the raw bytes or string (parsed here), or already-parsed
 * JSON. Every problem names its JSON path; nothing is thrown.
 */
export function parsePullRequestEvent(body: unknown): PullRequestEventParseResult {
  const problems: WebhookProblem[] = [];
  let value: unknown = body;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (err) {
      return { ok: false, problems: [{ path: '(body)', message: `expected JSON: ${err instanceof Error ? err.message : String(err)}` }] };
    }
  }
  if (!isRecord(value)) return { ok: false, problems: [{ path: '(body)', message: `expected an object, got ${describe(value)}` }] };

  const string = (obj: Record<string, unknown>, key: string, path: string, allowEmpty = false): string | undefined => {
    const v = obj[key];
    if (typeof v === 'string' && (allowEmpty || v.length > 0)) return v;
    problems.push({
      path,
      message: v === '' ? 'expected a non-empty string, got an empty string' : `expected a string, got ${describe(v)}`,
    });
    return undefined;
  };
  const object = (obj: Record<string, unknown>, key: string, path: string): Record<string, unknown> | undefined => {
    const v = obj[key];
    if (isRecord(v)) return v;
    problems.push({ path, message: `expected an object, got ${describe(v)}` });
    return undefined;
  };

  const action = string(value, 'action', 'action');
  const pr = object(value, 'pull_request', 'pull_request');
  const repository = object(value, 'repository', 'repository');

  let number: number | undefined;
  const rawNumber = value.number ?? pr?.number;
  if (typeof rawNumber === 'number' && Number.isSafeInteger(rawNumber) && rawNumber > 0) number = rawNumber;
  else
    problems.push({
      path: value.number !== undefined ? 'number' : 'pull_request.number',
      message: `expected a positive integer, got ${describe(rawNumber)}`,
    });

  let merged = false;
  let headRef: string | undefined;
  let baseRef: string | undefined;
  let htmlUrl: string | undefined;
  let prBody = '';
  let updatedAt: string | undefined;
  if (pr) {
    const m = pr.merged;
    if (typeof m === 'boolean') merged = m;
    else if (m === undefined || m === null) merged = typeof pr.merged_at === 'string';
    else problems.push({ path: 'pull_request.merged', message: `expected a boolean, got ${describe(m)}` });
    const head = object(pr, 'head', 'pull_request.head');
    const base = object(pr, 'base', 'pull_request.base');
    if (head) headRef = string(head, 'ref', 'pull_request.head.ref');
    if (base) baseRef = string(base, 'ref', 'pull_request.base.ref');
    htmlUrl = string(pr, 'html_url', 'pull_request.html_url');
    if (pr.updated_at !== undefined && pr.updated_at !== null) {
      if (typeof pr.updated_at === 'string' && !Number.isNaN(Date.parse(pr.updated_at))) updatedAt = new Date(pr.updated_at).toISOString();
      else
        problems.push({
          path: 'pull_request.updated_at',
          message: `expected an ISO 8601 date-time, got ${typeof pr.updated_at === 'string' ? JSON.stringify(pr.updated_at.slice(0, 40)) : describe(pr.updated_at)}`,
        });
    }
    if (pr.body === null || pr.body === undefined) prBody = '';
    else if (typeof pr.body === 'string') prBody = pr.body;
    else problems.push({ path: 'pull_request.body', message: `expected a string or null, got ${describe(pr.body)}` });
  }

  let repo: { owner: string; name: string } | undefined;
  if (repository) {
    const name = string(repository, 'name', 'repository.name');
    let owner: string | undefined;
    if (isRecord(repository.owner)) owner = string(repository.owner, 'login', 'repository.owner.login');
    else if (typeof repository.full_name === 'string' && repository.full_name.includes('/')) owner = repository.full_name.split('/')[0];
    else problems.push({ path: 'repository.owner', message: `expected an object, got ${describe(repository.owner)}` });
    if (name && owner) repo = { owner, name };
  }

  if (problems.length > 0 || !action || number === undefined || !headRef || !baseRef || !htmlUrl || !repo) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    event: { action, merged, number, headRef, baseRef, htmlUrl, repo, body: prBody, ...(updatedAt ? { updatedAt } : {}) },
  };
}

export interface IssuesEvent {
  /** `opened`, `closed`, `reopened`, `edited`, `labeled`, … */
  action: string;
  number: number;
  htmlUrl: string;
  repo: { owner: string; name: string };
  body: string;
  /** `issue.state_reason`: `completed`, `not_planned`, `duplicate`, `reopened`, or null (older closes). */
  stateReason: string | null;
  /** Who closed it (`sender.login`), when the payload says. */
  sender?: string;
  /** `issue.updated_at` (ISO), when the payload has it. */
  updatedAt?: string;
}

export type IssuesEventParseResult = { ok: true; event: IssuesEvent } | { ok: false; problems: WebhookProblem[] };

/**
 * Reads an `issues` event body (GitHub's `webhook-issues-*` schemas: `action`, `issue`,
 * `repository`, `sender`): the raw bytes or string, or parsed JSON. Every problem names its
 * JSON path; nothing is thrown.
 */
export function parseIssuesEvent(body: unknown): IssuesEventParseResult {
  let value: unknown = body;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (err) {
      return { ok: false, problems: [{ path: '(body)', message: `expected JSON: ${err instanceof Error ? err.message : String(err)}` }] };
    }
  }
  if (!isRecord(value)) return { ok: false, problems: [{ path: '(body)', message: `expected an object, got ${describe(value)}` }] };
  const problems: WebhookProblem[] = [];
  const action = value.action;
  if (typeof action !== 'string' || action === '')
    problems.push({ path: 'action', message: `expected a non-empty string, got ${describe(action)}` });
  const issue = value.issue;
  let number: number | undefined;
  let htmlUrl: string | undefined;
  let issueBody = '';
  let stateReason: string | null = null;
  let updatedAt: string | undefined;
  if (!isRecord(issue)) problems.push({ path: 'issue', message: `expected an object, got ${describe(issue)}` });
  else {
    if (typeof issue.number === 'number' && Number.isSafeInteger(issue.number) && issue.number > 0) number = issue.number;
    else problems.push({ path: 'issue.number', message: `expected a positive integer, got ${describe(issue.number)}` });
    if (typeof issue.html_url === 'string' && issue.html_url !== '') htmlUrl = issue.html_url;
    else problems.push({ path: 'issue.html_url', message: `expected a non-empty string, got ${describe(issue.html_url)}` });
    if (typeof issue.body === 'string') issueBody = issue.body;
    else if (issue.body !== null && issue.body !== undefined)
      problems.push({ path: 'issue.body', message: `expected a string or null, got ${describe(issue.body)}` });
    if (typeof issue.state_reason === 'string') stateReason = issue.state_reason;
    else if (issue.state_reason !== null && issue.state_reason !== undefined)
      problems.push({ path: 'issue.state_reason', message: `expected a string or null, got ${describe(issue.state_reason)}` });
    if (issue.updated_at !== undefined && issue.updated_at !== null) {
      if (typeof issue.updated_at === 'string' && !Number.isNaN(Date.parse(issue.updated_at)))
        updatedAt = new Date(issue.updated_at).toISOString();
      else problems.push({ path: 'issue.updated_at', message: `expected an ISO 8601 date-time, got ${describe(issue.updated_at)}` });
    }
  }
  let repo: { owner: string; name: string } | undefined;
  const repository = value.repository;
  if (!isRecord(repository)) problems.push({ path: 'repository', message: `expected an object, got ${describe(repository)}` });
  else {
    const name = typeof repository.name === 'string' && repository.name !== '' ? repository.name : undefined;
    if (!name) problems.push({ path: 'repository.name', message: `expected a non-empty string, got ${describe(repository.name)}` });
    const owner = isRecord(repository.owner) && typeof repository.owner.login === 'string' ? repository.owner.login : undefined;
    if (!owner) problems.push({ path: 'repository.owner.login', message: `expected a string, got ${describe(repository.owner)}` });
    if (name && owner) repo = { owner, name };
  }
  const sender = isRecord(value.sender) && typeof value.sender.login === 'string' ? value.sender.login : undefined;
  if (problems.length > 0 || typeof action !== 'string' || number === undefined || !htmlUrl || !repo) return { ok: false, problems };
  return {
    ok: true,
    event: {
      action,
      number,
      htmlUrl,
      repo,
      body: issueBody,
      stateReason,
      ...(sender ? { sender } : {}),
      ...(updatedAt ? { updatedAt } : {}),
    },
  };
}
