/**
 * The S3 clients the bucket executor takes: one per region (per account and region when
 * cross-account), with request and connect timeouts. The endpoint comes from the SDK (it honours
 * AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3: the sandbox's in tests and the demo).
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { CredentialsFor } from '@driftwarden/ec2';
import type { S3ClientProvider } from './executor/s3-bucket-remediation.adapter';

export function createS3BucketClientProvider(opts: {
  requestTimeoutMs: number;
  connectionTimeoutMs?: number;
  credentialsFor?: CredentialsFor;
  /** Attempts per call (the SDK's retries); default 3. */
  maxAttempts?: number;
}): S3ClientProvider & { destroy(): void } {
  const clients = new Map<string, S3Client>();
  const provider = ({ account, region }: { account: string; region: string }): S3Client => {
    const key = opts.credentialsFor ? `${account}/${region}` : region;
    let client = clients.get(key);
    if (!client) {
      client = new S3Client({
        region,
        maxAttempts: opts.maxAttempts ?? 3,
        // Buckets may be reached from another region than the one in the item.
        followRegionRedirects: true,
        requestHandler: {
          requestTimeout: opts.requestTimeoutMs,
          throwOnRequestTimeout: true,
          connectionTimeout: opts.connectionTimeoutMs ?? 3_000,
        },
        ...(opts.credentialsFor ? { credentials: opts.credentialsFor({ account, region }) } : {}),
      });
      clients.set(key, client);
    }
    return client;
  };
  return Object.assign(provider, {
    destroy(): void {
      for (const c of clients.values()) c.destroy();
      clients.clear();
    },
  });
}
