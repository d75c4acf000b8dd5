import { createHash } from 'node:crypto';
import {
  TransientError,
  canTransition,
  decide,
  isDeletedStatus,
  isOpen,
  sessionNameOf,
  statusForDecision,
  type ConfigItemEvent,
  type Decision,
  type DecisionInput,
  type DriftDiff,
  type DriftRecord,
  type JsonObject,
} from '@driftwarden/domain';
import { ConfigItemFetcher, needsCompletion } from '@driftwarden/ingest';
import type { EvaluateJob, JobProducer } from '@driftwarden/queue';
import type { AuditEntry, AuditLog, DriftStore, ItemLedger, SaveResult } from '@driftwarden/store';
import { newDriftId } from '@driftwarden/store';
import type { Attribution, AttributionPort } from '../ports/attribution.port';
import type { DesiredLookup, DesiredStatePort } from '../ports/desired-state.port';
import type { ExceptionsPort } from '../ports/exceptions.port';
import type { FreezePort, FreezeView } from '../ports/freeze.port';
import type { Analysis, ResourceAnalyzers } from '../ports/resource-analyzer.port';

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

const EMPTY_DIFF: DriftDiff = { equal: false, extra: [], missing: [], attributes: [] };
const IGNORE_TAG = 'driftwarden:ignore';

/**
 * The evaluation use case: claim the newest pending item of one resource, gather the inputs
 * through the ports, apply the decision table, and commit the decision, the drift record
 * and the audit entry in one atomic step (exactly one decision per item).
 */
export class EvaluateService {
  constructor(
    private readonly ledger: ItemLedger,
    private readonly drifts: DriftStore,
    private readonly audit: AuditLog,
    private readonly producer: JobProducer,
    private readonly ports: {
      analyzers: ResourceAnalyzers;
      desiredState: DesiredStatePort;
      attribution: AttributionPort;
      freeze: FreezePort;
      exceptions: ExceptionsPort;
      fetcher: ConfigItemFetcher;
    },
    private readonly settings: EvaluateSettings,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async evaluate(resourceKey: string, correlationId: string, trigger: EvaluateTrigger = 'item'): Promise<EvaluateOutcome> {
    const claimed = await this.ledger.claimLatest(resourceKey);
    if (claimed) return this.decideOn(claimed.event, claimed.coalesced, claimed.openDriftRaw, correlationId, null);
    if (trigger === 'item') return { status: 'nothing_pending' };
    return this.reevaluate(resourceKey, correlationId, trigger);
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
      return item ? this.decideOn(item, [], open?.raw ?? null, correlationId, trigger) : { status: 'nothing_pending' };
    }
    if (!open || open.record.status !== 'held') return { status: 'nothing_pending' };
    const lastEventId = open.record.evidence.eventIds[open.record.evidence.eventIds.length - 1];
    const item = await this.ledger.event(lastEventId);
    if (!item) return { status: 'nothing_pending' };
    return this.decideOn(item, [], open.raw, correlationId, trigger);
  }

