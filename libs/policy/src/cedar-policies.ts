import { createHash } from 'node:crypto';
import { POLICY_ACTIONS, type PolicyAction, type PolicyJudgement, type PolicyMatch } from '@driftwarden/domain';
import { PolicyPort, type PolicyDifference, type PolicyRequest } from '@driftwarden/pipeline';
import { cedar, type CedarContext, type CedarValueJson, type EntityJson } from './cedar';
import { localTime } from './local-time';
import { PolicyLoadError } from './policy.errors';
import { policyUsage, prune, type PolicyUsage } from './policy-usage';
import { BASELINE_POLICY_ID, parsePolicies, policySetOf, readPolicyFiles, type LoadedPolicy, type PolicySource } from './policy-set';

export interface PolicySettings {
  /** Paths of the policy files (`policies.files`, resolved). */
  files: string[];
  /** IANA zones offered as `context.time.zones["…"]` (`policies.timeZones`). */
  timeZones: string[];
}

let loaded = 0;

/**
 * The Cedar policies of `policies.files`, parsed and validated once (start-up fails with the file
 * and line of any problem), preparsed into the Cedar engine, and asked about decisions of the
 * table: a `deny` names the forbid policies that matched. A policy that fails to evaluate counts
 * as forbidding (fail closed).
 */
export class CedarPolicies extends PolicyPort {
  private readonly setId: string;
  private readonly byId: Map<string, LoadedPolicy>;
  private readonly usage: PolicyUsage;

  private constructor(
    readonly policies: readonly LoadedPolicy[],
    private readonly timeZones: readonly string[],
    opts: { prune?: boolean } = {},
  ) {
    super();
    this.byId = new Map(policies.map((p) => [p.id, p]));
    const set = policySetOf(policies);
    // Cedar keeps preparsed sets in a per-process table: the id is unique per load.
    const digest = createHash('sha256')
      .update(JSON.stringify([set, timeZones]))
      .digest('hex')
      .slice(0, 16);
    this.setId = `dw-${digest}-${++loaded}`;
    const parsed = cedar.preparsePolicySet(this.setId, { staticPolicies: set });
    if (parsed.type === 'failure') {
      throw new PolicyLoadError([{ file: '(policy set)', message: parsed.errors.map((e) => e.message).join('; ') }]);
    }
    this.usage = opts.prune === false ? { actions: new Set(POLICY_ACTIONS), context: null, resource: null } : policyUsage(policies);
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

  check(request: PolicyRequest, action: PolicyAction): PolicyJudgement {
    // No policy applies to this action: nothing to ask Cedar.
    if (!this.usage.actions.has(action)) return { forbidden: false, matched: [] };
    const principal = { type: 'Principal', id: request.principal.arn ?? 'unknown' };
    const resource = {
      type: 'Resource',
      id: `${request.resource.account}/${request.resource.region}/${request.resource.type}/${request.resource.id}`,
    };
    const answer = cedar.statefulIsAuthorized({
      principal,
      action: { type: 'Action', id: action },
      resource,
      context: this.context(request),
      entities: entities(request, principal, resource, this.usage.resource),
      preparsedPolicySetId: this.setId,
      // The policies were validated against the schema at load; the request holds only what they read.
      validateRequest: false,
    });
    if (answer.type === 'failure') {
      // The request did not fit the schema (a bug in driftwarden): never looser, so forbidden.
      return {
        forbidden: true,
        matched: [{ id: '(request)', source: 'driftwarden', error: answer.errors.map((e) => e.message).join('; ') }],
      };
    }
    const { decision, diagnostics } = answer.response;
    const errored: PolicyMatch[] = diagnostics.errors
      .filter((e) => e.policyId !== BASELINE_POLICY_ID)
      .map((e) => ({ ...this.match(e.policyId), error: e.error.message }));
    const matched = diagnostics.reason.filter((id) => id !== BASELINE_POLICY_ID).map((id) => this.match(id));
    if (decision === 'deny' || errored.length > 0) return { forbidden: true, matched: [...matched, ...errored] };
    return { forbidden: false, matched: [] };
  }

  private match(id: string): PolicyMatch {
    const p = this.byId.get(id);
    return { id, source: p ? `${p.file}:${p.line}` : 'unknown' };
  }

  private context(request: PolicyRequest): CedarContext {
    const wanted = this.usage.context;
    const at = request.at;
    const incident = request.incident;
    const parts: Record<string, () => CedarValueJson> = {
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
      time: () => ({
        iso: at.toISOString(),
        epochSeconds: Math.floor(at.getTime() / 1000),
        utc: { ...localTime(at, 'UTC') },
        zones: Object.fromEntries(this.timeZones.map((z) => [z, { ...localTime(at, z) }])),
      }),
    };
    if (request.difference) {
      const d = request.difference;
      parts.difference = () => difference(d);
    }
    const context: Record<string, CedarValueJson> = {};
    for (const [key, value] of Object.entries(parts)) {
      const sub = wanted ? wanted.get(key) : true;
      if (sub !== undefined) context[key] = prune(value(), sub);
    }
    return context;
  }
}

function entities(
  request: PolicyRequest,
  principal: { type: string; id: string },
  resource: { type: string; id: string },
  wanted: ReadonlySet<string> | null,
): EntityJson[] {
  const p = request.principal;
  const r = request.resource;
  return [
    {
      uid: principal,
      attrs: { class: p.class, ...(p.arn ? { arn: p.arn } : {}), ...(p.session ? { session: p.session } : {}) },
      parents: [],
    },
    {
      uid: resource,
      attrs: {
        kind: r.kind,
        type: r.type,
        id: r.id,
        account: r.account,
        region: r.region,
        critical: r.critical,
        ...(r.stack ? { stack: r.stack } : {}),
        ...(r.address ? { address: r.address } : {}),
        // The costliest attribute to hand to Cedar: only when a policy reads it.
        ...(!wanted || wanted.has('differences') ? { differences: r.differences.map(difference) } : {}),
      },
      parents: [],
      tags: { ...r.tags },
    },
  ];
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
