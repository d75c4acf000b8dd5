/**
 * Maps AWS SDK v3 failures onto the domain's TransientError / PermanentError, keeping the SDK
 * error as `cause`. The lists mirror the SDK's own retry classification (@smithy retry).
 */
import { PermanentError, TransientError } from '@driftwarden/domain';

export type AwsService = 'config' | 's3' | 'sqs' | 'cloudtrail' | 'ec2';

const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'KmsThrottled',
]);
const TIMEOUT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);
/** Credentials that expired mid-flight are refreshed by the SDK: retrying helps. */
const EXPIRED_CREDENTIALS = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'CredentialsProviderError']);
const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AllAccessDisabled',
  'KMS.AccessDeniedException',
]);
const NOT_FOUND = new Set([
  'NoSuchKey',
  'NoSuchBucket',
  'NotFound',
  'ResourceNotFoundException',
  'ResourceNotDiscoveredException',
  'NoAvailableConfigurationRecorderException',
  'AWS.SimpleQueueService.NonExistentQueue',
  'QueueDoesNotExist',
]);

interface SdkErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $retryable?: { throttling?: boolean } | undefined;
  $metadata?: { httpStatusCode?: number } | undefined;
}

function asSdkError(err: unknown): SdkErrorLike {
  return typeof err === 'object' && err !== null ? (err as SdkErrorLike) : {};
}

export type AwsErrorKind =
  | 'throttled'
  | 'timeout'
  | 'network'
  | 'server_error'
  | 'expired_credentials'
  | 'missing_credentials'
  | 'aborted'
  | 'access_denied'
  | 'not_found'
  | 'invalid_request'
  | 'unknown';

/** What kind of failure this is, from the SDK error's name, code, fault and HTTP status. */
export function classifyAwsError(err: unknown): AwsErrorKind {
  const e = asSdkError(err);
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const status = e.$metadata?.httpStatusCode;

  if (name === 'AbortError') return 'aborted';
  if (THROTTLING.has(name) || THROTTLING.has(code) || status === 429 || e.$retryable?.throttling === true) return 'throttled';
  if (TIMEOUT.has(name) || TIMEOUT.has(code)) return 'timeout';
  if (NETWORK_CODES.has(code) || NETWORK_CODES.has(name)) return 'network';
  // The SDK's provider chain found no credentials at all: a configuration error, not a hiccup.
  if (
    name === 'CredentialsProviderError' &&
    /could not load credentials from any providers/i.test(typeof e.message === 'string' ? e.message : '')
  )
    return 'missing_credentials';
  if (EXPIRED_CREDENTIALS.has(name)) return 'expired_credentials';
  if (ACCESS_DENIED.has(name) || status === 403) return 'access_denied';
  if (NOT_FOUND.has(name) || status === 404) return 'not_found';
  if ((typeof status === 'number' && status >= 500) || e.$fault === 'server') return 'server_error';
  if (e.$fault === 'client' || (typeof status === 'number' && status >= 400)) return 'invalid_request';
  return 'unknown';
}

const TRANSIENT_KINDS: ReadonlySet<AwsErrorKind> = new Set([
  'throttled',
  'timeout',
  'network',
  'server_error',
  'expired_credentials',
  'aborted',
  // Not an SDK service error at all (a socket error without a code, …): retry, bounded by the queue.
  'unknown',
]);

/**
 * The domain error for an SDK failure: code `<service>_<kind>` (e.g. `config_throttled`,
 * `s3_access_denied`), message naming the operation, the SDK error as `cause`.
 * Domain errors pass through unchanged.
 */
export function mapAwsError(err: unknown, ctx: { service: AwsService; operation: string }): TransientError | PermanentError {
  if (err instanceof TransientError || err instanceof PermanentError) return err;
  const kind = classifyAwsError(err);
  const e = asSdkError(err);
  const detail = [typeof e.name === 'string' ? e.name : undefined, typeof e.message === 'string' ? e.message : undefined]
    .filter((s) => s !== undefined && s !== '')
    .join(': ');
  const message = `${ctx.service} ${ctx.operation} failed (${kind.replace(/_/g, ' ')})${detail ? `: ${detail}` : ''}`;
  const code = `${ctx.service}_${kind}`;
  return TRANSIENT_KINDS.has(kind) ? new TransientError(message, code, { cause: err }) : new PermanentError(message, code, { cause: err });
}
