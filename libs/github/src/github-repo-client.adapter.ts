/**
 * The GitHub adapter: the GitHubRepoClient port on Octokit (see `github-client.factory.ts` for
 * retries, rate limits, timeouts and auth). Every GitHub trap listed in CONTRACTS.md §D/§F is
 * handled here: singular `git/ref/{ref}` for reads and plural `git/refs` for creation, `refs/`
 * prefix only on creation, `pulls?head=` with the owner prefix, 422 for an existing branch,
 * pull request or label, files over 1 MB, truncated trees, and a branch that moved under us.
 *
 * Reads before an edit go through one GraphQL query (`readBranchFolders`: the heads of several
 * branches and one folder's files at each) instead of a ref, a tree and a file per branch; GraphQL
 * answers 200 with `errors` (NOT_FOUND, RATE_LIMITED, "Something went wrong…") and those map like
 * their REST equivalents. Writes send file texts inline in the tree (no blob request per file).
 */
import { PermanentError, TransientError } from '@driftwarden/domain';
import { createGitHubApi, type GitHubApi, type GitHubClientOptions, type GitHubOctokit } from './github-client.factory';
import {
  GITHUB_ERROR_CODES,
  GitHubHttpError,
  gitHubErrorCodes,
  gitHubErrorMessages,
  gitHubMessage,
  isHttpErrorLike,
  keptHeaders,
  mapGitHubError,
  retryAfterMsOf,
  SECONDARY_RATE_LIMIT_FALLBACK_MS,
  safeDetail,
  sanitizedCause,
} from './github.errors';
import {
  type BranchFolder,
  type BranchResult,
  type CommitFile,
  type CommitFilesOptions,
  type CommitResult,
  type FindIssueOptions,
  type FolderEntry,
  GitHubRepoClient,
  type IssueInfo,
  type LabelSpec,
  type OpenIssueInput,
  type OpenPullRequestInput,
  type OpenPullRequestResult,
  type PullRequestInfo,
  type RepoFile,
  type RepoRef,
  type TreeEntry,
  normaliseFolder,
} from './github-repo-client.port';

/** The label every pull request and issue driftwarden opens carries (and issues are searched by). */
export const DRIFTWARDEN_LABEL = 'driftwarden';
export const DEFAULT_LABEL_COLOR = 'ededed';
const DEFAULT_MAX_COMMIT_ATTEMPTS = 3;
const DEFAULT_LABEL_CACHE_TTL_MS = 10 * 60_000;
const PAGE_SIZE = 100;
const SHA = /^[0-9a-f]{40}$/;

const R = {
  getRef: 'GET /repos/{owner}/{repo}/git/ref/{ref}',
  createRef: 'POST /repos/{owner}/{repo}/git/refs',
  updateRef: 'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
  getTree: 'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
  createTree: 'POST /repos/{owner}/{repo}/git/trees',
  getBlob: 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}',
  getCommit: 'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
  createCommit: 'POST /repos/{owner}/{repo}/git/commits',
  getContent: 'GET /repos/{owner}/{repo}/contents/{path}',
  listPulls: 'GET /repos/{owner}/{repo}/pulls',
  createPull: 'POST /repos/{owner}/{repo}/pulls',
  updatePull: 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
  listLabels: 'GET /repos/{owner}/{repo}/labels',
  createLabel: 'POST /repos/{owner}/{repo}/labels',
  addLabels: 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
  createComment: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  listComments: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
  listIssues: 'GET /repos/{owner}/{repo}/issues',
  createIssue: 'POST /repos/{owner}/{repo}/issues',
  updateIssue: 'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
  graphql: 'POST /graphql',
} as const;

/** One file or folder of a GraphQL `Tree.entries` answer. */
const GRAPHQL_ENTRY = 'name path mode type oid size object { ... on Blob { isBinary isTruncated text } }';

/**
 * One GraphQL query for the heads of several branches and one folder at each (entries with the
 * files' texts): what a backport reads before it edits, in one request instead of a ref, a tree
 * and a file per branch. Aliases `b0`, `b1`… keep the answer in the order asked.
 */
function branchFoldersQuery(count: number, root: boolean): string {
  const vars = Array.from({ length: count }, (_, i) => `$b${i}: String!`).join(', ');
  const refs = Array.from({ length: count }, (_, i) => `b${i}: ref(qualifiedName: $b${i}) { ...head }`).join(' ');
  const folder = root
    ? `tree { oid entries { ${GRAPHQL_ENTRY} } }`
    : `tree { oid } file(path: $path) { type object { ... on Tree { entries { ${GRAPHQL_ENTRY} } } } }`;
  return (
    `query DriftwardenBranchFolders($owner: String!, $name: String!${root ? '' : ', $path: String!'}, ${vars}) ` +
    `{ repository(owner: $owner, name: $name) { ${refs} } } ` +
    `fragment head on Ref { target { __typename oid ... on Commit { ${folder} } } }`
  );
}

