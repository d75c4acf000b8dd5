/**
 * Builds the EC2 clients the remediation adapter takes (use from a Nest factory provider).
 * One client per region, with request and connect timeouts. The endpoint comes from the SDK
 * itself (it honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_EC2) unless `endpoint` is given, as
 * tests and the demo do to reach the EC2 sandbox; credentials come from the default chain
 * unless `credentials` is given.
 */
import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';

export interface Ec2ClientOptions {
  region: string;
  /** Whole request + response, in ms (default 10 000); a breach fails the call with a TimeoutError. */
  requestTimeoutMs?: number;
  /** TCP connect timeout, in ms (default 3 000). */
  connectionTimeoutMs?: number;
  /** SDK attempts per call including the first (default 3); throttling is also retried by the job. */
  maxAttempts?: number;
  /** Explicit endpoint (e.g. the sandbox URL); default: the SDK's resolution. */
  endpoint?: string;
  credentials?: EC2ClientConfig['credentials'];
}

export const EC2_DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const EC2_DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;

/** EC2 is regional; the adapter asks for the client of the drifted resource's location. */
export type Ec2ClientProvider = (location: { account: string; region: string }) => EC2Client;

export function createEc2Client(opts: Ec2ClientOptions): EC2Client {
  return new EC2Client({
    region: opts.region,
    maxAttempts: opts.maxAttempts ?? 3,
    requestHandler: {
      requestTimeout: opts.requestTimeoutMs ?? EC2_DEFAULT_REQUEST_TIMEOUT_MS,
      // Without this the SDK only logs a warning when requestTimeout is exceeded.
      throwOnRequestTimeout: true,
      connectionTimeout: opts.connectionTimeoutMs ?? EC2_DEFAULT_CONNECTION_TIMEOUT_MS,
    },
    ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
    ...(opts.credentials !== undefined ? { credentials: opts.credentials } : {}),
  });
}

/**
 * One EC2 client per region, built on first use. Cross-account remediation would key on the
 * account too (with assumed-role credentials); today every account uses the controller's own
 * credentials, so the account is not part of the key.
 */
export function createEc2ClientProvider(opts: Omit<Ec2ClientOptions, 'region'>): Ec2ClientProvider & { destroy(): void } {
  const clients = new Map<string, EC2Client>();
  const provider = ({ region }: { account: string; region: string }): EC2Client => {
    let client = clients.get(region);
    if (!client) {
      client = createEc2Client({ ...opts, region });
      clients.set(region, client);
    }
    return client;
  };
  return Object.assign(provider, {
    /** Closes the clients' sockets (application shutdown). */
    destroy(): void {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  });
}
