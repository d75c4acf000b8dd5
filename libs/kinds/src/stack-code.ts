/**
 * What a kind may read from a stack's Terraform code (DESIGN §5: "Attributes in a resource's
 * `lifecycle { ignore_changes }` are not drift"). The state says what was applied; only the code
 * says which attributes Terraform itself leaves alone, e.g. `desired_capacity` of an Auto Scaling
 * group that an autoscaler moves. libs/backport reads the code through GitHub (GitHubStackCode,
 * cached per commit); a kind without it, or whose code cannot be read, says so on the record and
 * decides conservatively (see each kind's README section).
 */
import type { JsonObject } from '@driftwarden/domain';
import { HclDocument, initHclParser, type HclBlock, type HclValue } from '@driftwarden/hcl-edit';

/** The resource block's `lifecycle { ignore_changes }`, as read from the stack's code at one commit. */
export type IgnoreChanges =
  | {
      read: true;
      /** The commit the code was read at. */
      commit: string;
      /** The `.tf` file that declares the resource. */
      path: string;
      /** `all`, or the attribute paths listed (`desired_capacity`, `metadata_options.http_tokens`; indexes dropped). */
      ignored: 'all' | string[];
    }
  | { read: false; reason: string };

/** Reads the code of configured stacks. */
export interface StackCodePort {
  /** The `ignore_changes` of the resource at `address` in `stack`'s code (never throws: an unreadable code is `read: false`). */
  ignoreChanges(stack: string, address: string): Promise<IgnoreChanges>;
}

/** Whether an attribute path (`metadata_options.http_tokens`) is ignored by a listed path or one of its parents. */
export function isIgnored(ignore: IgnoreChanges, path: string): boolean {
  if (!ignore.read) return false;
  if (ignore.ignored === 'all') return true;
  return ignore.ignored.some((p) => p === path || path.startsWith(`${p}.`));
}

/** What a kind's desired attributes say of the code (`ignore`); a desired state without it: not read. */
export function ignoreOf(attributes: JsonObject): IgnoreChanges {
  return (attributes['ignore'] as unknown as IgnoreChanges | undefined) ?? { read: false, reason: 'the desired state names no code' };
}

/** Why a revert of `attribute` waits for a human when the code could not be read (the conservative fallback), or null. */
export function unreadCodeReason(ignore: IgnoreChanges, attribute: string): string | null {
  return ignore.read
    ? null
    : `the stack's code could not be read (${ignore.reason}): whether Terraform ignores ${attribute} (lifecycle.ignore_changes) is unknown`;
}

/** Plain-English note of what the code says, for the record. */
export function ignoreChangesNote(ignore: IgnoreChanges): string {
  if (!ignore.read) return `the stack's code could not be read (${ignore.reason}), so lifecycle.ignore_changes is unknown`;
  const what = ignore.ignored === 'all' ? 'all' : ignore.ignored.length ? ignore.ignored.join(', ') : 'nothing';
  return `lifecycle.ignore_changes in ${ignore.path}@${ignore.commit.slice(0, 12)}: ${what}`;
}

/** `[desired_capacity, tags["x"], metadata_options[0].http_tokens]` → `desired_capacity`, `tags`, `metadata_options.http_tokens`. */
function pathOf(text: string): string | null {
  const t = text.trim().replace(/^"(.*)"$/, '$1');
  if (!/^[A-Za-z_][\w-]*(?:\[[^\]]*\]|\.[A-Za-z_][\w-]*)*$/.test(t)) return null;
  const path = t.replace(/\[("[^"]*"|\d+|\*)\]/g, (_m, key: string) => (key.startsWith('"') ? '' : ''));
  return path.replace(/\.+/g, '.').replace(/\.$/, '');
}

function itemText(v: HclValue): string | null {
  if (v.kind === 'string') return v.value;
  if (v.kind === 'expression') return v.text;
  return null;
}

/**
 * Reads `lifecycle { ignore_changes = … }` of a resource block: `all`, a list of references
 * (`[desired_capacity]`), or the legacy list of strings (`["desired_capacity"]`). Throws with a
 * clear message for a shape it cannot read (the caller records the code as unreadable).
 */
export function readIgnoreChanges(block: HclBlock): 'all' | string[] {
  const lifecycles = block.blocks.filter((b) => b.type === 'lifecycle');
  const ignored: string[] = [];
  for (const lifecycle of lifecycles) {
    const attr = lifecycle.attributes.find((a) => a.name === 'ignore_changes');
    if (!attr) continue;
    const v = attr.value;
    if (v.kind === 'expression' && v.text.trim() === 'all') return 'all';
    if (v.kind === 'string' && v.value === 'all') return 'all';
    if (v.kind !== 'tuple') throw new Error(`lifecycle.ignore_changes of ${block.labels.join('.')} is not a list or "all"`);
    for (const item of v.items) {
      const text = itemText(item);
      const path = text === null ? null : pathOf(text);
      if (path === null) throw new Error(`lifecycle.ignore_changes of ${block.labels.join('.')} lists something that is not an attribute`);
      if (!ignored.includes(path)) ignored.push(path);
    }
  }
  return ignored;
}

/** The ignore list of `type.name` in a file's text (the block must be in it). */
export async function ignoreChangesIn(text: string, type: string, name: string): Promise<'all' | string[]> {
  await initHclParser();
  const doc = HclDocument.parse(text);
  const block = doc.resource(type, name);
  if (!block) throw new Error(`the file declares no resource ${type}.${name}`);
  return readIgnoreChanges(block);
}
