import type { PolicyAction } from '@driftwarden/domain';
import { POLICY_ACTIONS } from '@driftwarden/domain';
import { cedar } from './cedar';
import type { LoadedPolicy } from './policy-set';

/**
 * What a policy set can look at, read from the policies' syntax trees once at load: which actions
 * each policy applies to, and which attributes of `context` and `resource` any of them reads.
 * Evaluation then skips Cedar for an action no policy applies to, and leaves out of the request
 * what no policy reads (Cedar's request conversion costs per value: most of an evaluation).
 * Conservative: anything not understood counts as "everything".
 */
export interface PolicyUsage {
  actions: ReadonlySet<PolicyAction>;
  /** The `context` attribute paths read (a tree: `true` keeps the whole value below); null: all of it. */
  context: PathTree | null;
  /** `resource` attributes read; null: all of them. */
  resource: ReadonlySet<string> | null;
}

/** Attribute paths as a tree: a key's subtree, or `true` for the whole value at that key. */
export type PathTree = Map<string, PathTree | true>;

function addPath(tree: PathTree, path: readonly string[]): void {
  let node = tree;
  for (let i = 0; i < path.length; i++) {
    const existing = node.get(path[i]);
    if (existing === true) return; // already kept whole
    if (i === path.length - 1) {
      node.set(path[i], true);
      return;
    }
    const next: PathTree = existing ?? new Map<string, PathTree | true>();
    node.set(path[i], next);
    node = next;
  }
}

/** Keeps, of a JSON value, only what the tree names. */
export function prune<T>(value: T, tree: PathTree | true): T {
  if (tree === true || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of tree) {
    if (Object.prototype.hasOwnProperty.call(value, key)) out[key] = prune((value as Record<string, unknown>)[key], sub);
  }
  return out as T;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function policyUsage(policies: readonly LoadedPolicy[]): PolicyUsage {
  const actions = new Set<PolicyAction>();
  const context: PathTree = new Map();
  const resource = new Set<string>();
  let allContext = false;
  let allResource = false;
  for (const p of policies) {
    const answer = cedar.policyToJson(p.text);
    if (answer.type === 'failure') return { actions: new Set(POLICY_ACTIONS), context: null, resource: null };
    const json = answer.json as unknown as { [key: string]: Json };
    for (const a of actionsOf(json.action)) actions.add(a);
    const reads: Reads = { context: { paths: [], all: false }, resource: { paths: [], all: false } };
    walk(json.conditions, reads);
    for (const path of reads.context.paths) addPath(context, path);
    for (const path of reads.resource.paths) resource.add(path[0]);
    allContext ||= reads.context.all;
    allResource ||= reads.resource.all;
  }
  return { actions, context: allContext ? null : context, resource: allResource ? null : resource };
}

function actionsOf(constraint: Json): PolicyAction[] {
  const c = constraint as { op?: string; entity?: { id?: string }; entities?: { id?: string }[] } | null;
  if (!c || c.op === 'All') return [...POLICY_ACTIONS];
  const ids = c.entities ? c.entities.map((e) => e.id) : [c.entity?.id];
  const known = ids.filter((id): id is PolicyAction => (POLICY_ACTIONS as readonly (string | undefined)[]).includes(id));
  return known.length === ids.length ? known : [...POLICY_ACTIONS];
}

type Reads = Record<'context' | 'resource', { paths: string[][]; all: boolean }>;

/** `context.a.b` (or `context["a"].b`, `context.a has b`) as `{root: 'context', path: ['a', 'b']}`; null when not such a chain. */
function chainOf(node: Json): { root: 'context' | 'resource'; path: string[] } | null {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return null;
  const keys = Object.keys(node);
  if (keys.length !== 1) return null;
  if (keys[0] === 'Var') return node.Var === 'context' || node.Var === 'resource' ? { root: node.Var, path: [] } : null;
  if (keys[0] !== '.' && keys[0] !== 'has') return null;
  const access = node[keys[0]] as { left?: Json; attr?: Json } | null;
  if (!access || typeof access !== 'object' || Array.isArray(access)) return null;
  const inner = chainOf(access.left ?? null);
  if (!inner) return null;
  const attr = access.attr;
  const more =
    typeof attr === 'string' ? [attr] : Array.isArray(attr) && attr.every((a) => typeof a === 'string') ? (attr as string[]) : null;
  return more ? { root: inner.root, path: [...inner.path, ...more] } : null;
}

/**
 * Records the outermost attribute chains on `context` and `resource` (the value at the end of a
 * chain is kept whole: it may be compared as a whole; `has` keeps what it tests); a bare
 * `context` or `resource` anywhere else reads everything.
 */
function walk(node: Json, reads: Reads): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, reads);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  // `resource.hasTag(…)` / `resource.getTag(…)` read the tags (always handed over), not the attributes.
  for (const op of ['hasTag', 'getTag'] as const) {
    const call = node[op] as { left?: Json; right?: Json } | undefined;
    const left = call && typeof call === 'object' && !Array.isArray(call) ? call.left : undefined;
    if (Object.keys(node).length === 1 && left && typeof left === 'object' && !Array.isArray(left) && left.Var === 'resource') {
      walk(call!.right ?? null, reads);
      return;
    }
  }
  const chain = chainOf(node);
  if (chain) {
    if (chain.path.length === 0) reads[chain.root].all = true;
    else reads[chain.root].paths.push(chain.path);
    return;
  }
  for (const value of Object.values(node)) walk(value, reads);
}
