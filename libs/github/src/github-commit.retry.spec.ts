import { createHash } from 'node:crypto';
import { commitWithRetry, type CommitRetryInput, type CommitSteps } from './github-commit.retry';
import type { CommitFile } from './github-repo-client.port';

const sha = (...parts: string[]) => createHash('sha1').update(parts.join('\0')).digest('hex');

/**
 * One branch of a repository in memory, with git's rules: a tree's sha is its content's (the same
 * files give the same tree), a commit names its tree and parent, and the branch only fast-forwards.
 * `onMove` runs before each fast-forward (to let someone else commit first).
 */
class Branch implements CommitSteps {
  readonly trees = new Map<string, Record<string, string>>();
  readonly commits = new Map<string, { tree: string; parent: string | null; by: string }>();
  /** The commit the branch points to. */
  tip: string;
  onMove: () => void = () => undefined;
  readonly log: string[] = [];

  constructor(files: Record<string, string>) {
    this.tip = this.commit(this.tree(files), null, 'initial');
  }

  tree(files: Record<string, string>): string {
    const id = sha('tree', JSON.stringify(Object.entries(files).sort()));
    this.trees.set(id, files);
    return id;
  }

  commit(tree: string, parent: string | null, by: string): string {
    const id = sha('commit', tree, parent ?? '', by, String(this.commits.size));
    this.commits.set(id, { tree, parent, by });
    return id;
  }

  /** Someone else commits on the branch. */
  push(files: Record<string, string | null>, by: string): string {
    const next = { ...this.files(this.tip) };
    for (const [path, content] of Object.entries(files)) {
      if (content === null) delete next[path];
      else next[path] = content;
    }
    this.tip = this.commit(this.tree(next), this.tip, by);
    return this.tip;
  }

  files(commitSha: string): Record<string, string> {
    const c = this.commits.get(commitSha);
    if (!c) throw new Error(`no commit ${commitSha}`);
    return this.trees.get(c.tree) ?? {};
  }

  async treeOf(commitSha: string): Promise<string> {
    this.log.push('treeOf');
    const c = this.commits.get(commitSha);
    if (!c) throw new Error(`no commit ${commitSha}`);
    return c.tree;
  }

  async writeTree(baseTree: string, files: readonly CommitFile[]): Promise<string> {
    this.log.push('writeTree');
    const next = { ...(this.trees.get(baseTree) ?? {}) };
    for (const f of files) {
      if (f.content === null) delete next[f.path];
      else next[f.path] = f.content;
    }
    return this.tree(next);
  }

  async writeCommit(tree: string, parentSha: string): Promise<string> {
    this.log.push('writeCommit');
    return this.commit(tree, parentSha, 'driftwarden');
  }

  async moveBranch(commitSha: string): Promise<{ stale: unknown } | null> {
    this.log.push('moveBranch');
    this.onMove();
    if (this.commits.get(commitSha)?.parent !== this.tip) return { stale: new Error('422 Update is not a fast forward') };
    this.tip = commitSha;
    return null;
  }

  async head(): Promise<string> {
    this.log.push('head');
    return this.tip;
  }
}

/** The steps of `branch` as a plain object (to replace one). */
function stepsOf(branch: Branch): CommitSteps {
  return {
    treeOf: (c) => branch.treeOf(c),
    writeTree: (t, f) => branch.writeTree(t, f),
    writeCommit: (t, p) => branch.writeCommit(t, p),
    moveBranch: (c) => branch.moveBranch(c),
    head: () => branch.head(),
  };
}

class GaveUp extends Error {
  constructor(
    readonly attempts: number,
    readonly stale: unknown,
  ) {
    super(`moved during each of ${attempts} attempts`);
  }
}

const EDIT: CommitFile[] = [{ path: 'main.tf', content: 'resource "x" {}\n# backport\n' }];

function input(branch: Branch, extra: Partial<CommitRetryInput> = {}): CommitRetryInput {
  return {
    parentSha: branch.tip,
    files: EDIT,
    maxAttempts: 3,
    gaveUp: (attempts, stale) => new GaveUp(attempts, stale),
    ...extra,
  };
}

