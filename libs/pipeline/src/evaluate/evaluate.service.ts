import { hash } from 'node:crypto';
import {
  TransientError,
  applyPolicies,
  canTransition,
  decide,
  decideDifference,
  failEvaluation,
  ignoreDrift,
  isDeletedStatus,
  isOpen,
  isRisky,
  mergeDifferences,
  precheck,
  resolveDrift,
  resourceKey,
  sessionNameOf,
  statusForDecision,
  statusOfDifferences,
  summarizeDifferences,
  type CandidateDifference,
  type ConfigItemEvent,
  type Decision,
  type DecisionPolicy,
  type DecisionRule,
  type DifferenceAttribution,
  type DifferenceDirection,
  type DriftDiff,
  type DriftDifference,
  type DriftRecord,
  type GatedDecision,
  type JsonObject,
  type PrincipalClass,
  type ScopeTarget,
} from '@driftwarden/domain';
import { ConfigItemFetcher, needsCompletion } from '@driftwarden/ingest';
import type { EvaluateJob, JobProducer } from '@driftwarden/queue';
import type { AuditEntry, ClaimHolder, ClaimResult, ClaimedItem, SaveResult, VersionedDrift } from '@driftwarden/store';
import { newDriftId } from '@driftwarden/store';
import type { Attribution, AttributionPort } from '../ports/attribution.port';
import type { DesiredLookup, DesiredResource, DesiredStatePort } from '../ports/desired-state.port';
import type { ExceptionsPort } from '../ports/exceptions.port';
import type { AuditAppend, DecisionRecords, ItemClaims } from '../ports/records.port';
import type { FreezePort, FreezeView } from '../ports/freeze.port';
import { NoPolicies, type PolicyDifference, type PolicyPort, type PolicyRequest } from '../ports/policy.port';
import type { Analysis, ResourceKinds } from '../ports/resource-kind.port';

export interface EvaluateSettings {
  dryRun: boolean;
  settleSeconds: number;
  critical: { tags?: Record<string, string>; resources?: string[] };
}

export type EvaluateTrigger = EvaluateJob['trigger'];

export type EvaluateOutcome =
  | { status: 'nothing_pending' }
  | { status: 'decided'; eventId: string; decision: Decision; driftId: string | null; coalesced: string[] }
  | { status: 'already_decided'; eventId: string };

const EMPTY_DIFF: DriftDiff = { equal: false };
const IGNORE_TAG = 'driftwarden:ignore';

/** What a whole-resource decision commits (the record, the item's outcome, the side-effect jobs). */
interface CommitInput {
  item: ConfigItemEvent;
  coalesced: string[];
  openDrift: VersionedDrift | null;
  decision: GatedDecision;
  attribution: Attribution;
  desired: DesiredLookup | null;
  analysis: Analysis | null;
  freezeView: FreezeView;
  correlationId: string;
  now: Date;
  redecision: EvaluateTrigger | null;
  /** Keep the record at least until then (an exception's end). */
  keepUntil?: string;
}

/**
 * The evaluation use case: claim the newest pending item of one resource, gather the inputs
 * through the ports, apply the decision table, and commit the decision, the drift record
 * and the audit entry in one atomic step (exactly one decision per item).
 */
export class EvaluateService {
  private readonly policies: PolicyPort;

  constructor(
    private readonly ledger: ItemClaims,
    private readonly drifts: DecisionRecords,
    private readonly audit: AuditAppend,
    private readonly producer: Pick<JobProducer, 'remediate' | 'backport'>,
    private readonly ports: {
      kinds: ResourceKinds;
      desiredState: DesiredStatePort;
      attribution: AttributionPort;
      freeze: FreezePort;
      exceptions: ExceptionsPort;
      fetcher: ConfigItemFetcher;
      /** The policies (`policies.files`), asked after the decision table; default: none. */
      policies?: PolicyPort;
    },
    private readonly settings: EvaluateSettings,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.policies = ports.policies ?? new NoPolicies();
  }

  /**
   * `holder`: the run's job lock, which makes its claim exclusive while the run lives (a second run
   * on the same resource meanwhile gets ResourceBusyError, a wait).
   */
  async evaluate(
    resourceKey: string,
    correlationId: string,
    trigger: EvaluateTrigger = 'item',
    holder?: ClaimHolder,
  ): Promise<EvaluateOutcome> {
    const claimed = await this.ledger.claimLatest(resourceKey, holder);
    if (claimed) return this.decideOn(claimed.event, claimed.coalesced, claimed.openDrift, correlationId, null);
    // An item (an event's, or the reconciling sweep's) that another evaluation already took.
    if (trigger === 'item' || trigger === 'reconcile') return { status: 'nothing_pending' };
    return this.reevaluate(resourceKey, correlationId, trigger);
  }

  /**
   * Claims the pending items of several resources for one run in one round trip (a batch job's
   * resources, see ItemLedger.claimMany); each claimed item is then decided by `decideClaimed`.
   */
  claimMany(resourceKeys: string[], holder?: ClaimHolder): Promise<ClaimResult[]> {
    return this.ledger.claimMany(resourceKeys, holder);
  }

  /** Decides on an item claimed by `claimMany`, as `evaluate` decides on the item it claims. */
  decideClaimed(claimed: ClaimedItem, correlationId: string): Promise<EvaluateOutcome> {
    return this.decideOn(claimed.event, claimed.coalesced, claimed.openDrift, correlationId, null);
  }

