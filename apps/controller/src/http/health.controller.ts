import { Controller, Get, Header, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { RequireRole } from '@driftwarden/auth';
import { DRIFTWARDEN_CONFIG, DRIFTWARDEN_ROLES, type DriftwardenConfig, type Role } from '@driftwarden/config';
import { Metrics, type Logger } from '@driftwarden/observability';
import { FreezeService, stalenessLimitMs } from '@driftwarden/freeze';
import { freezeSettings } from '../core/settings';
import { CLOCK, LOGGER, REDIS } from '../core/tokens';
import { ReconcileHost } from '../reconcile/reconcile-host.service';
import { OPENAPI } from './openapi';
import { WorkerHost } from '../workers/worker-host.service';
import { AwsCredentialsCheck } from '../workers/aws-credentials.service';

@Controller()
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(DRIFTWARDEN_ROLES) private readonly roles: Role[],
    private readonly workers: WorkerHost,
    private readonly metrics: Metrics,
    private readonly freeze: FreezeService,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly aws: AwsCredentialsCheck,
    private readonly reconcile: ReconcileHost,
    @Inject(CLOCK) private readonly clock: () => Date,
  ) {}

  /** Liveness only: the process answers. */
  @Get('healthz')
  @RequireRole('public')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: fails only when Redis or the workers are down. Incident-provider freshness is
   * reported in the body: a provider outage freezes auto-heal, it must not take the API (and
   * with it the freeze toggle) out of service.
   */
  @Get('readyz')
  @RequireRole('public')
  async readyz(@Res() res: Response): Promise<void> {
    // A public endpoint answers with codes; the client's own words (hosts, addresses) go to the log.
    let redisOk = false;
    let redisError: string | undefined;
    try {
      redisOk = (await withTimeout(this.redis.ping(), 1_000)) === 'PONG';
      if (!redisOk) redisError = 'redis_unavailable';
    } catch (e) {
      redisError = 'redis_unavailable';
      this.logger.warn({ err: { message: e instanceof Error ? e.message : String(e) } }, 'readiness: Redis did not answer PING');
    }
    const w = this.workers.running;
    const workersOk = w.workers >= w.expected && (w.sqs === null || w.sqs);
    const ready = redisOk && workersOk;
    const providers: Record<string, unknown> = {};
    const state = redisOk ? await this.freeze.state().catch(() => null) : null;
    const settings = freezeSettings(this.config);
    if (settings.providers.length === 0) {
      providers['note'] = 'no incident source configured: auto-heal is not frozen by incidents';
    } else {
      // Freshness is reported, never a reason to fail readiness: a provider outage freezes.
      for (const p of settings.providers) {
        const maxAge = stalenessLimitMs(settings, p);
        const snap = state?.providers.find((s) => s.provider === p);
        const fresh = Boolean(snap?.ok && snap.fetchedAt && Date.now() - Date.parse(snap.fetchedAt) <= maxAge);
        // A push-only source (a generic webhook) is not polled: it is stale when it has been
        // silent (no incident, no heartbeat) for longer than its maxStalenessSeconds.
        const push = p.startsWith('webhook.');
        const error = !snap ? 'no_data_yet' : !snap.ok ? 'poll_failed' : push && !fresh ? 'stale' : undefined;
        // The provider's error text stays behind authentication (GET /v1/freeze) and in the log.
        providers[p] = {
          ok: Boolean(snap?.ok),
          fresh,
          fetchedAt: snap?.fetchedAt ?? null,
          ...(push ? { push: true, maxStalenessSeconds: maxAge / 1000 } : {}),
          ...(error ? { error } : {}),
        };
      }
    }
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({
      ready,
      mode: this.config.mode,
      roles: this.roles,
      redis: { ok: redisOk, ...(redisError ? { error: redisError } : {}) },
      workers: { ok: workersOk, running: w.workers, expected: w.expected, ...(w.sqs === null ? {} : { sqs: w.sqs }) },
      providers,
      // Reported, not a reason to fail readiness: without credentials decisions still go ahead.
      aws: { credentials: this.aws.status.state, ...(this.aws.status.state === 'missing' ? { error: 'aws_credentials_missing' } : {}) },
      // Reported, not a reason to fail readiness: the reconciling sweep's progress and last completion.
      ...(redisOk ? { reconcile: await this.reconcile.readiness(this.clock()).catch(() => ({ error: 'status_unavailable' })) } : {}),
      // Reported, not a reason to fail readiness: while the state is rebuilt, auto-heal is frozen.
      ...(state ? { state: state.rebuild ? { rebuilt: false, rebuildingSince: state.rebuild.since } : { rebuilt: true } } : {}),
    });
  }

  /** The OpenAPI description of the v1 API. */
  @Get('docs')
  @RequireRole('public')
  docs(): typeof OPENAPI {
    return OPENAPI;
  }

  @Get('metrics')
  @RequireRole('public')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