  private async decideOn(
    claimedItem: ConfigItemEvent,
    coalesced: string[],
    openDriftRaw: string | null,
    correlationId: string,
    redecision: EvaluateTrigger | null,
  ): Promise<EvaluateOutcome> {
    let item = claimedItem;
    const resourceKey = `${item.resource.account}/${item.resource.region}/${item.resource.type}/${item.resource.id}`;
    if (needsCompletion(item)) item = await this.ports.fetcher.complete(item);

    const now = this.clock();
    const resource = item.resource;
    const analyzer = this.ports.analyzers.forType(resource.type);
    let attribution = await this.ports.attribution.attribute(item);
    const byPipeline = attribution.principal.class === 'self' || attribution.principal.class === 'iac';
    if (byPipeline && coalesced.length > 0) {
      // Latest wins, but an apply or the controller's own change must not swallow someone
      // else's made just before it (coalesced into it): that change is still in the live
      // state (an apply of separate rule resources leaves unmanaged rules alone). Decide as the
      // newest of those changes, against the desired state the apply may have moved.
      const other = await this.newestOtherAttribution(coalesced);
      if (other) {
        if (attribution.principal.class === 'iac') await this.ports.desiredState.refresh(resource);
        attribution = other;
      }
    }
    const principalClass = attribution.principal.class;
    const skipDiff = principalClass === 'iac' || principalClass === 'self';

    let desired: DesiredLookup | null = null;
    let analysis: Analysis | null = null;
    if (analyzer && !skipDiff) {
      desired = await this.ports.desiredState.lookup(resource);
      if (desired.managed && item.configuration) {
        analysis = analyzer.analyze(item.configuration as JsonObject, desired, { resourceId: resource.id });
      }
    }
    const target = { account: resource.account, region: resource.region, type: resource.type, tags: item.tags };
    const freezeView = await this.ports.freeze.view(target, new Date(attribution.changedAt), now);
    const exception = await this.ports.exceptions.activeFor(resource, now);

    const input: DecisionInput = {
      resource: {
        supported: analyzer !== undefined,
        managed: desired?.managed ?? false,
        deleted: isDeletedStatus(item.status),
        critical: this.isCritical(item),
        exception: exception ? { reason: exception.reason, until: exception.until } : null,
        ignoreTag: (item.tags[IGNORE_TAG] ?? '').toLowerCase() === 'true',
      },
      principal: { class: principalClass },
      diff: { equal: analysis?.diff.equal ?? false },
      change: { widensExposure: analysis?.changeWidensExposure ?? false },
      revert: { widensExposure: analysis?.revertWidensExposure ?? false },
      freezeNow: { frozen: freezeView.freeze.now.frozen, sources: freezeView.freeze.now.sources.map((s) => s.type) },
      freezeAtChange: {
        declared: freezeView.freeze.atChange.declared,
        unknown: freezeView.freeze.atChange.unknown,
        withinLookback: freezeView.freeze.atChange.withinLookback,
      },
    };
    const decision = decide(input);
    let appliedAnalysis: Analysis | null = null;
    if (decision.rule === 1 && principalClass === 'iac') {
      // An apply: re-read the desired state; if live now equals it, the apply fixed any open drift.
      await this.ports.desiredState.refresh(resource);
      if (analyzer && item.configuration) {
        const after = await this.ports.desiredState.lookup(resource);
        if (after.managed) {
          desired = after;
          appliedAnalysis = analyzer.analyze(item.configuration as JsonObject, after, { resourceId: resource.id });
        }
      }
    }

    const result = await this.commit(item, coalesced, openDriftRaw, decision, attribution, desired, analysis ?? appliedAnalysis, freezeView, correlationId, now, redecision);
    if (result.saved === 'already' || result.saved === 'not_claimed') return { status: 'already_decided', eventId: item.eventId };
    if (result.saved === 'conflict') {
      throw new TransientError(`drift record for ${resourceKey} changed while deciding; retrying`, 'drift_conflict');
    }
    return { status: 'decided', eventId: item.eventId, decision, driftId: result.driftId, coalesced };
  }

  private async newestOtherAttribution(eventIds: string[]): Promise<Attribution | null> {
    const events = (await Promise.all(eventIds.map((id) => this.ledger.event(id)))).filter((e): e is ConfigItemEvent => e !== null);
    for (const older of events.sort((a, b) => b.order - a.order)) {
      const found = await this.ports.attribution.attribute(older);
      if (found.principal.class !== 'self' && found.principal.class !== 'iac') return found;
    }
    return null;
  }