  /**
   * An evaluation failed for good (its retries ran out, or a permanent error): nothing is lost
   * silently. The resource's open drift (or a new record) becomes `failed` with the reason and
   * the item, in the same step as its audit entry (`evaluation.failed`, which is notified); the
   * item is marked failed so that `replay --failed` can decide it again. `onlyInFlight`: only when
   * an item of the resource is claimed or pending (a batch job that failed for good names resources
   * it may well have decided: their drifts are not failures).
   */
  async recordFailure(
    rk: string,
    error: { code: string; message: string },
    correlationId: string,
    options: { onlyInFlight?: boolean } = {},
  ): Promise<{ driftId: string; eventId: string | null } | null> {
    const eventId = await this.ledger.inFlight(rk);
    if (!eventId && options.onlyInFlight) return null;
    const item = eventId ? await this.ledger.event(eventId) : null;
    const [account, region, type, ...rest] = rk.split('/');
    const id = rest.join('/');
    if (!account || !region || !type || !id) return null;
    const now = this.clock();
    const at = now.toISOString();
    const failure = {
      stage: 'evaluate' as const,
      code: error.code,
      message: error.message.slice(0, 2000),
      at,
      ...(eventId ? { eventId } : {}),
    };
    const reason = `not decided: the evaluation failed for good (${error.code}: ${failure.message}); the item is kept, \`driftwarden replay --failed\` decides it again`;
    const audit = (driftId: string): AuditEntry => ({
      at,
      type: 'evaluation.failed',
      actor: 'worker',
      resourceKey: rk,
      correlationId,
      driftId,
      ...(eventId ? { eventId } : {}),
      reason,
      details: { code: error.code },
    });
    const open = await this.drifts.openFor(rk);
    let driftId: string;
    if (open && canTransition(open.record.status, 'failed')) {
      driftId = open.record.id;
      await this.drifts.update(driftId, (d) => ({ next: failEvaluation(d, failure, at), audit: audit(d.id) }));
    } else {
      driftId = newDriftId(now.getTime());
      const record: DriftRecord = {
        id: driftId,
        status: 'failed',
        dryRun: this.settings.dryRun,
        resource: { type, id, account, region },
        decision: { action: 'hold', rule: null, reason },
        principal: { arn: null, class: 'unknown' },
        changedAt: item?.captureTime ?? at,
        detectedAt: at,
        updatedAt: at,
        diff: EMPTY_DIFF,
        evidence: {
          eventIds: eventId ? [eventId] : [],
          configurationStateId: item?.configurationStateId ?? null,
          captureTime: item?.captureTime ?? at,
          rule: null,
          apiCalls: [],
          ...(item ? { event: eventEvidence(item) } : {}),
        },
        links: {},
        failure,
      };
      const saved = await this.drifts.save(record, null, audit(driftId));
      if (saved !== 'ok') throw new TransientError(`could not record the failed evaluation of ${rk} (${saved})`, 'drift_conflict');
    }
    if (eventId) await this.ledger.markFailed(rk, eventId, driftId);
    return { driftId, eventId };
  }

  /**
   * Decides again on a held drift when its freeze has ended (DESIGN §3), with the current
   * freeze and the freeze history at the time of the change. The item was decided before, so
   * this is recorded as a `redecision`, never as a second decision of the item.
   */
  private async reevaluate(resourceKey: string, correlationId: string, trigger: EvaluateTrigger): Promise<EvaluateOutcome> {
    const open = await this.drifts.openFor(resourceKey);
    if (trigger === 'exception_expired') {
      // The resource was excluded: decide again on its latest item.
      const lastId = await this.ledger.lastProcessed(resourceKey);
      const item = lastId ? await this.ledger.event(lastId) : null;
      return item ? this.decideOn(item, [], open, correlationId, trigger) : { status: 'nothing_pending' };
    }
    if (!open || open.record.status !== 'held') return { status: 'nothing_pending' };
    const lastEventId = open.record.evidence.eventIds[open.record.evidence.eventIds.length - 1];
    const item = await this.ledger.event(lastEventId);
    if (!item) return { status: 'nothing_pending' };
    return this.decideOn(item, [], open, correlationId, trigger);
  }

