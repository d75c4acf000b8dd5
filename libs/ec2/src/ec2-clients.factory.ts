/**
 * Builds the EC2 clients the remediation adapter takes (use from a Nest factory provider).
 * One client per region, with request and connect timeouts. The endpoint comes from the SDK
 * itself (it honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_EC2) unless `endpoint` is given, as
 * tests and the demo do to reach the EC2 sandbox; credentials come from the default chain
 * unless `credentials` is given, and with `assumeRole` (config `aws.assumeRole`) from the role
 * assumed in the resource's account.
 */
import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { PermanentError } from '@driftwarden/domain';

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

/** Cross-account (config `aws.assumeRole`): the role assumed in each resource's account. */
export interface AssumeRoleOptions {
  /** `{account}` is replaced by the resource's account id. */
  roleArn: string;
  externalId?: string;
  sessionName: string;
  durationSeconds: number;
  /** STS endpoint (tests, the sandbox); default: the SDK's resolution (AWS_ENDPOINT_URL_STS…). */
  stsEndpoint?: string;
}

export function roleArnFor(template: string, account: string): string {
  // Permanent: retrying cannot make the account id valid.
  if (!/^\d{12}$/.test(account))
    throw new PermanentError(`cannot assume a role in account ${JSON.stringify(account)}: expected 12 digits`, 'invalid_account');
  return template.replace('{account}', account);
}

/** Credentials for the clients of one account and region (cross-account: the role assumed there). */
export type CredentialsFor = (location: { account: string; region: string }) => NonNullable<EC2ClientConfig['credentials']>;

/**
 * Credentials of the role assumed in each account (STS AssumeRole from `base`, or the default
 * chain), refreshed by the SDK before they expire. One provider per account, shared by every
 * client of that account (EC2, CloudTrail, Config) and region: one STS session per account.
 */
export function assumedRoleCredentialsFor(assumeRole: AssumeRoleOptions, base?: EC2ClientConfig['credentials']): CredentialsFor {
  const byAccount = new Map<string, NonNullable<EC2ClientConfig['credentials']>>();
  return ({ account, region }) => {
    let credentials = byAccount.get(account);
    if (!credentials) {
      credentials = fromTemporaryCredentials({
        params: {
          RoleArn: roleArnFor(assumeRole.roleArn, account),
          RoleSessionName: assumeRole.sessionName,
          DurationSeconds: assumeRole.durationSeconds,
          ...(assumeRole.externalId ? { ExternalId: assumeRole.externalId } : {}),
        },
        ...(base !== undefined ? { masterCredentials: base } : {}),
        // STS answers the same from any region; the first location's region is as good as any.
        clientConfig: { region, ...(assumeRole.stsEndpoint ? { endpoint: assumeRole.stsEndpoint } : {}) },
      });
      byAccount.set(account, credentials);
    }
    return credentials;
  };
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
 * One EC2 client per region, built on first use; with `credentialsFor` (cross-account,
 * `assumedRoleCredentialsFor`), one per account and region, signing as the role assumed there.
 */
export function createEc2ClientProvider(
  opts: Omit<Ec2ClientOptions, 'region'> & { credentialsFor?: CredentialsFor },
): Ec2ClientProvider & { destroy(): void } {
  const { credentialsFor, ...common } = opts;
  const clients = new Map<string, EC2Client>();
  const provider = ({ account, region }: { account: string; region: string }): EC2Client => {
    const key = credentialsFor ? `${account}/${region}` : region;
    let client = clients.get(key);
    if (!client) {
      client = createEc2Client({ ...common, region, ...(credentialsFor ? { credentials: credentialsFor({ account, region }) } : {}) });
      clients.set(key, client);
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