/** A GraphQL answer's errors, when the request was refused as a whole or in part. */
interface GraphqlErrorItem {
  type?: string;
  message?: string;
  extensions?: { code?: string };
}

/** The parts of @octokit/graphql's GraphqlResponseError (or the throttling plugin's GraphQL limit error) read here. */
function graphqlErrorsOf(err: unknown): { errors: GraphqlErrorItem[]; headers: Record<string, string | number | undefined> } | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & { errors?: unknown; headers?: unknown; response?: { headers?: unknown; data?: { errors?: unknown } } };
  const errors = Array.isArray(e.errors) ? e.errors : Array.isArray(e.response?.data?.errors) ? e.response.data.errors : undefined;
  if (!errors || (isHttpErrorLike(err) && err.status !== 200)) return undefined;
  const headers = (
    typeof e.headers === 'object' && e.headers !== null
      ? e.headers
      : typeof e.response?.headers === 'object' && e.response.headers !== null
        ? e.response.headers
        : {}
  ) as Record<string, string | number | undefined>;
  return { errors: errors.filter((x): x is GraphqlErrorItem => typeof x === 'object' && x !== null), headers };
}

/** Thrown inside the adapter when this GitHub does not answer the query (old GHES, GraphQL off): use REST. */
class GraphqlUnsupported extends Error {}

/** Thrown inside the adapter when GitHub kept failing to run the query itself (its own timeouts, e.g. a folder of large files): REST this once. */
class GraphqlQueryFailed extends Error {}

/** The fields of a pull request (full or "simple") this adapter reads. */
interface PullLike {
  number: number;
  html_url: string;
  state: string;
  title: string;
  body: string | null;
  merged_at: string | null;
  merged?: boolean;
  head: { ref: string; sha: string; repo?: { full_name: string } | null };
  base: { ref: string };
  labels: Array<{ name?: string }>;
}

interface IssueLike {
  number: number;
  html_url: string;
  state: string;
  title: string;
  body?: string | null;
  labels: Array<string | { name?: string }>;
  pull_request?: unknown;
}

function labelNames(labels: ReadonlyArray<string | { name?: string }>): string[] {
  return labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((n) => n.length > 0);
}

function toPullRequest(p: PullLike): PullRequestInfo {
  return {
    number: p.number,
    htmlUrl: p.html_url,
    state: p.state === 'closed' ? 'closed' : 'open',
    merged: p.merged ?? p.merged_at !== null,
    title: p.title,
    body: p.body ?? '',
    headRef: p.head.ref,
    headSha: p.head.sha,
    baseRef: p.base.ref,
    labels: labelNames(p.labels),
  };
}

function toIssue(i: IssueLike): IssueInfo {
  return {
    number: i.number,
    htmlUrl: i.html_url,
    state: i.state === 'closed' ? 'closed' : 'open',
    title: i.title,
    body: i.body ?? '',
    labels: labelNames(i.labels),
    ...(i.pull_request !== undefined && i.pull_request !== null ? { isPullRequest: true } : {}),
  };
}

function labelSpec(label: string | LabelSpec): LabelSpec {
  return typeof label === 'string' ? { name: label } : label;
}

/** Open issues and PRs with one label, oldest first (the issues API lists both). */
function openIssuesQuery(repo: RepoRef, label: string) {
  return {
    owner: repo.owner,
    repo: repo.name,
    state: 'open' as const,
    labels: label,
    sort: 'created' as const,
    direction: 'asc' as const,
    per_page: PAGE_SIZE,
  };
}

function full(repo: RepoRef): string {
  return `${repo.owner}/${repo.name}`;
}

function isStatus(err: unknown, ...statuses: number[]): boolean {
  return isHttpErrorLike(err) && statuses.includes(err.status);
}

function mentions(err: unknown, pattern: RegExp): boolean {
  if (!isHttpErrorLike(err)) return false;
  const data = err.response?.data;
  return pattern.test(gitHubMessage(data) ?? '') || gitHubErrorMessages(data).some((m) => pattern.test(m));
}

export interface OctokitGitHubRepoClientOptions {
  maxCommitAttempts?: number;
  labelCacheTtlMs?: number;
}

export class OctokitGitHubRepoClient extends GitHubRepoClient {
  /** commit sha → tree sha (a commit's tree never changes). */
  private readonly commitTrees = new Map<string, string>();

  private readonly octokit: GitHubOctokit;
  private readonly maxCommitAttempts: number;
  private readonly labelCacheTtlMs: number;
  /** Set once GitHub did not understand the GraphQL query (an older GitHub Enterprise): REST from then on. */
  private graphqlUnsupported = false;
  /** `owner/name` → lower-cased label names known to exist, and when that was learnt. */
  private readonly knownLabels = new Map<string, { names: Set<string>; at: number }>();

