import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { z } from 'zod';
import { ApiError, RequireRole } from '@driftwarden/auth';
import { arnProblem, parseDuration, resourceIdProblem } from '@driftwarden/domain';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { ActiveLimitError } from '@driftwarden/store';
import { ExceptionsStore, type ResourceException } from '@driftwarden/exceptions';
import { CLOCK } from '../core/tokens';
import { activeLimitReached, parseBody } from './body';
import { QueryReader } from './query';
import { actorOf, type ApiRequest } from './request-context';

const RESOURCE_EXPECTED = 'expected a resource id (as AWS Config names it) or an ARN';

/** A resource id of any kind (the safe form every AWS id has), or an ARN with a 12-digit account (matched against the resource's ARN). */
const exceptionResource = z.string().superRefine((v, ctx) => {
  if (!v.startsWith('arn:')) {
    const idProblem = resourceIdProblem('', v);
    if (idProblem) ctx.addIssue({ code: 'custom', message: `${RESOURCE_EXPECTED}: ${idProblem}` });
    return;
  }
  const problem = arnProblem(v) ?? (/^arn:[^:]+:[^:]+:[^:]*:\d{12}:/.test(v) ? null : 'expected an ARN with a 12-digit account id');
  if (problem) ctx.addIssue({ code: 'custom', message: `${RESOURCE_EXPECTED}: ${problem}` });
});

const exceptionBody = z
  .strictObject({
    resource: exceptionResource,
    reason: z.string().trim().min(1, 'a reason is required').max(500),
    until: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 time such as 2026-12-01T00:00:00Z' }).optional(),
    ttl: z.string().optional(),
  })
  .refine((b) => (b.until === undefined) !== (b.ttl === undefined), { message: 'give exactly one of until or ttl', path: ['until'] });

const EXCEPTION_STATUSES = ['active', 'expired', 'removed', 'all'] as const;

@Controller('v1/exceptions')
export class ExceptionsController {
  constructor(
    private readonly exceptions: ExceptionsStore,
    @Inject(CLOCK) private readonly clock: () => Date,
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
  ) {}

  /**
   * Newest first. `status`: `active` (default), `expired`, `removed` or `all`; `resource`: the
   * id or ARN the exception names (an ARN's resource id matches too); `account`: the account of
   * an ARN (an exception by bare id names no account and never matches).
   */
  @Get()
  @RequireRole('viewer')
  async list(@Query() query: Record<string, unknown>): Promise<{ items: ResourceException[]; next: string | null }> {
    const q = new QueryReader(query);
    const status = q.oneOf('status', EXCEPTION_STATUSES) ?? 'active';
    const resource = q.string('resource', { pattern: /^[\w:/.-]{1,300}$/, expected: 'a resource id or an ARN' });
    const account = q.string('account', { pattern: /^\d{12}$/, expected: 'a 12-digit account id' });
    const limit = q.int('limit', 50, 1, 500);
    const cursor = q.string('cursor', { pattern: /^exc_[a-z0-9]{1,40}$/, expected: 'the "next" value of the previous page' });
    q.done();
    const now = this.clock().getTime();
    const statusOf = (e: ResourceException) => (e.deletedAt ? 'removed' : Date.parse(e.until) > now ? 'active' : 'expired');
    const matching = (await this.exceptions.all()).filter(
      (e) =>
        (status === 'all' || statusOf(e) === status) &&
        (!resource || e.resource === resource || e.resource.endsWith(`/${resource}`)) &&
        (!account || e.resource.split(':')[4] === account),
    );
    const from = cursor ? matching.findIndex((e) => e.id === cursor) + 1 : 0;
    if (cursor && from === 0) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'invalid cursor', [
        { path: 'query.cursor', message: `no exception ${cursor} in this listing: pass the "next" value of the previous page unchanged` },
      ]);
    }
    const items = matching.slice(from, from + limit);
    return { items, next: from + limit < matching.length ? items[items.length - 1].id : null };
  }

  @Post()
  @RequireRole('operator')
  @HttpCode(HttpStatus.CREATED)
  async create(@Body() body: unknown, @Req() req: ApiRequest): Promise<ResourceException> {
    const input = parseBody(exceptionBody, body);
    const now = this.clock();
    let until: Date;
    try {
      until = input.until ? new Date(input.until) : new Date(now.getTime() + parseDuration(input.ttl as string));
    } catch (e) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'invalid ttl', [
        { path: 'ttl', message: e instanceof Error ? e.message : String(e) },
      ]);
    }
    if (until.getTime() <= now.getTime() && !Number.isNaN(until.getTime())) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'the exception would already have expired', [
        { path: 'until', message: `expected a time after ${now.toISOString()}` },
      ]);
    }
    const maxDays = this.config.guardrails.maxExceptionDays;
    // A ttl too large for a date (99999999999d) is too long too.
    if (!(until.getTime() - now.getTime() <= maxDays * 86_400_000)) {
      const latest = new Date(now.getTime() + maxDays * 86_400_000).toISOString();
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'the exception would last too long', [
        {
          path: input.until ? 'until' : 'ttl',
          message: `an exception lasts at most ${maxDays} days (guardrails.maxExceptionDays): expected ${input.until ? `a time until ${latest}` : `a ttl of at most ${maxDays}d`}, got ${input.until ?? input.ttl}`,
        },
      ]);
    }
    return this.exceptions
      .create({
        resource: input.resource,
        reason: input.reason,
        until,
        actor: actorOf(req),
        now,
        maxActive: this.config.guardrails.maxActiveExceptions,
      })
      .catch((e: unknown) => {
        throw e instanceof ActiveLimitError
          ? activeLimitReached(
              'exceptions',
              'guardrails.maxActiveExceptions',
              e,
              'remove one (DELETE /v1/exceptions/:id) or wait for one to lapse',
            )
          : e;
      });
  }

  @Delete(':id')
  @RequireRole('operator')
  async remove(@Param('id') id: string, @Req() req: ApiRequest): Promise<ResourceException> {
    const removed = /^exc_[a-z0-9]{1,40}$/.test(id) ? await this.exceptions.remove(id, actorOf(req), this.clock()) : null;
    if (!removed) throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', `no exception ${JSON.stringify(id.slice(0, 80))}`);
    return removed;
  }
}
