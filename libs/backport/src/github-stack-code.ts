/**
 * The stacks' Terraform code as the kinds read it (libs/kinds StackCodePort): the `lifecycle {
 * ignore_changes }` of a resource block, read through GitHub like a backport reads the code
 * (`readBranchFolders` for the base branch's head and the stack's folder, `locateCode` for the
 * file that declares the address, following local modules). Cached per commit: the head is asked
 * for at most once per `headTtlMs` per stack, and what a commit's code says of an address is read
 * once. Never throws: a failure is `read: false` with the reason (the kind decides conservatively).
 */
import { PermanentError } from '@driftwarden/domain';
import type { GitHubRepoClient } from '@driftwarden/github';
import { readIgnoreChanges, type IgnoreChanges, type StackCodePort } from '@driftwarden/kinds';
import { HclDocument, initHclParser } from '@driftwarden/hcl-edit';
import type { StackRepo } from './github-backport.adapter';
import { BranchCodeReader, locateCode } from './locate-code';

export interface GitHubStackCodeOptions {
  /** How long a base branch head is trusted before asking GitHub again (default 60 s). */
  headTtlMs?: number;
  /** Answers kept per commit and address (default 5 000; cleared whole when exceeded). */
  maxEntries?: number;
  now?: () => number;
}

/** `module.a.aws_x.y["k"]` → `module.a.aws_x.y`: every instance of a resource shares its block. */
export function blockAddress(address: string): string {
  return address.replace(/\[[^\]]*\]$/, '');
}

export class GitHubStackCode implements StackCodePort {
  private readonly heads = new Map<string, { at: number; head: Promise<Awaited<ReturnType<GitHubRepoClient['readBranchFolders']>>> }>();
  private readonly answers = new Map<string, Promise<IgnoreChanges>>();
  private readonly headTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly github: GitHubRepoClient,
    private readonly stacks: readonly StackRepo[],
    options: GitHubStackCodeOptions = {},
  ) {
    this.headTtlMs = options.headTtlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  async ignoreChanges(stackName: string, address: string): Promise<IgnoreChanges> {
    const stack = this.stacks.find((s) => s.stack === stackName);
    if (!stack) return { read: false, reason: `stack ${stackName} has no repository configured (stacks[].repo)` };
    try {
      const heads = await this.head(stack);
      const head = heads.get(stack.baseBranch);
      if (!head) return { read: false, reason: `the base branch ${stack.baseBranch} of stack ${stackName} does not exist` };
      if (!head.folderExists) return { read: false, reason: `the stack folder ${stack.path} does not exist on ${stack.baseBranch}` };
      const key = `${stackName}\n${head.commitSha}\n${blockAddress(address)}`;
      let answer = this.answers.get(key);
      if (!answer) {
        if (this.answers.size >= this.maxEntries) this.answers.clear();
        answer = this.read(new BranchCodeReader(this.github, stack.repo, head), stack, head.commitSha, blockAddress(address));
        this.answers.set(key, answer);
        // A transient failure is not remembered for the commit.
        void answer.then((a) => {
          if (!a.read && a.reason.startsWith('GitHub:')) this.answers.delete(key);
        });
      }
      return await answer;
    } catch (err) {
      this.heads.delete(stack.stack);
      return { read: false, reason: `GitHub: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private head(stack: StackRepo) {
    const cached = this.heads.get(stack.stack);
    if (cached && this.now() - cached.at < this.headTtlMs) return cached.head;
    const head = this.github.readBranchFolders(stack.repo, stack.path, [stack.baseBranch]);
    this.heads.set(stack.stack, { at: this.now(), head });
    head.catch(() => this.heads.delete(stack.stack));
    return head;
  }

  private async read(reader: BranchCodeReader, stack: StackRepo, commit: string, address: string): Promise<IgnoreChanges> {
    try {
      await initHclParser();
      const located = await locateCode(reader, stack.path, address);
      if (!located.ok) return { read: false, reason: located.reason };
      const { path, text, target } = located.location;
      const block = HclDocument.parse(text).resource(target.type, target.name);
      if (!block) throw new PermanentError(`${path} declares no ${target.type}.${target.name}`, 'code_unreadable');
      try {
        return { read: true, commit, path, ignored: readIgnoreChanges(block) };
      } catch (err) {
        return { read: false, reason: `${path}@${commit.slice(0, 12)}: ${err instanceof Error ? err.message : String(err)}` };
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { read: false, reason: err instanceof PermanentError || !(err instanceof Error) ? message : `GitHub: ${message}` };
    }
  }
}
