import { Body, Controller, HttpStatus, Inject, Param, Post, Req } from '@nestjs/common';
import { z } from 'zod';
import { ApiError, RequireRole } from '@driftwarden/auth';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { awaitsHuman, decideByHuman, sessionNameOf, userNameOf, type DriftApproval, type DriftRecord } from '@driftwarden/domain';
import { JobProducer } from '@driftwarden/queue';
import { AuditLog, DriftStore } from '@driftwarden/store';
import { CLOCK } from '../core/tokens';
import { parseBody } from './body';
import { actorOf, correlationIdOf, type ApiRequest } from './request-context';

const commentBody = z.strictObject({
  comment: z.string().trim().min(1, 'a comment is required').max(2000),
  /** Adopting a difference flagged `suspicious` (a door opened during a freeze, not by break-glass) must be confirmed. */
  confirmSuspicious: z.boolean().optional(),
});

export type Verb = DriftApproval['action'];
/**
 * Human decisions on a drift awaiting approval (DESIGN §5): approve (revert it, still fenced
 * and frozen-aware), adopt (keep the live state, open a backport PR), reject (leave it).
 */
@Controller('v1/drifts')
export class ApprovalsController {
  private readonly decisions: HumanDecisions;

  constructor(
    drifts: DriftStore,
    audit: AuditLog,
    producer: JobProducer,
    @Inject(DRIFTWARDEN_CONFIG) config: DriftwardenConfig,
    @Inject(CLOCK) clock: () => Date,
  ) {
    this.decisions = new HumanDecisions(drifts, audit, producer, config, clock);
  }

  @Post(':id/approve')
  @RequireRole('operator')
  approve(@Param('id') id: string, @Body() body: unknown, @Req() req: ApiRequest) {
    return this.decide('approve', id, body, req);
  }

  @Post(':id/adopt')
  @RequireRole('operator')
  adopt(@Param('id') id: string, @Body() body: unknown, @Req() req: ApiRequest) {
    return this.decide('adopt', id, body, req);
  }

  @Post(':id/reject')
  @RequireRole('operator')
  reject(@Param('id') id: string, @Body() body: unknown, @Req() req: ApiRequest) {
    return this.decide('reject', id, body, req);
  }

  private decide(verb: Verb, id: string, body: unknown, req: ApiRequest): Promise<DriftRecord> {
    return this.decisions.decide(verb, id, parseBody(commentBody, body), {
      actor: actorOf(req),
      ...(req.principal?.identity ? { identity: req.principal.identity } : {}),
      correlationId: correlationIdOf(req),
    });
  }
}

/** Who decides: the audit's actor (`token:<name>`, `slack:<user id>`), the identity the self-approval rule compares, and extra audit details. */
export interface DecidedBy {
  actor: string;
  identity?: string;
  correlationId: string;
  details?: Record<string, string>;
}

/**
 * One human decision with every rule of DESIGN §5 (awaiting approval, no dry-run, no
 * self-approval, a comment, `confirmSuspicious` to adopt a suspicious difference, approvals that
 * lapse), recorded and audited, then its follow-up queued. The API and Slack both decide here.
 */
export class HumanDecisions {
  constructor(
    private readonly drifts: DriftStore,
    private readonly audit: AuditLog,
    private readonly producer: JobProducer,
    private readonly config: DriftwardenConfig,
    private readonly clock: () => Date,
  ) {}