describe('commitWithRetry: a commit on a branch others may move meanwhile', () => {
  it('commits on the head read and fast-forwards the branch in one attempt', async () => {
    const branch = new Branch({ 'main.tf': 'resource "x" {}\n' });
    const parent = branch.tip;
    const result = await commitWithRetry(stepsOf(branch), input(branch));
    expect(result).toEqual({ sha: branch.tip, committed: true, attempts: 1 });
    expect(branch.commits.get(result.sha)?.parent).toBe(parent);
    expect(branch.files(branch.tip)).toEqual({ 'main.tf': 'resource "x" {}\n# backport\n' });
    expect(branch.log).toEqual(['treeOf', 'writeTree', 'writeCommit', 'moveBranch']);
  });

  it('makes no commit when the files already have that content', async () => {
    const branch = new Branch({ 'main.tf': EDIT[0].content as string });
    const head = branch.tip;
    expect(await commitWithRetry(stepsOf(branch), input(branch))).toEqual({ sha: head, committed: false, attempts: 1 });
    expect(branch.tip).toBe(head);
    expect(branch.log).toEqual(['treeOf', 'writeTree']);
  });

  it('when the branch moved, writes the same files again on its new head (the other commit is kept)', async () => {
    const branch = new Branch({ 'main.tf': 'resource "x" {}\n' });
    let human = '';
    branch.onMove = () => {
      if (!human) human = branch.push({ 'outputs.tf': 'output "x" {}\n' }, 'human');
    };
    const result = await commitWithRetry(stepsOf(branch), input(branch));
    expect(result).toEqual({ sha: branch.tip, committed: true, attempts: 2 });
    expect(branch.commits.get(branch.tip)?.parent).toBe(human);
    expect(branch.files(branch.tip)).toEqual({ 'main.tf': 'resource "x" {}\n# backport\n', 'outputs.tf': 'output "x" {}\n' });
  });

  it('lets the caller re-run its edit on the new head', async () => {
    const branch = new Branch({ 'main.tf': 'a\n' });
    branch.onMove = () => {
      if (branch.commits.size === 2) branch.push({ 'main.tf': 'a\n# human\n' }, 'human');
    };
    const heads: string[] = [];
    const result = await commitWithRetry(
      stepsOf(branch),
      input(branch, {
        files: [{ path: 'main.tf', content: 'a\n# ours\n' }],
        reapply: async (head) => {
          heads.push(head);
          return [{ path: 'main.tf', content: `${branch.files(head)['main.tf']}# ours\n` }];
        },
      }),
    );
    expect(result.attempts).toBe(2);
    expect(heads).toEqual([branch.commits.get(branch.tip)?.parent]);
    expect(branch.files(branch.tip)).toEqual({ 'main.tf': 'a\n# human\n# ours\n' });
  });

  it('stops without a commit when the re-run edit has nothing left to do', async () => {
    const branch = new Branch({ 'main.tf': 'a\n' });
    branch.onMove = () => {
      if (branch.commits.size === 2) branch.push({ 'main.tf': 'a\n# ours\n' }, 'someone did it');
    };
    const result = await commitWithRetry(stepsOf(branch), input(branch, { reapply: async () => null }));
    expect(result).toEqual({ sha: branch.tip, committed: false, attempts: 1 });
    expect(branch.commits.get(branch.tip)?.by).toBe('someone did it');
  });

  it('gives up after maxAttempts when the branch keeps moving, with the last refusal', async () => {
    const branch = new Branch({ 'main.tf': 'a\n' });
    let n = 0;
    branch.onMove = () => void branch.push({ [`churn-${++n}.txt`]: `${n}\n` }, `churn ${n}`);
    const err = await commitWithRetry(stepsOf(branch), input(branch)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GaveUp);
    expect((err as GaveUp).attempts).toBe(3);
    expect(String((err as GaveUp).stale)).toMatch(/not a fast forward/);
    expect(branch.commits.get(branch.tip)?.by).toBe('churn 3');
    expect(branch.log.filter((s) => s === 'moveBranch')).toHaveLength(3);
    expect(branch.log.filter((s) => s === 'head')).toHaveLength(2);
  });

  it('maxAttempts 1: the first refusal gives up, without reading the new head', async () => {
    const branch = new Branch({ 'main.tf': 'a\n' });
    branch.onMove = () => void branch.push({ 'other.tf': 'x\n' }, 'human');
    await expect(commitWithRetry(stepsOf(branch), input(branch, { maxAttempts: 1 }))).rejects.toMatchObject({ attempts: 1 });
    expect(branch.log).not.toContain('head');
  });

  it('any other failure of the fast-forward is not retried', async () => {
    const branch = new Branch({ 'main.tf': 'a\n' });
    const steps = { ...stepsOf(branch), moveBranch: () => Promise.reject(new Error('github_auth: resource not accessible')) };
    await expect(commitWithRetry(steps, input(branch))).rejects.toThrow('github_auth');
    expect(branch.log).toEqual(['treeOf', 'writeTree', 'writeCommit']);
  });
});
