import { createHash } from 'node:crypto';
import { POLICY_ACTIONS, type PolicyAction, type PolicyJudgement, type PolicyMatch } from '@driftwarden/domain';
import { PolicyPort, type PolicyDifference, type PolicyRequest } from '@driftwarden/pipeline';
import { cedarEngine, type CedarContext, type CedarWasm, type CedarValueJson, type EntityJson } from './cedar';
import { localTime } from './local-time';
import { PolicyLoadError } from './policy.errors';
import { EVERYTHING, prune, usageByAction, type PathTree, type PolicyUsage } from './policy-usage';
import { BASELINE_POLICY_ID, parsePolicies, policySetOf, readPolicyFiles, type LoadedPolicy, type PolicySource } from './policy-set';

export interface PolicySettings {
  /** Paths of the policy files (`policies.files`, resolved). */
  files: string[];
  /** IANA zones offered as `context.time.zones["…"]` (`policies.timeZones`). */
  timeZones: string[];
}

let loaded = 0;
/** How many answers are kept (oldest out first): enough for every difference of a large change. */
const ANSWERS_KEPT = 256;

/**
 * The Cedar policies of `policies.files`, parsed and validated once (start-up fails with the file
 * and line of any problem), preparsed into the Cedar engine, and asked about decisions of the
 * table: a `deny` names the forbid policies that matched. A policy that fails to evaluate counts
 * as forbidding (fail closed).
 */
export class CedarPolicies extends PolicyPort {
  private readonly byId: Map<string, LoadedPolicy>;
  /**
   * Per action, the preparsed Cedar set to ask and what its policies read. An action no policy
   * applies to is absent: nothing to ask. Each set holds only the policies that apply to its action
   * (see `usageByAction`: the same answers as the whole set, and Cedar's cost grows with the number
   * of policies it evaluates, even those whose scope excludes the action).
   */
  private readonly byAction: Map<PolicyAction, { setId: string; usage: PolicyUsage }>;
  /** Cedar's answers to the last requests, by the request exactly as Cedar is handed it. */
  private readonly answers = new Map<string, PolicyJudgement>();
  private questions = 0;

  private constructor(
    readonly policies: readonly LoadedPolicy[],
    private readonly timeZones: readonly string[],
    opts: { prune?: boolean } = {},
  ) {
    super();
    this.byId = new Map(policies.map((p) => [p.id, p]));
    const plan =
      opts.prune === false
        ? new Map(POLICY_ACTIONS.map((a) => [a, { policies: [...policies], usage: EVERYTHING }]))
        : usageByAction(policies);
    // Cedar keeps preparsed sets in a per-process table: the ids are unique per load.
    const digest = createHash('sha256')
      .update(JSON.stringify([policySetOf(policies), timeZones]))
      .digest('hex')
      .slice(0, 16);
    const load = ++loaded;
    this.byAction = new Map();
    const sets = new Map<string, string>(); // policy ids → set id: actions with the same policies share one set
    for (const [action, { policies: applying, usage }] of plan) {
      const set = policySetOf(applying);
      const key = applying.map((p) => p.id).join('\n');
      let setId = sets.get(key);
      if (!setId) {
        setId = `dw-${digest}-${load}-${sets.size}`;
        const parsed = cedarEngine().preparsePolicySet(setId, { staticPolicies: set });
        if (parsed.type === 'failure') {
          throw new PolicyLoadError([{ file: '(policy set)', message: parsed.errors.map((e) => e.message).join('; ') }]);
        }
        sets.set(key, setId);
      }
      this.byAction.set(action, { setId, usage });
    }
  }

  /** Loads the files named by the settings (throws `PolicyLoadError`). */
  static load(settings: PolicySettings, opts: { cwd?: string } = {}): CedarPolicies {
    return CedarPolicies.fromSources(readPolicyFiles(settings.files, opts), settings.timeZones);
  }

  /** `prune: false` hands Cedar the whole request for every action (the reference the pruned evaluation is tested against). */
  static fromSources(sources: readonly PolicySource[], timeZones: readonly string[], opts: { prune?: boolean } = {}): CedarPolicies {
    return new CedarPolicies(parsePolicies(sources, timeZones), timeZones, opts);
  }

  get size(): number {
    return this.policies.length;
  }

  /** How many requests reached Cedar (the others were answered as the same request was before). */
  get asked(): number {
    return this.questions;
  }

  check(request: PolicyRequest, action: PolicyAction): PolicyJudgement {
    const asked = this.byAction.get(action);
    // No policy applies to this action: nothing to ask Cedar.
    if (!asked) return { forbidden: false, matched: [] };
    const principal = { type: 'Principal', id: request.principal.arn ?? 'unknown' };
    const resource = {
      type: 'Resource',
      id: `${request.resource.account}/${request.resource.region}/${request.resource.type}/${request.resource.id}`,
    };
    const input = {
      principal,
      action: { type: 'Action', id: action },
      resource,
      context: this.context(request, asked.usage.context),
      entities: entities(request, principal, resource, asked.usage),
      preparsedPolicySetId: asked.setId,
      // The policies were validated against the schema at load; the request holds only what they read.
      validateRequest: false,
    };
    // The same question gets the same answer: the differences of one change often ask exactly the
    // same once the request holds only what the policies read (of a difference, the examples read
    // only its axis and direction).
    const key = JSON.stringify(input);
    const known = this.answers.get(key);
    if (known) return known;
    this.questions++;
    const judgement = this.ask(input);
    if (this.answers.size >= ANSWERS_KEPT) this.answers.delete(this.answers.keys().next().value!);
    this.answers.set(key, judgement);
    return judgement;
  }

