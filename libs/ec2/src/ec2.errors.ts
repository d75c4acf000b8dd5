/**
 * EC2 failures → the domain's TransientError (the job retries with back-off and resumes) or
 * PermanentError (recorded, the drift fails). The generic classification (throttling, 5xx,
 * timeouts, network) is the shared one of @driftwarden/ingest; the EC2 codes that decide the
 * remediation's fate get their own stable codes here.
 */
import { describePermissionRule, PermanentError, TransientError, type ApiCallRecord, type PermissionRule } from '@driftwarden/domain';
import { classifyAwsError, type AwsErrorKind } from '@driftwarden/ingest';

/** EC2 error codes with a fixed meaning for the remediation. */
const PERMANENT_CODES: Readonly<Record<string, { code: string; explain: (groupId: string, operation: string) => string }>> = {
  'InvalidGroup.NotFound': {
    code: 'ec2_group_not_found',
    explain: (groupId) => `security group ${groupId} does not exist (deleted?); driftwarden never recreates a security group`,
  },
  'InvalidGroupId.NotFound': {
    code: 'ec2_group_not_found',
    explain: (groupId) => `security group ${groupId} does not exist (deleted?); driftwarden never recreates a security group`,
  },
  'InvalidGroupId.Malformed': { code: 'ec2_invalid_group_id', explain: (groupId) => `${groupId} is not a security group id` },
  UnauthorizedOperation: {
    code: 'ec2_unauthorized',
    explain: (_g, operation) => `the controller's role may not call ec2:${operation} (grant it in the controller IAM policy, see infra/)`,
  },
  AuthFailure: { code: 'ec2_auth_failure', explain: () => 'AWS did not accept the controller credentials (AuthFailure)' },
  OptInRequired: { code: 'ec2_opt_in_required', explain: () => 'the account is not subscribed to EC2 in this region (OptInRequired)' },
  Blocked: { code: 'ec2_blocked', explain: () => 'the account is blocked (Blocked)' },
};

/** The codes EC2 answers when a security group it was asked about does not exist. */
const GROUP_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['InvalidGroup.NotFound', 'InvalidGroupId.NotFound']);

const TRANSIENT_KINDS: ReadonlySet<AwsErrorKind> = new Set(['throttled', 'timeout', 'network', 'server_error', 'expired_credentials', 'aborted', 'unknown']);

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
  groupId: string;
  /** The rule the failed call was writing (one rule per write), to name it in the message. */
  rule?: PermissionRule;
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
  /**
   * `ec2_referenced_group_not_found` only: the group the rule refers to, which EC2 says does not
   * exist (the target group itself does).
   */
  readonly referencedGroupId: string | undefined;
  constructor(message: string, code: string, ctx: Ec2ErrorContext & { cause?: unknown; awsCode: string | undefined; referencedGroupId?: string }) {
    super(message, code, { cause: ctx.cause });
    this.operation = ctx.operation;
    this.awsCode = ctx.awsCode;
    this.apiCalls = ctx.apiCalls;
    this.referencedGroupId = ctx.referencedGroupId;
  }
}

/**
 * A security group id inside free text: `sg-` and 8 or 17 hex digits (EC2's two id lengths; 9-16
 * accepted too), not part of a longer token, so `sgr-…` rule ids and `vpc-…` ids never match.
 */
const GROUP_ID_IN_TEXT = /(?<![\w-])sg-[0-9a-f]{8,17}(?![\w-])/gi;

/**
 * The security group ids an EC2 error message names, in order, lower-cased, without repeats.
 * The shapes EC2 uses for a group that does not exist (the quoted value is the group as the
 * request named it, so it may be a name rather than an id):
 * - `The security group 'sg-0123456789abcdef0' does not exist`
 * - `The security group 'sg-0123456789abcdef0' does not exist in default VPC 'vpc-0a1b2c3d'`
 * - `The security group 'web' does not exist in default VPC 'vpc-0a1b2c3d'` (a name: no id)
 * - `Unable to find group 'sg-d65f4dbc'` (EC2-Classic era)
 * - `You have specified two resources that belong to different networks.` (no id)
 */
export function groupIdsInMessage(message: string): string[] {
  const ids: string[] = [];
  for (const match of message.matchAll(GROUP_ID_IN_TEXT)) {
    const id = match[0].toLowerCase();
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/**
 * Which group a "group not found" answer is about. EC2 answers `InvalidGroup.NotFound` both when
 * the target group is gone and when a rule refers to a group that is gone, and only the message
 * tells them apart: a group id in it that is not the target's is the referenced group. A message
 * that names the target, or names no id at all, is about the target (the conservative reading).
 */
export function missingGroupOf(message: string, targetGroupId: string): { kind: 'target' } | { kind: 'referenced'; groupId: string } {
  const target = targetGroupId.toLowerCase();
  const other = groupIdsInMessage(message).find((id) => id !== target);
  return other === undefined ? { kind: 'target' } : { kind: 'referenced', groupId: other };
}

/**
 * The domain error for an EC2 SDK failure, code `ec2_<kind>` (e.g. `ec2_throttled`,
 * `ec2_group_not_found`, `ec2_unauthorized`), the SDK error as `cause`, the calls so far attached.
 * A group-not-found answer that names another group than the target (a rule refers to a group
 * that was deleted) is `ec2_referenced_group_not_found`, permanent as well.
 */
export function mapEc2Error(err: unknown, ctx: Ec2ErrorContext): Ec2TransientError | Ec2PermanentError {
  const awsCode = ec2ErrorCode(err);
  const detail = `${awsCode ?? 'error'}: ${ec2ErrorMessage(err)}`;
  if (awsCode !== undefined && GROUP_NOT_FOUND_CODES.has(awsCode)) {
    const missing = missingGroupOf(ec2ErrorMessage(err), ctx.groupId);
    if (missing.kind === 'referenced') {
      const rule = ctx.rule ? `the rule ${ctx.rule.direction} ${describePermissionRule(ctx.rule)}` : 'a rule of the request';
      const explain =
        `${rule} refers to security group ${missing.groupId}, which does not exist (deleted?); ` +
        `the target ${ctx.groupId} is not the missing group. driftwarden never recreates a security group: ` +
        `restore ${missing.groupId} or change the desired rules so they no longer refer to it`;
      return new Ec2PermanentError(`ec2 ${ctx.operation} on ${ctx.groupId} failed: ${explain} (${detail})`, 'ec2_referenced_group_not_found', {
        ...ctx,
        cause: err,
        awsCode,
        referencedGroupId: missing.groupId,
      });
    }
  }
  const known = awsCode !== undefined ? PERMANENT_CODES[awsCode] : undefined;
  if (known) {
    return new Ec2PermanentError(`ec2 ${ctx.operation} on ${ctx.groupId} failed: ${known.explain(ctx.groupId, ctx.operation)} (${detail})`, known.code, {
      ...ctx,
      cause: err,
      awsCode,
    });
  }
  const kind = classifyAwsError(err);
  const message = `ec2 ${ctx.operation} on ${ctx.groupId} failed (${kind.replace(/_/g, ' ')}): ${detail}`;
  const code = `ec2_${kind}`;
  return TRANSIENT_KINDS.has(kind)
    ? new Ec2TransientError(message, code, { ...ctx, cause: err, awsCode })
    : new Ec2PermanentError(message, code, { ...ctx, cause: err, awsCode });
}
