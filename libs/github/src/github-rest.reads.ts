/**
 * The adapter's REST reads: branch heads (singular `git/ref/{ref}`, no `refs/` prefix), trees
 * (walked level by level when GitHub truncates the recursive listing), files (inline up to 1 MB,
 * else as a blob), a branch's folder (what the GraphQL read answers, when GraphQL cannot), pull
 * requests (`head=owner:branch`), comments, issues and the labels a repository has (cached).
 */
import { PermanentError, TransientError } from '@driftwarden/domain';
import { checkedSha, full, type GitHubCalls, PAGE_SIZE, R, toIssue, toPullRequest } from './github-calls';
import { GITHUB_ERROR_CODES } from './github.errors';
import {
  type BranchFolder,
  type IssueInfo,
  type PullRequestInfo,
  type RepoFile,
  type RepoRef,
  type TreeEntry,
  normaliseFolder,
} from './github-repo-client.port';

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

export class GitHubRestReads {
  /** `owner/name` → lower-cased label names known to exist, and when that was learnt. */
  private readonly knownLabels = new Map<string, { names: Set<string>; at: number }>();

  constructor(
    private readonly calls: GitHubCalls,
    private readonly labelCacheTtlMs: number,
  ) {}

  private get octokit() {
    return this.calls.octokit;
  }

  // --- branches, trees, files ----------------------------------------------------------------

  async getBranchSha(repo: RepoRef, branch: string): Promise<string> {
    const data = await this.calls.call(R.getRef, `branch ${branch} in ${full(repo)}`, async () => {
      // Singular `ref`, no `refs/` prefix: the plural form answers prefix matches as an array.
      const response = await this.octokit.rest.git.getRef({ owner: repo.owner, repo: repo.name, ref: `heads/${branch}` });
      return response.data;
    });
    return checkedSha(data.object.sha, R.getRef);
  }

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

  /** One branch's head and the folder's own entries (not below): `readBranchFolders` without GraphQL. Null: no such branch. */
  async branchFolder(repo: RepoRef, folder: string, branch: string): Promise<BranchFolder | null> {
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

  async readFile(repo: RepoRef, path: string, ref: string): Promise<RepoFile> {
    const what = `file ${path} at ${ref} in ${full(repo)}`;
    const data = await this.calls.call(R.getContent, what, async () => {
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
    const sha = checkedSha(data.sha, R.getContent);
    // Up to 1 MB the content comes inline; 1–100 MB come with `encoding: "none"` and no content.
    if (data.encoding === 'base64' && (data.content !== '' || data.size === 0)) {
      return { path: data.path, sha, size: data.size, content: Buffer.from(data.content, 'base64').toString('utf8') };
    }
    const blob = await this.calls.call(R.getBlob, `blob ${sha} (${path}) in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.git.getBlob({ owner: repo.owner, repo: repo.name, file_sha: sha });
      return response.data;
    });
    if (blob.encoding !== 'base64' && blob.encoding !== 'utf-8') {
      throw new TransientError(`GitHub ${R.getBlob}: unexpected encoding ${JSON.stringify(blob.encoding)}`, GITHUB_ERROR_CODES.malformed);
    }
    const content = blob.encoding === 'base64' ? Buffer.from(blob.content, 'base64').toString('utf8') : blob.content;
    return { path: data.path, sha, size: blob.size ?? Buffer.byteLength(content), content };
  }

  /** The tree sha of a commit: known from a listing of that commit, else read. */
  async treeOf(repo: RepoRef, commitSha: string): Promise<string> {
    const known = this.calls.commitTrees.get(commitSha);
    if (known) return known;
    const commit = await this.calls.call(R.getCommit, `commit ${commitSha} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.git.getCommit({ owner: repo.owner, repo: repo.name, commit_sha: commitSha });
      return response.data;
    });
    const tree = checkedSha(commit.tree.sha, R.getCommit);
    this.calls.commitTrees.set(commitSha, tree);
    return tree;
  }

  private async getTree(repo: RepoRef, sha: string, recursive: boolean): Promise<{ entries: TreeEntry[]; truncated: boolean }> {
    const data = await this.calls.call(R.getTree, `tree ${sha} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.git.getTree({
        owner: repo.owner,
        repo: repo.name,
        tree_sha: sha,
        ...(recursive ? { recursive: '1' } : {}),
      });
      return response.data;
    });
    // Listing a commit's tree tells us the commit's tree sha: a later commit on it needs no read.
    if (typeof data.sha === 'string' && data.sha !== sha) this.calls.commitTrees.set(sha, data.sha);
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

  // --- pull requests, comments, issues, labels -----------------------------------------------

  async findOpenPullRequest(repo: RepoRef, headBranch: string): Promise<PullRequestInfo | null> {
    const pulls = await this.calls.call(R.listPulls, `pull requests of ${full(repo)}`, async () => {
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

  async findComment(repo: RepoRef, number: number, marker: string): Promise<string | null> {
    const found = await this.calls.call(R.listComments, `comments of issue or pull request #${number} in ${full(repo)}`, async () => {
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

  async findOpenIssue(repo: RepoRef, marker: string, label: string): Promise<IssueInfo | null> {
    const found = await this.calls.call(R.listIssues, `issues of ${full(repo)}`, async () => {
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

  async listOpenIssues(repo: RepoRef, label: string): Promise<IssueInfo[]> {
    const all = await this.calls.call(R.listIssues, `issues of ${full(repo)}`, () =>
      this.octokit.paginate(this.octokit.rest.issues.listForRepo, openIssuesQuery(repo, label)),
    );
    return all.map(toIssue);
  }

  /** The repository's label names (lower-cased), as learnt within the cache's lifetime; the set is the cache's (add to it). */
  async labelsOf(repo: RepoRef): Promise<Set<string>> {
    const key = full(repo).toLowerCase();
    const cached = this.knownLabels.get(key);
    if (cached && this.calls.api.now() - cached.at < this.labelCacheTtlMs) return cached.names;
    const labels = await this.calls.call(R.listLabels, `repository ${full(repo)}`, () =>
      this.octokit.paginate(this.octokit.rest.issues.listLabelsForRepo, { owner: repo.owner, repo: repo.name, per_page: PAGE_SIZE }),
    );
    const names = new Set(labels.map((l) => l.name.toLowerCase()));
    this.knownLabels.set(key, { names, at: this.calls.api.now() });
    return names;
  }
}
