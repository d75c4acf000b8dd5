import { posix } from 'node:path';
import { HclDocument, initHclParser, parseResourceAddress, type ResourceAddress } from '@driftwarden/hcl-edit';
import { type BranchFolder, type GitHubRepoClient, normaliseFolder, type RepoRef, type TreeEntry } from '@driftwarden/github';
import type { CodeLocation } from '@driftwarden/kinds';

export type { CodeLocation } from '@driftwarden/kinds';

/** The `.tf` files of one commit, as `locateCode` reads them. */
export interface CodeReader {
  /** Paths of the `.tf` files directly in `dir` (`` is the root). */
  tfFilesIn(dir: string): Promise<string[]>;
  /** Paths of every `.tf` file in the repository. */
  allTfFiles(): Promise<string[]>;
  read(path: string): Promise<string>;
}

const isTf = (e: TreeEntry) => e.type === 'blob' && e.path.endsWith('.tf');

/**
 * Reads a branch head through GitHub, starting from what `readBranchFolders` answered (the
 * stack's folder with the texts of its files): a root-module resource needs no further request;
 * a module elsewhere in the repository costs one tree listing and a read per file, each once.
 */
export class BranchCodeReader implements CodeReader {
  private tree: Promise<TreeEntry[]> | undefined;
  private readonly texts = new Map<string, Promise<string>>();

  constructor(
    private readonly github: GitHubRepoClient,
    private readonly repo: RepoRef,
    private readonly head: BranchFolder,
  ) {
    for (const e of head.entries) if (e.content !== undefined) this.texts.set(e.path, Promise.resolve(e.content));
  }

  async tfFilesIn(dir: string): Promise<string[]> {
    const entries =
      dir === this.head.folder
        ? this.head.entries
        : (await this.wholeTree()).filter((e) => posix.dirname(e.path) === (dir === '' ? '.' : dir));
    return entries.filter(isTf).map((e) => e.path);
  }

  async allTfFiles(): Promise<string[]> {
    return (await this.wholeTree()).filter(isTf).map((e) => e.path);
  }

  read(path: string): Promise<string> {
    let text = this.texts.get(path);
    if (!text) {
      text = this.github.readFile(this.repo, path, this.head.commitSha).then((f) => f.content);
      text.catch(() => this.texts.delete(path));
      this.texts.set(path, text);
    }
    return text;
  }

  private wholeTree(): Promise<TreeEntry[]> {
    this.tree ??= this.github.listTree(this.repo, this.head.commitSha);
    return this.tree;
  }
}

export type LocateResult = { ok: true; location: CodeLocation } | { ok: false; reason: string };

/**
 * Finds the `.tf` file that declares a Terraform address in the stack's folder, following
 * local modules (`source = "./modules/sg"`). A registry or git module, a module instantiated
 * with count/for_each or more than once, or an address that cannot be found is a reason to
 * fall back to an issue (the code cannot be edited safely).
 */
export async function locateCode(code: CodeReader, stackPath: string, address: string): Promise<LocateResult> {
  await initHclParser();
  const parsed: ResourceAddress | undefined = parseResourceAddress(address);
  if (!parsed) return { ok: false, reason: `cannot parse the Terraform address ${address}` };
  if (parsed.index !== undefined)
    return { ok: false, reason: `${address} is one instance of a resource with count/for_each: editing it would change every instance` };
  // The same folder spelling as the GitHub client's (`BranchFolder.folder`).
  let dir = normaliseFolder(stackPath);

  for (const step of parsed.modules) {
    if (step.index !== undefined)
      return { ok: false, reason: `module ${step.name} is instantiated with count/for_each: the code is shared by every instance` };
    const calls: { file: string; source: string | null; kind: string }[] = [];
    for (const f of await code.tfFilesIn(dir)) {
      const doc = HclDocument.parse(await code.read(f));
      for (const m of doc.modules()) if (m.name === step.name) calls.push({ file: f, source: m.source, kind: m.sourceKind });
    }
    if (calls.length === 0) return { ok: false, reason: `no module "${step.name}" block in ${dir || '.'}` };
    const call = calls[0];
    if (call.kind !== 'local' || !call.source)
      return {
        ok: false,
        reason: `module ${step.name} comes from ${call.source ?? 'a computed source'} (${call.kind}), not from this repository`,
      };
    const target = posix.normalize(posix.join(dir || '.', call.source));
    // A local module used by several module blocks is shared: editing it changes all of them.
    let uses = 0;
    for (const f of await code.allTfFiles()) {
      const doc = HclDocument.parse(await code.read(f));
      for (const m of doc.modules())
        if (m.source && m.sourceKind === 'local' && posix.normalize(posix.join(posix.dirname(f), m.source)) === target) uses++;
    }
    if (uses > 1)
      return {
        ok: false,
        reason: `module ${step.name} (${call.source}) is instantiated ${uses} times: editing it would change every instance`,
      };
    dir = target === '.' ? '' : target;
  }

  const reserved: string[] = [];
  let found: CodeLocation | null = null;
  for (const f of await code.tfFilesIn(dir)) {
    const text = await code.read(f);
    const doc = HclDocument.parse(text);
    for (const r of doc.resources()) reserved.push(r.labels[1]);
    if (doc.resource(parsed.type, parsed.name)) {
      if (found) return { ok: false, reason: `${parsed.type}.${parsed.name} is declared in two files (${found.path}, ${f})` };
      found = { path: f, target: { type: parsed.type, name: parsed.name }, text, reservedNames: [] };
    }
  }
  if (!found) return { ok: false, reason: `no file in ${dir || '.'} declares ${parsed.type}.${parsed.name}` };
  return { ok: true, location: { ...found, reservedNames: reserved.filter((n) => n !== parsed.name) } };
}