  private async decideOn(
    claimedItem: ConfigItemEvent,
    coalesced: string[],
    openDrift: VersionedDrift | null,
    correlationId: string,
    redecision: EvaluateTrigger | null,
  ): Promise<EvaluateOutcome> {
    let item = claimedItem;
    const rk = resourceKey(item.resource);
    const now = this.clock();
    const resource = item.resource;
    const kind = this.ports.kinds.forType(resource.type);

    // DESIGN §4 "Order of evaluation": the facts held locally (a kind for the type, a stack
    // that manages it, an exception, the ignore tag) are decided before any AWS call.
    let desired: DesiredLookup | null = kind ? await this.ports.desiredState.lookup(resource) : null;
    const exception = await this.ports.exceptions.activeFor(resource, now);
    const local = {
      // The catch-all kind handles a type no kind models only for a resource a stack's state holds.
      supported: kind !== undefined && (!kind.catchAll || desired?.managed === true),
      managed: desired?.managed ?? false,
      deleted: isDeletedStatus(item.status),
      critical: this.isCritical(item),
      exception: exception ? { reason: exception.reason, until: exception.until } : null,
      ignoreTag: ignoreTagged(item),
    };
    const excluded = precheck(local);
    if (excluded)
      return this.finish(
        item,
        coalesced,
        openDrift,
        excluded,
        notAttributed(item),
        desired,
        null,
        null,
        correlationId,
        now,
        redecision,
        exception?.until,
      );
    if (needsCompletion(item)) {
      item = await this.ports.fetcher.complete(item);
      // An oversized item names its tags only once completed.
      const tagged = precheck({ ...local, ignoreTag: ignoreTagged(item) });
      if (tagged)
        return this.finish(item, coalesced, openDrift, tagged, notAttributed(item), desired, null, null, correlationId, now, redecision);
    }

    // Who made the item's change as a whole: an IaC apply or the controller's own change is not drift (rule 1).
    const attribution = await this.ports.attribution.attribute(item);
    if (attribution.principal.class === 'iac') {
      // An apply may have moved the desired state: compare with what it applied.
      await this.ports.desiredState.refresh(resource);
      desired = await this.ports.desiredState.lookup(resource);
    }
    let analysis: Analysis | null = null;
    const existing = openExisting(openDrift);
    if (kind && desired?.managed && (item.configuration || local.deleted || kind.catchAll)) {
      analysis = kind.analyze((item.configuration as JsonObject | null) ?? null, desired, {
        resourceId: resource.id,
        item,
        ...(existing?.record.differences ? { previous: existing.record.differences } : {}),
        ...(attribution.principal.class === 'iac' ? { applied: true } : {}),
        ...(item.supplementaryConfiguration ? { supplementaryConfiguration: item.supplementaryConfiguration } : {}),
      });
    }
    const recorded = existing?.record.differences;
    const known = new Set((recorded ?? []).map((d) => d.id));
    const byPipeline = (c: PrincipalClass) => c === 'iac' || c === 'self';

    // Per-change attribution. What the record knew keeps its author, unless a newer call re-made
    // it (it went away and came back between two decisions, e.g. items that coalesced): then it
    // is a new difference, attributed and decided afresh.
    let madeBy = new Map<string, DifferenceAttribution>();
    if (kind && desired?.managed && analysis && !analysis.diff.equal && analysis.differences.length > 0) {
      const managed = desired;
      madeBy = await this.ports.attribution.attributeDifferences(
        item,
        analysis.differences,
        (events) => kind.callChanges(events, managed, { resourceId: resource.id, differences: analysis.differences }),
        { known },
      );
    }
    const remade = (d: DriftDifference) => {
      const now = madeBy.get(d.id);
      return Boolean(
        now?.cloudTrailEventId && now.cloudTrailEventId !== d.madeBy.cloudTrailEventId && Date.parse(now.at) > Date.parse(d.madeBy.at),
      );
    };
    const previous = recorded?.filter((d) => !remade(d));
    const kept = new Set((previous ?? []).map((d) => d.id));
    const fresh = (analysis?.differences ?? []).filter((d) => !kept.has(d.id));
    const othersMadeSome = fresh.some((d) => !byPipeline(madeBy.get(d.id)?.principal.class ?? 'unknown'));
    const pipelineOnly = byPipeline(attribution.principal.class) && !othersMadeSome;

    const freezeView = await this.ports.freeze.view(freezeTarget(item), new Date(attribution.changedAt), now);
    const freezeNow = { frozen: freezeView.freeze.now.frozen, sources: freezeView.freeze.now.sources.map((s) => s.type) };
    const table = (principal: PrincipalClass) =>
      decide({
        resource: local,
        principal: { class: principal },
        diff: { equal: analysis?.diff.equal ?? false },
        change: { widensExposure: analysis?.changeWidensExposure ?? false },
        revert: { widensExposure: analysis?.revertWidensExposure ?? false },
        freezeNow,
        freezeAtChange: {
          declared: freezeView.freeze.atChange.declared,
          unknown: freezeView.freeze.atChange.unknown,
          withinLookback: freezeView.freeze.atChange.withinLookback,
        },
      });

    // Rule 1 (an apply, or the controller's own change, with nobody else's change in it) and
    // rule 2 (nothing differs) are decisions about the whole resource.
    if (pipelineOnly || !analysis || analysis.diff.equal || analysis.differences.length === 0) {
      const principalClass = pipelineOnly
        ? attribution.principal.class
        : byPipeline(attribution.principal.class)
          ? 'unknown'
          : attribution.principal.class;
      const tableDecision = table(principalClass);
      const decision = this.gated(tableDecision, () =>
        this.policyRequest(
          item,
          local.critical,
          desired,
          { ...attribution.principal, class: principalClass },
          tableDecision.rule,
          freezeView,
          now,
          [],
        ),
      );
      return this.finish(item, coalesced, openDrift, decision, attribution, desired, analysis, freezeView, correlationId, now, redecision);
    }

    // Each difference decided on its own (DESIGN §4 "Differences and who made them").
    const managed = desired as DesiredResource & { managed: true };
    const fallback = (id: string): DifferenceAttribution =>
      madeBy.get(id) ?? { ...notAttributedDifference(item), unattributable: 'no attribution was found for it' };
    const groups = new Map<string, CandidateDifference[]>();
    for (const d of fresh) {
      const by = fallback(d.id);
      const group = by.cloudTrailEventId && !by.unattributable ? `call:${by.cloudTrailEventId}` : `alone:${d.id}`;
      groups.set(group, [...(groups.get(group) ?? []), d]);
    }
    const directions = kind!.directions([...groups.values()], managed, { resourceId: resource.id });
    const riskyGroup = new Map<string, boolean>();
    for (const members of groups.values()) {
      // A call that opened a door anywhere is not an emergency patch in any of its parts.
      const risky = members.some((d) => isRisky(directions.get(d.id)?.change ?? 'widens'));
      for (const d of members) riskyGroup.set(d.id, risky);
    }
    const prevById = new Map((previous ?? []).map((d) => [d.id, d]));
    const views = new Map<string, FreezeView>([[attribution.changedAt, freezeView]]);
    for (const when of [...fresh.map((f) => fallback(f.id).at), ...(previous ?? []).map((p) => p.madeBy.at)]) {
      if (!views.has(when)) views.set(when, await this.ports.freeze.view(freezeTarget(item), new Date(when), now));
    }
    const at = now.toISOString();
    const changeRisky = (id: string) => prevById.get(id)?.changeRisky ?? riskyGroup.get(id) ?? true;
    const current = analysis.differences.map((c) => ({
      ...c,
      madeBy: prevById.get(c.id)?.madeBy ?? fallback(c.id),
      direction: prevById.get(c.id)?.direction ?? directions.get(c.id) ?? FAIL_CLOSED_DIRECTION,
    }));
    let policyDifferences: PolicyDifference[] | undefined;
    const differences = mergeDifferences(
      previous,
      current,
      (c) => {
        const view = views.get(c.madeBy.at)!;
        const needsHuman = kind!.revertNeedsHuman?.(c, managed) ?? null;
        const neverReverted = kind!.neverReverted?.(resource.type);
        const decided = decideDifference(
          {
            resource: local,
            madeBy: c.madeBy,
            changeRisky: changeRisky(c.id),
            revertRisky: isRisky(c.direction.revert),
            ...(needsHuman ? { revertNeedsHuman: needsHuman } : {}),
            ...(neverReverted ? { neverReverted } : {}),
            freezeNow,
            freezeAtChange: {
              declared: view.freeze.atChange.declared,
              unknown: view.freeze.atChange.unknown,
              withinLookback: view.freeze.atChange.withinLookback,
            },
          },
          at,
        );
        // Guardrails as policy: asked after the table, about this difference and who made it.
        const decision = this.gated(decided.decision, () =>
          this.policyRequest(
            item,
            local.critical,
            managed,
            // As the table sees it: a difference no single change can be named for has no known author.
            c.madeBy.unattributable ? { arn: null, class: 'unknown' } : c.madeBy.principal,
            decided.decision.rule,
            view,
            now,
            (policyDifferences ??= current.map(policyDifference)),
            policyDifference(c),
          ),
        );
        return decision === decided.decision ? decided : { ...decided, decision };
      },
      { at, eventId: item.eventId },
    ).map((d) => ({ ...d, changeRisky: changeRisky(d.id) }));

    // What the backport does to the code, judged over everything it codifies together: a
    // break-glass change that leaves the code wider is labelled and the on-call told (DESIGN §4).
    const codified = differences.filter((d) => d.decision.action === 'backport');
    const widening = new Set(
      [...kind!.directions([codified], managed, { resourceId: resource.id })].filter(([, dir]) => isRisky(dir.change)).map(([id]) => id),
    );
    const result = await this.commitDifferences({
      item,
      coalesced,
      existing,
      differences,
      kind: kind!.name,
      widening,
      attribution,
      desired: managed,
      analysis,
      views,
      freezeView,
      correlationId,
      now,
      redecision,
    });
    if (result.saved === 'already' || result.saved === 'not_claimed') return { status: 'already_decided', eventId: item.eventId };
    if (result.saved === 'conflict') {
      throw new TransientError(`drift record for ${rk} changed while deciding; retrying`, 'drift_conflict');
    }
    return { status: 'decided', eventId: item.eventId, decision: result.decision, driftId: result.driftId, coalesced };
  }

