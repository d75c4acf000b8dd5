/**
 * The GitHub sandbox: a real HTTP server (node:http on 127.0.0.1) that answers the REST calls
 * driftwarden makes, backed by a real git repository. It is the demo's "GitHub stand-in": after
 * a backport, `git -C <sandbox.gitDir> diff main...driftwarden/backport/<sg>` shows the change.
 *
 * Endpoints (exactly what `OctokitGitHubRepoClient` uses, plus GitHub App token exchange):
 * git refs (get, create, update), trees (get, create), blobs (get, create), commits (get,
 * create), contents (get), pulls (list, create, get, update), labels (list, create), issue
 * labels (add), issue comments (list, create), issues (list, create, update), `POST /app/installations/{id}/access_tokens`,
 * and `POST /graphql` (validated against GitHub's GraphQL schema; see `github-sandbox.graphql.ts`;
 * under a GitHub Enterprise prefix `/api/v3` it is served at `/api/graphql`, like GHE).
 * Git objects are written with `hash-object -w`, trees through a temporary index, commits
 * with `commit-tree`, refs with `update-ref` (compare-and-swap on the old value).
 *
 * Behaves like GitHub where driftwarden depends on it: 401 `Bad credentials`; 404
 * `{message: "Not Found"}`; 422 `Reference already exists`, `Update is not a fast forward`,
 * `A pull request already exists for owner:branch.`, label `already_exists`; `pulls?head=`
 * ignored without the `owner:` prefix; files over 1 MB come without content (`encoding: "none"`);
 * recursive trees are truncated past `treeEntryLimit`; lists paginate with `Link` headers.
 *
 * Optionally (`validate: true`, always on in tests) every request is checked against GitHub's
 * OpenAPI description (`@octokit/openapi`, a devDependency loaded only then) and refused with
 * 422 like GitHub when it does not conform, and every answer is checked too (an answer that does
 * not conform becomes a 500 and is listed in `responseProblems`).
 *
 * For demos and tests: `calls` (every request), `failNext` (5xx, primary and secondary rate
 * limits, any status), `beforeNext` (run something, e.g. a concurrent commit, before a request
 * is handled), `commit` (a human pushes), and `mergePullRequest` / `closePullRequest`, which
 * really merge in git and deliver a signed `pull_request` webhook.
 */
import { createHmac, createPublicKey, randomBytes, randomUUID, verify as verifySignature, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signGitHubPayload } from '../webhooks/github-webhook';
import type { GitHubOpenApiContract } from './github-openapi.contract';
import type * as GraphqlEndpoint from './github-sandbox.graphql';
import { GitCommandError, type GitIdentity, GitRepository, type GitTreeChange } from './git-repository';
import {
  contentEntry,
  errorBody,
  gitCommit,
  githubBase64,
  githubDate,
  gitRef,
  issue as issueResource,
  issueComment as issueCommentResource,
  label as labelResource,
  type PullGitFacts,
  pullRequest as pullResource,
  repository as repositoryResource,
  type ResourceContext,
  type SandboxComment,
  type SandboxIssue,
  type SandboxLabel,
  type SandboxPull,
  type SandboxUser,
  simpleUser,
} from './github-sandbox.resources';

/** Loaded only when a sandbox starts: `graphql` and `@octokit/graphql-schema` are devDependencies, and the CLI (whose `demo` runs on this sandbox) loads this module for every command. */
function loadGraphqlEndpoint(): typeof GraphqlEndpoint {
  return require('./github-sandbox.graphql') as typeof GraphqlEndpoint;
}

export const DEFAULT_SANDBOX_TOKEN = 'sandbox-token';
/** GitHub answers recursive trees with at most 100,000 entries (and 7 MB). */
export const GITHUB_TREE_ENTRY_LIMIT = 100_000;
/** The contents API inlines files up to 1 MB. */
export const GITHUB_INLINE_CONTENT_MAX_BYTES = 1024 * 1024;

const DOCS = 'https://docs.github.com/rest';
const MAX_BODY_BYTES = 128 * 1024 * 1024;
const SHA = /^[0-9a-f]{40}$/;
const TOKEN_TTL_MS = 3_600_000;
const SUPPORTED_API_VERSIONS = new Set(['2022-11-28']);
const GRAPHQL = '/graphql';

export interface GitHubSandboxOptions {
  /** Default `acme`. */
  owner?: string;
  /** Default `infra`. */
  repo?: string;
  /** An existing repository (bare, or a work tree) served in place. Default: a new bare repository in a temp folder. */
  repository?: string;
  /** First commit of a new repository: path → content (default a README). */
  files?: Record<string, string>;
  /** First commit of a new repository: the files of this folder (e.g. an examples/ stack). */
  fromDirectory?: string;
  /** Default `main`. */
  defaultBranch?: string;
  /** Tokens accepted as `Authorization: token|Bearer <t>`. Default [`sandbox-token`]. */
  tokens?: string[];
  /** The user those tokens act as. Default `driftwarden-bot`. */
  login?: string;
  /** A GitHub App whose JWTs may exchange for installation tokens. */
  app?: { appId: number | string; installationId: number; publicKey: string };
  /** GitHub Enterprise style prefix, e.g. `/api/v3`: the API is served only under it. */
  pathPrefix?: string;
  /** Check requests and answers against `@octokit/openapi` (a devDependency). Default false. */
  validate?: boolean;
  /** Where `mergePullRequest` / `closePullRequest` deliver `pull_request` webhooks. */
  webhook?: { url: string; secret: string };
  treeEntryLimit?: number;
  inlineContentMaxBytes?: number;
  /** GraphQL `Blob.text` is cut (and `isTruncated`) past this many bytes. Default 512 KiB. */
  graphqlBlobTextMaxBytes?: number;
  clock?: () => Date;
  /** Default 0: any free port. */
  port?: number;
}

/** A failure answered instead of the next matching request(s). */
export interface SandboxFailure {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface SandboxMatch {
  method?: string;
  /** The route template, e.g. `/repos/{owner}/{repo}/git/refs/{ref}`. */
  route?: string;
}

export interface SandboxCall {
  method: string;
  /** As received, without the path prefix (query included). */
  path: string;
  /** The matched route template, when one matched. */
  route?: string;
  operationId?: string;
  status: number;
  injected?: boolean;
  at: string;
  /** The `user-agent` and `x-github-api-version` headers sent (never any credential). */
  userAgent?: string;
  apiVersion?: string;
}

export interface SandboxProblem {
  request: string;
  problems: string[];
}

export interface WebhookDelivery {
  id: string;
  event: string;
  action: string;
  /** HTTP status of the receiver; 0 when it could not be reached. */
  status: number;
  error?: string;
  payload: Record<string, unknown>;
}

/** Ready-made failures: `failNext(sandboxFailures.primaryRateLimit(...))`. */
export const sandboxFailures = {
  serverError(status = 502): SandboxFailure {
    return { status, body: { message: 'Server Error', documentation_url: DOCS } };
  },
  /** Primary limit: 403 with `x-ratelimit-remaining: 0` and the reset time (epoch seconds). */
  primaryRateLimit(resetEpochSeconds: number, status: 403 | 429 = 403): SandboxFailure {
    return {
      status,
      headers: {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': String(resetEpochSeconds),
        'x-ratelimit-resource': 'core',
      },
      body: {
        message: 'API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        status: String(status),
      },
    };
  },
  /** Secondary limit: 403 (or 429) with `retry-after` in seconds. */
  secondaryRateLimit(retryAfterSeconds: number | undefined, status: 403 | 429 = 403): SandboxFailure {
    return {
      status,
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url:
          'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: String(status),
      },
    };
  },
  /** GraphQL's primary limit: HTTP 200 with an error of type RATE_LIMITED and `x-ratelimit-remaining: 0`. */
  graphqlRateLimit(resetEpochSeconds: number): SandboxFailure {
    return {
      status: 200,
      headers: {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': String(resetEpochSeconds),
        'x-ratelimit-resource': 'graphql',
      },
      body: { errors: [{ type: 'RATE_LIMITED', message: 'API rate limit already exceeded for installation ID 4242.' }] },
    };
  },
  unauthorized(): SandboxFailure {
    return { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } };
  },
};

