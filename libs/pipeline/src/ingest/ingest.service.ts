import { randomUUID } from 'node:crypto';
import {
  isOpen,
  resourceKey,
  type CloudTrailEvent,
  type ComplianceEvent,
  type ConfigItemEvent,
  type InternalEvent,
  type PrincipalClassifier,
  type Problem,
  type Transport,
} from '@driftwarden/domain';
import { normalizeDelivery } from '@driftwarden/ingest';
import type { JobProducer } from '@driftwarden/queue';
import type { AuditLog, CloudTrailStore, DriftStore, ItemLedger } from '@driftwarden/store';

const MAX_COMPLIANCE_EVIDENCE = 20;

export interface AcceptedEvent {
  eventId: string;
  kind: 'config_item' | 'cloudtrail' | 'compliance';
  resourceId: string;
  duplicate: boolean;
  /** `accepted`, `duplicate`, or `stale` (older than an item already processed: recorded, never acted on). */
  status: 'accepted' | 'duplicate' | 'stale';
}

export type IngestResult = { ok: true; accepted: AcceptedEvent[] } | { ok: false; problems: Problem[] };

export interface IngestContext {
  transport: Transport;
  /** Who sent it: `token:<name>`, `sqs`, `replay`. */
  actor: string;
  correlationId?: string;
}

/**
 * Ingest use case, shared by HTTP, SQS and replay: normalise, record in the item ledger
 * (duplicates and stale items detected atomically), and ask for an evaluation of each
 * resource. An item is acknowledged only after its evaluation job is safely enqueued.
 */
export class IngestService {
  constructor(
    private readonly ledger: ItemLedger,
    private readonly cloudTrail: CloudTrailStore,
    private readonly producer: JobProducer,
    private readonly audit: AuditLog,
    private readonly principals: PrincipalClassifier,
    private readonly drifts: DriftStore,
  ) {}

  /**
   * A Config rule's verdict on a resource with an open drift is part of that drift's evidence
   * (a reviewer sees "restricted-ssh: NON_COMPLIANT" next to the diff). It changes no decision:
   * the Config item is what is decided on.
   */
  private async addComplianceEvidence(rk: string, c: ComplianceEvent): Promise<void> {
    const open = await this.drifts.openFor(rk);
    if (!open) return;
    const entry = {
      rule: c.ruleName,
      compliance: c.compliance,
      previous: c.previousCompliance,
      at: c.orderingTimestamp,
      eventId: c.eventId,
    };
    await this.drifts.update(open.record.id, (d) =>
      isOpen(d.status) && !(d.evidence.compliance ?? []).some((e) => e.eventId === c.eventId)
        ? {
            next: {
              ...d,
              evidence: { ...d.evidence, compliance: [...(d.evidence.compliance ?? []), entry].slice(-MAX_COMPLIANCE_EVIDENCE) },
            },
            audit: null,
          }
        : null,
    );
  }

  async ingest(raw: unknown, ctx: IngestContext): Promise<IngestResult> {
    const normalized = normalizeDelivery(raw, { transport: ctx.transport });
    if (!normalized.ok) return normalized;
    return { ok: true, accepted: await this.ingestEvents(normalized.events, ctx) };
  }

  async ingestEvents(events: InternalEvent[], ctx: IngestContext): Promise<AcceptedEvent[]> {
    const correlationId = ctx.correlationId ?? randomUUID();
    const items = events.filter((e): e is ConfigItemEvent => e.kind === 'config_item');
    const trails = events.filter((e): e is CloudTrailEvent => e.kind === 'cloudtrail');
    const compliance = events.filter((e): e is ComplianceEvent => e.kind === 'compliance');

    const trailOut: AcceptedEvent[] = [];
    const itemOut: AcceptedEvent[] = [];
    const complianceOut: AcceptedEvent[] = [];

    // CloudTrail calls are kept for attribution, before the items they explain are evaluated.
    const trailDuplicates = await this.cloudTrail.put(trails);
    const ownChanges: CloudTrailEvent[] = [];
    trails.forEach((e, i) => {
      trailOut.push({
        eventId: e.eventId,
        kind: 'cloudtrail',
        resourceId: e.resourceIds[0] ?? '',
        duplicate: trailDuplicates[i],
        status: trailDuplicates[i] ? 'duplicate' : 'accepted',
      });
      if (!trailDuplicates[i] && this.principals.classify(e.principal.arn) === 'self') ownChanges.push(e);
    });
    for (const e of ownChanges) {
      await this.audit.append({
        at: new Date().toISOString(),
        type: 'self.change',
        actor: e.principal.arn ?? 'self',
        eventId: e.eventId,
        correlationId,
        reason: `${e.eventName} by the controller itself (no drift is recorded for its own changes)`,
        details: { eventName: e.eventName, eventTime: e.eventTime, resourceIds: e.resourceIds },
      });
    }

    const results = await this.ledger.accept(items);
    const toEvaluate = new Set<string>();
    results.forEach((r, i) => {
      const e = items[i];
      // A duplicate whose item is still pending is re-enqueued: a crash between accept and
      // enqueue must not lose it (evaluation jobs are deduplicated per resource anyway).
      if (r.status === 'accepted' || r.status === 'duplicate_pending') toEvaluate.add(r.resourceKey);
      itemOut.push({
        eventId: e.eventId,
        kind: 'config_item',
        resourceId: e.resource.id,
        duplicate: r.status === 'duplicate' || r.status === 'duplicate_pending',
        status: r.status === 'stale' ? 'stale' : r.status === 'accepted' ? 'accepted' : 'duplicate',
      });
    });

    for (const c of compliance) {
      const rk = resourceKey(c.resource);
      // Compliance changes are recorded once (EventBridge may deliver twice).
      const first = await this.ledger.firstSeen(c.eventId);
      complianceOut.push({
        eventId: c.eventId,
        kind: 'compliance',
        resourceId: c.resource.id,
        duplicate: !first,
        status: first ? 'accepted' : 'duplicate',
      });
      if (!first) continue;
      await this.audit.append({
        at: new Date().toISOString(),
        type: 'compliance.changed',
        actor: `config-rule:${c.ruleName}`,
        eventId: c.eventId,
        resourceKey: rk,
        correlationId,
        reason: `${c.ruleName}: ${c.previousCompliance ?? 'none'} -> ${c.compliance}`,
        details: { rule: c.ruleName, compliance: c.compliance, orderingTimestamp: c.orderingTimestamp },
      });
      await this.addComplianceEvidence(rk, c);
    }

    await this.producer.evaluate([...toEvaluate].map((rk) => ({ resourceKey: rk, trigger: 'item' as const, correlationId })));
    // Answer in input order.
    const next = { cloudtrail: 0, config_item: 0, compliance: 0 };
    const lists = { cloudtrail: trailOut, config_item: itemOut, compliance: complianceOut };
    return events.map((e) => lists[e.kind][next[e.kind]++]);
  }
}