  /** Commits a whole-resource decision (pre-check ignores, rules 1 and 2, and drifts without differences). */
  private async finish(
    item: ConfigItemEvent,
    coalesced: string[],
    openDrift: VersionedDrift | null,
    decision: GatedDecision,
    attribution: Attribution,
    desired: DesiredLookup | null,
    analysis: Analysis | null,
    freezeView: FreezeView | null,
    correlationId: string,
    now: Date,
    redecision: EvaluateTrigger | null,
    /** An active exception's end: what its lapse is decided on again is kept until then (DriftStore SaveOptions). */
    keepUntil?: string,
  ): Promise<EvaluateOutcome> {
    let appliedAnalysis: Analysis | null = null;
    const kind = this.ports.kinds.forType(item.resource.type);
    if (decision.rule === 1 && attribution.principal.class === 'iac' && kind && (item.configuration || kind.catchAll) && desired?.managed) {
      // An apply: live compared with what it applied; if equal, the apply fixed any open drift.
      const open = openExisting(openDrift);
      appliedAnalysis = kind.analyze((item.configuration as JsonObject | null) ?? null, desired, {
        resourceId: item.resource.id,
        item,
        applied: true,
        ...(open?.record.differences ? { previous: open.record.differences } : {}),
        ...(item.supplementaryConfiguration ? { supplementaryConfiguration: item.supplementaryConfiguration } : {}),
      });
    }
    const view = freezeView ?? (await this.ports.freeze.view(freezeTarget(item), new Date(attribution.changedAt), now));
    const result = await this.commit({
      item,
      coalesced,
      openDrift,
      decision,
      attribution,
      desired,
      analysis: analysis ?? appliedAnalysis,
      freezeView: view,
      correlationId,
      now,
      redecision,
      keepUntil,
    });
    if (result.saved === 'already' || result.saved === 'not_claimed') return { status: 'already_decided', eventId: item.eventId };
    if (result.saved === 'conflict') {
      throw new TransientError(`drift record for ${resourceKey(item.resource)} changed while deciding; retrying`, 'drift_conflict');
    }
    return { status: 'decided', eventId: item.eventId, decision, driftId: result.driftId, coalesced };
  }