/** An error answer in GitHub's shape. */
export class GitHubApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Array<Record<string, unknown>>,
    readonly documentationUrl: string = DOCS,
  ) {
    super(message);
    this.name = 'GitHubApiError';
  }
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface SandboxRequest {
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  body: unknown;
  headers: IncomingHttpHeaders;
  user: SandboxUser;
  /** The request path without prefix and query, for Link headers. */
  path: string;
}

interface Route {
  method: string;
  template: string;
  segments: string[];
  handler: (req: SandboxRequest) => Promise<Answer>;
  /** Authenticated with a GitHub App JWT instead of a token. */
  appJwt?: boolean;
}

/** Path parameters that may span several segments (`x-multi-segment` in the description). */
const MULTI_SEGMENT = new Set(['ref', 'path', 'tree_sha']);

interface PendingFailure {
  match: SandboxMatch;
  failure: SandboxFailure;
  remaining: number;
}

interface PendingAction {
  match: SandboxMatch;
  action: () => Promise<void> | void;
  remaining: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): GitHubApiError {
  return new GitHubApiError(422, `Invalid request.\n\n${message}`);
}

function requiredString(body: unknown, key: string): string {
  const value = isObject(body) ? body[key] : undefined;
  if (typeof value !== 'string')
    throw invalid(value === undefined ? `"${key}" wasn't supplied.` : `For '${key}', ${JSON.stringify(value)} is not a string.`);
  return value;
}

function optionalString(body: unknown, key: string): string | undefined {
  const value = isObject(body) ? body[key] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`For '${key}', ${JSON.stringify(value)} is not a string.`);
  return value;
}

function optionalBoolean(body: unknown, key: string): boolean | undefined {
  const value = isObject(body) ? body[key] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(`For '${key}', ${JSON.stringify(value)} is not a boolean.`);
  return value;
}

