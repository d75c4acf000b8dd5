import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type express from 'express';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { DriftwardenRuntime } from '@driftwarden/config';
import { Metrics, createLogger, redactRequest, type Logger } from '@driftwarden/observability';
import { isNotInstalled } from '@driftwarden/pipeline';
import { createRedis, waitForRedis } from '@driftwarden/redis';
import { AppModule } from './app.module';
import type { PortOverrides } from './core/port-overrides';
import { freezeSettings } from './core/settings';
import { WorkerHost } from './workers/worker-host.service';
import { PolicyLoadError, loadPolicies } from './policy/policy.module';

export interface StartOptions {
  runtime: DriftwardenRuntime;
  overrides?: PortOverrides;
  logger?: Logger;
  clock?: () => Date;
  /** Listen on this port (0 = any free port); defaults to config api.port. */
  port?: number;
  host?: string;
  /** How long to wait for Redis at start-up before failing (default 5 s). */
  redisTimeoutMs?: number;
}

export interface RunningController {
  app: NestExpressApplication;
  url: string;
  port: number;
  workers: WorkerHost;
  close(): Promise<void>;
}

/** Lists the capabilities still served by a "not installed" adapter. */
export function missingCapabilities(overrides: PortOverrides, config: DriftwardenRuntime['config']): string[] {
  const missing: string[] = [];
  const backport = overrides.backport;
  if (backport ? isNotInstalled(backport) : !config.github) missing.push('backport (configure github: backport pull requests need it)');
  return missing;
}

export class StartupError extends Error {}

/**
 * Builds and starts the controller: HTTP API, workers and scheduler per `DRIFTWARDEN_ROLES`.
 * Fails fast with one clear message when the configuration cannot run safely.
 */
export async function startController(opts: StartOptions): Promise<RunningController> {
  const { runtime } = opts;
  const overrides = opts.overrides ?? {};
  if (runtime.config.mode === 'enforce') {
    const missing = missingCapabilities(overrides, runtime.config);
    if (missing.length > 0) {
      throw new StartupError(
        `refusing to start in enforce mode: these capabilities are not installed yet: ${missing.join(', ')}. ` +
          'Run with `mode: dry-run` to see decisions without any cloud or GitHub write.',
      );
    }
  }
  const logger = opts.logger ?? createLogger(runtime.logLevel);
  // Policies (policies.files) are checked before anything connects: a broken file stops start-up with its file and line.
  let policies;
  try {
    policies = loadPolicies(runtime.config.policies, logger);
  } catch (e) {
    if (e instanceof PolicyLoadError) throw new StartupError(e.message, { cause: e });
    throw e;
  }
  const probe = createRedis({ url: runtime.config.redis.url, cluster: runtime.config.redis.cluster, name: 'driftwarden:probe' });
  probe.on('error', () => undefined);
  try {
    await waitForRedis(probe, runtime.config.redis.url, opts.redisTimeoutMs ?? 5_000);
  } catch (e) {
    throw new StartupError(`${e instanceof Error ? e.message : String(e)}: set redis.url or REDIS_URL to a reachable Redis`);
  } finally {
    probe.disconnect();
  }
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ runtime, logger, overrides, clock: opts.clock, metrics: new Metrics(), policies }),
    { bodyParser: false, logger: ['error', 'warn'], abortOnError: false },
  );
  // No framework banner (X-Powered-By: Express); the client address for the failed-auth limit.
  app.disable('x-powered-by');
  app.set('trust proxy', runtime.config.api.trustProxy);
  app.use((req: express.Request & { id?: string }, res: express.Response, next: express.NextFunction) => {
    const given = req.headers['x-request-id'];
    req.id = typeof given === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    next();
  });
  // One JSON log line per request, with the request id as correlation id (secrets redacted by the logger).
  app.use(
    pinoHttp({
      logger,
      genReqId: (req) => (req as express.Request & { id?: string }).id ?? randomUUID(),
      customProps: (req) => ({ correlationId: (req as express.Request & { id?: string }).id }),
      // Query values of credential-like parameters (?access_token=, ?X-Amz-Signature=) are never logged.
      serializers: { req: redactRequest },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );
  // Request bodies are read after authentication, by BodyParserInterceptor (app.module.ts).
  app.enableShutdownHooks();
  const port = opts.port ?? runtime.config.api.port;
  await app.listen(port, opts.host ?? '0.0.0.0');
  const address = app.getHttpServer().address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  logger.info({ port: actualPort, mode: runtime.config.mode, roles: runtime.roles }, 'driftwarden controller started');
  if (freezeSettings(runtime.config).providers.length === 0) {
    logger.warn(
      'no incident source configured (incidents.pagerduty / opsgenie / jsm / incidentio / webhook): incidents will not freeze auto-heal',
    );
  }
  return {
    app,
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    workers: app.get(WorkerHost),
    close: async () => {
      await app.close();
    },
  };
}