  /**
   * A decision of the table after the policies (applyPolicies). The request they are asked about is
   * built only when there are policies to ask: without any, every decision would build one for nothing.
   */
  private gated<D extends { action: string; reason: string }>(decision: D, request: () => PolicyRequest): D & { policy?: DecisionPolicy } {
    if (this.policies.size === 0) return decision;
    const built = request();
    return applyPolicies(decision, (action) => this.policies.check(built, action));
  }

  /** What the policies are evaluated on (issue 16 §4): who made the change, the resource, the freeze, the incident, the time. */
  private policyRequest(
    item: ConfigItemEvent,
    critical: boolean,
    desired: DesiredLookup | null,
    principal: DriftRecord['principal'],
    rule: DecisionRule | null,
    view: FreezeView,
    now: Date,
    differences: PolicyDifference[],
    difference?: PolicyDifference,
  ): PolicyRequest {
    const r = item.resource;
    const session = principal.session ?? sessionNameOf(principal.arn);
    const now_ = view.freeze.now.sources.find((s) => s.type === 'incident' && s.incident)?.incident;
    const then = view.freeze.atChange.sources.find((s) => s.incident)?.incident;
    const incident = now_ ?? then;
    return {
      principal: { arn: principal.arn, class: principal.class, ...(session ? { session } : {}) },
      resource: {
        type: r.type,
        kind: this.ports.kinds.forType(r.type)?.name ?? r.type,
        id: r.id,
        account: r.account,
        region: r.region,
        tags: item.tags,
        critical,
        ...(desired?.managed ? { stack: desired.stack, address: desired.address } : {}),
        differences,
      },
      ...(difference ? { difference } : {}),
      rule,
      freeze: view.freeze,
      incident: incident ? { provider: incident.provider, id: incident.id, title: incident.title, open: incident === now_ } : null,
      at: now,
      dryRun: this.settings.dryRun,
    };
  }

  /**
   * DESIGN §4: `settleSeconds` counts from the arrival of the latest event, so time spent
   * deciding (waiting out CloudTrail's delivery lag, up to `cloudTrailWaitSeconds`) is part of
   * it. Both times are this machine's wall clock (`receivedAt` is stamped at ingest). A decision
   * made again when a freeze ends settles in full from then.
   */
  private settleMs(item: ConfigItemEvent, redecision: EvaluateTrigger | null): number {
    const full = this.settings.settleSeconds * 1000;
    const waited = this.clock().getTime() - Date.parse(item.delivery.receivedAt);
    if (redecision || !Number.isFinite(waited) || waited <= 0) return full;
    return Math.max(0, full - waited);
  }

  private isCritical(item: ConfigItemEvent): boolean {
    const { tags, resources } = this.settings.critical;
    if (resources?.some((r) => r === item.resource.id || r === item.resource.arn)) return true;
    if (tags && Object.keys(tags).length > 0) {
      return Object.entries(tags).some(([k, v]) => item.tags[k] === v);
    }
    return false;
  }

