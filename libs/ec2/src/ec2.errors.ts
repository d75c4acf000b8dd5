/**
 * EC2 failures → the domain's TransientError (the job retries with back-off and resumes) or
 * PermanentError (recorded, the drift fails). The generic classification (throttling, 5xx,
 * timeouts, network) is the shared one of @driftwarden/ingest; the EC2 codes that decide a
 * revert's fate for every resource get their own stable codes here, and a kind adds the codes
 * about its own resources (`mapEc2Error`'s `kindCodes`).
 */
import { PermanentError, TransientError, type ApiCallRecord } from '@driftwarden/domain';
import { classifyAwsError, type AwsErrorKind } from '@driftwarden/aws';

/** An EC2 error code with a fixed meaning: its stable code, and why in words. */
export interface Ec2PermanentCode {
  code: string;
  explain: (resourceId: string, operation: string) => string;
}

/** EC2 error codes with a fixed meaning whatever the resource. */
const PERMANENT_CODES: Readonly<Record<string, Ec2PermanentCode>> = {
  UnauthorizedOperation: {
    code: 'ec2_unauthorized',
    explain: (_r, operation) => `the controller's role may not call ec2:${operation} (grant it in the controller IAM policy, see infra/)`,
  },
  AuthFailure: { code: 'ec2_auth_failure', explain: () => 'AWS did not accept the controller credentials (AuthFailure)' },
  OptInRequired: { code: 'ec2_opt_in_required', explain: () => 'the account is not subscribed to EC2 in this region (OptInRequired)' },
  Blocked: { code: 'ec2_blocked', explain: () => 'the account is blocked (Blocked)' },
};

const TRANSIENT_KINDS: ReadonlySet<AwsErrorKind> = new Set([
  'throttled',
  'timeout',
  'network',
  'server_error',
  'expired_credentials',
  'aborted',
  'unknown',
]);

/**
 * The EC2 error code of an SDK service error (`InvalidPermission.Duplicate`, …); undefined for
 * failures that are not an EC2 answer (timeouts, connection errors).
 */
export function ec2ErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { Code?: unknown; name?: unknown; $fault?: unknown };
  if (typeof e.Code === 'string' && e.Code !== '') return e.Code;
  const serviceError = e.$fault === 'client' || e.$fault === 'server';
  return serviceError && typeof e.name === 'string' && e.name !== '' ? e.name : undefined;
}

/** A short name for any failure: the EC2 code, else the error's name/code (`TimeoutError`, `ECONNRESET`). */
export function failureName(err: unknown): string {
  const code = ec2ErrorCode(err);
  if (code !== undefined) return code;
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; name?: unknown };
    if (typeof e.name === 'string' && e.name !== '' && e.name !== 'Error') return e.name;
    if (typeof e.code === 'string' && e.code !== '') return e.code;
  }
  return 'Error';
}

export function ec2ErrorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface Ec2ErrorContext {
  operation: string;
  /** The resource the call was about (a security group id, …), named in the message. */
  resourceId: string;
  /** The calls made so far (the failed one included), for the drift record's evidence. */
  apiCalls: readonly ApiCallRecord[];
}

export class Ec2TransientError extends TransientError {
  readonly operation: string;
  readonly awsCode: string | undefined;
  readonly apiCalls: readonly ApiCallRecord[];
  constructor(message: string, code: string, ctx: Ec2ErrorContext & { cause: unknown; awsCode: string | undefined }) {
    super(message, code, { cause: ctx.cause });
    this.operation = ctx.operation;
    this.awsCode = ctx.awsCode;
    this.apiCalls = ctx.apiCalls;
  }
}

export class Ec2PermanentError extends PermanentError {
  readonly operation: string;
  readonly awsCode: string | undefined;
  readonly apiCalls: readonly ApiCallRecord[];
  constructor(message: string, code: string, ctx: Ec2ErrorContext & { cause?: unknown; awsCode: string | undefined }) {
    super(message, code, { cause: ctx.cause });
    this.operation = ctx.operation;
    this.awsCode = ctx.awsCode;
    this.apiCalls = ctx.apiCalls;
  }
}

/**
 * The domain error for an EC2 SDK failure, code `ec2_<kind>` (e.g. `ec2_throttled`,
 * `ec2_unauthorized`), the SDK error as `cause`, the calls so far attached. `kindCodes` are the
 * codes with a fixed meaning for the calling kind (e.g. a security group that does not exist),
 * looked up before the generic ones.
 */
export function mapEc2Error(
  err: unknown,
  ctx: Ec2ErrorContext,
  kindCodes: Readonly<Record<string, Ec2PermanentCode>> = {},
): Ec2TransientError | Ec2PermanentError {
  const awsCode = ec2ErrorCode(err);
  const detail = `${awsCode ?? 'error'}: ${ec2ErrorMessage(err)}`;
  const known = awsCode !== undefined ? (kindCodes[awsCode] ?? PERMANENT_CODES[awsCode]) : undefined;
  if (known) {
    return new Ec2PermanentError(
      `ec2 ${ctx.operation} on ${ctx.resourceId} failed: ${known.explain(ctx.resourceId, ctx.operation)} (${detail})`,
      known.code,
      {
        ...ctx,
        cause: err,
        awsCode,
      },
    );
  }
  const kind = classifyAwsError(err);
  const message = `ec2 ${ctx.operation} on ${ctx.resourceId} failed (${kind.replace(/_/g, ' ')}): ${detail}`;
  const code = `ec2_${kind}`;
  return TRANSIENT_KINDS.has(kind)
    ? new Ec2TransientError(message, code, { ...ctx, cause: err, awsCode })
    : new Ec2PermanentError(message, code, { ...ctx, cause: err, awsCode });
}