  constructor(
    private readonly api: GitHubApi,
    options: OctokitGitHubRepoClientOptions = {},
  ) {
    super();
    this.octokit = api.octokit;
    this.maxCommitAttempts = Math.max(1, options.maxCommitAttempts ?? api.options.maxCommitAttempts ?? DEFAULT_MAX_COMMIT_ATTEMPTS);
    this.labelCacheTtlMs = options.labelCacheTtlMs ?? api.options.labelCacheTtlMs ?? DEFAULT_LABEL_CACHE_TTL_MS;
  }

  get calls(): number {
    return this.api.stats.calls;
  }

  // --- branches ------------------------------------------------------------------------------

  async getBranchSha(repo: RepoRef, branch: string): Promise<string> {
    const data = await this.call(R.getRef, `branch ${branch} in ${full(repo)}`, async () => {
      // Singular `ref`, no `refs/` prefix: the plural form answers prefix matches as an array.
      const response = await this.octokit.rest.git.getRef({ owner: repo.owner, repo: repo.name, ref: `heads/${branch}` });
      return response.data;
    });
    return this.sha(data.object.sha, R.getRef);
  }

  async ensureBranch(repo: RepoRef, branch: string, fromSha: string): Promise<BranchResult> {
    try {
      const { data } = await this.octokit.rest.git.createRef({
        owner: repo.owner,
        repo: repo.name,
        ref: `refs/heads/${branch}`,
        sha: fromSha,
      });
      return { sha: this.sha(data.object.sha, R.createRef), created: true };
    } catch (err) {
      if (isStatus(err, 422) && mentions(err, /reference already exists/i)) {
        return { sha: await this.getBranchSha(repo, branch), created: false };
      }
      throw this.mapError(err, R.createRef, `commit ${fromSha} in ${full(repo)}`);
    }
  }

  // --- reading -------------------------------------------------------------------------------

  async listTree(repo: RepoRef, sha: string, path?: string): Promise<TreeEntry[]> {
    const folder = normaliseFolder(path);
    const root = await this.getTree(repo, sha, true);
    if (!root.truncated) return this.within(root.entries, folder, repo, sha);

    // Truncated: find the folder's own tree, then list it (recursively if GitHub can, else walk).
    let treeSha = sha;
    for (const segment of folder === '' ? [] : folder.split('/')) {
      const level = await this.getTree(repo, treeSha, false);
      const next = level.entries.find((e) => e.type === 'tree' && e.path === segment);
      if (!next) throw this.folderNotFound(repo, sha, folder);
      treeSha = next.sha;
    }
    return this.walk(repo, treeSha, folder);
  }

  async readBranchFolders(repo: RepoRef, folder: string, branches: readonly string[]): Promise<Map<string, BranchFolder | null>> {
    const path = normaliseFolder(folder);
    // No branch: nothing to ask (an empty selection would be an invalid query).
    if (branches.length === 0) return new Map();
    if (!this.graphqlUnsupported) {
      try {
        return await this.branchFoldersByGraphql(repo, path, branches);
      } catch (err) {
        if (err instanceof GraphqlQueryFailed) {
          this.octokit.log.warn(
            `GitHub could not run the GraphQL query (${err.message}): reading ${path || '/'} through the REST API this time`,
          );
        } else if (err instanceof GraphqlUnsupported) {
          this.graphqlUnsupported = true;
          this.octokit.log.warn(
            `GraphQL is not usable on ${this.api.options.apiUrl} (${err.message}): reading branches through the REST API from now on`,
          );
        } else {
          throw err;
        }
      }
    }
    const out = new Map<string, BranchFolder | null>();
    for (const branch of branches) out.set(branch, await this.branchFolderByRest(repo, path, branch));
    return out;
  }

