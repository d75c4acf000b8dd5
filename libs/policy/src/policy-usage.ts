import type { PolicyAction } from '@driftwarden/domain';
import { POLICY_ACTIONS } from '@driftwarden/domain';
import { cedarEngine } from './cedar';
import type { LoadedPolicy } from './policy-set';

/**
 * What a policy set can look at, read from the policies' syntax trees once at load: which actions
 * each policy applies to, and which attributes of `context` and `resource` any of them reads.
 * Evaluation then skips Cedar for an action no policy applies to, hands Cedar for each action only
 * the policies that apply to it (`usageByAction`), and leaves out of the request what none of them
 * reads (Cedar's request conversion costs per value: most of an evaluation).
 * Conservative: anything not understood counts as "everything".
 */
export interface PolicyUsage {
  actions: ReadonlySet<PolicyAction>;
  /** The `context` attribute paths read (a tree: `true` keeps the whole value below); null: all of it. */
  context: PathTree | null;
  /** `resource` attributes read; null: all of them. */
  resource: ReadonlySet<string> | null;
  /** `principal` attributes read; null: all of them. */
  principal: ReadonlySet<string> | null;
  /** Whether a policy reads the resource's tags (`resource.hasTag`, `resource.getTag`). */
  tags: boolean;
}

/** Attribute paths as a tree: a key's subtree, or `true` for the whole value at that key. */
export type PathTree = Map<string, PathTree | true>;

/**
 * Adds a path read to the tree. `whole`: the value at its end is read (kept whole); else only its
 * presence is tested (`has`): the key is kept, and of a record value only what other paths read
 * below it (nothing, when none does). Sound because `has` looks at the key alone, and requests
 * are not validated against the schema at evaluation (cedar-policies.ts).
 */