  /** Commits a decision made difference by difference: the record, its jobs and the audit entry. */
  private async commitDifferences(a: {
    item: ConfigItemEvent;
    coalesced: string[];
    existing: VersionedDrift | null;
    differences: DriftDifference[];
    /** The resource's kind (its name). */
    kind: string;
    /** Codified differences that leave the code wider. */
    widening: Set<string>;
    attribution: Attribution;
    desired: DesiredResource & { managed: true };
    analysis: Analysis;
    views: Map<string, FreezeView>;
    freezeView: FreezeView;
    correlationId: string;
    now: Date;
    redecision: EvaluateTrigger | null;
  }): Promise<{ saved: SaveResult; driftId: string; decision: Decision }> {
    const { item, existing, differences, now, redecision } = a;
    const rk = resourceKey(item.resource);
    const at = now.toISOString();
    const dryRun = this.settings.dryRun;
    const summary = summarizeDifferences(differences);
    const status = statusOfDifferences(differences, { dryRun, backportMerged: existing?.record.links.pullRequest?.merged === true });
    const decision: GatedDecision = { ...summary.decision, flags: summary.flags };
    // The record speaks for the group the controller handles next: its newest change.
    const primary = differences
      .filter((d) => d.decision.action === summary.primary)
      .sort((x, y) => Date.parse(y.madeBy.at) - Date.parse(x.madeBy.at))[0];
    const view = a.views.get(primary.madeBy.at) ?? a.freezeView;
    const continues = existing !== null && (existing.record.status === status || canMove(existing.record.status, status));
    const id = continues ? existing.record.id : newDriftId(now.getTime());
    const before = new Map((existing?.record.differences ?? []).map((d) => [d.id, d]));
    const newly = (pred: (d: DriftDifference) => boolean) =>
      differences.filter((d) => pred(d) && !(before.get(d.id) && pred(before.get(d.id)!)));
    const newlySuspicious = newly((d) => (d.flags ?? []).includes('suspicious'));
    const widening = newly((d) => d.decision.action === 'backport').filter((d) => a.widening.has(d.id));
    const gone = (existing?.record.differences ?? []).filter((d) => !differences.some((x) => x.id === d.id));
    const principal = primary.madeBy.principal;
    const session = principal.session ?? sessionNameOf(principal.arn);
    const approved = differences.some((d) => d.decision.human?.verb === 'approve');

    const record: DriftRecord = {
      id,
      status,
      dryRun,
      resource: {
        type: item.resource.type,
        kind: a.kind,
        id: item.resource.id,
        account: item.resource.account,
        region: item.resource.region,
        address: a.desired.address,
        stack: a.desired.stack,
      },
      decision: recordDecision(decision),
      principal: { arn: principal.arn, class: principal.class, ...(session ? { session } : {}) },
      changedAt: primary.madeBy.at,
      detectedAt: continues ? existing.record.detectedAt : at,
      updatedAt: at,
      ...(decision.flags.length ? { flags: decision.flags } : {}),
      diff: a.analysis.diff,
      differences,
      evidence: {
        eventIds: [...(continues ? existing.record.evidence.eventIds : []), item.eventId],
        configurationStateId: item.configurationStateId ?? null,
        captureTime: item.captureTime,
        ...(primary.madeBy.cloudTrailEventId ? { cloudTrailEventId: primary.madeBy.cloudTrailEventId } : {}),
        ...(a.freezeView.incidents ? { incidentSnapshot: a.freezeView.incidents } : {}),
        freeze: { now: a.freezeView.freeze.now, atChange: view.freeze.atChange },
        rule: decision.rule,
        apiCalls: continues ? existing.record.evidence.apiCalls : [],
        event: eventEvidence(item),
        explanations: a.analysis.explanations,
        ...(a.coalesced.length ? { coalescedEventIds: a.coalesced } : {}),
        attributionSource: primary.madeBy.source === 'config-item' ? 'none' : primary.madeBy.source,
        ...(continues && existing.record.evidence.afterState ? { afterState: existing.record.evidence.afterState } : {}),
        ...(continues && existing.record.evidence.compliance ? { compliance: existing.record.evidence.compliance } : {}),
      },
      links: { ...incidentLink(view), ...(continues ? existing.record.links : {}) },
      ...(continues && approved && existing.record.approval ? { approval: existing.record.approval } : {}),
    };

    const audit: AuditEntry = {
      at,
      type: redecision ? 'redecision' : 'decision',
      actor: 'pipeline',
      eventId: item.eventId,
      resourceKey: rk,
      correlationId: a.correlationId,
      driftId: id,
      reason: decision.reason,
      details: {
        action: decision.action,
        rule: decision.rule,
        dryRun,
        principal: principal.arn,
        principalClass: principal.class,
        coalesced: a.coalesced,
        ...(redecision ? { trigger: redecision } : {}),
        ...(decision.flags.length ? { flags: decision.flags } : {}),
        ...(decision.policy ? { policy: auditPolicy(decision.policy) } : {}),
        differences: differences.map(auditDifference),
        newlySuspicious: newlySuspicious.map((d) => `${d.sentence} (by ${d.madeBy.principal.arn ?? 'an unknown principal'})`),
        ...(widening.length
          ? { widensExposure: widening.map((d) => `${d.sentence} (by ${d.madeBy.principal.arn ?? 'an unknown principal'})`) }
          : {}),
        ...(gone.length ? { gone: gone.map((d) => d.sentence) } : {}),
      },
    };

    // Side effects are enqueued before the commit (idempotent job ids); a job whose decision was
    // never committed finds its drift not in the expected state and does nothing.
    const round = redecision ? { round: `${redecision}-${now.getTime()}` } : {};
    if (!dryRun && differences.some((d) => d.decision.action === 'revert' && !d.decision.human)) {
      await this.producer.remediate(
        { driftId: id, eventId: item.eventId, correlationId: a.correlationId, ...round },
        this.settleMs(item, redecision),
      );
    }
    const codified = differences.filter((d) => d.decision.action === 'backport');
    const hadBackport = continues && (existing.record.links.pullRequest || existing.record.links.issue);
    if (
      !dryRun &&
      (codified.length > 0 || hadBackport) &&
      (!hadBackport || backportShape(differences) !== backportShape(existing?.record.differences ?? []))
    ) {
      await this.producer.backport({ driftId: id, eventId: item.eventId, correlationId: a.correlationId, ...round });
    }
    const saved = await this.drifts.save(
      record,
      continues ? existing : null,
      audit,
      redecision
        ? undefined
        : { eventId: item.eventId, order: item.order, resourceKey: rk, outcome: 'decided', retain: !isDeletedStatus(item.status) },
    );
    return { saved, driftId: id, decision };
  }