  async readFile(repo: RepoRef, path: string, ref: string): Promise<RepoFile> {
    const what = `file ${path} at ${ref} in ${full(repo)}`;
    const data = await this.call(R.getContent, what, async () => {
      const response = await this.octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.name, path, ref });
      return response.data;
    });
    if (Array.isArray(data)) {
      throw new PermanentError(
        `GitHub ${R.getContent}: ${path} at ${ref} in ${full(repo)} is a folder, not a file`,
        GITHUB_ERROR_CODES.rejected,
      );
    }
    if (data.type !== 'file' || !('content' in data)) {
      throw new PermanentError(
        `GitHub ${R.getContent}: ${path} at ${ref} in ${full(repo)} is a ${data.type}, not a file`,
        GITHUB_ERROR_CODES.rejected,
      );
    }
    const sha = this.sha(data.sha, R.getContent);
    // Up to 1 MB the content comes inline; 1–100 MB come with `encoding: "none"` and no content.
    if (data.encoding === 'base64' && (data.content !== '' || data.size === 0)) {
      return { path: data.path, sha, size: data.size, content: Buffer.from(data.content, 'base64').toString('utf8') };
    }
    const blob = await this.call(R.getBlob, `blob ${sha} (${path}) in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.git.getBlob({ owner: repo.owner, repo: repo.name, file_sha: sha });
      return response.data;
    });
    if (blob.encoding !== 'base64' && blob.encoding !== 'utf-8') {
      throw new TransientError(`GitHub ${R.getBlob}: unexpected encoding ${JSON.stringify(blob.encoding)}`, GITHUB_ERROR_CODES.malformed);
    }
    const content = blob.encoding === 'base64' ? Buffer.from(blob.content, 'base64').toString('utf8') : blob.content;
    return { path: data.path, sha, size: blob.size ?? Buffer.byteLength(content), content };
  }

  private async branchFoldersByGraphql(
    repo: RepoRef,
    folder: string,
    branches: readonly string[],
  ): Promise<Map<string, BranchFolder | null>> {
    const root = folder === '';
    const variables: Record<string, string> = { owner: repo.owner, name: repo.name, ...(root ? {} : { path: folder }) };
    branches.forEach((b, i) => (variables[`b${i}`] = `refs/heads/${b}`));
    let data: unknown;
    try {
      data = await this.octokit.graphql(branchFoldersQuery(branches.length, root), variables);
    } catch (err) {
      throw this.mapGraphqlError(err, `branches ${branches.join(', ')} of ${full(repo)}`);
    }
    const malformed = (what: string) =>
      new TransientError(`GitHub ${R.graphql}: unexpected answer (${what})`, GITHUB_ERROR_CODES.malformed);
    const repository = (data as { repository?: unknown } | null)?.repository;
    if (typeof repository !== 'object' || repository === null) throw malformed('no repository');
    const out = new Map<string, BranchFolder | null>();
    for (const [i, branch] of branches.entries()) {
      const ref = (repository as Record<string, unknown>)[`b${i}`] as
        | {
            target?: {
              __typename?: string;
              oid?: unknown;
              tree?: { oid?: unknown; entries?: unknown };
              file?: { type?: string; object?: { entries?: unknown } | null } | null;
            };
          }
        | null
        | undefined;
      if (ref === undefined) throw malformed(`no b${i}`);
      if (ref === null) {
        out.set(branch, null);
        continue;
      }
      const target = ref.target;
      if (target?.__typename !== 'Commit') throw malformed(`branch ${branch} does not point to a commit`);
      const commitSha = this.sha(target.oid, R.graphql);
      const treeSha = this.sha(target.tree?.oid, R.graphql);
      this.commitTrees.set(commitSha, treeSha);
      const listing = root ? target.tree?.entries : target.file?.type === 'tree' ? target.file.object?.entries : undefined;
      const folderExists = root || target.file?.type === 'tree';
      if (folderExists && !Array.isArray(listing)) throw malformed(`no entries for ${folder || '/'} on ${branch}`);
      const entries: FolderEntry[] = [];
      for (const item of (listing ?? []) as Array<Record<string, unknown>>) {
        const type = item.type;
        if ((type !== 'blob' && type !== 'tree' && type !== 'commit') || typeof item.path !== 'string' || typeof item.mode !== 'number') {
          throw malformed(`tree entry ${JSON.stringify(item.path)}`);
        }
        const blob = item.object as { isBinary?: unknown; isTruncated?: unknown; text?: unknown } | null | undefined;
        const text =
          type === 'blob' && blob && blob.isTruncated === false && blob.isBinary !== true && typeof blob.text === 'string'
            ? blob.text
            : undefined;
        entries.push({
          path: item.path,
          mode: item.mode.toString(8).padStart(6, '0'),
          type,
          sha: this.sha(item.oid, R.graphql),
          ...(type === 'blob' && typeof item.size === 'number' ? { size: item.size } : {}),
          ...(text !== undefined ? { content: text } : {}),
        });
      }
      out.set(branch, { branch, commitSha, treeSha, folder, folderExists, entries });
    }
    return out;
  }

  private async branchFolderByRest(repo: RepoRef, folder: string, branch: string): Promise<BranchFolder | null> {
    let commitSha: string;
    try {
      commitSha = await this.getBranchSha(repo, branch);
    } catch (err) {
      if (err instanceof PermanentError && err.code === GITHUB_ERROR_CODES.notFound) return null;
      throw err;
    }
    let all: TreeEntry[];
    let folderExists = true;
    try {
      all = await this.listTree(repo, commitSha, folder);
    } catch (err) {
      if (!(err instanceof PermanentError && err.code === GITHUB_ERROR_CODES.notFound)) throw err;
      all = [];
      folderExists = false;
    }
    const entries = all.filter((e) => (folder === '' ? !e.path.includes('/') : e.path.slice(folder.length + 1).indexOf('/') === -1));
    return { branch, commitSha, treeSha: await this.treeOf(repo, commitSha), folder, folderExists, entries };
  }

  /** GraphQL failures: rate limits, NOT_FOUND and FORBIDDEN like REST; a query this GitHub does not know → GraphqlUnsupported. */
  private mapGraphqlError(err: unknown, what: string): unknown {
    const graphql = graphqlErrorsOf(err);
    if (!graphql) {
      // No GraphQL endpoint (404 on /graphql): use REST. Anything else maps like a REST failure.
      if (isStatus(err, 404)) return new GraphqlUnsupported('POST /graphql answered 404');
      // plugin-retry gives up on "Something went wrong while executing your query" as a 500 carrying the answer.
      if (
        isStatus(err, 500) &&
        isHttpErrorLike(err) &&
        /Something went wrong while executing your query/.test(gitHubMessage(err.response?.data) ?? '')
      ) {
        return new GraphqlQueryFailed(safeDetail(gitHubMessage(err.response?.data) ?? '', this.api.secrets));
      }
      return this.mapError(err, R.graphql, what);
    }
    const { errors, headers } = graphql;
    const messages = safeDetail(errors.map((e) => e.message ?? e.type ?? 'error').join('; '), this.api.secrets);
    const types = new Set(errors.map((e) => e.type));
    // The cause keeps GitHub's (redacted) messages and the rate-limit headers, never the request.
    const cause = new GitHubHttpError(messages, 200, keptHeaders(headers, this.api.secrets));
    if (types.has('RATE_LIMITED')) {
      // Read like a REST primary limit (x-ratelimit-remaining 0 + reset); without headers, GitHub's one-minute advice.
      const retryAfterMs =
        retryAfterMsOf(
          { status: 403, message: messages, response: { headers: { 'x-ratelimit-remaining': '0', ...headers } } },
          this.api.now(),
        ) ?? SECONDARY_RATE_LIMIT_FALLBACK_MS;
      return new TransientError(
        `GitHub ${R.graphql}: GraphQL rate limit, retry in ${Math.ceil(retryAfterMs / 1000)}s: ${messages}`,
        GITHUB_ERROR_CODES.rateLimited,
        { retryAfterMs, cause },
      );
    }
    if (types.has('NOT_FOUND'))
      return new PermanentError(
        `GitHub ${R.graphql}: ${what} not found (or not visible to these credentials): ${messages}`,
        GITHUB_ERROR_CODES.notFound,
        { cause },
      );
    if (types.has('FORBIDDEN'))
      return new PermanentError(
        `GitHub ${R.graphql}: the credentials lack a permission for ${what}: ${messages}`,
        GITHUB_ERROR_CODES.auth,
        { cause },
      );
    // A field or argument this GitHub (an older Enterprise Server) does not have: the schema differs.
    if (
      errors.some(
        (e) =>
          e.extensions?.code !== undefined ||
          /doesn't exist on type|Cannot query field|Unknown argument|doesn't accept argument/i.test(e.message ?? ''),
      )
    ) {
      return new GraphqlUnsupported(messages);
    }
    // "Something went wrong while executing your query" (GitHub's timeouts; already retried by
    // plugin-retry) and the like: the same reads through REST, which has no such query limits.
    return new GraphqlQueryFailed(messages);
  }

  // --- writing -------------------------------------------------------------------------------

  async commitFiles(
    repo: RepoRef,
    branch: string,
    parentSha: string,
    files: readonly CommitFile[],
    message: string,
    options: CommitFilesOptions = {},
  ): Promise<CommitResult> {
    const maxAttempts = Math.max(1, options.maxAttempts ?? this.maxCommitAttempts);
    let base = parentSha;
    let pending: readonly CommitFile[] = files;
    for (let attempt = 1; ; attempt += 1) {
      const baseTree = await this.treeOf(repo, base);
      const newTree = await this.createTree(repo, baseTree, pending);
      if (newTree.sha === baseTree) return { sha: base, committed: false, attempts: attempt };

      const created = await this.call(R.createCommit, `tree ${newTree.sha} in ${full(repo)}`, async () => {
        const response = await this.octokit.rest.git.createCommit({
          owner: repo.owner,
          repo: repo.name,
          message,
          tree: newTree.sha,
          parents: [base],
        });
        return response.data;
      });
      const commitSha = this.sha(created.sha, R.createCommit);
      try {
        // PATCH path `ref` is `heads/<branch>` (no `refs/`); force:false makes a moved branch a 422.
        await this.octokit.rest.git.updateRef({ owner: repo.owner, repo: repo.name, ref: `heads/${branch}`, sha: commitSha, force: false });
        return { sha: commitSha, committed: true, attempts: attempt };
      } catch (err) {
        const stale =
          isStatus(err, 409) || (isStatus(err, 422) && mentions(err, /fast[ -]forward|reference cannot be updated|not a fast/i));
        if (!stale) throw this.mapError(err, R.updateRef, `branch ${branch} in ${full(repo)}`);
        if (attempt >= maxAttempts) {
          throw new TransientError(
            `GitHub ${R.updateRef}: branch ${branch} in ${full(repo)} moved during each of ${attempt} attempts to commit on it`,
            GITHUB_ERROR_CODES.conflict,
            { cause: isHttpErrorLike(err) ? sanitizedCause(err, this.api.secrets) : err },
          );
        }
        const head = await this.getBranchSha(repo, branch);
        if (options.reapply) {
          const again = await options.reapply(head);
          if (again === null) return { sha: head, committed: false, attempts: attempt };
          pending = again;
        }
        base = head;
      }
    }
  }

  // --- pull requests -------------------------------------------------------------------------

  async findOpenPullRequest(repo: RepoRef, headBranch: string): Promise<PullRequestInfo | null> {
    const pulls = await this.call(R.listPulls, `pull requests of ${full(repo)}`, async () => {
      // `head` must be `owner:branch`: a bare branch name is ignored and every PR comes back.
      const response = await this.octokit.rest.pulls.list({
        owner: repo.owner,
        repo: repo.name,
        head: `${repo.owner}:${headBranch}`,
        state: 'open',
        per_page: PAGE_SIZE,
      });
      return response.data;
    });
    // Filtered again: a server (or proxy) that ignored the filter must not make us adopt another PR.
    const mine = pulls.filter(
      (p) => p.head.ref === headBranch && (p.head.repo ? p.head.repo.full_name.toLowerCase() === full(repo).toLowerCase() : true),
    );
    mine.sort((a, b) => a.number - b.number);
    return mine.length > 0 ? toPullRequest(mine[0]) : null;
  }

  async openPullRequest(repo: RepoRef, input: OpenPullRequestInput): Promise<OpenPullRequestResult> {
    try {
      const { data } = await this.octokit.rest.pulls.create({
        owner: repo.owner,
        repo: repo.name,
        head: input.head,
        base: input.base,
        title: input.title,
        body: input.body,
        ...(input.draft !== undefined ? { draft: input.draft } : {}),
      });
      return { ...toPullRequest(data), created: true };
    } catch (err) {
      if (isStatus(err, 422) && mentions(err, /a pull request already exists/i)) {
        const branch = input.head.toLowerCase().startsWith(`${repo.owner.toLowerCase()}:`)
          ? input.head.slice(repo.owner.length + 1)
          : input.head;
        const existing = await this.findOpenPullRequest(repo, branch);
        if (existing) return { ...existing, created: false };
      }
      throw this.mapError(err, R.createPull, `branch ${input.head} or ${input.base} in ${full(repo)}`);
    }
  }

  async updatePullRequest(repo: RepoRef, number: number, update: { title?: string; body?: string }): Promise<PullRequestInfo> {
    const data = await this.call(R.updatePull, `pull request #${number} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.pulls.update({ owner: repo.owner, repo: repo.name, pull_number: number, ...update });
      return response.data;
    });
    return toPullRequest(data);
  }

  // --- labels --------------------------------------------------------------------------------

  async ensureLabels(repo: RepoRef, number: number, labels: ReadonlyArray<string | LabelSpec>): Promise<string[]> {
    const specs = labels.map(labelSpec);
    if (specs.length === 0) return [];
    // Labels given with a colour or description are created first; plain names are created by
    // GitHub itself when they are added (one call instead of a list and a create each).
    const styled = labels.filter((l): l is LabelSpec => typeof l !== 'string').map(labelSpec);
    if (styled.length > 0) await this.createMissingLabels(repo, styled);
    const data = await this.call(R.addLabels, `issue or pull request #${number} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.issues.addLabels({
        owner: repo.owner,
        repo: repo.name,
        issue_number: number,
        labels: specs.map((s) => s.name),
      });
      return response.data;
    });
    return labelNames(data);
  }

  async createComment(repo: RepoRef, number: number, body: string): Promise<string> {
    const data = await this.call(R.createComment, `issue or pull request #${number} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.issues.createComment({ owner: repo.owner, repo: repo.name, issue_number: number, body });
      return response.data;
    });
    return data.html_url;
  }

  async findComment(repo: RepoRef, number: number, marker: string): Promise<string | null> {
    const found = await this.call(R.listComments, `comments of issue or pull request #${number} in ${full(repo)}`, async () => {
      const pages = this.octokit.paginate.iterator(this.octokit.rest.issues.listComments, {
        owner: repo.owner,
        repo: repo.name,
        issue_number: number,
        per_page: PAGE_SIZE,
      });
      for await (const page of pages) {
        const hit = page.data.find((c) => (c.body ?? '').includes(marker));
        if (hit) return hit;
      }
      return undefined;
    });
    return found ? found.html_url : null;
  }

  // --- issues (the "cannot edit safely" fallback, tracking issues) ----------------------------

  async findOpenIssue(repo: RepoRef, marker: string, options: FindIssueOptions = {}): Promise<IssueInfo | null> {
    const label = options.label ?? DRIFTWARDEN_LABEL;
    const found = await this.call(R.listIssues, `issues of ${full(repo)}`, async () => {
      const pages = this.octokit.paginate.iterator(this.octokit.rest.issues.listForRepo, openIssuesQuery(repo, label));
      for await (const page of pages) {
        // The issues list includes pull requests (with `pull_request`): skip them.
        const hit = page.data.find((i) => i.pull_request === undefined && (i.body ?? '').includes(marker));
        if (hit) return hit;
      }
      return undefined;
    });
    return found ? toIssue(found) : null;
  }

  async listOpenIssues(repo: RepoRef, options: FindIssueOptions = {}): Promise<IssueInfo[]> {
    const label = options.label ?? DRIFTWARDEN_LABEL;
    const all = await this.call(R.listIssues, `issues of ${full(repo)}`, () =>
      this.octokit.paginate(this.octokit.rest.issues.listForRepo, openIssuesQuery(repo, label)),
    );
    return all.map(toIssue);
  }

  async openIssue(repo: RepoRef, input: OpenIssueInput): Promise<IssueInfo> {
    const specs = (input.labels ?? []).map(labelSpec);
    if (!specs.some((s) => s.name.toLowerCase() === DRIFTWARDEN_LABEL)) specs.unshift({ name: DRIFTWARDEN_LABEL });
    await this.createMissingLabels(repo, specs);
    const body = input.marker && !input.body.includes(input.marker) ? `${input.body}\n\n${input.marker}` : input.body;
    const data = await this.call(R.createIssue, `repository ${full(repo)}`, async () => {
      const response = await this.octokit.rest.issues.create({
        owner: repo.owner,
        repo: repo.name,
        title: input.title,
        body,
        labels: specs.map((s) => s.name),
      });
      return response.data;
    });
    return toIssue(data);
  }

  async updateIssue(
    repo: RepoRef,
    number: number,
    update: { title?: string; body?: string; state?: 'open' | 'closed' },
  ): Promise<IssueInfo> {
    const data = await this.call(R.updateIssue, `issue #${number} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.issues.update({ owner: repo.owner, repo: repo.name, issue_number: number, ...update });
      return response.data;
    });
    return toIssue(data);
  }

  // --- internals -----------------------------------------------------------------------------

  private async call<T>(request: string, what: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.mapError(err, request, what);
    }
  }

  private mapError(err: unknown, request: string, what: string | undefined): unknown {
    return mapGitHubError(err, { request, what, secrets: this.api.secrets, nowMs: this.api.now() });
  }

  private sha(value: unknown, request: string): string {
    if (typeof value === 'string' && SHA.test(value)) return value;
    throw new TransientError(
      `GitHub ${request}: expected a 40-character SHA in the answer, got ${typeof value}`,
      GITHUB_ERROR_CODES.malformed,
    );
  }

  /** The tree sha of a commit: known from a listing of that commit, else read. */
  private async treeOf(repo: RepoRef, commitSha: string): Promise<string> {
    const known = this.commitTrees.get(commitSha);
    if (known) return known;
    const commit = await this.call(R.getCommit, `commit ${commitSha} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.git.getCommit({ owner: repo.owner, repo: repo.name, commit_sha: commitSha });
      return response.data;
    });
    const tree = this.sha(commit.tree.sha, R.getCommit);
    this.commitTrees.set(commitSha, tree);
    return tree;
  }

  /**
   * `baseTree` with the files changed, in one request: the texts go inline (`content`), so GitHub
   * writes the blobs itself (no `POST git/blobs` per file); `content: null` deletes (`sha: null`).
   */
  private createTree(repo: RepoRef, baseTree: string, files: readonly CommitFile[]): Promise<{ sha: string }> {
    const tree = files.map((file) =>
      file.content === null
        ? { path: file.path, mode: '100644' as const, type: 'blob' as const, sha: null }
        : { path: file.path, mode: '100644' as const, type: 'blob' as const, content: file.content },
    );
    return this.call(R.createTree, `base tree ${baseTree} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.git.createTree({ owner: repo.owner, repo: repo.name, base_tree: baseTree, tree });
      return response.data;
    });
  }

  /** Creates a commit on `parentSha` with the files changed, without moving any branch. */
  async createCommit(repo: RepoRef, parentSha: string, files: readonly CommitFile[], message: string): Promise<string> {
    const baseTree = await this.treeOf(repo, parentSha);
    const newTree = await this.createTree(repo, baseTree, files);
    const created = await this.call(R.createCommit, `tree ${newTree.sha} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.git.createCommit({
        owner: repo.owner,
        repo: repo.name,
        message,
        tree: newTree.sha,
        parents: [parentSha],
      });
      return response.data;
    });
    const commitSha = this.sha(created.sha, R.createCommit);
    this.commitTrees.set(commitSha, newTree.sha);
    return commitSha;
  }

  private async getTree(repo: RepoRef, sha: string, recursive: boolean): Promise<{ entries: TreeEntry[]; truncated: boolean }> {
    const data = await this.call(R.getTree, `tree ${sha} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.git.getTree({
        owner: repo.owner,
        repo: repo.name,
        tree_sha: sha,
        ...(recursive ? { recursive: '1' } : {}),
      });
      return response.data;
    });
    // Listing a commit's tree tells us the commit's tree sha: a later commit on it needs no read.
    if (typeof data.sha === 'string' && data.sha !== sha) this.commitTrees.set(sha, data.sha);
    const entries: TreeEntry[] = [];
    for (const item of data.tree) {
      const type = item.type;
      if ((type !== 'blob' && type !== 'tree' && type !== 'commit') || typeof item.path !== 'string' || typeof item.sha !== 'string') {
        throw new TransientError(`GitHub ${R.getTree}: unexpected tree entry ${JSON.stringify(item.path)}`, GITHUB_ERROR_CODES.malformed);
      }
      entries.push({
        path: item.path,
        mode: item.mode,
        type,
        sha: item.sha,
        ...(typeof item.size === 'number' ? { size: item.size } : {}),
      });
    }
    return { entries, truncated: data.truncated };
  }

  /** Entries under `folder` (repo-relative paths); a folder that is not in the tree is a 404. */
  private within(entries: TreeEntry[], folder: string, repo: RepoRef, sha: string): TreeEntry[] {
    if (folder === '') return entries;
    if (!entries.some((e) => e.type === 'tree' && e.path === folder)) throw this.folderNotFound(repo, sha, folder);
    return entries.filter((e) => e.path.startsWith(`${folder}/`));
  }

  /** Lists a tree under `prefix`: recursively when GitHub does not truncate, else level by level. */
  private async walk(repo: RepoRef, treeSha: string, prefix: string): Promise<TreeEntry[]> {
    const join = (p: string): string => (prefix === '' ? p : `${prefix}/${p}`);
    const recursive = await this.getTree(repo, treeSha, true);
    if (!recursive.truncated) return recursive.entries.map((e) => ({ ...e, path: join(e.path) }));
    const level = await this.getTree(repo, treeSha, false);
    const out: TreeEntry[] = [];
    for (const entry of level.entries) {
      out.push({ ...entry, path: join(entry.path) });
      if (entry.type === 'tree') out.push(...(await this.walk(repo, entry.sha, join(entry.path))));
    }
    return out;
  }

  private folderNotFound(repo: RepoRef, sha: string, folder: string): PermanentError {
    return new PermanentError(`GitHub ${R.getTree}: folder ${folder} not found in ${sha} of ${full(repo)}`, GITHUB_ERROR_CODES.notFound);
  }

  private async createMissingLabels(repo: RepoRef, specs: readonly LabelSpec[]): Promise<void> {
    const known = await this.labelsOf(repo);
    for (const spec of specs) {
      const key = spec.name.toLowerCase();
      if (known.has(key)) continue;
      try {
        await this.octokit.rest.issues.createLabel({
          owner: repo.owner,
          repo: repo.name,
          name: spec.name,
          color: (spec.color ?? DEFAULT_LABEL_COLOR).replace(/^#/, ''),
          ...(spec.description !== undefined ? { description: spec.description } : {}),
        });
      } catch (err) {
        // Someone (another worker) created it in between: fine.
        if (!(isStatus(err, 422) && gitHubErrorCodes(isHttpErrorLike(err) ? err.response?.data : undefined).includes('already_exists'))) {
          throw this.mapError(err, R.createLabel, `repository ${full(repo)}`);
        }
      }
      known.add(key);
    }
  }

  private async labelsOf(repo: RepoRef): Promise<Set<string>> {
    const key = full(repo).toLowerCase();
    const cached = this.knownLabels.get(key);
    if (cached && this.api.now() - cached.at < this.labelCacheTtlMs) return cached.names;
    const labels = await this.call(R.listLabels, `repository ${full(repo)}`, () =>
      this.octokit.paginate(this.octokit.rest.issues.listLabelsForRepo, { owner: repo.owner, repo: repo.name, per_page: PAGE_SIZE }),
    );
    const names = new Set(labels.map((l) => l.name.toLowerCase()));
    this.knownLabels.set(key, { names, at: this.api.now() });
    return names;
  }
}

/** The adapter with its own Octokit client. */
export function createGitHubRepoClient(options: GitHubClientOptions): OctokitGitHubRepoClient {
  return new OctokitGitHubRepoClient(createGitHubApi(options));
}