function addPath(tree: PathTree, path: readonly string[], whole = true): void {
  let node = tree;
  for (let i = 0; i < path.length; i++) {
    const existing = node.get(path[i]);
    if (existing === true) return; // already kept whole
    if (i === path.length - 1) {
      if (whole) node.set(path[i], true);
      else if (!existing) node.set(path[i], new Map());
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

/** What one policy applies to and reads; null when its syntax tree is not understood (then: everything). */
interface PolicyReads {
  actions: PolicyAction[];
  reads: Reads;
}

function readsOf(policy: LoadedPolicy): PolicyReads | null {
  const answer = cedarEngine().policyToJson(policy.text);
  if (answer.type === 'failure') return null;
  const json = answer.json as unknown as { [key: string]: Json };
  const reads: Reads = {
    context: { paths: [], all: false },
    resource: { paths: [], all: false },
    principal: { paths: [], all: false },
    tags: false,
  };
  walk(json.conditions, reads);
  return { actions: actionsOf(json.action), reads };
}

/** Everything handed to Cedar (a policy not understood; or `prune: false`, the reference). */
export const EVERYTHING: PolicyUsage = { actions: new Set(POLICY_ACTIONS), context: null, resource: null, principal: null, tags: true };

function combine(all: readonly (PolicyReads | null)[]): PolicyUsage {
  const actions = new Set<PolicyAction>();
  const context: PathTree = new Map();
  const resource = new Set<string>();
  const principal = new Set<string>();
  let allContext = false;
  let allResource = false;
  let allPrincipal = false;
  let tags = false;
  for (const r of all) {
    if (!r) return EVERYTHING;
    for (const a of r.actions) actions.add(a);
    for (const { path, whole } of r.reads.context.paths) addPath(context, path, whole);
    for (const { path } of r.reads.resource.paths) resource.add(path[0]);
    for (const { path } of r.reads.principal.paths) principal.add(path[0]);
    allContext ||= r.reads.context.all;
    allResource ||= r.reads.resource.all;
    allPrincipal ||= r.reads.principal.all;
    tags ||= r.reads.tags;
  }
  return {
    actions,
    context: allContext ? null : context,
    resource: allResource ? null : resource,
    principal: allPrincipal ? null : principal,
    // A bare `resource` may be handed to anything (e.g. compared as a whole): its tags go with it.
    tags: tags || allResource,
  };
}

export function policyUsage(policies: readonly LoadedPolicy[]): PolicyUsage {
  return combine(policies.map(readsOf));
}

/**
 * Per action, the policies that apply to it and what they read (an action no policy applies to
 * is absent). A policy whose scope names other actions can neither match nor fail for this one:
 * Cedar evaluates a policy's scope before its conditions, and stops there when the action is not
 * in it. So asking Cedar about an action with only the policies that apply to it gives the same
 * decision, the same matched policies and the same evaluation errors as asking the whole set.
 */
export function usageByAction(policies: readonly LoadedPolicy[]): Map<PolicyAction, { policies: LoadedPolicy[]; usage: PolicyUsage }> {
  const reads = policies.map(readsOf);
  const out = new Map<PolicyAction, { policies: LoadedPolicy[]; usage: PolicyUsage }>();
  for (const action of POLICY_ACTIONS) {
    const applying = policies.filter((_, i) => {
      const r = reads[i];
      return r === null || r.actions.includes(action);
    });
    if (applying.length === 0) continue;
    const usage = combine(applying.map((p) => reads[policies.indexOf(p)]));
    out.set(action, { policies: applying, usage: { ...usage, actions: new Set([action]) } });
  }
  return out;
}

function actionsOf(constraint: Json): PolicyAction[] {
  const c = constraint as { op?: string; entity?: { id?: string }; entities?: { id?: string }[] } | null;
  if (!c || c.op === 'All') return [...POLICY_ACTIONS];
  const ids = c.entities ? c.entities.map((e) => e.id) : [c.entity?.id];
  const known = ids.filter((id): id is PolicyAction => (POLICY_ACTIONS as readonly (string | undefined)[]).includes(id));
  return known.length === ids.length ? known : [...POLICY_ACTIONS];
}

type Root = 'context' | 'resource' | 'principal';
type Reads = Record<Root, { paths: { path: string[]; whole: boolean }[]; all: boolean }> & { tags: boolean };
const ROOTS: readonly Json[] = ['context', 'resource', 'principal'];

/**
 * `context.a.b` (or `context["a"].b`, `context.a has b`) as `{root: 'context', path: ['a', 'b']}`;
 * null when not such a chain. `whole` is false when the chain is a `has` test (only the presence of
 * its last attribute is read).
 */
function chainOf(node: Json): { root: Root; path: string[]; whole: boolean } | null {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return null;
  const keys = Object.keys(node);
  if (keys.length !== 1) return null;
  if (keys[0] === 'Var') return ROOTS.includes(node.Var) ? { root: node.Var as Root, path: [], whole: true } : null;
  if (keys[0] !== '.' && keys[0] !== 'has') return null;
  const access = node[keys[0]] as { left?: Json; attr?: Json } | null;
  if (!access || typeof access !== 'object' || Array.isArray(access)) return null;
  const inner = chainOf(access.left ?? null);
  if (!inner) return null;
  const attr = access.attr;
  const more =
    typeof attr === 'string' ? [attr] : Array.isArray(attr) && attr.every((a) => typeof a === 'string') ? (attr as string[]) : null;
  return more ? { root: inner.root, path: [...inner.path, ...more], whole: keys[0] !== 'has' } : null;
}

/**
 * Records the outermost attribute chains on `context`, `resource` and `principal` (the value at the end of a
 * chain is kept whole: it may be compared as a whole; `has` keeps the attribute it tests, not its
 * content); a bare
 * `context`, `resource` or `principal` anywhere else reads everything (of the entity: its
 * attributes, and for the resource its tags).
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
      reads.tags = true;
      walk(call!.right ?? null, reads);
      return;
    }
  }
  const chain = chainOf(node);
  if (chain) {
    if (chain.path.length === 0) reads[chain.root].all = true;
    else reads[chain.root].paths.push({ path: chain.path, whole: chain.whole });
    return;
  }
  for (const value of Object.values(node)) walk(value, reads);
}
