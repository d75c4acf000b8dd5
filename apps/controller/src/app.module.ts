import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { AuthFailureLimiter, BearerAuthGuard, TokenRegistry } from '@driftwarden/auth';
import { ConfigModule, DRIFTWARDEN_CONFIG, type DriftwardenConfig, type DriftwardenRuntime } from '@driftwarden/config';
import { Metrics, type Logger } from '@driftwarden/observability';
import { NoPolicies, type PolicyPort } from '@driftwarden/pipeline';
import { CoreModule } from './core/core.module';
import type { PortOverrides } from './core/port-overrides';
import { LOGGER } from './core/tokens';
import { ConsoleModule } from './console/console.module';
import { SlackModule } from './slack/slack.module';
import { KindsCodeModule } from './kinds-code/kinds-code.module';
import { ReconcileModule } from './reconcile/reconcile.module';
import { AuditModule } from './audit/audit.module';
import { PolicyModule } from './policy/policy.module';
import { ApiErrorFilter } from './http/api-error.filter';
import { BodyParserInterceptor } from './http/body-parser.interceptor';
import { AuditController } from './http/audit.controller';
import { DriftsController } from './http/drifts.controller';
import { EventsController } from './http/events.controller';
import { FreezeController } from './http/freeze.controller';
import { WebhooksController } from './http/webhooks.controller';
import { IncidentWebhooksController } from './http/incident-webhooks.controller';
import { ApprovalsController } from './http/approvals.controller';
import { ExceptionsController } from './http/exceptions.controller';
import { ReplayController } from './http/replay.controller';
import { FreezeListener } from './workers/freeze-listener.service';
import { RetentionSweep } from './workers/retention-sweep.service';
import { SchedulerHost } from './workers/scheduler-host.service';
import { StateRebuild } from './workers/state-rebuild.service';
import { HealthController } from './http/health.controller';
import { WorkerHost } from './workers/worker-host.service';
import { NotificationsHost } from './workers/notifications-host.service';
import { BackportExpiryHost } from './workers/backport-expiry-host.service';
import { IncidentNotesHost } from './workers/incident-notes-host.service';
import {
  AWS_CREDENTIALS_RESOLVER,
  AwsCredentialsCheck,
  defaultCredentialsResolver,
  type CredentialsResolver,
} from './workers/aws-credentials.service';

export interface AppOptions {
  runtime: DriftwardenRuntime;
  logger: Logger;
  overrides?: PortOverrides;
  clock?: () => Date;
  metrics?: Metrics;
  /** How AWS credentials are found (default: the SDK's provider chain). */
  awsCredentials?: CredentialsResolver;
  /** The loaded policies (`policies.files`, loaded by bootstrap); default: none. */
  policies?: PolicyPort;
}

@Module({})
export class AppModule {
  static forRoot(opts: AppOptions): DynamicModule {
    const api = opts.runtime.roles.includes('api');
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(opts.runtime),
        CoreModule.forRoot({ overrides: opts.overrides ?? {}, logger: opts.logger, clock: opts.clock, metrics: opts.metrics }),
        // The web console at /ui/, GET /v1/me and the live freeze stream (role `api`).
        ...(api ? [ConsoleModule] : []),
        // Slack approvals (notifications.slack): the notifier, and POST /v1/slack/actions in role `api`.
        SlackModule.forRoot({ api }),
        // The stacks' Terraform code for the resource kinds (lifecycle.ignore_changes), read through GitHub.
        KindsCodeModule,
        // The reconciling sweep (reconcile.intervalMinutes): finds drift whose event was lost.
        ReconcileModule,
        // Tamper-evident audit, durable export, evidence bundles (README "Evidence that survives").
        AuditModule.forRoot({ api }),
        // Guardrails as policy (policies.files): Cedar, asked after the decision table, stricter only.
        PolicyModule.forRoot(opts.policies ?? new NoPolicies()),
      ],
      // Health endpoints are served in every role; the v1 API only in role `api`.
      controllers: [
        HealthController,
        ...(api
          ? [
              EventsController,
              DriftsController,
              AuditController,
              FreezeController,
              WebhooksController,
              IncidentWebhooksController,
              ApprovalsController,
              ExceptionsController,
              ReplayController,
            ]
          : []),
      ],
      providers: [
        { provide: AWS_CREDENTIALS_RESOLVER, useValue: opts.awsCredentials ?? defaultCredentialsResolver() },
        AwsCredentialsCheck,
        StateRebuild,
        WorkerHost,
        NotificationsHost,
        IncidentNotesHost,
        FreezeListener,
        RetentionSweep,
        SchedulerHost,
        BackportExpiryHost,
        {
          provide: APP_GUARD,
          inject: [Reflector, TokenRegistry, DRIFTWARDEN_CONFIG, Metrics, LOGGER],
          useFactory: (r: Reflector, t: TokenRegistry, c: DriftwardenConfig, m: Metrics, l: Logger) =>
            new BearerAuthGuard(r, t, {
              limiter: new AuthFailureLimiter({
                maxFailures: c.api.authFailureLimit.maxFailures,
                windowMs: c.api.authFailureLimit.windowSeconds * 1000,
              }),
              onFailure: (reason) => m.authFailures.inc({ reason }),
              onLimited: (client) =>
                l.warn(
                  { client, limit: c.api.authFailureLimit },
                  'too many failed authentications: this client gets 429 until its window ends (api.authFailureLimit)',
                ),
            }),
        },
        // Bodies are read after the guard has authenticated the caller.
        {
          provide: APP_INTERCEPTOR,
          inject: [Reflector, DRIFTWARDEN_CONFIG],
          useFactory: (r: Reflector, c: DriftwardenConfig) => new BodyParserInterceptor(r, c.api.maxBodyBytes),
        },
        { provide: APP_FILTER, inject: [LOGGER], useFactory: (l: Logger) => new ApiErrorFilter(l) },
      ],
    };
  }
}
