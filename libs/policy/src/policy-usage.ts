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
  /** Top-level `context` attributes read; null: all of them. */
  context: ReadonlySet<string> | null;
  /** `resource` attributes read; null: all of them. */
  resource: ReadonlySet<string> | null;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function policyUsage(policies: readonly LoadedPolicy[]): PolicyUsage {
  const actions = new Set<PolicyAction>();
  const context = new Set<string>();
  const resource = new Set<string>();
  let allContext = false;
  let allResource = false;
  for (const p of policies) {
    const answer = cedar.policyToJson(p.text);
    if (answer.type === 'failure') return { actions: new Set(POLICY_ACTIONS), context: null, resource: null };
    const json = answer.json as unknown as { [key: string]: Json };
    for (const a of actionsOf(json.action)) actions.add(a);
    const reads = { context: { keys: context, all: false }, resource: { keys: resource, all: false } };
    walk(json.conditions, reads);
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

type Reads = Record<'context' | 'resource', { keys: Set<string>; all: boolean }>;

/** Records `context.x` / `context has x` / `resource.x` reads; a bare `context` or `resource` anywhere else reads everything. */
function walk(node: Json, reads: Reads): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, reads);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const v = node.Var;
  if (v === 'context' || v === 'resource') {
    reads[v].all = true;
    return;
  }
  for (const op of ['.', 'has'] as const) {
    const access = node[op] as { left?: Json; attr?: Json } | undefined;
    if (access && typeof access === 'object' && !Array.isArray(access)) {
      const left = access.left as { Var?: Json } | undefined;
      const target = left && typeof left === 'object' && !Array.isArray(left) ? left.Var : undefined;
      if ((target === 'context' || target === 'resource') && Object.keys(node).length === 1) {
        const attr = access.attr;
        if (typeof attr === 'string') reads[target].keys.add(attr);
        else if (Array.isArray(attr) && typeof attr[0] === 'string') reads[target].keys.add(attr[0]);
        else reads[target].all = true;
        return;
      }
    }
  }
  for (const value of Object.values(node)) walk(value, reads);
}