  private ask(input: Parameters<CedarWasm['statefulIsAuthorized']>[0]): PolicyJudgement {
    const answer = cedarEngine().statefulIsAuthorized(input);
    if (answer.type === 'failure') {
      // The request did not fit the schema (a bug in driftwarden): never looser, so forbidden.
      return frozen({
        forbidden: true,
        matched: [{ id: '(request)', source: 'driftwarden', error: answer.errors.map((e) => e.message).join('; ') }],
      });
    }
    const { decision, diagnostics } = answer.response;
    const errored: PolicyMatch[] = diagnostics.errors
      .filter((e) => e.policyId !== BASELINE_POLICY_ID)
      .map((e) => ({ ...this.match(e.policyId), error: e.error.message }));
    const matched = diagnostics.reason.filter((id) => id !== BASELINE_POLICY_ID).map((id) => this.match(id));
    // Frozen: a kept answer is handed out again, so no caller may change it.
    if (decision === 'deny' || errored.length > 0) return frozen({ forbidden: true, matched: [...matched, ...errored] });
    return frozen({ forbidden: false, matched: [] });
  }

  private match(id: string): PolicyMatch {
    const p = this.byId.get(id);
    return { id, source: p ? `${p.file}:${p.line}` : 'unknown' };
  }

  private context(request: PolicyRequest, wanted: PolicyUsage['context']): CedarContext {
    const at = request.at;
    const incident = request.incident;
    const parts: Record<string, (sub: PathTree | true) => CedarValueJson> = {
      rule: () => request.rule ?? 0,
      dryRun: () => request.dryRun,
      freeze: () => ({
        frozen: request.freeze.now.frozen,
        sources: unique(request.freeze.now.sources.map((s) => s.type)),
        atChange: {
          declared: request.freeze.atChange.declared,
          unknown: request.freeze.atChange.unknown,
          withinLookback: request.freeze.atChange.withinLookback,
          sources: unique(request.freeze.atChange.sources.map((s) => s.type)),
        },
      }),
      incident: (): CedarValueJson =>
        incident ? { open: incident.open, provider: incident.provider, id: incident.id, title: incident.title } : { open: false },
      // Only the zones (and UTC) some policy reads: each costs an Intl conversion (cached per second).
      time: (sub) => {
        const wants = (key: string) => (sub === true ? true : sub.get(key));
        const zones = wants('zones');
        return {
          iso: at.toISOString(),
          epochSeconds: Math.floor(at.getTime() / 1000),
          ...(wants('utc') ? { utc: { ...localTime(at, 'UTC') } } : {}),
          ...(zones
            ? {
                zones: Object.fromEntries(
                  this.timeZones.filter((z) => zones === true || zones.has(z)).map((z) => [z, { ...localTime(at, z) }]),
                ),
              }
            : {}),
        };
      },
    };
    if (request.difference) {
      const d = request.difference;
      parts.difference = () => difference(d);
    }
    const context: Record<string, CedarValueJson> = {};
    for (const [key, value] of Object.entries(parts)) {
      const sub = wanted ? wanted.get(key) : true;
      if (sub !== undefined) context[key] = prune(value(sub), sub);
    }
    return context;
  }
}

/** A judgement no one can change (a kept answer is handed out again). */
function frozen(j: PolicyJudgement): PolicyJudgement {
  for (const m of j.matched) Object.freeze(m);
  Object.freeze(j.matched);
  return Object.freeze(j);
}

/**
 * The principal and resource entities, with only the attributes (and tags) some policy reads. An
 * entity no policy looks into is left out: Cedar needs an entity only to read its attributes, tags
 * or ancestors (ours have none); the request's uids stand without it.
 */
function entities(
  request: PolicyRequest,
  principal: { type: string; id: string },
  resource: { type: string; id: string },
  usage: PolicyUsage,
): EntityJson[] {
  const p = request.principal;
  const r = request.resource;
  const out: EntityJson[] = [];
  const wanted = (set: ReadonlySet<string> | null, key: string) => set === null || set.has(key);
  if (usage.principal === null || usage.principal.size > 0) {
    const attrs: Record<string, CedarValueJson> = {};
    if (wanted(usage.principal, 'class')) attrs.class = p.class;
    if (p.arn && wanted(usage.principal, 'arn')) attrs.arn = p.arn;
    if (p.session && wanted(usage.principal, 'session')) attrs.session = p.session;
    out.push({ uid: principal, attrs, parents: [] });
  }
  if (usage.resource === null || usage.resource.size > 0 || usage.tags) {
    const all: Record<string, () => CedarValueJson | undefined> = {
      kind: () => r.kind,
      type: () => r.type,
      id: () => r.id,
      account: () => r.account,
      region: () => r.region,
      critical: () => r.critical,
      stack: () => r.stack,
      address: () => r.address,
      // The costliest attribute to hand to Cedar: only when a policy reads it.
      differences: () => r.differences.map(difference),
    };
    const attrs: Record<string, CedarValueJson> = {};
    for (const [key, value] of Object.entries(all)) {
      if (!wanted(usage.resource, key)) continue;
      const v = value();
      if (v !== undefined) attrs[key] = v;
    }
    out.push({ uid: resource, attrs, parents: [], ...(usage.tags ? { tags: { ...r.tags } } : {}) });
  }
  return out;
}

function difference(d: PolicyDifference): CedarValueJson {
  return {
    id: d.id,
    sentence: d.sentence,
    side: d.side,
    axis: d.direction.axis,
    change: d.direction.change,
    revert: d.direction.revert,
    madeBy: d.madeBy,
  };
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
