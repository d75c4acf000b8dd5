/**
 * The GitHub port: what a backport needs from a repository host, as plain data (no Octokit types).
 * The adapter (`OctokitGitHubRepoClient`) talks to GitHub or GitHub Enterprise; the sandbox
 * (`sandbox.GitHubSandbox`) is a real HTTP stand-in for both.
 *
 * Every method throws a DriftwardenError from `github.errors.ts` on failure (never a raw
 * Octokit error). An abstract class, so that it is also the NestJS injection token.
 */

/** A repository; `RepoConfig` from @driftwarden/config fits. */
export interface RepoRef {
  owner: string;
  name: string;
}

export interface TreeEntry {
  /** From the repository root, `/`-separated, no leading slash. */
  path: string;
  /** `100644`, `100755`, `040000`, `160000` or `120000`. */
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  /** Blobs only. */
  size?: number;
}

export interface FolderEntry extends TreeEntry {
  /** The file's text, when it came with the listing; absent for folders and binary or very large files. */
  content?: string;
}

/** A branch's head and one folder in it, as `readBranchFolders` answers. */
export interface BranchFolder {
  branch: string;
  /** The head commit. */
  commitSha: string;
  /** The head commit's root tree. */
  treeSha: string;
  /** The folder from the repository root, normalised (`` is the root). */
  folder: string;
  /** False when the folder does not exist at this head (then `entries` is empty). */
  folderExists: boolean;
  /** The folder's direct entries, paths from the repository root. */
  entries: FolderEntry[];
}

export interface RepoFile {
  path: string;
  /** The blob SHA (what GitHub calls the file's `sha`). */
  sha: string;
  size: number;
  /** The bytes, decoded as UTF-8. */
  content: string;
}

export interface CommitFile {
  path: string;
  /** UTF-8 text; `null` deletes the file. */
  content: string | null;
}

export interface CommitFilesOptions {
  /** Attempts when the branch moved under us (409/422 stale SHA); default from the client options. */
  maxAttempts?: number;
  /**
   * Called with the branch's new head when another commit landed first. Return the files to
   * commit on top of it (e.g. re-run the edit on the new content), or `null` when nothing is
   * left to do. Without it, the same files are written again on top of the new head.
   */
  reapply?: (headSha: string) => Promise<CommitFile[] | null>;
}

export interface CommitResult {
  /** The branch head after the call (the new commit, or the unchanged head). */
  sha: string;
  /** False when the files already had this content: no commit was made. */
  committed: boolean;
  /** 1 unless the branch moved and the change was re-applied. */
  attempts: number;
}

export interface BranchResult {
  sha: string;
  /** False when the branch already existed (its current head is returned, not `fromSha`). */
  created: boolean;
}

export interface PullRequestInfo {
  number: number;
  htmlUrl: string;
  state: 'open' | 'closed';
  merged: boolean;
  title: string;
  body: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  labels: string[];
}

export interface OpenPullRequestInput {
  /** The branch name (the owner prefix is added when needed). */
  head: string;
  base: string;
  title: string;
  body: string;
  draft?: boolean;
}

export interface OpenPullRequestResult extends PullRequestInfo {
  /** False when GitHub said one already exists and it was returned instead. */
  created: boolean;
}

export interface LabelSpec {
  name: string;
  /** Six hex digits without `#`. */
  color?: string;
  description?: string;
}

export interface IssueInfo {
  number: number;
  htmlUrl: string;
  state: 'open' | 'closed';
  title: string;
  body: string;
  labels: string[];
  /** True for a pull request (the issues API lists both). */
  isPullRequest?: boolean;
}

export interface OpenIssueInput {
  title: string;
  body: string;
  labels?: Array<string | LabelSpec>;
  /** Appended to the body (as is) when the body does not already contain it. */
  marker?: string;
}

export interface FindIssueOptions {
  /** Only issues with this label are searched; default `driftwarden`. */
  label?: string;
}

/** One HTTP request made to GitHub, as reported to `onCall` (never any header or body). */
export interface GitHubCall {
  method: string;
  /** Path and query, e.g. `/repos/acme/infra/git/ref/heads%2Fmain`. */
  path: string;
  /** 0 when no answer arrived (network error, timeout). */
  status: number;
  durationMs: number;
}

export abstract class GitHubRepoClient {
  /** HTTP requests made so far, retries and token exchanges included (for "API calls per backport"). */
  abstract get calls(): number;

