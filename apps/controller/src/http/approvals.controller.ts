import { Body, Controller, HttpStatus, Inject, Param, Post, Req } from '@nestjs/common';
import { z } from 'zod';
import { ApiError, RequireRole } from '@driftwarden/auth';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { sessionNameOf, userNameOf, type DriftApproval, type DriftRecord, type DriftStatus } from '@driftwarden/domain';
import { JobProducer } from '@driftwarden/queue';
import { AuditLog, DriftStore } from '@driftwarden/store';
import { CLOCK } from '../core/tokens';
import { parseBody } from './body';
import { actorOf, correlationIdOf, type ApiRequest } from './request-context';

const commentBody = z.strictObject({ comment: z.string().trim().min(1, 'a comment is required').max(2000) });

type Verb = DriftApproval['action'];
const NEXT: Record<Verb, DriftStatus> = { approve: 'awaiting_approval', adopt: 'backport_open', reject: 'rejected' };

/**
 * Human decisions on a drift awaiting approval (DESIGN §5): approve (revert it, still fenced
 * and frozen-aware), adopt (keep the live state, open a backport PR), reject (leave it).
 */
@Controller('v1/drifts')
export class ApprovalsController {
  constructor(
    private readonly drifts: DriftStore,
    private readonly audit: AuditLog,
    private readonly producer: JobProducer,
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(CLOCK) private readonly clock: () => Date,
  ) {}

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

  private async decide(verb: Verb, id: string, body: unknown, req: ApiRequest): Promise<DriftRecord> {
    const { comment } = parseBody(commentBody, body);
    const found = /^drf_[A-Za-z0-9_]{1,64}$/.test(id) ? await this.drifts.get(id) : null;
    if (!found) throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', `no drift record ${JSON.stringify(id.slice(0, 80))}`);
    if (found.status !== 'awaiting_approval' && found.status !== 'failed') {
      throw new ApiError(HttpStatus.CONFLICT, 'not_awaiting_approval', `drift ${id} is ${found.status}; only a drift awaiting approval (or failed) takes a human decision`);
    }
    if (found.dryRun) {
      throw new ApiError(HttpStatus.CONFLICT, 'dry_run', `drift ${id} was recorded in dry-run mode; driftwarden makes no write in dry-run`);
    }
    const principal = req.principal;
    const me = (principal?.identity ?? '').toLowerCase();
    const author = [found.principal.session, sessionNameOf(found.principal.arn), userNameOf(found.principal.arn)].filter((x): x is string => Boolean(x)).map((x) => x.toLowerCase());
    if (me && author.includes(me)) {
      throw new ApiError(HttpStatus.FORBIDDEN, 'self_approval', `${principal?.identity} made this change and cannot also decide on it; ask another operator`);
    }
    const now = this.clock();
    const at = now.toISOString();
    const approval: DriftApproval = {
      action: verb,
      by: actorOf(req),
      ...(principal?.identity ? { identity: principal.identity } : {}),
      comment,
      at,
      ...(verb === 'approve' ? { expiresAt: new Date(now.getTime() + this.config.guardrails.approvalTtlMinutes * 60_000).toISOString() } : {}),
    };
    const lastEvent = found.evidence.eventIds[found.evidence.eventIds.length - 1];
    let approvalAt: string | undefined;
    const queueFollowUp = async () => {
      if (this.config.mode !== 'enforce') return;
      const round = `${verb}-${Date.parse((approvalAt ?? at))}`;
      if (verb === 'approve') await this.producer.remediate({ driftId: id, eventId: lastEvent, round, correlationId: correlationIdOf(req) }, 0);
      if (verb === 'adopt') await this.producer.backport({ driftId: id, eventId: lastEvent, round, correlationId: correlationIdOf(req) });
    };
    // Approving again an approved drift whose revert has not started re-queues it (idempotent
    // job id), while that approval still holds. One that expired unused (even if no worker has
    // marked it lapsed yet) is replaced by this new approval, with its own approver and expiry.
    const stillValid = (a: DriftApproval) => !a.lapsedAt && (!a.expiresAt || Date.parse(a.expiresAt) > now.getTime());
    if (verb === 'approve' && found.approval?.action === 'approve' && stillValid(found.approval) && found.status === 'awaiting_approval') {
      approvalAt = found.approval.at;
      await queueFollowUp();
      await this.audit.append({ at, type: 'api.drift.approve', actor: actorOf(req), driftId: id, reason: comment, details: { identity: principal?.identity ?? null, requeued: true, approvedAt: found.approval.at } });
      return found;
    }
    const updated = await this.drifts.update(id, (d) =>
      d.updatedAt === found.updatedAt
        ? {
            next: { ...d, status: NEXT[verb], updatedAt: at, approval },
            audit: { at, type: `api.drift.${verb}`, actor: actorOf(req), driftId: id, reason: comment, details: { identity: principal?.identity ?? null } },
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
      throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'queue_unavailable', `the ${verb} is recorded but its follow-up could not be queued (${e instanceof Error ? e.message : String(e)}); send it again`);
    }
    return updated;
  }
}
