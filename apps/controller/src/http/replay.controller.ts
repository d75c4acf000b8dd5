import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Req } from '@nestjs/common';
import { z } from 'zod';
import { RequireRole } from '@driftwarden/auth';
import { countReplay, resourceKey } from '@driftwarden/domain';
import { JobProducer } from '@driftwarden/queue';
import { AuditLog, DriftStore, ItemLedger } from '@driftwarden/store';
import { CLOCK } from '../core/tokens';
import { parseBody } from './body';
import { actorOf, correlationIdOf, type ApiRequest } from './request-context';

const replayBody = z.strictObject({ limit: z.int().min(1).max(1000).optional() }).optional();

export interface ReplayFailedAnswer {
  requeued: { driftId: string; eventId: string }[];
  skipped: { driftId: string; reason: string }[];
}

/**
 * `driftwarden replay --failed` (issue 11 §1): evaluations that failed for good left a `failed`
 * record with their item; this decides those items again (each put back among its resource's
 * pending items, one evaluation queued per resource). Operator, audited.
 */
@Controller('v1/replay')
export class ReplayController {
  constructor(
    private readonly drifts: DriftStore,
    private readonly ledger: ItemLedger,
    private readonly producer: JobProducer,
    private readonly audit: AuditLog,
    @Inject(CLOCK) private readonly clock: () => Date,
  ) {}

  @Post('failed')
  @RequireRole('operator')
  @HttpCode(HttpStatus.OK)
  async failed(@Body() body: unknown, @Req() req: ApiRequest): Promise<ReplayFailedAnswer> {
    const limit = parseBody(replayBody, body ?? undefined)?.limit ?? 100;
    const answer: ReplayFailedAnswer = { requeued: [], skipped: [] };
    let cursor: string | null = null;
    const jobs = new Map<string, string>();
    do {
      const page = await this.drifts.list({ status: 'failed', limit: 200, cursor });
      for (const d of page.items) {
        if (answer.requeued.length + answer.skipped.length >= limit) break;
        if (d.failure?.stage !== 'evaluate') continue;
        const eventId = d.failure.eventId;
        if (!eventId) {
          answer.skipped.push({ driftId: d.id, reason: 'the failed evaluation had no item' });
          continue;
        }
        const rk = resourceKey(d.resource);
        if (!(await this.ledger.requeue(rk, eventId))) {
          answer.skipped.push({ driftId: d.id, reason: `item ${eventId} is no longer kept, or was decided since` });
          continue;
        }
        const at = this.clock().toISOString();
        await this.drifts.update(d.id, (cur) => {
          const next = countReplay(cur, at);
          return next ? { next, audit: null } : null;
        });
        jobs.set(rk, d.id);
        answer.requeued.push({ driftId: d.id, eventId });
      }
      cursor = page.next;
    } while (cursor && answer.requeued.length + answer.skipped.length < limit);
    const correlationId = correlationIdOf(req);
    await this.producer.evaluate([...jobs.keys()].map((rk) => ({ resourceKey: rk, trigger: 'retry' as const, correlationId })));
    await this.audit.append({
      at: this.clock().toISOString(),
      type: 'api.replay.failed',
      actor: actorOf(req),
      correlationId,
      reason: `${answer.requeued.length} failed evaluation(s) decided again, ${answer.skipped.length} skipped`,
      details: { requeued: answer.requeued.map((r) => r.driftId), skipped: answer.skipped.map((s) => s.driftId) },
    });
    return answer;
  }
}