  /** `GET git/ref/heads/{branch}` → the commit SHA. 404 → `github_not_found`. */
  abstract getBranchSha(repo: RepoRef, branch: string): Promise<string>;

  /** Creates `refs/heads/{branch}` at `fromSha`; if it already exists, returns its current head. */
  abstract ensureBranch(repo: RepoRef, branch: string, fromSha: string): Promise<BranchResult>;

  /**
   * The recursive tree of a commit or tree, limited to `path` (a folder, or `.` for everything).
   * When GitHub truncates the recursive listing, the folder is walked one tree at a time instead.
   */
  abstract listTree(repo: RepoRef, sha: string, path?: string): Promise<TreeEntry[]>;

  /**
   * For each branch, its head commit and the direct entries of `folder` there with the files'
   * texts, in ONE request where GitHub allows (GraphQL), else through the REST API; `null` for a
   * branch that does not exist. Texts missing from the answer (binary, cut) are read with `readFile`.
   */
  abstract readBranchFolders(repo: RepoRef, folder: string, branches: readonly string[]): Promise<Map<string, BranchFolder | null>>;

  /** A file at `ref` (branch, tag or SHA); files over 1 MB are read as git blobs. */
  abstract readFile(repo: RepoRef, path: string, ref: string): Promise<RepoFile>;

  /** One commit with `files` on top of `parentSha`, then a fast-forward of `branch` to it. */
  abstract commitFiles(
    repo: RepoRef,
    branch: string,
    parentSha: string,
    files: readonly CommitFile[],
    message: string,
    options?: CommitFilesOptions,
  ): Promise<CommitResult>;

  /** A commit on `parentSha` with the files changed (a tree with the texts inline, a commit), moving no branch; returns its sha. */
  abstract createCommit(repo: RepoRef, parentSha: string, files: readonly CommitFile[], message: string): Promise<string>;

  /** The open pull request whose head is `headBranch` in this repository, if any. */
  abstract findOpenPullRequest(repo: RepoRef, headBranch: string): Promise<PullRequestInfo | null>;

  /** Opens a pull request; when one already exists for the head, returns that one (`created: false`). */
  abstract openPullRequest(repo: RepoRef, input: OpenPullRequestInput): Promise<OpenPullRequestResult>;

  abstract updatePullRequest(repo: RepoRef, number: number, update: { title?: string; body?: string }): Promise<PullRequestInfo>;

  /** Creates the labels missing from the repository, then adds all of them to the issue or PR. */
  abstract ensureLabels(repo: RepoRef, number: number, labels: ReadonlyArray<string | LabelSpec>): Promise<string[]>;

  /** Comments on an issue or pull request (`POST /repos/{o}/{r}/issues/{n}/comments`); returns the comment's URL. */
  abstract createComment(repo: RepoRef, number: number, body: string): Promise<string>;

  /**
   * The URL of the first comment on an issue or pull request whose body contains `marker`, or
   * null (`GET /repos/{o}/{r}/issues/{n}/comments`, all pages): makes a comment idempotent.
   */
  abstract findComment(repo: RepoRef, number: number, marker: string): Promise<string | null>;

  /** The open issue (not PR) whose body contains `marker`, among those labelled `driftwarden`. */
  abstract findOpenIssue(repo: RepoRef, marker: string, options?: FindIssueOptions): Promise<IssueInfo | null>;

  abstract openIssue(repo: RepoRef, input: OpenIssueInput): Promise<IssueInfo>;

  /** Every open issue and pull request with `label` (default `driftwarden`), oldest first, all pages. */
  abstract listOpenIssues(repo: RepoRef, options?: FindIssueOptions): Promise<IssueInfo[]>;

  abstract updateIssue(
    repo: RepoRef,
    number: number,
    update: { title?: string; body?: string; state?: 'open' | 'closed' },
  ): Promise<IssueInfo>;
}

/** `stacks/prod/` → `stacks/prod`; `.`, `./` and `` → `` (the root). */
export function normaliseFolder(path: string | undefined): string {
  const trimmed = (path ?? '').replace(/^\.\/+/, '').replace(/^\/+|\/+$/g, '');
  return trimmed === '.' ? '' : trimmed;
}

/** `<!-- driftwarden:<key> -->`: a marker that renders as nothing on GitHub. */
export function hiddenMarker(key: string): string {
  return `<!-- driftwarden:${key.replace(/--/g, '-')} -->`;
}
