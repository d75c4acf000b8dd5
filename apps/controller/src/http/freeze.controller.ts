import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { z } from 'zod';
import { ApiError, RequireRole } from '@driftwarden/auth';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import {
  ACCOUNT_ID_EXPECTED,
  ACCOUNT_ID_PATTERN,
  REGION_EXPECTED,
  REGION_PATTERN,
  formatDuration,
  parseDuration,
} from '@driftwarden/domain';
import { FreezeService, FreezeStore } from '@driftwarden/freeze';
import { ActiveLimitError } from '@driftwarden/store';
import { CLOCK } from '../core/tokens';
import { activeLimitReached, parseBody, scopeField } from './body';
import { withScope, freezeView, type ApiFreezeSource } from './freeze-view';
import { QueryReader } from './query';
import { actorOf, type ApiRequest } from './request-context';

const duration = z.string().refine((s) => {
  try {
    parseDuration(s);
    return true;
  } catch {
    return false;
  }
}, 'expected a duration such as 90s, 30m, 2h or 1d');

const freezeBody = z.strictObject({
  reason: z.string().trim().min(1, 'a reason is required').max(500),
  ttl: duration,
  scope: scopeField.optional(),
});

@Controller('v1')
export class FreezeController {
  constructor(
    private readonly freeze: FreezeService,
    private readonly store: FreezeStore,
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(CLOCK) private readonly clock: () => Date,
  ) {}

  /** The effective freeze with every active source, and provider freshness. */
  @Get('freeze')
  @RequireRole('viewer')
  async get(@Query() query: Record<string, unknown>) {
    const q = new QueryReader(query);
    const account = q.string('account', { pattern: ACCOUNT_ID_PATTERN, expected: ACCOUNT_ID_EXPECTED });
    const region = q.string('region', { pattern: REGION_PATTERN, expected: REGION_EXPECTED });
    q.done();
    this.freeze.invalidate();
    return freezeView(await this.freeze.state(), this.config, this.clock(), { account, region });
  }

  /** A manual freeze: reason and TTL required. */
  @Post('freezes')
  @RequireRole('operator')
  @HttpCode(HttpStatus.CREATED)
  async create(@Body() body: unknown, @Req() req: ApiRequest): Promise<ApiFreezeSource> {
    const input = parseBody(freezeBody, body);
    const ttlMs = parseDuration(input.ttl);
    if (ttlMs <= 0 || ttlMs > this.config.freeze.maxTtlMs) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'invalid ttl', [
        { path: 'ttl', message: `expected a TTL from 1s to ${this.config.freeze.maxTtl} (freeze.maxTtl), got ${input.ttl}` },
      ]);
    }
    const f = await this.store
      .createManual({
        reason: input.reason,
        ttlMs,
        ...(input.scope ? { scope: input.scope } : {}),
        actor: actorOf(req),
        now: this.clock(),
        maxActive: this.config.freeze.maxActive,
      })
      .catch((e: unknown) => {
        throw e instanceof ActiveLimitError
          ? activeLimitReached('manual freezes', 'freeze.maxActive', e, 'lift one (DELETE /v1/freezes/:id) or wait for one to expire')
          : e;
      });
    this.freeze.invalidate();
    return withScope({
      id: f.id,
      type: 'manual',
      reason: f.reason,
      ...(f.scope ? { scope: f.scope } : {}),
      since: f.since,
      until: f.until,
      actor: f.actor,
    });
  }

  @Delete('freezes/:id')
  @RequireRole('operator')
  async lift(@Param('id') id: string, @Req() req: ApiRequest): Promise<ApiFreezeSource> {
    if (/^(inc|cool)_/.test(id)) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'incident_freeze',
        `${id} is an incident freeze: it ends when the incident resolves (then the cooldown passes). An admin may create a time-boxed override (POST /v1/freeze/overrides, at most ${this.config.freeze.maxOverrideTtl}).`,
      );
    }
    if (id.startsWith('win_')) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'window_freeze',
        `${id} is a configured change window (freezeWindows): it ends with the window`,
      );
    }
    if (id.startsWith('unk_')) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'unknown_freeze',
        `${id} means an incident provider is failing or stale: it ends when fresh, successful data arrives`,
      );
    }
    const lifted = /^frz_[a-z0-9]{1,40}$/.test(id) ? await this.store.liftManual(id, actorOf(req), this.clock()) : null;
    if (!lifted) throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', `no manual freeze ${JSON.stringify(id.slice(0, 80))}`);
    this.freeze.invalidate();
    return withScope({
      id: lifted.id,
      type: 'manual',
      reason: lifted.reason,
      ...(lifted.scope ? { scope: lifted.scope } : {}),
      since: lifted.since,
      until: lifted.liftedAt ?? lifted.until,
      actor: lifted.actor,
    });
  }

  /** Admin: a time-boxed override of incident freezes (at most 1 h), audited. */
  @Post('freeze/overrides')
  @RequireRole('admin')
  @HttpCode(HttpStatus.CREATED)
  async override(@Body() body: unknown, @Req() req: ApiRequest) {
    const input = parseBody(freezeBody, body);
    const ttlMs = parseDuration(input.ttl);
    if (ttlMs <= 0 || ttlMs > this.config.freeze.maxOverrideTtlMs) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'invalid ttl', [
        { path: 'ttl', message: `an override lasts at most ${formatDuration(this.config.freeze.maxOverrideTtlMs)}, got ${input.ttl}` },
      ]);
    }
    const o = await this.store
      .createOverride({
        reason: input.reason,
        ttlMs,
        ...(input.scope ? { scope: input.scope } : {}),
        actor: actorOf(req),
        now: this.clock(),
        maxActive: this.config.freeze.maxActiveOverrides,
      })
      .catch((e: unknown) => {
        throw e instanceof ActiveLimitError
          ? activeLimitReached('overrides', 'freeze.maxActiveOverrides', e, 'wait for one to end (an override lasts at most 1 h)')
          : e;
      });
    this.freeze.invalidate();
    return { ...o, scope: o.scope ?? null, type: 'override' };
  }
}
