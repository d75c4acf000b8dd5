/**
 * The EC2 failures that are about security groups: a group that does not exist (the target, or a
 * group a rule refers to) and a malformed group id. Everything else is the generic EC2 mapping of
 * @driftwarden/ec2 (`mapEc2Error`), which this extends.
 */
import { type ApiCallRecord } from '@driftwarden/domain';
import {
  Ec2PermanentError,
  ec2ErrorCode,
  ec2ErrorMessage,
  mapEc2Error,
  type Ec2PermanentCode,
  type Ec2TransientError,
} from '@driftwarden/ec2';
import { describePermissionRule, type PermissionRule } from '../model/permission-rule';

/** EC2 error codes with a fixed meaning for a security group's revert. */
const SECURITY_GROUP_CODES: Readonly<Record<string, Ec2PermanentCode>> = {
  'InvalidGroup.NotFound': {
    code: 'ec2_group_not_found',
    explain: (groupId) => `security group ${groupId} does not exist (deleted?); driftwarden never recreates a security group`,
  },
  'InvalidGroupId.NotFound': {
    code: 'ec2_group_not_found',
    explain: (groupId) => `security group ${groupId} does not exist (deleted?); driftwarden never recreates a security group`,
  },
  'InvalidGroupId.Malformed': { code: 'ec2_invalid_group_id', explain: (groupId) => `${groupId} is not a security group id` },
};

/** The codes EC2 answers when a security group it was asked about does not exist. */
const GROUP_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['InvalidGroup.NotFound', 'InvalidGroupId.NotFound']);

export interface SecurityGroupEc2ErrorContext {
  operation: string;
  groupId: string;
  /** The rule the failed call was writing (one rule per write), to name it in the message. */
  rule?: PermissionRule;
  /** The calls made so far (the failed one included), for the drift record's evidence. */
  apiCalls: readonly ApiCallRecord[];
}

/** `ec2_referenced_group_not_found`: a rule refers to a group that does not exist (the target group itself does). */
export class Ec2ReferencedGroupNotFoundError extends Ec2PermanentError {
  /** The group the rule refers to, which EC2 says does not exist. */
  readonly referencedGroupId: string;
  constructor(message: string, ctx: SecurityGroupEc2ErrorContext & { cause: unknown; awsCode: string; referencedGroupId: string }) {
    super(message, 'ec2_referenced_group_not_found', {
      operation: ctx.operation,
      resourceId: ctx.groupId,
      apiCalls: ctx.apiCalls,
      cause: ctx.cause,
      awsCode: ctx.awsCode,
    });
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
 * The domain error for an EC2 SDK failure of a security group's revert: `mapEc2Error` with the
 * security-group codes (`ec2_group_not_found`, `ec2_invalid_group_id`). A group-not-found answer
 * that names another group than the target (a rule refers to a group that was deleted) is
 * `ec2_referenced_group_not_found`, permanent as well.
 */
export function mapSecurityGroupEc2Error(err: unknown, ctx: SecurityGroupEc2ErrorContext): Ec2TransientError | Ec2PermanentError {
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
      return new Ec2ReferencedGroupNotFoundError(`ec2 ${ctx.operation} on ${ctx.groupId} failed: ${explain} (${detail})`, {
        ...ctx,
        cause: err,
        awsCode,
        referencedGroupId: missing.groupId,
      });
    }
  }
  return mapEc2Error(err, { operation: ctx.operation, resourceId: ctx.groupId, apiCalls: ctx.apiCalls }, SECURITY_GROUP_CODES);
}