function queryString(query: Record<string, string | string[]>, key: string): string | undefined {
  const value = query[key];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function labelNamesOf(value: unknown): string[] {
  if (!Array.isArray(value)) throw invalid('"labels" must be an array.');
  return value.map((item: unknown) => {
    if (typeof item === 'string') return item;
    if (isObject(item) && typeof item.name === 'string') return item.name;
    throw invalid(`For 'labels', ${JSON.stringify(item)} is not a label name.`);
  });
}

function matches(match: SandboxMatch, method: string, route: string | undefined): boolean {
  return (match.method === undefined || match.method.toUpperCase() === method) && (match.route === undefined || match.route === route);
}

export class GitHubSandbox {
  /** Every request, in arrival order. */
  readonly calls: SandboxCall[] = [];
  /** Requests refused because they do not conform to the API description (validation on). */
  readonly requestProblems: SandboxProblem[] = [];
  /** Answers that did not conform to the API description (validation on): a sandbox bug. */
  readonly responseProblems: SandboxProblem[] = [];
  /** Unexpected exceptions while handling a request (answered 500). */
  readonly internalErrors: unknown[] = [];
  /** Webhooks delivered by `mergePullRequest` / `closePullRequest`. */
  readonly deliveries: WebhookDelivery[] = [];
  /** GraphQL fields that were valid for GitHub but that the sandbox does not implement. */
  readonly graphqlUnimplemented: string[] = [];

  readonly owner: string;
  readonly repo: string;
  readonly defaultBranch: string;

  private readonly routes: Route[];
  private readonly tokens: Set<string>;
  private readonly installationTokens = new Map<string, number>();
  private readonly failures: PendingFailure[] = [];
  private readonly actions: PendingAction[] = [];
  private readonly pulls = new Map<number, SandboxPull>();
  private readonly issues = new Map<number, SandboxIssue>();
  private readonly commentList: SandboxComment[] = [];
  private readonly labelList: SandboxLabel[] = [];
  private readonly user: SandboxUser;
  private readonly appUser: SandboxUser = { login: 'driftwarden-sandbox[bot]', id: 41, type: 'Bot' };
  private readonly clock: () => Date;
  private readonly prefix: string;
  private readonly appKey: KeyObject | undefined;
  private readonly createdAt: string;
  private webhookTarget: { url: string; secret: string } | undefined;
  private nextNumber = 1;
  private nextId = 1000;
  private server: Server | undefined;
  private origin = '';
  private used = 0;

  private constructor(
    readonly repository: GitRepository,
    private readonly options: GitHubSandboxOptions,
    private readonly contract: GitHubOpenApiContract | undefined,
    private readonly graphqlEndpoint: typeof GraphqlEndpoint,
  ) {
    this.owner = options.owner ?? 'acme';
    this.repo = options.repo ?? 'infra';
    this.defaultBranch = options.defaultBranch ?? 'main';
    this.tokens = new Set(options.tokens ?? [DEFAULT_SANDBOX_TOKEN]);
    this.user = { login: options.login ?? 'driftwarden-bot', id: 40, type: 'User' };
    this.clock = options.clock ?? (() => new Date());
    this.prefix = (options.pathPrefix ?? '').replace(/\/+$/, '');
    if (this.prefix !== '' && !this.prefix.startsWith('/')) throw new Error('pathPrefix must start with "/"');
    this.appKey = options.app ? createPublicKey(options.app.publicKey) : undefined;
    this.webhookTarget = options.webhook;
    this.createdAt = githubDate(this.clock());
    this.routes = this.buildRoutes();
  }

  /** Starts a sandbox on 127.0.0.1 (any free port unless `options.port`). */
  static async start(options: GitHubSandboxOptions = {}): Promise<GitHubSandbox> {
    // Loaded only when asked for: it needs devDependencies (@octokit/openapi, ajv).
    let contract: GitHubOpenApiContract | undefined;
    if (options.validate) {
      try {
        contract = (require('./github-openapi.contract') as typeof import('./github-openapi.contract')).loadGitHubOpenApiContract();
      } catch (err) {
        throw new Error(
          `GitHub sandbox: validate: true needs the devDependencies @octokit/openapi, ajv and ajv-formats (${err instanceof Error ? err.message : String(err)})`,
          { cause: err },
        );
      }
    }
    const branch = options.defaultBranch ?? 'main';
    const repository = options.repository
      ? await GitRepository.open(options.repository)
      : await GitRepository.create({ branch, files: options.files, fromDirectory: options.fromDirectory });
    if (!(await repository.refSha(`refs/heads/${branch}`))) {
      repository.dispose();
      throw new Error(`the repository has no branch ${branch}`);
    }
    // GitHub's GraphQL schema is loaded now (once per process), not during the first request.
    let graphql: typeof GraphqlEndpoint;
    try {
      graphql = loadGraphqlEndpoint();
      graphql.gitHubGraphqlSchema();
    } catch (err) {
      repository.dispose();
      throw new Error(
        `GitHub sandbox: GraphQL needs the devDependencies graphql and @octokit/graphql-schema (${err instanceof Error ? err.message : String(err)})`,
        { cause: err },
      );
    }
    const sandbox = new GitHubSandbox(repository, options, contract, graphql);
    await sandbox.listen(options.port ?? 0);
    return sandbox;
  }

  /** The API base URL to configure as `github.apiUrl` (with the path prefix, if any). */
  get url(): string {
    return `${this.origin}${this.prefix}`;
  }

  /** The git directory: `git --git-dir=<gitDir> log main` (or `git -C <gitDir> …` for a bare repository). */
  get gitDir(): string {
    return this.repository.gitDir;
  }

  /** Stops the server; a repository the sandbox created is deleted unless `keepRepository`. */
  async close(options: { keepRepository?: boolean } = {}): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    }
    if (!options.keepRepository) this.repository.dispose();
  }

  // --- test and demo controls ------------------------------------------------------------------

  /** Answers the next `times` matching requests with `failure` (before authentication). */
  failNext(failure: SandboxFailure, times = 1, match: SandboxMatch = {}): void {
    this.failures.push({ match, failure, remaining: times });
  }

  /** Runs `action` before the next `times` matching requests are handled (e.g. a concurrent push). */
  beforeNext(match: SandboxMatch, action: () => Promise<void> | void, times = 1): void {
    this.actions.push({ match, action, remaining: times });
  }

  setWebhook(target: { url: string; secret: string } | undefined): void {
    this.webhookTarget = target;
  }

  /** The commit a branch points to, or undefined. */
  branchSha(branch: string): Promise<string | undefined> {
    return this.repository.refSha(`refs/heads/${branch}`);
  }

  /** A file's content at a branch or SHA, or undefined. */
  async readFile(ref: string, file: string): Promise<string | undefined> {
    const commit = await this.repository.resolveCommitish(ref);
    if (!commit) return undefined;
    const entry = await this.repository.entryAt(commit, file);
    if (!entry || entry.type !== 'blob') return undefined;
    return (await this.repository.readBlob(entry.sha)).toString('utf8');
  }

  /** Someone pushes a commit to `branch` directly (path → content, `null` deletes). Creates the branch from the default one if needed. */
  async commit(branch: string, files: Record<string, string | null>, message: string, author?: GitIdentity): Promise<string> {
    const ref = `refs/heads/${branch}`;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const current = await this.repository.refSha(ref);
      const parent = current ?? (await this.repository.refSha(`refs/heads/${this.defaultBranch}`));
      if (!parent) throw new Error(`no branch ${branch} and no ${this.defaultBranch}`);
      const base = (await this.repository.readCommit(parent)).tree;
      const changes: GitTreeChange[] = [];
      for (const [file, content] of Object.entries(files)) {
        changes.push({
          path: file,
          mode: '100644',
          type: 'blob',
          sha: content === null ? null : await this.repository.writeBlob(Buffer.from(content)),
        });
      }
      const tree = await this.repository.buildTree(base, changes);
      const who = author ?? { name: 'Alice Operator', email: 'alice@example.com' };
      const sha = await this.repository.createCommit({ tree, parents: [parent], message, author: who, committer: who });
      const moved = current ? await this.repository.advanceBranch(branch, sha, current) : await this.repository.updateRef(ref, sha, null);
      if (moved) return sha;
    }
    throw new Error(`branch ${branch} kept moving`);
  }

  pullRequests(): SandboxPull[] {
    return [...this.pulls.values()].map((p) => ({ ...p, labels: [...p.labels] }));
  }

  pullRequest(number: number): SandboxPull | undefined {
    const pr = this.pulls.get(number);
    return pr ? { ...pr, labels: [...pr.labels] } : undefined;
  }

  /** The comments on an issue or pull request, oldest first. */
  comments(issueNumber: number): SandboxComment[] {
    return this.commentList.filter((c) => c.issueNumber === issueNumber);
  }

  allIssues(): SandboxIssue[] {
    return [...this.issues.values()].map((i) => ({ ...i, labels: [...i.labels] }));
  }

  labels(): SandboxLabel[] {
    return this.labelList.map((l) => ({ ...l }));
  }

  /**
   * Merges an open pull request like GitHub's merge button (a merge commit with both parents,
   * `merge-tree --write-tree`), marks it merged and, if a webhook is set, delivers
   * `pull_request` `closed` with `merged: true`.
   */
  async mergePullRequest(
    number: number,
    options: { deliver?: boolean; by?: string } = {},
  ): Promise<{ sha: string; delivery?: WebhookDelivery }> {
    const pr = this.pulls.get(number);
    if (!pr || pr.state !== 'open') throw new GitHubApiError(405, 'Pull Request is not mergeable');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const head = await this.branchSha(pr.head);
      const base = await this.branchSha(pr.base);
      if (!head || !base) throw new GitHubApiError(422, 'Head or base branch is missing');
      const merged = await this.repository.mergeTree(base, head);
      if (!('tree' in merged)) throw new GitHubApiError(405, `Merge conflict in ${merged.conflicts.join(', ')}`);
      const who: GitIdentity = { name: options.by ?? 'Alice Operator', email: 'alice@example.com', date: this.clock().toISOString() };
      const sha = await this.repository.createCommit({
        tree: merged.tree,
        parents: [base, head],
        message: `Merge pull request #${pr.number} from ${this.owner}/${pr.head}\n\n${pr.title}\n`,
        author: who,
        committer: who,
      });
      if (!(await this.repository.advanceBranch(pr.base, sha, base))) continue;
      const now = githubDate(this.clock());
      Object.assign(pr, {
        state: 'closed',
        merged: true,
        mergedAt: now,
        closedAt: now,
        updatedAt: now,
        mergeCommitSha: sha,
        closedHeadSha: head,
        mergedBy: { login: options.by ?? 'alice', id: 7, type: 'User' },
      } satisfies Partial<SandboxPull>);
      const delivery = options.deliver === false ? undefined : await this.deliverPullRequestEvent(pr, 'closed');
      return { sha, ...(delivery ? { delivery } : {}) };
    }
    throw new Error(`base branch ${pr.base} kept moving`);
  }

  /** Closes an open pull request without merging and, if a webhook is set, delivers `closed` with `merged: false`. */
  async closePullRequest(number: number, options: { deliver?: boolean } = {}): Promise<{ delivery?: WebhookDelivery }> {
    const pr = this.pulls.get(number);
    if (!pr || pr.state !== 'open') throw new GitHubApiError(422, 'Pull request is not open');
    const now = githubDate(this.clock());
    Object.assign(pr, {
      state: 'closed',
      closedAt: now,
      updatedAt: now,
      closedHeadSha: await this.branchSha(pr.head),
    } satisfies Partial<SandboxPull>);
    const delivery = options.deliver === false ? undefined : await this.deliverPullRequestEvent(pr, 'closed');
    return delivery ? { delivery } : {};
  }

  /** The `pull_request` webhook payload GitHub would send for this PR and action. */
  async pullRequestEventPayload(number: number, action: string): Promise<Record<string, unknown>> {
    const pr = this.pulls.get(number);
    if (!pr) throw new Error(`no pull request #${number}`);
    return {
      action,
      number: pr.number,
      pull_request: await this.renderPull(pr, false),
      repository: repositoryResource(this.ctx(), this.defaultBranch, this.openIssueCount()),
      sender: simpleUser(this.ctx(), pr.mergedBy ?? this.user),
    };
  }

  // --- HTTP ------------------------------------------------------------------------------------

  private listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.internalErrors.push(err);
        if (!res.headersSent) this.send(res, { status: 500, body: errorBody('Server Error', DOCS, 500) });
        else res.destroy();
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        this.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        resolve();
      });
    });
  }

  private ctx(): ResourceContext {
    return {
      apiUrl: this.url,
      webUrl: this.origin,
      owner: this.owner,
      repo: this.repo,
      repoId: 4242,
      ownerId: 4200,
      createdAt: this.createdAt,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const call: SandboxCall = {
      method,
      path: `${url.pathname}${url.search}`,
      status: 0,
      at: this.clock().toISOString(),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      ...(typeof req.headers['x-github-api-version'] === 'string' ? { apiVersion: req.headers['x-github-api-version'] } : {}),
    };
    this.calls.push(call);
    const answer = await readBody(req)
      .then((raw) => this.answer(method, url, raw, req.headers, call))
      .catch((err: unknown): Answer => {
        if (err instanceof GitHubApiError)
          return { status: err.status, body: errorBody(err.message, err.documentationUrl, err.status, err.errors) };
        this.internalErrors.push(err);
        return { status: 500, body: errorBody(err instanceof GitCommandError ? 'Git error' : 'Server Error', DOCS, 500) };
      });
    call.status = answer.status;
    this.send(res, answer);
  }

  private async answer(method: string, url: URL, raw: Buffer, headers: IncomingHttpHeaders, call: SandboxCall): Promise<Answer> {
    if (
      this.prefix !== '' &&
      url.pathname !== this.graphqlPath &&
      url.pathname !== this.prefix &&
      !url.pathname.startsWith(`${this.prefix}/`)
    ) {
      throw new GitHubApiError(404, 'Not Found');
    }
    const path = url.pathname === this.graphqlPath ? '/graphql' : url.pathname.slice(this.prefix.length) || '/';
    // GitHub Enterprise serves GraphQL at /api/graphql only: /api/v3/graphql is a 404 there.
    if (path === GRAPHQL && url.pathname !== this.graphqlPath) throw new GitHubApiError(404, 'Not Found');
    call.path = `${path}${url.search}`;
    const found = this.match(method, path);
    if (found) {
      call.route = found.route.template;
      const operationId = found.route.template === GRAPHQL ? 'graphql' : this.contract?.operationId(method, found.route.template);
      if (operationId) call.operationId = operationId;
    }

    for (const pending of this.actions) {
      if (pending.remaining > 0 && matches(pending.match, method, call.route)) {
        pending.remaining -= 1;
        await pending.action();
      }
    }
    const failure = this.failures.find((f) => f.remaining > 0 && matches(f.match, method, call.route));
    if (failure) {
      failure.remaining -= 1;
      call.injected = true;
      return {
        status: failure.failure.status,
        body: failure.failure.body ?? errorBody('Injected failure', DOCS, failure.failure.status),
        headers: failure.failure.headers,
      };
    }

    if (!found) throw new GitHubApiError(404, 'Not Found');
    const { route, params } = found;
    const version = headers['x-github-api-version'];
    if (version !== undefined && !SUPPORTED_API_VERSIONS.has(String(version))) {
      throw new GitHubApiError(400, `API version ${String(version)} is not supported.`);
    }
    const user = this.authenticate(headers, route);

    if (
      params.owner !== undefined &&
      (params.owner.toLowerCase() !== this.owner.toLowerCase() || (params.repo ?? '').toLowerCase() !== this.repo.toLowerCase())
    ) {
      throw new GitHubApiError(404, 'Not Found');
    }

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new GitHubApiError(400, 'Problems parsing JSON');
      }
    }
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of url.searchParams) {
      const before = query[key];
      query[key] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
    }

    // GraphQL requests are checked against GitHub's GraphQL schema by the handler instead.
    if (this.contract && route.template !== GRAPHQL) {
      const problems = this.contract.validateRequest(method, route.template, { params, query, body });
      if (problems.length > 0) {
        this.requestProblems.push({ request: `${method} ${path}`, problems });
        throw invalid(problems.join('\n'));
      }
    }

    let answer: Answer;
    try {
      answer = await route.handler({ params, query, body, headers, user, path });
    } catch (err) {
      if (!(err instanceof GitHubApiError)) throw err;
      answer = { status: err.status, body: errorBody(err.message, err.documentationUrl, err.status, err.errors) };
    }
    if (
      this.contract &&
      route.template !== GRAPHQL &&
      answer.body !== undefined &&
      this.contract.declaresStatus(method, route.template, answer.status)
    ) {
      const problems = this.contract.validateResponse(method, route.template, answer.status, answer.body);
      if (problems.length > 0) {
        this.responseProblems.push({ request: `${method} ${path} → ${answer.status}`, problems });
        return {
          status: 500,
          body: errorBody(`sandbox: the answer does not match the GitHub API description: ${problems.slice(0, 5).join('; ')}`, DOCS, 500),
        };
      }
    }
    return answer;
  }

  private send(res: ServerResponse, answer: Answer): void {
    this.used += 1;
    const reset = Math.floor(this.clock().getTime() / 1000) + 3600;
    const headers: Record<string, string> = {
      'x-github-request-id': randomUUID().toUpperCase(),
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(Math.max(0, 5000 - this.used)),
      'x-ratelimit-used': String(this.used),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-resource': 'core',
      ...answer.headers,
    };
    if (answer.body === undefined) {
      res.writeHead(answer.status, headers);
      res.end();
      return;
    }
    const payload = Buffer.from(JSON.stringify(answer.body));
    res.writeHead(answer.status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(payload.length),
    });
    res.end(payload);
  }

  private match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    const parts = path.replace(/^\/+|\/+$/g, '').split('/');
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < route.segments.length && ok; i += 1) {
        const segment = route.segments[i];
        const param = /^\{(.+)\}$/.exec(segment)?.[1];
        const last = i === route.segments.length - 1;
        if (param && last && MULTI_SEGMENT.has(param)) {
          const rest = parts.slice(i);
          if (rest.length === 0 || rest.some((p) => p === '')) ok = false;
          else params[param] = rest.map((p) => decodeURIComponent(p)).join('/');
          break;
        }
        if (i >= parts.length || parts[i] === '') ok = false;
        else if (param) params[param] = decodeURIComponent(parts[i]);
        else if (segment !== parts[i]) ok = false;
        if (last && parts.length !== route.segments.length) ok = false;
      }
      if (ok) return { route, params };
    }
    return undefined;
  }

  private authenticate(headers: IncomingHttpHeaders, route: Route): SandboxUser {
    const header = headers.authorization ?? '';
    const match = /^(token|bearer)\s+(\S+)$/i.exec(header.trim());
    const credential = match?.[2];
    if (route.appJwt) {
      if (!credential || !this.verifyAppJwt(credential)) {
        throw new GitHubApiError(401, 'A JSON web token could not be decoded', undefined, DOCS);
      }
      return this.appUser;
    }
    if (credential && this.tokens.has(credential)) return this.user;
    const expires = credential ? this.installationTokens.get(credential) : undefined;
    if (expires !== undefined && expires > this.clock().getTime()) return this.appUser;
    throw new GitHubApiError(401, 'Bad credentials');
  }

  /** RS256 JWT from the configured app: signature, `iss`, `exp` in the future, `iat` not ahead. */
  private verifyAppJwt(jwt: string): boolean {
    const app = this.options.app;
    if (!app || !this.appKey) return false;
    const parts = jwt.split('.');
    if (parts.length !== 3) return false;
    try {
      const header: unknown = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
      if (!isObject(header) || header.alg !== 'RS256' || !isObject(payload)) return false;
      const now = Math.floor(this.clock().getTime() / 1000);
      if (String(payload.iss) !== String(app.appId)) return false;
      if (typeof payload.exp !== 'number' || payload.exp <= now || payload.exp > now + 600 + 60) return false;
      if (typeof payload.iat !== 'number' || payload.iat > now + 60) return false;
      return verifySignature('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), this.appKey, Buffer.from(parts[2], 'base64url'));
    } catch {
      return false;
    }
  }

  // --- routes ----------------------------------------------------------------------------------

  private buildRoutes(): Route[] {
    const r = (method: string, template: string, handler: (req: SandboxRequest) => Promise<Answer>, appJwt = false): Route => ({
      method,
      template,
      segments: template.replace(/^\//, '').split('/'),
      handler,
      ...(appJwt ? { appJwt } : {}),
    });
    const repo = '/repos/{owner}/{repo}';
    return [
      r('POST', '/app/installations/{installation_id}/access_tokens', (q) => this.createInstallationToken(q), true),
      r('POST', GRAPHQL, (q) => this.graphql(q)),
      r('GET', `${repo}/git/ref/{ref}`, (q) => this.getRef(q)),
      r('POST', `${repo}/git/refs`, (q) => this.createRef(q)),
      r('PATCH', `${repo}/git/refs/{ref}`, (q) => this.updateRef(q)),
      r('GET', `${repo}/git/trees/{tree_sha}`, (q) => this.getTree(q)),
      r('POST', `${repo}/git/trees`, (q) => this.createTree(q)),
      r('GET', `${repo}/git/blobs/{file_sha}`, (q) => this.getBlob(q)),
      r('POST', `${repo}/git/blobs`, (q) => this.createBlob(q)),
      r('GET', `${repo}/git/commits/{commit_sha}`, (q) => this.getCommit(q)),
      r('POST', `${repo}/git/commits`, (q) => this.createCommit(q)),
      r('GET', `${repo}/contents/{path}`, (q) => this.getContent(q)),
      r('GET', `${repo}/pulls`, (q) => this.listPulls(q)),
      r('POST', `${repo}/pulls`, (q) => this.createPull(q)),
      r('GET', `${repo}/pulls/{pull_number}`, (q) => this.getPull(q)),
      r('PATCH', `${repo}/pulls/{pull_number}`, (q) => this.updatePull(q)),
      r('GET', `${repo}/labels`, (q) => this.listLabels(q)),
      r('POST', `${repo}/labels`, (q) => this.createLabel(q)),
      r('POST', `${repo}/issues/{issue_number}/labels`, (q) => this.addLabels(q)),
      r('POST', `${repo}/issues/{issue_number}/comments`, (q) => this.createComment(q)),
      r('GET', `${repo}/issues/{issue_number}/comments`, (q) => this.listComments(q)),
      r('GET', `${repo}/issues`, (q) => this.listIssues(q)),
      r('POST', `${repo}/issues`, (q) => this.createIssue(q)),
      r('PATCH', `${repo}/issues/{issue_number}`, (q) => this.updateIssue(q)),
    ];
  }

  private api(suffix: string): string {
    return `${this.url}/repos/${this.owner}/${this.repo}${suffix}`;
  }

  private now(): string {
    return githubDate(this.clock());
  }

  private identity(user: SandboxUser): GitIdentity {
    return { name: user.login, email: `${user.id}+${user.login}@users.noreply.sandbox`, date: this.clock().toISOString() };
  }

  private async commitSha(sha: string): Promise<string | undefined> {
    return SHA.test(sha) && (await this.repository.objectType(sha)) === 'commit' ? sha : undefined;
  }

  // git refs

  private async getRef(q: SandboxRequest): Promise<Answer> {
    const ref = `refs/${q.params.ref.replace(/^refs\//, '')}`;
    const sha = await this.repository.refSha(ref);
    if (!sha) throw new GitHubApiError(404, 'Not Found', undefined, 'https://docs.github.com/rest/git/refs#get-a-reference');
    return { status: 200, body: gitRef(this.ctx(), ref, sha) };
  }

  private async createRef(q: SandboxRequest): Promise<Answer> {
    const ref = requiredString(q.body, 'ref');
    const sha = requiredString(q.body, 'sha');
    if (!ref.startsWith('refs/') || ref.split('/').length < 3 || ref.split('/').some((p) => p === '')) {
      throw new GitHubApiError(422, `Reference name must start with 'refs/' and have at least two slashes: ${ref}`);
    }
    if (!/^refs\/[A-Za-z0-9._\-/]+$/.test(ref) || ref.includes('..') || ref.endsWith('.lock') || ref.endsWith('/')) {
      throw new GitHubApiError(422, `${ref} is not a valid ref name.`);
    }
    if (!(await this.commitSha(sha))) throw new GitHubApiError(422, 'Object does not exist');
    if (!(await this.repository.updateRef(ref, sha, null)))
      throw new GitHubApiError(422, 'Reference already exists', undefined, 'https://docs.github.com/rest/git/refs#create-a-reference');
    return { status: 201, body: gitRef(this.ctx(), ref, sha), headers: { location: this.api(`/git/${ref}`) } };
  }

  private async updateRef(q: SandboxRequest): Promise<Answer> {
    const name = q.params.ref.replace(/^refs\//, '');
    const ref = `refs/${name}`;
    const sha = requiredString(q.body, 'sha');
    const force = optionalBoolean(q.body, 'force') ?? false;
    const current = await this.repository.refSha(ref);
    if (!current) throw new GitHubApiError(422, 'Reference does not exist');
    if (!(await this.commitSha(sha))) throw new GitHubApiError(422, 'Object does not exist');
    if (!force && !(await this.repository.isAncestor(current, sha))) {
      throw new GitHubApiError(422, 'Update is not a fast forward', undefined, 'https://docs.github.com/rest/git/refs#update-a-reference');
    }
    const moved = name.startsWith('heads/')
      ? await this.repository.advanceBranch(name.slice('heads/'.length), sha, current)
      : await this.repository.updateRef(ref, sha, current);
    if (!moved)
      throw new GitHubApiError(422, 'Update is not a fast forward', undefined, 'https://docs.github.com/rest/git/refs#update-a-reference');
    return { status: 200, body: gitRef(this.ctx(), ref, sha) };
  }

  // git trees, blobs, commits

  /** A tree SHA for a tree SHA, a commit SHA, or a branch/tag name (GitHub accepts all three). */
  private async treeOf(treeish: string): Promise<string | undefined> {
    if (SHA.test(treeish)) {
      const type = await this.repository.objectType(treeish);
      if (type === 'tree') return treeish;
      if (type === 'commit') return this.repository.resolve(`${treeish}^{tree}`);
      return undefined;
    }
    const commit = await this.repository.resolveCommitish(treeish);
    return commit ? this.repository.resolve(`${commit}^{tree}`) : undefined;
  }

  private async getTree(q: SandboxRequest): Promise<Answer> {
    const tree = await this.treeOf(q.params.tree_sha);
    if (!tree) throw new GitHubApiError(404, 'Not Found', undefined, 'https://docs.github.com/rest/git/trees#get-a-tree');
    // "Setting this parameter to any value returns the objects or subtrees referenced by the tree."
    const recursive = q.query.recursive !== undefined;
    const limit = this.options.treeEntryLimit ?? GITHUB_TREE_ENTRY_LIMIT;
    const items = await this.repository.listTree(tree, recursive);
    const truncated = items.length > limit;
    return {
      status: 200,
      body: {
        sha: tree,
        url: this.api(`/git/trees/${tree}`),
        tree: items.slice(0, limit).map((i) => ({
          path: i.path,
          mode: i.mode,
          type: i.type,
          sha: i.sha,
          ...(i.size !== undefined ? { size: i.size } : {}),
          ...(i.type === 'commit' ? {} : { url: this.api(`/git/${i.type === 'tree' ? 'trees' : 'blobs'}/${i.sha}`) }),
        })),
        truncated,
      },
    };
  }

  private async createTree(q: SandboxRequest): Promise<Answer> {
    const baseTreeRaw = optionalString(q.body, 'base_tree');
    const entries = isObject(q.body) ? q.body.tree : undefined;
    if (!Array.isArray(entries)) throw invalid('"tree" wasn\'t supplied.');
    let baseTree: string | undefined;
    if (baseTreeRaw !== undefined) {
      baseTree = SHA.test(baseTreeRaw) ? await this.treeOf(baseTreeRaw) : undefined;
      if (!baseTree) throw new GitHubApiError(422, `base_tree ${baseTreeRaw} is not a valid tree`);
    }
    const changes: GitTreeChange[] = [];
    for (const [index, entry] of entries.entries()) {
      if (!isObject(entry)) throw invalid(`For 'items', ${JSON.stringify(entry)} is not an object.`);
      const path = requiredString(entry, 'path');
      const mode = requiredString(entry, 'mode');
      const type = requiredString(entry, 'type');
      const expectedType = mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
      if (!['100644', '100755', '040000', '160000', '120000'].includes(mode) || type !== expectedType) {
        throw new GitHubApiError(422, `tree.${index}: mode ${mode} does not go with type ${type}`);
      }
      if (path === '' || path.startsWith('/') || path.split('/').some((p) => p === '' || p === '.' || p === '..' || p === '.git')) {
        throw new GitHubApiError(422, `tree.path contains a malformed path component: ${path}`);
      }
      const hasSha = 'sha' in entry;
      const hasContent = entry.content !== undefined;
      if (hasSha && hasContent)
        throw new GitHubApiError(422, 'Must supply either tree.sha or tree.content. Request will be rejected if both are present.');
      if (!hasSha && !hasContent) throw new GitHubApiError(422, 'Must supply either tree.sha or tree.content.');
      if (hasContent) {
        if (type !== 'blob') throw new GitHubApiError(422, 'tree.content can only be used for blobs');
        const content = requiredString(entry, 'content');
        changes.push({ path, mode, type, sha: await this.repository.writeBlob(Buffer.from(content, 'utf8')) });
        continue;
      }
      const sha = entry.sha;
      if (sha === null) {
        changes.push({ path, mode, type, sha: null });
        continue;
      }
      if (typeof sha !== 'string' || !SHA.test(sha))
        throw new GitHubApiError(422, `tree.sha ${JSON.stringify(sha)} is not a valid ${type}`);
      if (type !== 'commit' && (await this.repository.objectType(sha)) !== type)
        throw new GitHubApiError(422, `tree.sha ${sha} is not a valid ${type}`);
      changes.push({ path, mode, type, sha });
    }
    const tree = await this.repository.buildTree(baseTree, changes);
    const items = await this.repository.listTree(tree, false);
    return {
      status: 201,
      headers: { location: this.api(`/git/trees/${tree}`) },
      body: {
        sha: tree,
        url: this.api(`/git/trees/${tree}`),
        tree: items.map((i) => ({
          path: i.path,
          mode: i.mode,
          type: i.type,
          sha: i.sha,
          ...(i.size !== undefined ? { size: i.size } : {}),
          ...(i.type === 'commit' ? {} : { url: this.api(`/git/${i.type === 'tree' ? 'trees' : 'blobs'}/${i.sha}`) }),
        })),
        truncated: false,
      },
    };
  }

  private async getBlob(q: SandboxRequest): Promise<Answer> {
    const sha = q.params.file_sha;
    if (!SHA.test(sha) || (await this.repository.objectType(sha)) !== 'blob') {
      throw new GitHubApiError(404, 'Not Found', undefined, 'https://docs.github.com/rest/git/blobs#get-a-blob');
    }
    const content = await this.repository.readBlob(sha);
    return {
      status: 200,
      body: {
        sha,
        node_id: Buffer.from(`04:Blob${sha}`).toString('base64'),
        size: content.length,
        url: this.api(`/git/blobs/${sha}`),
        content: githubBase64(content),
        encoding: 'base64',
      },
    };
  }

  private async createBlob(q: SandboxRequest): Promise<Answer> {
    const content = requiredString(q.body, 'content');
    const encoding = optionalString(q.body, 'encoding') ?? 'utf-8';
    let bytes: Buffer;
    if (encoding === 'utf-8' || encoding === 'utf8') bytes = Buffer.from(content, 'utf8');
    else if (encoding === 'base64') {
      if (!/^[A-Za-z0-9+/=\s]*$/.test(content)) throw new GitHubApiError(422, 'content is not valid Base64');
      bytes = Buffer.from(content, 'base64');
    } else throw new GitHubApiError(422, `encoding must be "utf-8" or "base64", not ${JSON.stringify(encoding)}`);
    const sha = await this.repository.writeBlob(bytes);
    return { status: 201, headers: { location: this.api(`/git/blobs/${sha}`) }, body: { url: this.api(`/git/blobs/${sha}`), sha } };
  }

  private async getCommit(q: SandboxRequest): Promise<Answer> {
    const sha = await this.commitSha(q.params.commit_sha);
    if (!sha) throw new GitHubApiError(404, 'Not Found', undefined, 'https://docs.github.com/rest/git/commits#get-a-commit-object');
    return { status: 200, body: gitCommit(this.ctx(), await this.repository.readCommit(sha)) };
  }

  private async createCommit(q: SandboxRequest): Promise<Answer> {
    const message = requiredString(q.body, 'message');
    const tree = requiredString(q.body, 'tree');
    const parentsRaw = isObject(q.body) ? (q.body.parents ?? []) : [];
    if (!Array.isArray(parentsRaw)) throw invalid('"parents" must be an array.');
    if (!SHA.test(tree) || (await this.repository.objectType(tree)) !== 'tree') throw new GitHubApiError(422, 'Tree SHA does not exist');
    const parents: string[] = [];
    for (const parent of parentsRaw) {
      if (typeof parent !== 'string' || !(await this.commitSha(parent)))
        throw new GitHubApiError(422, 'Parent SHA does not exist or is not a commit object');
      parents.push(parent);
    }
    const person = (key: string, fallback: GitIdentity): GitIdentity => {
      const value = isObject(q.body) ? q.body[key] : undefined;
      if (!isObject(value)) return fallback;
      return {
        name: requiredString(value, 'name'),
        email: requiredString(value, 'email'),
        date: optionalString(value, 'date') ?? fallback.date,
      };
    };
    const author = person('author', this.identity(q.user));
    const committer = person('committer', author);
    const sha = await this.repository.createCommit({ tree, parents, message, author, committer });
    return {
      status: 201,
      headers: { location: this.api(`/git/commits/${sha}`) },
      body: gitCommit(this.ctx(), await this.repository.readCommit(sha)),
    };
  }

  // contents

  private async getContent(q: SandboxRequest): Promise<Answer> {
    const ref = queryString(q.query, 'ref') ?? this.defaultBranch;
    const commit = await this.repository.resolveCommitish(ref);
    if (!commit)
      throw new GitHubApiError(
        404,
        `No commit found for the ref ${ref}`,
        undefined,
        'https://docs.github.com/rest/repos/contents#get-repository-content',
      );
    const path = q.params.path.replace(/^\/+|\/+$/g, '');
    const entry = await this.repository.entryAt(commit, path);
    if (!entry) throw new GitHubApiError(404, 'Not Found', undefined, 'https://docs.github.com/rest/repos/contents#get-repository-content');
    const ctx = this.ctx();
    if (entry.type === 'tree') {
      const children = await this.repository.listTree(entry.sha, false);
      return {
        status: 200,
        body: children
          .filter((c) => c.type !== 'commit')
          .map((c) =>
            contentEntry(
              ctx,
              {
                path: `${path}/${c.path}`,
                sha: c.sha,
                size: c.size ?? 0,
                type: c.type === 'tree' ? 'dir' : c.mode === '120000' ? 'symlink' : 'file',
              },
              ref,
            ),
          ),
      };
    }
    if (entry.type !== 'blob') throw new GitHubApiError(404, 'Not Found');
    const content = await this.repository.readBlob(entry.sha);
    const base = contentEntry(ctx, { path, sha: entry.sha, size: content.length, type: entry.mode === '120000' ? 'symlink' : 'file' }, ref);
    if (entry.mode === '120000') return { status: 200, body: { ...base, target: content.toString('utf8') } };
    const inline = content.length <= (this.options.inlineContentMaxBytes ?? GITHUB_INLINE_CONTENT_MAX_BYTES);
    return { status: 200, body: { ...base, content: inline ? githubBase64(content) : '', encoding: inline ? 'base64' : 'none' } };
  }

  // pull requests

  private async pullFacts(pr: SandboxPull): Promise<PullGitFacts> {
    const baseSha = (await this.branchSha(pr.base)) ?? '';
    const headSha =
      pr.state === 'closed' && pr.closedHeadSha ? pr.closedHeadSha : ((await this.branchSha(pr.head)) ?? pr.closedHeadSha ?? '');
    let commits = 0;
    let additions = 0;
    let deletions = 0;
    let changedFiles = 0;
    let mergeable: boolean | null = null;
    if (baseSha && headSha) {
      const mergeBase = (await this.repository.git(['merge-base', baseSha, headSha], { okCodes: [1] })).toString('utf8').trim();
      if (mergeBase) {
        commits = (await this.repository.commitsBetween(mergeBase, headSha)).length;
        const numstat = (await this.repository.git(['diff', '--numstat', mergeBase, headSha])).toString('utf8').trim();
        for (const line of numstat === '' ? [] : numstat.split('\n')) {
          const [added, removed] = line.split('\t');
          additions += Number(added) || 0;
          deletions += Number(removed) || 0;
          changedFiles += 1;
        }
      }
      if (pr.state === 'open') mergeable = 'tree' in (await this.repository.mergeTree(baseSha, headSha));
    }
    return { headSha, baseSha, commits, additions, deletions, changedFiles, mergeable };
  }

  private async renderPull(pr: SandboxPull, simple: boolean): Promise<Record<string, unknown>> {
    return pullResource(this.ctx(), pr, await this.pullFacts(pr), this.labelList, this.defaultBranch, this.openIssueCount(), simple);
  }

  private openIssueCount(): number {
    return (
      [...this.issues.values()].filter((i) => i.state === 'open').length + [...this.pulls.values()].filter((p) => p.state === 'open').length
    );
  }

  private pullOr404(number: string): SandboxPull {
    const pr = this.pulls.get(Number(number));
    if (!pr) throw new GitHubApiError(404, 'Not Found', undefined, 'https://docs.github.com/rest/pulls/pulls#get-a-pull-request');
    return pr;
  }

  private async listPulls(q: SandboxRequest): Promise<Answer> {
    const state = queryString(q.query, 'state') ?? 'open';
    const head = queryString(q.query, 'head');
    const base = queryString(q.query, 'base');
    let list = [...this.pulls.values()].filter((p) => state === 'all' || p.state === state);
    // `head` must be `owner:branch`; GitHub ignores a bare branch name (CONTRACTS.md §D).
    if (head !== undefined && head.includes(':')) {
      const [owner, branch] = [head.slice(0, head.indexOf(':')), head.slice(head.indexOf(':') + 1)];
      list = list.filter((p) => owner.toLowerCase() === this.owner.toLowerCase() && p.head === branch);
    }
    if (base !== undefined) list = list.filter((p) => p.base === base);
    const sort = queryString(q.query, 'sort') ?? 'created';
    const direction = queryString(q.query, 'direction') ?? 'desc';
    list.sort((a, b) => (sort === 'updated' ? a.updatedAt.localeCompare(b.updatedAt) || a.number - b.number : a.number - b.number));
    if (direction === 'desc') list.reverse();
    const { page, headers } = this.paginate(list, q);
    return { status: 200, body: await Promise.all(page.map((p) => this.renderPull(p, true))), headers };
  }

  private async createPull(q: SandboxRequest): Promise<Answer> {
    const title = optionalString(q.body, 'title');
    const headRaw = requiredString(q.body, 'head');
    const base = requiredString(q.body, 'base');
    const body = optionalString(q.body, 'body') ?? null;
    const draft = optionalBoolean(q.body, 'draft') ?? false;
    const docs = 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request';
    const colon = headRaw.indexOf(':');
    const headOwner = colon >= 0 ? headRaw.slice(0, colon) : this.owner;
    const head = colon >= 0 ? headRaw.slice(colon + 1) : headRaw;
    if (title === undefined || title === '') {
      throw new GitHubApiError(422, 'Validation Failed', [{ resource: 'PullRequest', code: 'missing_field', field: 'title' }], docs);
    }
    const headSha = headOwner.toLowerCase() === this.owner.toLowerCase() ? await this.branchSha(head) : undefined;
    if (!headSha) throw new GitHubApiError(422, 'Validation Failed', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }], docs);
    const baseSha = await this.branchSha(base);
    if (!baseSha) throw new GitHubApiError(422, 'Validation Failed', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }], docs);
    if ((await this.repository.commitsBetween(baseSha, headSha)).length === 0) {
      throw new GitHubApiError(
        422,
        'Validation Failed',
        [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` }],
        docs,
      );
    }
    // Checked after the last await, so concurrent requests cannot both open a PR (GitHub refuses the second).
    if ([...this.pulls.values()].some((p) => p.state === 'open' && p.head === head && p.base === base)) {
      throw new GitHubApiError(
        422,
        'Validation Failed',
        [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${this.owner}:${head}.` }],
        docs,
      );
    }
    const now = this.now();
    const pr: SandboxPull = {
      number: this.nextNumber++,
      id: this.nextId++,
      title,
      body,
      state: 'open',
      draft,
      head,
      base,
      merged: false,
      mergedAt: null,
      mergeCommitSha: null,
      mergedBy: null,
      closedAt: null,
      createdAt: now,
      updatedAt: now,
      labels: [],
      user: q.user,
      maintainerCanModify: optionalBoolean(q.body, 'maintainer_can_modify') ?? false,
    };
    this.pulls.set(pr.number, pr);
    return { status: 201, headers: { location: this.api(`/pulls/${pr.number}`) }, body: await this.renderPull(pr, false) };
  }

  private async getPull(q: SandboxRequest): Promise<Answer> {
    return { status: 200, body: await this.renderPull(this.pullOr404(q.params.pull_number), false) };
  }

  private async updatePull(q: SandboxRequest): Promise<Answer> {
    const pr = this.pullOr404(q.params.pull_number);
    const title = optionalString(q.body, 'title');
    const body = isObject(q.body) && q.body.body === null ? null : optionalString(q.body, 'body');
    const state = optionalString(q.body, 'state');
    const base = optionalString(q.body, 'base');
    if (state !== undefined && state !== 'open' && state !== 'closed')
      throw invalid(`For 'state', ${JSON.stringify(state)} is not a valid value.`);
    if (base !== undefined && !(await this.branchSha(base))) {
      throw new GitHubApiError(422, 'Validation Failed', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    }
    if (state === 'open' && pr.state === 'closed') {
      if (pr.merged)
        throw new GitHubApiError(422, 'Validation Failed', [
          { resource: 'PullRequest', code: 'custom', message: 'state cannot be changed. The pull request has been merged.' },
        ]);
      if ([...this.pulls.values()].some((p) => p !== pr && p.state === 'open' && p.head === pr.head && p.base === (base ?? pr.base))) {
        throw new GitHubApiError(422, 'Validation Failed', [
          { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${this.owner}:${pr.head}.` },
        ]);
      }
    }
    const now = this.now();
    if (title !== undefined) pr.title = title;
    if (body !== undefined) pr.body = body;
    if (base !== undefined) pr.base = base;
    if (state === 'closed' && pr.state === 'open') {
      pr.closedHeadSha = await this.branchSha(pr.head);
      pr.closedAt = now;
    }
    if (state === 'open' && pr.state === 'closed') {
      pr.closedAt = null;
      delete pr.closedHeadSha;
    }
    if (state !== undefined) pr.state = state;
    pr.updatedAt = now;
    return { status: 200, body: await this.renderPull(pr, false) };
  }

  // labels

  private async listLabels(q: SandboxRequest): Promise<Answer> {
    const { page, headers } = this.paginate(this.labelList, q);
    return { status: 200, body: page.map((l) => labelResource(this.ctx(), l)), headers };
  }

  private findLabel(name: string): SandboxLabel | undefined {
    return this.labelList.find((l) => l.name.toLowerCase() === name.toLowerCase());
  }

  private addLabel(name: string, color = 'ededed', description: string | null = null): SandboxLabel {
    const created: SandboxLabel = { id: this.nextId++, name, color, description };
    this.labelList.push(created);
    return created;
  }

  private async createLabel(q: SandboxRequest): Promise<Answer> {
    const name = requiredString(q.body, 'name');
    const color = (optionalString(q.body, 'color') ?? 'ededed').replace(/^#/, '');
    const description = optionalString(q.body, 'description') ?? null;
    const docs = 'https://docs.github.com/rest/issues/labels#create-a-label';
    if (name.trim() === '')
      throw new GitHubApiError(422, 'Validation Failed', [{ resource: 'Label', code: 'missing_field', field: 'name' }], docs);
    if (!/^[0-9a-fA-F]{6}$/.test(color))
      throw new GitHubApiError(422, 'Validation Failed', [{ resource: 'Label', code: 'invalid', field: 'color' }], docs);
    if (description !== null && description.length > 100) {
      throw new GitHubApiError(422, 'Validation Failed', [{ resource: 'Label', code: 'invalid', field: 'description' }], docs);
    }
    if (this.findLabel(name))
      throw new GitHubApiError(422, 'Validation Failed', [{ resource: 'Label', code: 'already_exists', field: 'name' }], docs);
    const created = this.addLabel(name, color.toLowerCase(), description);
    return {
      status: 201,
      headers: { location: this.api(`/labels/${encodeURIComponent(name)}`) },
      body: labelResource(this.ctx(), created),
    };
  }

  /** Labels by name; unknown ones are created (as GitHub does for users with push access). */
  private resolveLabels(names: readonly string[]): string[] {
    return names.map((name) => (this.findLabel(name) ?? this.addLabel(name)).name);
  }

  private async addLabels(q: SandboxRequest): Promise<Answer> {
    const number = Number(q.params.issue_number);
    const target = this.pulls.get(number) ?? this.issues.get(number);
    if (!target) throw new GitHubApiError(404, 'Not Found', undefined, 'https://docs.github.com/rest/issues/labels#add-labels-to-an-issue');
    const names = this.resolveLabels(labelNamesOf(isObject(q.body) ? q.body.labels : q.body));
    for (const name of names) if (!target.labels.includes(name)) target.labels.push(name);
    target.updatedAt = this.now();
    return {
      status: 200,
      body: target.labels
        .map((n) => this.findLabel(n))
        .filter((l): l is SandboxLabel => l !== undefined)
        .map((l) => labelResource(this.ctx(), l)),
    };
  }

  private async createComment(q: SandboxRequest): Promise<Answer> {
    const number = Number(q.params.issue_number);
    const target = this.pulls.get(number) ?? this.issues.get(number);
    if (!target)
      throw new GitHubApiError(404, 'Not Found', undefined, 'https://docs.github.com/rest/issues/comments#create-an-issue-comment');
    const body = isObject(q.body) ? q.body.body : undefined;
    if (typeof body !== 'string' || body === '')
      throw new GitHubApiError(422, 'Validation Failed', [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }]);
    const now = this.now();
    const comment: SandboxComment = { id: this.nextId++, issueNumber: number, body, createdAt: now, updatedAt: now, user: q.user };
    this.commentList.push(comment);
    target.updatedAt = now;
    return {
      status: 201,
      headers: { location: this.api(`/issues/comments/${comment.id}`) },
      body: issueCommentResource(this.ctx(), comment),
    };
  }

  /** `GET …/issues/{n}/comments`: oldest first, paginated; 404 for an unknown issue (GitHub's answer). */
  private async listComments(q: SandboxRequest): Promise<Answer> {
    const number = Number(q.params.issue_number);
    if (!this.pulls.has(number) && !this.issues.has(number))
      throw new GitHubApiError(404, 'Not Found', undefined, 'https://docs.github.com/rest/issues/comments#list-issue-comments');
    const since = queryString(q.query, 'since');
    const list = this.commentList.filter((c) => c.issueNumber === number && (since === undefined || c.updatedAt >= since));
    const { page, headers } = this.paginate(list, q);
    const ctx = this.ctx();
    return { status: 200, body: page.map((c) => issueCommentResource(ctx, c)), ...(headers ? { headers } : {}) };
  }

  // issues

  private async listIssues(q: SandboxRequest): Promise<Answer> {
    const state = queryString(q.query, 'state') ?? 'open';
    const wanted = (queryString(q.query, 'labels') ?? '')
      .split(',')
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l !== '');
    const since = queryString(q.query, 'since');
    const sort = queryString(q.query, 'sort') ?? 'created';
    const direction = queryString(q.query, 'direction') ?? 'desc';
    type Row = { number: number; updatedAt: string; render: () => Record<string, unknown>; labels: string[]; state: string };
    const ctx = this.ctx();
    const rows: Row[] = [
      ...[...this.issues.values()].map((i) => ({
        number: i.number,
        updatedAt: i.updatedAt,
        labels: i.labels,
        state: i.state,
        render: () => issueResource(ctx, i, this.labelList),
      })),
      ...[...this.pulls.values()].map((p) => ({
        number: p.number,
        updatedAt: p.updatedAt,
        labels: p.labels,
        state: p.state,
        render: () => issueResource(ctx, { ...p, stateReason: null, pull: { mergedAt: p.mergedAt } }, this.labelList),
      })),
    ];
    let list = rows.filter((r) => state === 'all' || r.state === state);
    if (wanted.length > 0) list = list.filter((r) => wanted.every((w) => r.labels.some((l) => l.toLowerCase() === w)));
    if (since !== undefined) list = list.filter((r) => r.updatedAt >= since);
    list.sort((a, b) => (sort === 'updated' ? a.updatedAt.localeCompare(b.updatedAt) || a.number - b.number : a.number - b.number));
    if (direction === 'desc') list.reverse();
    const { page, headers } = this.paginate(list, q);
    return { status: 200, body: page.map((r) => r.render()), headers };
  }

  private async createIssue(q: SandboxRequest): Promise<Answer> {
    const rawTitle = isObject(q.body) ? q.body.title : undefined;
    if (typeof rawTitle !== 'string' && typeof rawTitle !== 'number') {
      throw new GitHubApiError(422, 'Validation Failed', [{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
    }
    const labels = isObject(q.body) && q.body.labels !== undefined ? this.resolveLabels(labelNamesOf(q.body.labels)) : [];
    const now = this.now();
    const created: SandboxIssue = {
      number: this.nextNumber++,
      id: this.nextId++,
      title: String(rawTitle),
      body: optionalString(q.body, 'body') ?? null,
      state: 'open',
      stateReason: null,
      labels: [...new Set(labels)],
      closedAt: null,
      createdAt: now,
      updatedAt: now,
      user: q.user,
    };
    this.issues.set(created.number, created);
    return {
      status: 201,
      headers: { location: this.api(`/issues/${created.number}`) },
      body: issueResource(this.ctx(), created, this.labelList),
    };
  }

  private async updateIssue(q: SandboxRequest): Promise<Answer> {
    const number = Number(q.params.issue_number);
    const target = this.issues.get(number);
    if (!target) {
      if (this.pulls.has(number)) throw new GitHubApiError(422, 'Use the pull request API to update pull requests in the sandbox');
      throw new GitHubApiError(404, 'Not Found', undefined, 'https://docs.github.com/rest/issues/issues#update-an-issue');
    }
    const title = isObject(q.body) ? q.body.title : undefined;
    if (title !== undefined && title !== null) target.title = String(title);
    if (isObject(q.body) && q.body.body !== undefined) target.body = q.body.body === null ? null : requiredString(q.body, 'body');
    const state = optionalString(q.body, 'state');
    if (state !== undefined && state !== 'open' && state !== 'closed')
      throw invalid(`For 'state', ${JSON.stringify(state)} is not a valid value.`);
    const now = this.now();
    if (state === 'closed' && target.state === 'open') {
      target.closedAt = now;
      target.stateReason = optionalString(q.body, 'state_reason') ?? 'completed';
    }
    if (state === 'open' && target.state === 'closed') {
      target.closedAt = null;
      target.stateReason = 'reopened';
    }
    if (state !== undefined) target.state = state;
    if (isObject(q.body) && q.body.labels !== undefined) target.labels = [...new Set(this.resolveLabels(labelNamesOf(q.body.labels)))];
    target.updatedAt = now;
    return { status: 200, body: issueResource(this.ctx(), target, this.labelList) };
  }

  // GitHub App

  private async graphql(q: SandboxRequest): Promise<Answer> {
    const answer = await this.graphqlEndpoint.answerGraphql(q.body, {
      repository: this.repository,
      owner: this.owner,
      name: this.repo,
      blobTextMaxBytes: this.options.graphqlBlobTextMaxBytes ?? 512 * 1024,
      unimplemented: this.graphqlUnimplemented,
    });
    return { ...answer, headers: { 'x-ratelimit-resource': 'graphql' } };
  }

  /** Where GraphQL is served: `/graphql`, or `/api/graphql` beside a GitHub Enterprise `/api/v3`. */
  private get graphqlPath(): string {
    return this.prefix.endsWith('/v3') ? `${this.prefix.slice(0, -'/v3'.length)}${GRAPHQL}` : `${this.prefix}${GRAPHQL}`;
  }

  private async createInstallationToken(q: SandboxRequest): Promise<Answer> {
    const app = this.options.app;
    if (!app || Number(q.params.installation_id) !== app.installationId) {
      throw new GitHubApiError(
        404,
        'Not Found',
        undefined,
        'https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app',
      );
    }
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    const expires = this.clock().getTime() + TOKEN_TTL_MS;
    this.installationTokens.set(token, expires);
    return {
      status: 201,
      body: {
        token,
        expires_at: githubDate(new Date(expires)),
        permissions: { contents: 'write', pull_requests: 'write', issues: 'write', metadata: 'read' },
        repository_selection: 'selected',
      },
    };
  }

  // helpers

  private paginate<T>(items: readonly T[], q: SandboxRequest): { page: T[]; headers?: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(queryString(q.query, 'per_page') ?? 30) || 30));
    const pageNumber = Math.max(1, Number(queryString(q.query, 'page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const page = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
    if (last === 1) return { page };
    const link = (n: number, rel: string): string => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(q.query)) {
        if (key === 'page') continue;
        for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
      }
      params.set('page', String(n));
      return `<${this.url}${q.path}?${params.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (pageNumber > 1) links.push(link(pageNumber - 1, 'prev'), link(1, 'first'));
    if (pageNumber < last) links.push(link(pageNumber + 1, 'next'), link(last, 'last'));
    return { page, headers: { link: links.join(', ') } };
  }

  private async deliverPullRequestEvent(pr: SandboxPull, action: string): Promise<WebhookDelivery | undefined> {
    const target = this.webhookTarget;
    if (!target) return undefined;
    const payload = await this.pullRequestEventPayload(pr.number, action);
    const raw = JSON.stringify(payload);
    const id = randomUUID();
    const delivery: WebhookDelivery = { id, event: 'pull_request', action, status: 0, payload };
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/sandbox',
          'x-github-event': 'pull_request',
          'x-github-delivery': id,
          'x-github-hook-id': '1',
          'x-hub-signature': `sha1=${createHmac('sha1', target.secret).update(raw).digest('hex')}`,
          'x-hub-signature-256': await signGitHubPayload(raw, target.secret),
        },
        body: raw,
        signal: AbortSignal.timeout(10_000),
      });
      delivery.status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (err) {
      delivery.error = err instanceof Error ? err.message : String(err);
    }
    this.deliveries.push(delivery);
    return delivery;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new GitHubApiError(413, 'Request body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
