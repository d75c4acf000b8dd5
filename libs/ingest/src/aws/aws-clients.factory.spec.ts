import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchGetResourceConfigCommand } from '@aws-sdk/client-config-service';
import { TransientError } from '@driftwarden/domain';
import { mapAwsError } from '@driftwarden/aws';
import {
  createConfigServiceClient,
  createConfigServiceClientProvider,
  createS3Client,
  createSqsClient,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from './aws-clients.factory';

interface HandlerConfig {
  requestTimeout?: number;
  connectionTimeout?: number;
  throwOnRequestTimeout?: boolean;
}
/** The resolved options of the client's NodeHttpHandler (not part of the SDK's public types). */
async function handlerConfig(client: { config: { requestHandler: unknown } }): Promise<HandlerConfig> {
  return (client.config.requestHandler as { configProvider: Promise<HandlerConfig> }).configProvider;
}

describe('AWS client factories', () => {
  it('set region, request timeout (thrown, not just logged) and connection timeout', async () => {
    const client = createConfigServiceClient({ region: 'eu-west-1', requestTimeoutMs: 1234, connectionTimeoutMs: 567 });
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await handlerConfig(client)).toMatchObject({ requestTimeout: 1234, connectionTimeout: 567, throwOnRequestTimeout: true });
    expect(await handlerConfig(createS3Client({ region: 'eu-west-1' }))).toMatchObject({ requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS });
  });

  it('S3 follows region redirects (the delivery bucket may be elsewhere)', () => {
    expect(createS3Client({ region: 'eu-west-1' }).config.followRegionRedirects).toBe(true);
  });

  it('SQS: the request timeout outlasts the long poll', async () => {
    expect(await handlerConfig(createSqsClient({ region: 'eu-west-1', requestTimeoutMs: 5000, waitTimeSeconds: 20 }))).toMatchObject({
      requestTimeout: 25_000,
    });
    expect(await handlerConfig(createSqsClient({ region: 'eu-west-1', requestTimeoutMs: 60_000, waitTimeSeconds: 20 }))).toMatchObject({
      requestTimeout: 60_000,
    });
  });

  it('the Config provider builds one client per region', async () => {
    const provide = createConfigServiceClientProvider({ requestTimeoutMs: 1000 });
    const a = provide({ account: '1', region: 'eu-west-1' });
    expect(provide({ account: '2', region: 'eu-west-1' })).toBe(a);
    const b = provide({ account: '1', region: 'us-east-1' });
    expect(b).not.toBe(a);
    expect(await b.config.region()).toBe('us-east-1');
  });

  describe('against a local endpoint that never answers', () => {
    let server: Server;
    const saved = { ...process.env };
    beforeAll(async () => {
      server = createServer(() => undefined); // accepts the request, never responds
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      process.env.AWS_ENDPOINT_URL_CONFIG_SERVICE = `http://127.0.0.1:${port}`;
      process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
      process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    });
    afterAll(async () => {
      process.env = saved;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('honours AWS_ENDPOINT_URL_CONFIG_SERVICE and fails the call with a timeout, mapped to TransientError', async () => {
      const requests: string[] = [];
      server.on('request', (req) => requests.push(String(req.headers['x-amz-target'])));
      const client = createConfigServiceClient({ region: 'eu-west-1', requestTimeoutMs: 2_000, maxAttempts: 1 });
      const err = await client
        .send(new BatchGetResourceConfigCommand({ resourceKeys: [{ resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-1' }] }))
        .then(
          () => null,
          (e: unknown) => e,
        );
      client.destroy();
      expect(requests).toEqual(['StarlingDoveService.BatchGetResourceConfig']);
      const mapped = mapAwsError(err, { service: 'config', operation: 'BatchGetResourceConfig' });
      expect(mapped).toBeInstanceOf(TransientError);
      expect(mapped.code).toBe('config_timeout');
    });
  });
});

describe('createConfigServiceClientProvider: cross-account', () => {
  it('one client per account and region, each with the credentials of its account', async () => {
    const asked: string[] = [];
    const provider = createConfigServiceClientProvider({
      requestTimeoutMs: 1_000,
      credentialsFor: ({ account, region }) => {
        asked.push(`${account}/${region}`);
        return async () => ({ accessKeyId: `ASIA-${account}`, secretAccessKey: 'x', sessionToken: 't' });
      },
    });
    const a = provider({ account: '111122223333', region: 'eu-west-1' });
    const b = provider({ account: '444455556666', region: 'eu-west-1' });
    expect(a).not.toBe(b);
    expect(provider({ account: '111122223333', region: 'eu-west-1' })).toBe(a);
    expect(asked).toEqual(['111122223333/eu-west-1', '444455556666/eu-west-1']);
    expect((await a.config.credentials()).accessKeyId).toBe('ASIA-111122223333');
    expect((await b.config.credentials()).accessKeyId).toBe('ASIA-444455556666');
  });
});