  private async commit(c: CommitInput): Promise<{ saved: SaveResult; driftId: string | null }> {
    const { item, coalesced, openDrift, decision, attribution, desired, analysis, freezeView, correlationId, now, redecision, keepUntil } =
      c;
    const rk = resourceKey(item.resource);
    const at = now.toISOString();
    const dryRun = this.settings.dryRun;
    // A first decision commits the item (exactly once); a re-decision only updates the record.
    const itemCommit = redecision
      ? undefined
      : { eventId: item.eventId, order: item.order, resourceKey: rk, outcome: 'decided' as const, retain: !isDeletedStatus(item.status) };
    const auditFor = (driftId: string | null): AuditEntry => ({
      at,
      type: redecision ? 'redecision' : 'decision',
      actor: 'pipeline',
      eventId: item.eventId,
      resourceKey: rk,
      correlationId,
      ...(driftId ? { driftId } : {}),
      reason: decision.reason,
      details: {
        action: decision.action,
        rule: decision.rule,
        dryRun,
        principal: attribution.principal.arn,
        principalClass: attribution.principal.class,
        coalesced,
        ...(redecision ? { trigger: redecision } : {}),
        ...(decision.flags.length ? { flags: decision.flags } : {}),
        ...(decision.policy ? { policy: auditPolicy(decision.policy) } : {}),
      },
    });

    // Rule 1 (IaC apply, or the controller's own change): audited, no drift record.
    const withoutRecord = async (): Promise<{ saved: SaveResult; driftId: null }> => {
      if (itemCommit) return { saved: await this.drifts.commitWithoutRecord(itemCommit, auditFor(null)), driftId: null };
      await this.audit.append(auditFor(null));
      return { saved: 'ok', driftId: null };
    };
    if (decision.action === 'ignore' && decision.rule === 1) {
      // An IaC apply that brought live back to desired resolves the resource's open drift.
      const open = openExisting(openDrift);
      if (open && analysis?.diff.equal && canTransition(open.record.status, 'resolved')) {
        const next = resolveDrift(open.record, { eventId: item.eventId, diff: analysis.diff }, at);
        return {
          saved: await this.drifts.save(
            next,
            open,
            { ...auditFor(next.id), reason: `${decision.reason}; the apply made live equal desired: drift resolved` },
            itemCommit,
          ),
          driftId: next.id,
        };
      }
      return withoutRecord();
    }

    const existing = openExisting(openDrift);
    // The record names the kind that handles the resource (the catch-all kind only a resource a stack's state holds).
    const handler = this.ports.kinds.forType(item.resource.type);
    const kindName = handler && (!handler.catchAll || desired?.managed) ? handler.name : undefined;
    const base = (id: string, detectedAt: string): DriftRecord => ({
      id,
      status: 'detected',
      dryRun,
      resource: {
        type: item.resource.type,
        ...(kindName ? { kind: kindName } : {}),
        id: item.resource.id,
        account: item.resource.account,
        region: item.resource.region,
        ...(desired?.managed ? { address: desired.address, stack: desired.stack } : {}),
      },
      decision: recordDecision(decision),
      principal: {
        ...attribution.principal,
        ...(attribution.principal.session
          ? {}
          : sessionNameOf(attribution.principal.arn)
            ? { session: sessionNameOf(attribution.principal.arn) }
            : {}),
      },
      changedAt: attribution.changedAt,
      detectedAt,
      updatedAt: at,
      ...(decision.flags.length ? { flags: decision.flags } : {}),
      diff: analysis?.diff ?? EMPTY_DIFF,
      evidence: {
        eventIds: [item.eventId],
        configurationStateId: item.configurationStateId ?? null,
        captureTime: item.captureTime,
        ...(attribution.cloudTrailEventId ? { cloudTrailEventId: attribution.cloudTrailEventId } : {}),
        ...(freezeView.incidents ? { incidentSnapshot: freezeView.incidents } : {}),
        freeze: freezeView.freeze,
        rule: decision.rule,
        apiCalls: [],
        event: eventEvidence(item),
        explanations: analysis?.explanations ?? (desired && !desired.managed ? [desired.reason] : []),
        ...(coalesced.length ? { coalescedEventIds: coalesced } : {}),
        attributionSource: attribution.source,
        ...(desired?.managed
          ? {
              desiredState: {
                stack: desired.stack,
                address: desired.address,
                ...(desired.state ? { serial: desired.state.serial, lineage: desired.state.lineage } : {}),
                attributes: desired.attributes,
              },
            }
          : {}),
      },
      links: incidentLink(freezeView),
    });

    // Pre-checks (unsupported, unmanaged, exception, tag) on a resource with an open drift: the
    // latest item wins, so that drift ends here as `ignored` (its pending revert, or an approval
    // given later, then finds nothing to do). A revert already under way cannot be stopped.
    if (decision.action === 'ignore' && existing && canTransition(existing.record.status, 'ignored')) {
      const next = ignoreDrift(existing.record, { eventId: item.eventId, decision: recordDecision(decision) }, at);
      return { saved: await this.drifts.save(next, existing, auditFor(next.id), itemCommit, { keepUntil }), driftId: next.id };
    }
    // Otherwise: one `ignored` record per resource.
    if (decision.action === 'ignore') {
      const id = `drf_ign_${hash('sha256', rk, 'hex').slice(0, 20)}`;
      const previous = await this.drifts.getVersioned(id);
      const next = { ...base(id, previous?.record.detectedAt ?? at), status: 'ignored' as const };
      return { saved: await this.drifts.save(next, previous, auditFor(id), itemCommit, { keepUntil }), driftId: id };
    }

    // Rule 2: live equals desired again: resolve the open drift, if any.
    if (decision.action === 'noop') {
      if (!existing) return withoutRecord();
      const next = resolveDrift(
        existing.record,
        { eventId: item.eventId, diff: analysis?.diff ?? existing.record.diff, decision: recordDecision(decision) },
        at,
      );
      return { saved: await this.drifts.save(next, existing, auditFor(next.id), itemCommit), driftId: next.id };
    }

    const status = statusForDecision(decision.action, dryRun);
    const continues = existing && existing.record.status !== status ? canMove(existing.record.status, status) : Boolean(existing);
    const fresh = base(
      continues && existing ? existing.record.id : newDriftId(now.getTime()),
      continues && existing ? existing.record.detectedAt : at,
    );
    const next: DriftRecord = {
      ...fresh,
      status,
      ...(continues && existing
        ? {
            links: { ...incidentLink(freezeView), ...existing.record.links },
            evidence: {
              ...fresh.evidence,
              eventIds: [...existing.record.evidence.eventIds, item.eventId],
              apiCalls: existing.record.evidence.apiCalls,
            },
          }
        : {}),
    };

    // Side effects are enqueued before the commit (idempotent job ids); a job whose decision
    // was never committed finds its drift not in the expected state and does nothing.
    if (!dryRun && decision.action === 'revert') {
      await this.producer.remediate(
        { driftId: next.id, eventId: item.eventId, correlationId, ...(redecision ? { round: `${redecision}-${now.getTime()}` } : {}) },
        this.settleMs(item, redecision),
      );
    }
    if (!dryRun && decision.action === 'backport') {
      await this.producer.backport({
        driftId: next.id,
        eventId: item.eventId,
        correlationId,
        ...(redecision ? { round: `${redecision}-${now.getTime()}` } : {}),
      });
    }
    const saved = await this.drifts.save(next, continues ? existing : null, auditFor(next.id), itemCommit);
    return { saved, driftId: next.id };
  }
}