  async decide(verb: Verb, id: string, input: { comment: string; confirmSuspicious?: boolean }, who: DecidedBy): Promise<DriftRecord> {
    const { comment, confirmSuspicious } = input;
    const found = /^drf_[A-Za-z0-9_]{1,64}$/.test(id) ? await this.drifts.get(id) : null;
    if (!found) throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', `no drift record ${JSON.stringify(id.slice(0, 80))}`);
    if (found.status !== 'awaiting_approval' && found.status !== 'failed') {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'not_awaiting_approval',
        `drift ${id} is ${found.status}; only a drift awaiting approval (or failed) takes a human decision`,
      );
    }
    if (found.dryRun) {
      throw new ApiError(HttpStatus.CONFLICT, 'dry_run', `drift ${id} was recorded in dry-run mode; driftwarden makes no write in dry-run`);
    }
    // With differences, the human decides the ones awaiting approval (an approved revert not yet
    // used may be approved again); the others keep their own decisions.
    const targets = found.differences?.filter((d) => awaitsHuman(d, found.status));
    if (targets && targets.length === 0) {
      throw new ApiError(HttpStatus.CONFLICT, 'not_awaiting_approval', `drift ${id} has no difference awaiting approval`);
    }
    const me = (who.identity ?? '').toLowerCase();
    const authors = targets && targets.length ? targets.map((d) => d.madeBy.principal) : [found.principal];
    const author = authors
      .flatMap((p) => [p.session, sessionNameOf(p.arn), userNameOf(p.arn)])
      .filter((x): x is string => Boolean(x))
      .map((x) => x.toLowerCase());
    if (me && author.includes(me)) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'self_approval',
        `${who.identity} made this change and cannot also decide on it; ask another operator`,
      );
    }
    const suspicious = (targets ?? []).filter((d) => (d.flags ?? []).includes('suspicious'));
    if (verb === 'adopt' && suspicious.length > 0 && confirmSuspicious !== true) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'confirmation_required',
        `adopting keeps a suspicious change (${suspicious.map((d) => d.sentence).join('; ')}): it widened exposure during a freeze and was not made by a break-glass principal; say why in the comment and send confirmSuspicious: true`,
        [{ path: 'confirmSuspicious', message: 'expected true to adopt a suspicious difference' }],
      );
    }
    const now = this.clock();
    const at = now.toISOString();
    const approval: DriftApproval = {
      action: verb,
      by: who.actor,
      ...(who.identity ? { identity: who.identity } : {}),
      comment,
      at,
      ...(verb === 'approve'
        ? { expiresAt: new Date(now.getTime() + this.config.guardrails.approvalTtlMinutes * 60_000).toISOString() }
        : {}),
    };
    const lastEvent = found.evidence.eventIds[found.evidence.eventIds.length - 1];
    let approvalAt: string | undefined;
    const queueFollowUp = async () => {
      if (this.config.mode !== 'enforce') return;
      const round = `${verb}-${Date.parse(approvalAt ?? at)}`;
      if (verb === 'approve')
        await this.producer.remediate({ driftId: id, eventId: lastEvent, round, correlationId: who.correlationId }, 0);
      if (verb === 'adopt') await this.producer.backport({ driftId: id, eventId: lastEvent, round, correlationId: who.correlationId });
    };
    // Approving again an approved drift whose revert has not started re-queues it (idempotent
    // job id), while that approval still holds. One that expired unused (even if no worker has
    // marked it lapsed yet) is replaced by this new approval, with its own approver and expiry.
    const stillValid = (a: DriftApproval) => !a.lapsedAt && (!a.expiresAt || Date.parse(a.expiresAt) > now.getTime());
    if (verb === 'approve' && found.approval?.action === 'approve' && stillValid(found.approval) && found.status === 'awaiting_approval') {
      approvalAt = found.approval.at;
      await queueFollowUp();
      await this.audit.append({
        at,
        type: 'api.drift.approve',
        actor: who.actor,
        driftId: id,
        reason: comment,
        details: { identity: who.identity ?? null, requeued: true, approvedAt: found.approval.at, ...(who.details ?? {}) },
      });
      return found;
    }
    const updated = await this.drifts.update(id, (d) =>
      d.updatedAt === found.updatedAt
        ? {
            next: decideByHuman(d, { verb, by: who.actor, ...(who.identity ? { identity: who.identity } : {}), comment, at }, approval),
            audit: {
              at,
              type: `api.drift.${verb}`,
              actor: who.actor,
              driftId: id,
              reason:
                suspicious.length && verb !== 'approve'
                  ? `${verb === 'adopt' ? 'adopted' : 'rejected'} a SUSPICIOUS change (${suspicious.map((x) => x.sentence).join('; ')}): ${comment}`
                  : comment,
              details: {
                identity: who.identity ?? null,
                ...(who.details ?? {}),
                ...(targets ? { differences: targets.map((x) => x.id) } : {}),
                ...(suspicious.length ? { suspicious: suspicious.map((x) => x.sentence) } : {}),
              },
            },
          }
        : null,
    );
    if (!updated || updated.updatedAt !== at) {
      throw new ApiError(HttpStatus.CONFLICT, 'concurrent_update', `drift ${id} changed while deciding; read it again`);
    }
    // The decision is recorded first, so the job always finds it. If queueing fails the
    // caller gets an error and can approve again (which only re-queues).
    try {
      await queueFollowUp();
    } catch (e) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'queue_unavailable',
        `the ${verb} is recorded but its follow-up could not be queued (${e instanceof Error ? e.message : String(e)}); send it again`,
      );
    }
    return updated;
  }
}