  /**
   * DESIGN §4: `settleSeconds` counts from the arrival of the latest event, so time spent
   * deciding (waiting out CloudTrail's delivery lag, up to `cloudTrailWaitSeconds`) is part of
   * it. Both times are this machine's wall clock (`receivedAt` is stamped at ingest). A decision
   * made again when a freeze ends settles in full from then.
   */
  private settleMs(item: ConfigItemEvent, redecision: EvaluateTrigger | null): number {
    const full = this.settings.settleSeconds * 1000;
    const waited = Date.now() - Date.parse(item.delivery.receivedAt);
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

  private async commit(
    item: ConfigItemEvent,
    coalesced: string[],
    openDriftRaw: string | null,
    decision: Decision,
    attribution: Attribution,
    desired: DesiredLookup | null,
    analysis: Analysis | null,
    freezeView: FreezeView,
    correlationId: string,
    now: Date,
    redecision: EvaluateTrigger | null,
  ): Promise<{ saved: SaveResult; driftId: string | null }> {
    const rk = `${item.resource.account}/${item.resource.region}/${item.resource.type}/${item.resource.id}`;
    const at = now.toISOString();
    const dryRun = this.settings.dryRun;
    // A first decision commits the item (exactly once); a re-decision only updates the record.
    const itemCommit = redecision ? undefined : { eventId: item.eventId, order: item.order, resourceKey: rk, outcome: 'decided' as const, retain: !isDeletedStatus(item.status) };
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
      const open = openExisting(openDriftRaw);
      if (open && analysis?.diff.equal && canTransition(open.record.status, 'resolved')) {
        const next: DriftRecord = {
          ...open.record,
          status: 'resolved',
          updatedAt: at,
          diff: analysis.diff,
          evidence: { ...open.record.evidence, eventIds: [...open.record.evidence.eventIds, item.eventId] },
        };
        return { saved: await this.drifts.save(next, open, { ...auditFor(next.id), reason: `${decision.reason}; the apply made live equal desired: drift resolved` }, itemCommit), driftId: next.id };
      }
      return withoutRecord();
    }

    const existing = openExisting(openDriftRaw);
    const base = (id: string, detectedAt: string): DriftRecord => ({
      id,
      status: 'detected',
      dryRun,
      resource: {
        type: item.resource.type,
        id: item.resource.id,
        account: item.resource.account,
        region: item.resource.region,
        ...(desired?.managed ? { address: desired.address, stack: desired.stack } : {}),
      },
      decision: { action: decision.action, rule: decision.rule, reason: decision.reason },
      principal: {
        ...attribution.principal,
        ...(attribution.principal.session ? {} : sessionNameOf(attribution.principal.arn) ? { session: sessionNameOf(attribution.principal.arn) } : {}),
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
      },
      links: incidentLink(freezeView),
    });

    // Pre-checks (unsupported, unmanaged, exception, tag) on a resource with an open drift: the
    // latest item wins, so that drift ends here as `ignored` (its pending revert, or an approval
    // given later, then finds nothing to do). A revert already under way cannot be stopped.
    if (decision.action === 'ignore' && existing && canTransition(existing.record.status, 'ignored')) {
      const next: DriftRecord = {
        ...existing.record,
        status: 'ignored',
        decision: { action: decision.action, rule: decision.rule, reason: decision.reason },
        updatedAt: at,
        evidence: { ...existing.record.evidence, eventIds: [...existing.record.evidence.eventIds, item.eventId], rule: decision.rule },
      };
      return { saved: await this.drifts.save(next, existing, auditFor(next.id), itemCommit), driftId: next.id };
    }
    // Otherwise: one `ignored` record per resource.
    if (decision.action === 'ignore') {
      const id = `drf_ign_${createHash('sha256').update(rk).digest('hex').slice(0, 20)}`;
      const previous = await this.drifts.getRaw(id);
      const next = { ...base(id, previous?.record.detectedAt ?? at), status: 'ignored' as const };
      return { saved: await this.drifts.save(next, previous, auditFor(id), itemCommit), driftId: id };
    }

    // Rule 2: live equals desired again: resolve the open drift, if any.
    if (decision.action === 'noop') {
      if (!existing) return withoutRecord();
      const next: DriftRecord = {
        ...existing.record,
        status: 'resolved',
        decision: { action: decision.action, rule: decision.rule, reason: decision.reason },
        updatedAt: at,
        diff: analysis?.diff ?? existing.record.diff,
        evidence: { ...existing.record.evidence, eventIds: [...existing.record.evidence.eventIds, item.eventId], rule: decision.rule },
      };
      return { saved: await this.drifts.save(next, existing, auditFor(next.id), itemCommit), driftId: next.id };
    }

    const status = statusForDecision(decision.action, dryRun);
    const continues = existing && existing.record.status !== status ? canMove(existing.record.status, status) : Boolean(existing);
    const fresh = base(continues && existing ? existing.record.id : newDriftId(now.getTime()), continues && existing ? existing.record.detectedAt : at);
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
      await this.producer.remediate({ driftId: next.id, eventId: item.eventId, correlationId, ...(redecision ? { round: `${redecision}-${now.getTime()}` } : {}) }, this.settleMs(item, redecision));
    }
    if (!dryRun && decision.action === 'backport') {
      await this.producer.backport({ driftId: next.id, eventId: item.eventId, correlationId, ...(redecision ? { round: `${redecision}-${now.getTime()}` } : {}) });
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

function openExisting(raw: string | null): { record: DriftRecord; raw: string } | null {
  if (!raw) return null;
  const record = JSON.parse(raw) as DriftRecord;
  return isOpen(record.status) ? { record, raw } : null;
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
    delivery: { transport: item.delivery.transport, shape: item.delivery.shape, receivedAt: item.delivery.receivedAt, ...(item.delivery.envelopeId ? { envelopeId: item.delivery.envelopeId } : {}) },
    resource: { type: item.resource.type, id: item.resource.id, account: item.resource.account, region: item.resource.region, ...(item.resource.arn ? { arn: item.resource.arn } : {}) },
    tags: item.tags,
  };
}

