/**
 * The adapter's REST writes: branches (plural `git/refs` with `refs/` on creation, 422 for one
 * that exists), trees with the texts inline (no blob request per file), commits, the fast-forward
 * of a branch (`force: false`: a branch that moved under us is a 409/422, told apart from other
 * failures), pull requests and issues (422 for one that exists), labels and comments.
 */
import {
  checkedSha,
  DEFAULT_LABEL_COLOR,
  DRIFTWARDEN_LABEL,
  full,
  type GitHubCalls,
  isStatus,
  labelNames,
  labelSpec,
  mentions,
  R,
  toIssue,
  toPullRequest,
} from './github-calls';
import { gitHubErrorCodes, isHttpErrorLike } from './github.errors';
import type {
  BranchResult,
  CommitFile,
  IssueInfo,
  LabelSpec,
  OpenIssueInput,
  OpenPullRequestInput,
  OpenPullRequestResult,
  PullRequestInfo,
  RepoRef,
} from './github-repo-client.port';
import type { GitHubRestReads } from './github-rest.reads';

export class GitHubRestWrites {
  constructor(
    private readonly calls: GitHubCalls,
    /** What a write reads first or on a conflict (a branch head, an existing PR, the labels a repository has). */
    private readonly reads: GitHubRestReads,
  ) {}

  private get octokit() {
    return this.calls.octokit;
  }

  // --- branches, trees, commits --------------------------------------------------------------

  async ensureBranch(repo: RepoRef, branch: string, fromSha: string): Promise<BranchResult> {
    try {
      const { data } = await this.octokit.rest.git.createRef({
        owner: repo.owner,
        repo: repo.name,
        ref: `refs/heads/${branch}`,
        sha: fromSha,
      });
      return { sha: checkedSha(data.object.sha, R.createRef), created: true };
    } catch (err) {
      if (isStatus(err, 422) && mentions(err, /reference already exists/i)) {
        return { sha: await this.reads.getBranchSha(repo, branch), created: false };
      }
      throw this.calls.mapError(err, R.createRef, `commit ${fromSha} in ${full(repo)}`);
    }
  }

  /**
   * `baseTree` with the files changed, in one request: the texts go inline (`content`), so GitHub
   * writes the blobs itself (no `POST git/blobs` per file); `content: null` deletes (`sha: null`).
   */
  createTree(repo: RepoRef, baseTree: string, files: readonly CommitFile[]): Promise<{ sha: string }> {
    const tree = files.map((file) =>
      file.content === null
        ? { path: file.path, mode: '100644' as const, type: 'blob' as const, sha: null }
        : { path: file.path, mode: '100644' as const, type: 'blob' as const, content: file.content },
    );
    return this.calls.call(R.createTree, `base tree ${baseTree} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.git.createTree({ owner: repo.owner, repo: repo.name, base_tree: baseTree, tree });
      return response.data;
    });
  }

  /** A commit of `tree` on `parentSha`; returns its sha. */
  async commitTree(repo: RepoRef, tree: string, parentSha: string, message: string): Promise<string> {
    const created = await this.calls.call(R.createCommit, `tree ${tree} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.git.createCommit({
        owner: repo.owner,
        repo: repo.name,
        message,
        tree,
        parents: [parentSha],
      });
      return response.data;
    });
    return checkedSha(created.sha, R.createCommit);
  }

  /** Creates a commit on `parentSha` with the files changed, without moving any branch. */
  async createCommit(repo: RepoRef, parentSha: string, files: readonly CommitFile[], message: string): Promise<string> {
    const baseTree = await this.reads.treeOf(repo, parentSha);
    const newTree = await this.createTree(repo, baseTree, files);
    const commitSha = await this.commitTree(repo, newTree.sha, parentSha, message);
    this.calls.commitTrees.set(commitSha, newTree.sha);
    return commitSha;
  }

  /**
   * Fast-forwards `branch` to `commitSha`. Null when done; `{ stale }` (GitHub's failure) when the
   * branch no longer points to the commit's parent; any other failure is thrown, mapped.
   */
  async fastForward(repo: RepoRef, branch: string, commitSha: string): Promise<{ stale: unknown } | null> {
    try {
      // PATCH path `ref` is `heads/<branch>` (no `refs/`); force:false makes a moved branch a 422.
      await this.octokit.rest.git.updateRef({ owner: repo.owner, repo: repo.name, ref: `heads/${branch}`, sha: commitSha, force: false });
      return null;
    } catch (err) {
      const stale = isStatus(err, 409) || (isStatus(err, 422) && mentions(err, /fast[ -]forward|reference cannot be updated|not a fast/i));
      if (!stale) throw this.calls.mapError(err, R.updateRef, `branch ${branch} in ${full(repo)}`);
      return { stale: err };
    }
  }

  // --- pull requests -------------------------------------------------------------------------

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
        const existing = await this.reads.findOpenPullRequest(repo, branch);
        if (existing) return { ...existing, created: false };
      }
      throw this.calls.mapError(err, R.createPull, `branch ${input.head} or ${input.base} in ${full(repo)}`);
    }
  }

  async updatePullRequest(repo: RepoRef, number: number, update: { title?: string; body?: string }): Promise<PullRequestInfo> {
    const data = await this.calls.call(R.updatePull, `pull request #${number} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.pulls.update({ owner: repo.owner, repo: repo.name, pull_number: number, ...update });
      return response.data;
    });
    return toPullRequest(data);
  }

  // --- labels and comments -------------------------------------------------------------------

  async ensureLabels(repo: RepoRef, number: number, labels: ReadonlyArray<string | LabelSpec>): Promise<string[]> {
    const specs = labels.map(labelSpec);
    if (specs.length === 0) return [];
    // Labels given with a colour or description are created first; plain names are created by
    // GitHub itself when they are added (one call instead of a list and a create each).
    const styled = labels.filter((l): l is LabelSpec => typeof l !== 'string').map(labelSpec);
    if (styled.length > 0) await this.createMissingLabels(repo, styled);
    const data = await this.calls.call(R.addLabels, `issue or pull request #${number} in ${full(repo)}`, async () => {
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
    const data = await this.calls.call(R.createComment, `issue or pull request #${number} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.issues.createComment({ owner: repo.owner, repo: repo.name, issue_number: number, body });
      return response.data;
    });
    return data.html_url;
  }

  private async createMissingLabels(repo: RepoRef, specs: readonly LabelSpec[]): Promise<void> {
    const known = await this.reads.labelsOf(repo);
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
          throw this.calls.mapError(err, R.createLabel, `repository ${full(repo)}`);
        }
      }
      known.add(key);
    }
  }

  // --- issues (the "cannot edit safely" fallback, tracking issues) ----------------------------

  async openIssue(repo: RepoRef, input: OpenIssueInput): Promise<IssueInfo> {
    const specs = (input.labels ?? []).map(labelSpec);
    if (!specs.some((s) => s.name.toLowerCase() === DRIFTWARDEN_LABEL)) specs.unshift({ name: DRIFTWARDEN_LABEL });
    await this.createMissingLabels(repo, specs);
    const body = input.marker && !input.body.includes(input.marker) ? `${input.body}\n\n${input.marker}` : input.body;
    const data = await this.calls.call(R.createIssue, `repository ${full(repo)}`, async () => {
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
    const data = await this.calls.call(R.updateIssue, `issue #${number} in ${full(repo)}`, async () => {
      const response = await this.octokit.rest.issues.update({ owner: repo.owner, repo: repo.name, issue_number: number, ...update });
      return response.data;
    });
    return toIssue(data);
  }
}
