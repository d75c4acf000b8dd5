import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { parseConfigObject } from '@driftwarden/config';
import type { FreezeService } from '@driftwarden/freeze';
import { Metrics, type Logger } from '@driftwarden/observability';
import type { WorkerHost } from '../workers/worker-host.service';
import { AwsCredentialsCheck } from '../workers/aws-credentials.service';
import { HealthController } from './health.controller';
import type { ReconcileHost, ReconcileReadiness } from '../reconcile/reconcile-host.service';

/** /readyz is public: it answers with codes; the Redis client's own words go to the log only. */
describe('HealthController.readyz', () => {
  const setup = (
    ping: () => Promise<string>,
    aws: Pick<AwsCredentialsCheck, 'status'> = { status: { state: 'ok', checkedAt: '2026-12-06T00:00:00.000Z' } },
  ) => {
    const redis = { ping: jest.fn(ping) };
    const freeze: jest.Mocked<Pick<FreezeService, 'state'>> = { state: jest.fn().mockRejectedValue(new Error('not read in this test')) };
    const workers: Pick<WorkerHost, 'running'> = { running: { workers: 0, expected: 0, sqs: null } };
    const logger: jest.Mocked<Pick<Logger, 'warn'>> = { warn: jest.fn() };
    const config = parseConfigObject({}, { env: {} });
    const reconcile: Pick<ReconcileHost, 'readiness'> = {
      readiness: jest.fn((): Promise<ReconcileReadiness> =>
        Promise.resolve({
          enabled: true,
          intervalMinutes: 60,
          last: {
            sweepId: 's1',
            startedAt: '2026-12-06T00:00:00.000Z',
            completedAt: '2026-12-06T00:00:02.000Z',
            durationMs: 2000,
            checked: 10,
            fed: 1,
            errors: 0,
            outcome: 'ok',
          },
        }),
      ),
    };
    const controller = new HealthController(
      redis as unknown as Redis,
      config,
      ['api'],
      workers as WorkerHost,
      new Metrics(false),
      freeze as unknown as FreezeService,
      logger as unknown as Logger,
      aws as AwsCredentialsCheck,
      reconcile as ReconcileHost,
      () => new Date('2026-12-06T00:30:00.000Z'),
    );
    let status = 0;
    let body: unknown;
    const res = { status: (s: number) => ((status = s), res), json: (b: unknown) => ((body = b), res) } as unknown as Response;
    return { controller, res, logger, result: () => ({ status, body }) };
  };

  it('answers 503 with the code redis_unavailable, and logs the client error text', async () => {
    const { controller, res, logger, result } = setup(() =>
      Promise.reject(new Error('connect ECONNREFUSED 10.20.30.40:6379 (redis.internal.example.com)')),
    );
    await controller.readyz(res);
    const { status, body } = result();
    expect(status).toBe(503);
    expect(body).toMatchObject({ ready: false, redis: { ok: false, error: 'redis_unavailable' } });
    expect(JSON.stringify(body)).not.toContain('10.20.30.40');
    expect(logger.warn).toHaveBeenCalledWith({ err: { message: expect.stringContaining('10.20.30.40') } }, expect.any(String));
  });

  it('says when there are no AWS credentials (a configuration error), without failing readiness', async () => {
    const { controller, res, result } = setup(() => Promise.resolve('PONG'), {
      status: { state: 'missing', checkedAt: '2026-12-06T00:00:00.000Z' },
    });
    await controller.readyz(res);
    expect(result()).toMatchObject({
      status: 200,
      body: { ready: true, aws: { credentials: 'missing', error: 'aws_credentials_missing' } },
    });
  });

  it("reports the reconciling sweep's last completion in the body, without it deciding readiness", async () => {
    const { controller, res, result } = setup(() => Promise.resolve('PONG'));
    await controller.readyz(res);
    expect(result()).toMatchObject({
      status: 200,
      body: { ready: true, reconcile: { enabled: true, intervalMinutes: 60, last: { completedAt: '2026-12-06T00:00:02.000Z', fed: 1 } } },
    });
  });

  it('the start-up check: no credentials anywhere is "missing", said once at error level with the fix', async () => {
    const logger = { error: jest.fn(), warn: jest.fn() };
    const none = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    const check = new AwsCredentialsCheck(logger as unknown as Logger, () => Promise.reject(none));
    check.onApplicationBootstrap();
    await check.settled();
    expect(check.status.state).toBe('missing');
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0][1]).toMatch(/no AWS credentials found .* Set AWS_PROFILE/);
    const ok = new AwsCredentialsCheck(logger as unknown as Logger, () => Promise.resolve({ accessKeyId: 'x' }));
    ok.onApplicationBootstrap();
    await ok.settled();
    expect(ok.status.state).toBe('ok');
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('answers 200 with no error when Redis answers', async () => {
    const { controller, res, result } = setup(() => Promise.resolve('PONG'));
    await controller.readyz(res);
    expect(result()).toMatchObject({ status: 200, body: { ready: true, redis: { ok: true } } });
    expect((result().body as { redis: object }).redis).not.toHaveProperty('error');
  });
});
