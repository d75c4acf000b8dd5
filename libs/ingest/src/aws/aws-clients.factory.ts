/**
 * Builds the SDK clients this library's adapters take as constructor parameters (use these from a
 * Nest factory provider). Endpoints come from the SDK itself: it honours AWS_ENDPOINT_URL,
 * AWS_ENDPOINT_URL_CONFIG_SERVICE, AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_SQS. Credentials come
 * from the default provider chain.
 */
import { ConfigServiceClient, type ConfigServiceClientConfig } from '@aws-sdk/client-config-service';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ConfigServiceClientProvider } from '../config-service/config-item-fetcher.adapter';

export interface AwsClientOptions {
  region: string;
  /** Whole request + response, in ms (default 10 000); a breach fails the call with a TimeoutError. */
  requestTimeoutMs?: number;
  /** TCP connect timeout, in ms (default 3 000). */
  connectionTimeoutMs?: number;
  /** SDK attempts per call including the first (default 3). */
  maxAttempts?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;

function common(opts: AwsClientOptions, requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) {
  return {
    region: opts.region,
    maxAttempts: opts.maxAttempts ?? 3,
    requestHandler: {
      requestTimeout: requestTimeoutMs,
      // Without this the SDK only logs a warning when requestTimeout is exceeded.
      throwOnRequestTimeout: true,
      connectionTimeout: opts.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    },
  };
}

export function createConfigServiceClient(opts: AwsClientOptions): ConfigServiceClient {
  return new ConfigServiceClient(common(opts));
}

/**
 * One Config client per region, built on first use (Config is a regional API); with
 * `credentialsFor` (cross-account: the role assumed in the resource's account, which then needs
 * `config:BatchGetResourceConfig`), one per account and region.
 */
export function createConfigServiceClientProvider(
  opts: Omit<AwsClientOptions, 'region'> & {
    credentialsFor?: (location: { account: string; region: string }) => NonNullable<ConfigServiceClientConfig['credentials']>;
  },
): ConfigServiceClientProvider {
  const { credentialsFor, ...rest } = opts;
  const clients = new Map<string, ConfigServiceClient>();
  return ({ account, region }) => {
    const key = credentialsFor ? `${account}/${region}` : region;
    let client = clients.get(key);
    if (!client) {
      client = credentialsFor
        ? new ConfigServiceClient({ ...common({ ...rest, region }), credentials: credentialsFor({ account, region }) })
        : createConfigServiceClient({ ...rest, region });
      clients.set(key, client);
    }
    return client;
  };
}

/** `followRegionRedirects`: the Config delivery bucket may live in another region than `region`. */
export function createS3Client(opts: AwsClientOptions): S3Client {
  return new S3Client({ ...common(opts), followRegionRedirects: true });
}

/**
 * The request timeout must outlast the long poll, or every empty receive would time out:
 * it is raised to `waitTimeSeconds` + 5 s when shorter.
 */
export function createSqsClient(opts: AwsClientOptions & { waitTimeSeconds?: number }): SQSClient {
  const longPollMs = ((opts.waitTimeSeconds ?? 20) + 5) * 1000;
  return new SQSClient(common(opts, Math.max(opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, longPollMs)));
}
