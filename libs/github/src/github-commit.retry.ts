import type { CommitFile, CommitFilesOptions, CommitResult } from './github-repo-client.port';

/** The steps of one commit on a branch, against GitHub (or anything that behaves like it). */
export interface CommitSteps {
  /** The tree of a commit. */
  treeOf(commitSha: string): Promise<string>;
  /** `baseTree` with the files changed; returns the new tree's sha (the same sha: nothing changed). */
  writeTree(baseTree: string, files: readonly CommitFile[]): Promise<string>;
  /** A commit of `tree` on `parentSha` (no branch moves); returns its sha. */
  writeCommit(tree: string, parentSha: string): Promise<string>;
  /**
   * Fast-forwards the branch to `commitSha`. Returns null when it moved, or the failure when the
   * branch no longer points to the commit's parent (someone else committed first); throws
   * anything else.
   */
  moveBranch(commitSha: string): Promise<{ stale: unknown } | null>;
  /** The branch's current head. */
  head(): Promise<string>;
}

export interface CommitRetryInput extends Pick<CommitFilesOptions, 'reapply'> {
  /** The head the files were edited on. */
  parentSha: string;
  files: readonly CommitFile[];
  /** At least 1. */
  maxAttempts: number;
  /** The error thrown when the branch moved during each attempt; `stale` is the last move's failure. */
  gaveUp(attempts: number, stale: unknown): Error;
}

/**
 * Commits `files` on a branch that others may move meanwhile (optimistic concurrency): write the
 * tree and the commit on the head read, then fast-forward the branch. When the branch moved, the
 * change goes on top of its new head: the same files again, or what `reapply` makes of the new
 * head (null: nothing left to do), up to `maxAttempts` times. No commit is made when the files
 * already have this content.
 */
export async function commitWithRetry(steps: CommitSteps, input: CommitRetryInput): Promise<CommitResult> {
  let base = input.parentSha;
  let pending = input.files;
  for (let attempt = 1; ; attempt += 1) {
    const baseTree = await steps.treeOf(base);
    const newTree = await steps.writeTree(baseTree, pending);
    if (newTree === baseTree) return { sha: base, committed: false, attempts: attempt };
    const commitSha = await steps.writeCommit(newTree, base);
    const moved = await steps.moveBranch(commitSha);
    if (moved === null) return { sha: commitSha, committed: true, attempts: attempt };
    if (attempt >= input.maxAttempts) throw input.gaveUp(attempt, moved.stale);
    const head = await steps.head();
    if (input.reapply) {
      const again = await input.reapply(head);
      if (again === null) return { sha: head, committed: false, attempts: attempt };
      pending = again;
    }
    base = head;
  }
}
