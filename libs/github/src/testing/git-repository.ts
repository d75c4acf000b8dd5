/**
 * A real git repository driven through git's plumbing commands (git ≥ 2.38 for
 * `merge-tree --write-tree`). The GitHub sandbox keeps every ref, tree, blob and commit here, so
 * that `git -C <dir> log/diff/show` shows exactly what the API calls did.
 *
 * Git runs with a clean environment: no inherited `GIT_*` variables (a test started from a git
 * hook must not write into the outer repository), no global or system config (no signing, no
 * hooks), and explicit author/committer identities.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface GitIdentity {
  name: string;
  email: string;
  /** ISO date; default now. */
  date?: string;
}

export interface GitTreeItem {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  /** Blobs only. */
  size?: number;
  path: string;
}

export interface GitCommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: Required<GitIdentity>;
  committer: Required<GitIdentity>;
  message: string;
}

/** One change to a tree: a blob (by SHA), a subtree, a submodule commit, or a deletion (`sha: null`). */
export interface GitTreeChange {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string | null;
}

export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed (${code}): ${stderr.trim()}`);
    this.name = 'GitCommandError';
  }
}

interface RunOptions {
  input?: Buffer | string;
  env?: Record<string, string>;
  /** Exit codes that are answers rather than failures (e.g. 1 for `merge-base --is-ancestor`). */
  okCodes?: number[];
  cwd?: string;
}

const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;
const ZERO_SHA = '0000000000000000000000000000000000000000';
const SHA = /^[0-9a-f]{40}$/;

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('GIT_')) env[key] = value;
  }
  env.GIT_CONFIG_NOSYSTEM = '1';
  env.GIT_CONFIG_GLOBAL = process.platform === 'win32' ? 'NUL' : '/dev/null';
  env.GIT_TERMINAL_PROMPT = '0';
  env.LC_ALL = 'C';
  return env;
}

function gitDate(date: string | undefined): string {
  const d = date ? new Date(date) : new Date();
  return `${Math.floor(d.getTime() / 1000)} +0000`;
}

function identityEnv(author: GitIdentity, committer: GitIdentity): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: gitDate(author.date),
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_COMMITTER_DATE: gitDate(committer.date),
  };
}

function parseIdentity(line: string): Required<GitIdentity> {
  const match = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(line);
  if (!match) return { name: line, email: '', date: new Date(0).toISOString() };
  return { name: match[1], email: match[2], date: new Date(Number(match[3]) * 1000).toISOString().replace(/\.000Z$/, 'Z') };
}

export class GitRepository {
  private constructor(
    /** The git directory (`…/repo.git`, or `…/repo/.git`). */
    readonly gitDir: string,
    /** The work tree of a non-bare repository. */
    readonly workTree: string | undefined,
    private readonly cleanup: string | undefined,
  ) {}

  /**
   * A new bare repository in a temp folder, with one commit on `branch` holding `files`
   * (path → content) or the files of `fromDirectory` (its `.git`, if any, is skipped).
   */
  static async create(options: {
    branch: string;
    files?: Record<string, string | Buffer>;
    fromDirectory?: string;
    message?: string;
    author?: GitIdentity;
    parentDir?: string;
  }): Promise<GitRepository> {
    const root = mkdtempSync(path.join(options.parentDir ?? tmpdir(), 'driftwarden-github-'));
    const gitDir = path.join(root, 'repo.git');
    await new GitRepository('', undefined, undefined).git(['init', '--quiet', '--bare', `--initial-branch=${options.branch}`, gitDir], {
      cwd: root,
    });
    const repo = new GitRepository(gitDir, undefined, root);
    const files: Record<string, string | Buffer> = {
      ...(options.fromDirectory ? readDirectory(options.fromDirectory) : {}),
      ...options.files,
    };
    if (Object.keys(files).length === 0) files['README.md'] = '# sandbox\n';
    const changes: GitTreeChange[] = [];
    for (const [file, content] of Object.entries(files)) {
      changes.push({
        path: file,
        mode: '100644',
        type: 'blob',
        sha: await repo.writeBlob(typeof content === 'string' ? Buffer.from(content) : content),
      });
    }
    const tree = await repo.buildTree(undefined, changes);
    const author = options.author ?? { name: 'Sandbox', email: 'sandbox@example.com' };
    const commit = await repo.createCommit({ tree, parents: [], message: options.message ?? 'Initial commit', author, committer: author });
    await repo.updateRef(`refs/heads/${options.branch}`, commit, null);
    return repo;
  }

  /** An existing repository (bare, or a work tree's repository): used in place, never deleted. */
  static async open(dir: string): Promise<GitRepository> {
    if (!existsSync(dir)) throw new Error(`git repository ${dir} does not exist`);
    const probe = new GitRepository('', undefined, undefined);
    const out = (await probe.git(['rev-parse', '--absolute-git-dir', '--is-bare-repository'], { cwd: dir }))
      .toString('utf8')
      .trim()
      .split('\n');
    const [gitDir, bare] = out;
    if (bare === 'true') return new GitRepository(gitDir, undefined, undefined);
    const top = (await probe.git(['rev-parse', '--show-toplevel'], { cwd: dir })).toString('utf8').trim();
    return new GitRepository(gitDir, top, undefined);
  }

  /** Deletes the repository when this object created it. */
  dispose(): void {
    if (this.cleanup) rmSync(this.cleanup, { recursive: true, force: true });
  }

  /** Runs `git --git-dir=<gitDir> …` and answers stdout. */
  git(args: readonly string[], options: RunOptions = {}): Promise<Buffer> {
    return this.run(args, options).then((r) => r.stdout);
  }

  private run(args: readonly string[], options: RunOptions = {}): Promise<{ stdout: Buffer; code: number }> {
    // Without a git dir (init, probing a folder) git finds the repository from `cwd`.
    const fullArgs = this.gitDir ? [`--git-dir=${this.gitDir}`, ...args] : [...args];
    return new Promise((resolve, reject) => {
      const child = spawn('git', fullArgs, {
        cwd: options.cwd ?? this.workTree ?? (this.gitDir || process.cwd()),
        env: { ...cleanEnv(), ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_OUTPUT_BYTES) child.kill();
        else out.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', reject);
      child.on('close', (code) => {
        const stderr = Buffer.concat(err).toString('utf8');
        if (code === 0 || (code !== null && options.okCodes?.includes(code))) resolve({ stdout: Buffer.concat(out), code });
        else reject(new GitCommandError(args, code, stderr));
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
    });
  }

  // --- objects -------------------------------------------------------------------------------

  /** The object's type, or undefined when it does not exist. */
  async objectType(rev: string): Promise<'blob' | 'tree' | 'commit' | 'tag' | undefined> {
    const { stdout, code } = await this.run(['cat-file', '-t', rev], { okCodes: [128, 1] });
    if (code !== 0) return undefined;
    const type = stdout.toString('utf8').trim();
    return type === 'blob' || type === 'tree' || type === 'commit' || type === 'tag' ? type : undefined;
  }

  /** `rev` resolved to a full SHA (any revision syntax), or undefined. */
  async resolve(rev: string): Promise<string | undefined> {
    if (rev.startsWith('-')) return undefined;
    const { stdout, code } = await this.run(['rev-parse', '--verify', '--quiet', '--end-of-options', rev], { okCodes: [1, 128] });
    const sha = stdout.toString('utf8').trim();
    return code === 0 && SHA.test(sha) ? sha : undefined;
  }

  /** A branch, tag or SHA as GitHub's `ref` query parameter understands it → commit SHA. */
  async resolveCommitish(ref: string): Promise<string | undefined> {
    const candidates = SHA.test(ref) ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`, ref.startsWith('refs/') ? ref : undefined];
    for (const candidate of candidates) {
      if (!candidate) continue;
      const sha = await this.resolve(`${candidate}^{commit}`);
      if (sha) return sha;
    }
    return undefined;
  }

  async readBlob(sha: string): Promise<Buffer> {
    return this.git(['cat-file', 'blob', sha]);
  }

  async writeBlob(content: Buffer): Promise<string> {
    return (await this.git(['hash-object', '-w', '--stdin'], { input: content })).toString('utf8').trim();
  }

  /** The tree's entries (recursively: subtrees listed too, like GitHub), for a tree or commit SHA. */
  async listTree(treeish: string, recursive: boolean): Promise<GitTreeItem[]> {
    const args = ['ls-tree', '-l', '-z', ...(recursive ? ['-r', '-t'] : []), treeish];
    return parseLsTree(await this.git(args));
  }

  /** The entry at `file` in a commit or tree (the entry itself, also for a folder), or undefined. */
  async entryAt(treeish: string, file: string): Promise<GitTreeItem | undefined> {
    const clean = file.replace(/^\/+|\/+$/g, '');
    if (clean === '') return undefined;
    const items = parseLsTree(await this.git(['ls-tree', '-l', '-z', treeish, '--', clean]));
    return items.find((i) => i.path === clean);
  }

  /**
   * A new tree: `base` (tree SHA, or none) with `changes` applied, through a temporary index
   * (`read-tree`, `update-index --index-info`, `write-tree`). Deleting a folder deletes everything under it.
   */
  async buildTree(base: string | undefined, changes: readonly GitTreeChange[]): Promise<string> {
    const index = path.join(tmpdir(), `driftwarden-index-${randomUUID()}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await this.git(base ? ['read-tree', base] : ['read-tree', '--empty'], { env });
      for (const change of changes) {
        const clean = change.path.replace(/^\/+|\/+$/g, '');
        // Remove what is there (a file, or everything under a folder) before writing the new entry.
        const existing = (await this.git(['ls-files', '-z', '--', clean], { env }))
          .toString('utf8')
          .split('\0')
          .filter((p) => p === clean || p.startsWith(`${clean}/`));
        if (existing.length > 0) {
          await this.git(['update-index', '-z', '--index-info'], { env, input: existing.map((p) => `0 ${ZERO_SHA}\t${p}\0`).join('') });
        }
        if (change.sha === null) continue;
        if (change.type === 'tree') {
          await this.git(['read-tree', `--prefix=${clean}/`, change.sha], { env });
        } else {
          await this.git(['update-index', '-z', '--index-info'], { env, input: `${change.mode} ${change.sha}\t${clean}\0` });
        }
      }
      return (await this.git(['write-tree'], { env })).toString('utf8').trim();
    } finally {
      rmSync(index, { force: true });
    }
  }

  async createCommit(input: {
    tree: string;
    parents: readonly string[];
    message: string;
    author: GitIdentity;
    committer: GitIdentity;
  }): Promise<string> {
    const args = ['commit-tree', '--no-gpg-sign', input.tree, ...input.parents.flatMap((p) => ['-p', p])];
    const out = await this.git(args, { input: input.message, env: identityEnv(input.author, input.committer) });
    return out.toString('utf8').trim();
  }

  async readCommit(sha: string): Promise<GitCommitInfo> {
    const raw = (await this.git(['cat-file', 'commit', sha])).toString('utf8');
    const split = raw.indexOf('\n\n');
    const headers = (split < 0 ? raw : raw.slice(0, split)).split('\n');
    const message = split < 0 ? '' : raw.slice(split + 2);
    let tree = '';
    const parents: string[] = [];
    let author = parseIdentity('');
    let committer = parseIdentity('');
    for (const line of headers) {
      const space = line.indexOf(' ');
      const key = line.slice(0, space);
      const value = line.slice(space + 1);
      if (key === 'tree') tree = value;
      else if (key === 'parent') parents.push(value);
      else if (key === 'author') author = parseIdentity(value);
      else if (key === 'committer') committer = parseIdentity(value);
    }
    return { sha, tree, parents, author, committer, message };
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const { code } = await this.run(['merge-base', '--is-ancestor', ancestor, descendant], { okCodes: [1] });
    return code === 0;
  }

  /** `git merge-tree --write-tree`: the merged tree, or the conflicting paths. */
  async mergeTree(base: string, head: string): Promise<{ tree: string } | { conflicts: string[] }> {
    const { stdout, code } = await this.run(['merge-tree', '--write-tree', '--name-only', '--no-messages', base, head], { okCodes: [1] });
    const lines = stdout.toString('utf8').trim().split('\n');
    if (code === 0) return { tree: lines[0] };
    return { conflicts: lines.slice(1).filter((l) => l.length > 0) };
  }

  // --- refs ----------------------------------------------------------------------------------

  /** The SHA a full ref name (`refs/heads/main`) points to, or undefined. */
  async refSha(ref: string): Promise<string | undefined> {
    const { stdout, code } = await this.run(['show-ref', '--verify', '--hash', ref], { okCodes: [1, 128] });
    const sha = stdout.toString('utf8').trim();
    return code === 0 && SHA.test(sha) ? sha : undefined;
  }

  /**
   * Moves `ref` to `sha` only if it still points at `expected` (`null`: only if it does not exist).
   * False when someone else moved it first (git's own compare-and-swap).
   */
  async updateRef(ref: string, sha: string, expected: string | null): Promise<boolean> {
    const { code } = await this.run(['update-ref', ref, sha, expected ?? ZERO_SHA], { okCodes: [1, 128] });
    return code === 0;
  }

  /**
   * Moves the branch checked out in a non-bare repository, updating its index and files
   * (a two-tree `read-tree -m -u`, as a fast-forward does). Other cases: `updateRef`.
   */
  async advanceBranch(branch: string, sha: string, expected: string): Promise<boolean> {
    if (this.workTree) {
      const head = (await this.run(['symbolic-ref', '--quiet', 'HEAD'], { okCodes: [1] })).stdout.toString('utf8').trim();
      if (head === `refs/heads/${branch}`) {
        await this.git(['read-tree', '-m', '-u', expected, sha], { cwd: this.workTree });
      }
    }
    return this.updateRef(`refs/heads/${branch}`, sha, expected);
  }

  /** Commit SHAs reachable from `head` and not from `base`, newest first. */
  async commitsBetween(base: string, head: string): Promise<string[]> {
    const out = (await this.git(['rev-list', `${base}..${head}`])).toString('utf8').trim();
    return out === '' ? [] : out.split('\n');
  }
}

function parseLsTree(out: Buffer): GitTreeItem[] {
  const items: GitTreeItem[] = [];
  for (const record of out.toString('utf8').split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode, type, sha, size] = record.slice(0, tab).trim().split(/\s+/);
    if (type !== 'blob' && type !== 'tree' && type !== 'commit') continue;
    items.push({ mode, type, sha, path: record.slice(tab + 1), ...(type === 'blob' && size !== '-' ? { size: Number(size) } : {}) });
  }
  return items;
}

function readDirectory(root: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const walk = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name === '.git') continue;
      const full = path.join(dir, name);
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full, rel);
      else if (stat.isFile()) files[rel] = readFileSync(full);
    }
  };
  walk(root, '');
  return files;
}