/**
 * The incident a decision was made under (DESIGN §7 `links.incident`): the one open when the
 * change was made, else the one freezing the resource now (an incident or its cooldown).
 */
function incidentLink(view: FreezeView): Pick<DriftRecord['links'], 'incident'> {
  const atChange = view.freeze.atChange.sources.find((s) => s.incident);
  const now = view.freeze.now.sources.find((s) => s.incident);
  const incident = (atChange ?? now)?.incident;
  return incident ? { incident } : {};
}

/** The resource's drift as read with its claim, if it is still open (a decision continues only an open drift). */
function openExisting(drift: VersionedDrift | null): VersionedDrift | null {
  return drift && isOpen(drift.record.status) ? drift : null;
}

/** A new decision continues the open drift when its state machine allows the move. */
function canMove(from: DriftRecord['status'], to: DriftRecord['status']): boolean {
  return isOpen(from) && canTransition(from, to);
}

function eventEvidence(item: ConfigItemEvent): JsonObject {
  return {
    eventId: item.eventId,
    captureTime: item.captureTime,
    configurationStateId: item.configurationStateId ?? null,
    status: item.status,
    changeType: item.changeType,
    changedProperties: item.changedProperties,
    delivery: {
      transport: item.delivery.transport,
      shape: item.delivery.shape,
      receivedAt: item.delivery.receivedAt,
      ...(item.delivery.envelopeId ? { envelopeId: item.delivery.envelopeId } : {}),
    },
    resource: {
      type: item.resource.type,
      id: item.resource.id,
      account: item.resource.account,
      region: item.resource.region,
      ...(item.resource.arn ? { arn: item.resource.arn } : {}),
    },
    tags: item.tags,
  };
}

/** What a difference looks like in an audit entry: enough to tell who did what and what was decided. */
function auditDifference(d: DriftDifference): JsonObject {
  return {
    id: d.id,
    sentence: d.sentence,
    action: d.decision.action,
    rule: d.decision.rule,
    madeBy: d.madeBy.principal.arn,
    madeByClass: d.madeBy.principal.class,
    at: d.madeBy.at,
    cloudTrailEventId: d.madeBy.cloudTrailEventId ?? null,
    ...(d.madeBy.unattributable ? { unattributable: d.madeBy.unattributable } : {}),
    ...(d.flags?.length ? { flags: d.flags } : {}),
    ...(d.decision.policy ? { policy: auditPolicy(d.decision.policy) } : {}),
  };
}

/** What the decision record keeps of a decision (and, when policies made it stricter, which ones). */
function recordDecision(decision: GatedDecision): DriftRecord['decision'] {
  return { action: decision.action, rule: decision.rule, reason: decision.reason, ...(decision.policy ? { policy: decision.policy } : {}) };
}

/** The policies that made a decision stricter, as the audit shows them. */
function auditPolicy(policy: DecisionPolicy): JsonObject {
  return {
    proposed: policy.proposed,
    outcome: policy.outcome,
    ids: [...new Set(policy.matched.map((m) => m.id))],
    matched: policy.matched.map((m) => ({ id: m.id, source: m.source, ...(m.error ? { error: m.error } : {}) })),
  };
}

/** What a backport PR shows: what it codifies and what it leaves out (a change to either updates it). */
function backportShape(differences: readonly DriftDifference[]): string {
  const ids = (pred: (d: DriftDifference) => boolean) =>
    differences
      .filter(pred)
      .map((d) => d.id)
      .sort()
      .join(',');
  return `${ids((d) => d.decision.action === 'backport')}|${ids((d) => d.decision.action !== 'backport')}`;
}

/** When a difference's direction could not be judged: the risky way (fail closed). */
const FAIL_CLOSED_DIRECTION: DifferenceDirection = { axis: 'exposure', change: 'widens', revert: 'widens' };

function ignoreTagged(item: ConfigItemEvent): boolean {
  return (item.tags[IGNORE_TAG] ?? '').toLowerCase() === 'true';
}

function freezeTarget(item: ConfigItemEvent): ScopeTarget {
  return { account: item.resource.account, region: item.resource.region, type: item.resource.type, tags: item.tags };
}

/** No call was asked for (the resource is excluded before any AWS call). */
function notAttributed(item: ConfigItemEvent): Attribution {
  return { principal: { arn: null, class: 'unknown' }, changedAt: item.captureTime, source: 'none' };
}

function policyDifference(d: CandidateDifference & { madeBy: DifferenceAttribution; direction: DifferenceDirection }): PolicyDifference {
  return { id: d.id, sentence: d.sentence, side: d.side, direction: d.direction, madeBy: d.madeBy.principal.class };
}

function notAttributedDifference(item: ConfigItemEvent): DifferenceAttribution {
  return { source: 'config-item', principal: { arn: null, class: 'unknown' }, at: item.captureTime, configEventId: item.eventId };
}
