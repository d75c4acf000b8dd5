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
 *
 * A facade over its parts: `GitHubGraphqlReads` (github-graphql.reads.ts), `GitHubRestReads`
 * (github-rest.reads.ts), `GitHubRestWrites` (github-rest.writes.ts) and the commit retry loop
 * (`commitWithRetry`, github-commit.retry.ts). What is decided here: when GraphQL is not used
 * (REST once, or from then on), and how many times a commit is retried.
 */
import { TransientError } from '@driftwarden/domain';
import { DRIFTWARDEN_LABEL, full, GitHubCalls, R } from './github-calls';
import { createGitHubApi, type GitHubApi, type GitHubClientOptions } from './github-client.factory';
import { commitWithRetry } from './github-commit.retry';
import { GitHubGraphqlReads, GraphqlQueryFailed, GraphqlUnsupported } from './github-graphql.reads';
import { GITHUB_ERROR_CODES, isHttpErrorLike, sanitizedCause } from './github.errors';
import {
  type BranchFolder,
  type BranchResult,
  type CommitFile,
  type CommitFilesOptions,
  type CommitResult,
  type FindIssueOptions,
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
import { GitHubRestReads } from './github-rest.reads';
import { GitHubRestWrites } from './github-rest.writes';

export { DEFAULT_LABEL_COLOR, DRIFTWARDEN_LABEL } from './github-calls';

const DEFAULT_MAX_COMMIT_ATTEMPTS = 3;
const DEFAULT_LABEL_CACHE_TTL_MS = 10 * 60_000;

export interface OctokitGitHubRepoClientOptions {
  maxCommitAttempts?: number;
  labelCacheTtlMs?: number;
}

export class OctokitGitHubRepoClient extends GitHubRepoClient {
  private readonly graphql: GitHubGraphqlReads;
  private readonly reads: GitHubRestReads;
  private readonly writes: GitHubRestWrites;
  private readonly maxCommitAttempts: number;
  /** Set once GitHub did not understand the GraphQL query (an older GitHub Enterprise): REST from then on. */
  private graphqlUnsupported = false;

  constructor(
    private readonly api: GitHubApi,
    options: OctokitGitHubRepoClientOptions = {},
  ) {
    super();
    this.maxCommitAttempts = Math.max(1, options.maxCommitAttempts ?? api.options.maxCommitAttempts ?? DEFAULT_MAX_COMMIT_ATTEMPTS);
    const labelCacheTtlMs = options.labelCacheTtlMs ?? api.options.labelCacheTtlMs ?? DEFAULT_LABEL_CACHE_TTL_MS;
    // One set of calls: the parts share the commit → tree cache.
    const calls = new GitHubCalls(api);
    this.graphql = new GitHubGraphqlReads(calls);
    this.reads = new GitHubRestReads(calls, labelCacheTtlMs);
    this.writes = new GitHubRestWrites(calls, this.reads);
  }

  get calls(): number {
    return this.api.stats.calls;
  }

  // --- branches ------------------------------------------------------------------------------

  getBranchSha(repo: RepoRef, branch: string): Promise<string> {
    return this.reads.getBranchSha(repo, branch);
  }

  ensureBranch(repo: RepoRef, branch: string, fromSha: string): Promise<BranchResult> {
    return this.writes.ensureBranch(repo, branch, fromSha);
  }

  // --- reading -------------------------------------------------------------------------------

  listTree(repo: RepoRef, sha: string, path?: string): Promise<TreeEntry[]> {
    return this.reads.listTree(repo, sha, path);
  }

  async readBranchFolders(repo: RepoRef, folder: string, branches: readonly string[]): Promise<Map<string, BranchFolder | null>> {
    const path = normaliseFolder(folder);
    // No branch: nothing to ask (an empty selection would be an invalid query).
    if (branches.length === 0) return new Map();
    if (!this.graphqlUnsupported) {
      try {
        return await this.graphql.readBranchFolders(repo, path, branches);
      } catch (err) {
        if (err instanceof GraphqlQueryFailed) {
          this.api.octokit.log.warn(
            `GitHub could not run the GraphQL query (${err.message}): reading ${path || '/'} through the REST API this time`,
          );
        } else if (err instanceof GraphqlUnsupported) {
          this.graphqlUnsupported = true;
          this.api.octokit.log.warn(
            `GraphQL is not usable on ${this.api.options.apiUrl} (${err.message}): reading branches through the REST API from now on`,
          );
        } else {
          throw err;
        }
      }
    }
    const out = new Map<string, BranchFolder | null>();
    for (const branch of branches) out.set(branch, await this.reads.branchFolder(repo, path, branch));
    return out;
  }

  readFile(repo: RepoRef, path: string, ref: string): Promise<RepoFile> {
    return this.reads.readFile(repo, path, ref);
  }

  // --- writing -------------------------------------------------------------------------------

  commitFiles(
    repo: RepoRef,
    branch: string,
    parentSha: string,
    files: readonly CommitFile[],
    message: string,
    options: CommitFilesOptions = {},
  ): Promise<CommitResult> {
    return commitWithRetry(
      {
        treeOf: (commitSha) => this.reads.treeOf(repo, commitSha),
        writeTree: async (baseTree, pending) => (await this.writes.createTree(repo, baseTree, pending)).sha,
        writeCommit: (tree, parent) => this.writes.commitTree(repo, tree, parent, message),
        moveBranch: (commitSha) => this.writes.fastForward(repo, branch, commitSha),
        head: () => this.reads.getBranchSha(repo, branch),
      },
      {
        parentSha,
        files,
        maxAttempts: Math.max(1, options.maxAttempts ?? this.maxCommitAttempts),
        ...(options.reapply ? { reapply: options.reapply } : {}),
        gaveUp: (attempts, stale) =>
          new TransientError(
            `GitHub ${R.updateRef}: branch ${branch} in ${full(repo)} moved during each of ${attempts} attempts to commit on it`,
            GITHUB_ERROR_CODES.conflict,
            { cause: isHttpErrorLike(stale) ? sanitizedCause(stale, this.api.secrets) : stale },
          ),
      },
    );
  }

  createCommit(repo: RepoRef, parentSha: string, files: readonly CommitFile[], message: string): Promise<string> {
    return this.writes.createCommit(repo, parentSha, files, message);
  }

  // --- pull requests -------------------------------------------------------------------------

  findOpenPullRequest(repo: RepoRef, headBranch: string): Promise<PullRequestInfo | null> {
    return this.reads.findOpenPullRequest(repo, headBranch);
  }

  openPullRequest(repo: RepoRef, input: OpenPullRequestInput): Promise<OpenPullRequestResult> {
    return this.writes.openPullRequest(repo, input);
  }

  updatePullRequest(repo: RepoRef, number: number, update: { title?: string; body?: string }): Promise<PullRequestInfo> {
    return this.writes.updatePullRequest(repo, number, update);
  }

  // --- labels and comments -------------------------------------------------------------------

  ensureLabels(repo: RepoRef, number: number, labels: ReadonlyArray<string | LabelSpec>): Promise<string[]> {
    return this.writes.ensureLabels(repo, number, labels);
  }

  createComment(repo: RepoRef, number: number, body: string): Promise<string> {
    return this.writes.createComment(repo, number, body);
  }

  findComment(repo: RepoRef, number: number, marker: string): Promise<string | null> {
    return this.reads.findComment(repo, number, marker);
  }

  // --- issues (the "cannot edit safely" fallback, tracking issues) ----------------------------

  findOpenIssue(repo: RepoRef, marker: string, options: FindIssueOptions = {}): Promise<IssueInfo | null> {
    return this.reads.findOpenIssue(repo, marker, options.label ?? DRIFTWARDEN_LABEL);
  }

  listOpenIssues(repo: RepoRef, options: FindIssueOptions = {}): Promise<IssueInfo[]> {
    return this.reads.listOpenIssues(repo, options.label ?? DRIFTWARDEN_LABEL);
  }

  openIssue(repo: RepoRef, input: OpenIssueInput): Promise<IssueInfo> {
    return this.writes.openIssue(repo, input);
  }

  updateIssue(repo: RepoRef, number: number, update: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<IssueInfo> {
    return this.writes.updateIssue(repo, number, update);
  }
}

/** The adapter with its own Octokit client. */
export function createGitHubRepoClient(options: GitHubClientOptions): OctokitGitHubRepoClient {
  return new OctokitGitHubRepoClient(createGitHubApi(options));
}
