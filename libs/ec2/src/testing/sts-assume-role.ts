/**
 * STS `AssumeRole` (Query protocol, API version 2011-06-15) for the sandbox, so cross-account
 * remediation (config `aws.assumeRole`) runs end to end without AWS: the SDK's STS client posts
 * `Action=AssumeRole&RoleArn=…&RoleSessionName=…`, and the credentials it gets back sign the
 * EC2 calls that follow, which the sandbox then attributes to the assumed-role session.
 * Validation follows the API reference: role ARN shape, session name 2–64 of `[\w+=,.@-]`,
 * DurationSeconds 900–43200, ExternalId 2–1224; a role the sandbox was not told about, or a wrong
 * external id, is `AccessDenied` (403) in STS's own error shape.
 */
import { randomBytes } from 'node:crypto';
import { escapeXml, leaf } from './ec2-xml';

const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

export interface AssumableRole {
  /** When set, callers must send exactly this `ExternalId`. */
  externalId?: string;
  /** The role's MaxSessionDuration (IAM's default: 3600 s); a longer DurationSeconds is refused. */
  maxSessionDurationSeconds?: number;
}

export interface AssumedSession {
  roleArn: string;
  account: string;
  sessionName: string;
  externalId?: string;
  durationSeconds: number;
  accessKeyId: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`: the principal of calls signed with it. */
  principalArn: string;
  /** The access key id that called AssumeRole. */
  callerAccessKeyId: string;
  at: string;
  /** Calls signed with the session's key must carry this token (X-Amz-Security-Token)… */
  sessionToken: string;
  /** …and are refused from this instant (ISO). */
  expiration: string;
}

export class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function random(chars: string, n: number): string {
  const bytes = randomBytes(n);
  return Array.from(bytes, (b) => chars[b % chars.length]).join('');
}

/** Answers one AssumeRole call; throws StsError for what STS refuses. */
export function assumeRole(
  params: { get(key: string): string | undefined },
  ctx: { callerAccessKeyId: string; now: Date; roles: Record<string, AssumableRole> | undefined; requestId: string },
): { xml: string; session: AssumedSession } {
  if (params.get('Version') !== '2011-06-15') {
    throw new StsError(
      params.get('Version') === undefined ? 'MissingParameter' : 'InvalidParameterValue',
      'The request must contain the parameter Version with the value 2011-06-15.',
      400,
    );
  }
  const roleArn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  if (!roleArn) throw new StsError('MissingParameter', 'The request must contain the parameter RoleArn.', 400);
  if (!sessionName) throw new StsError('MissingParameter', 'The request must contain the parameter RoleSessionName.', 400);
  const arn = ROLE_ARN.exec(roleArn);
  if (!arn)
    throw new StsError(
      'ValidationError',
      `Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must be a valid IAM role ARN`,
      400,
    );
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw new StsError(
      'ValidationError',
      `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      400,
    );
  }
  const durationText = params.get('DurationSeconds');
  const durationSeconds = durationText === undefined ? 3600 : Number(durationText);
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43_200) {
    throw new StsError(
      'ValidationError',
      `Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
      400,
    );
  }
  const externalId = params.get('ExternalId');
  if (externalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(externalId)) {
    throw new StsError('ValidationError', "Value at 'externalId' failed to satisfy constraint", 400);
  }
  const allowed = ctx.roles === undefined ? {} : ctx.roles[roleArn];
  if (!allowed || (allowed.externalId !== undefined && allowed.externalId !== externalId)) {
    throw new StsError('AccessDenied', `User is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
  }
  if (durationSeconds > (allowed.maxSessionDurationSeconds ?? 3600)) {
    throw new StsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', 400);
  }
  const account = arn[1];
  const roleName = arn[2];
  const accessKeyId = `ASIA${random('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`;
  const principalArn = `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
  const expiration = new Date(ctx.now.getTime() + durationSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const sessionToken = random('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 120);
  const session: AssumedSession = {
    roleArn,
    account,
    sessionName,
    ...(externalId !== undefined ? { externalId } : {}),
    durationSeconds,
    accessKeyId,
    principalArn,
    callerAccessKeyId: ctx.callerAccessKeyId,
    at: ctx.now.toISOString(),
    sessionToken,
    expiration,
  };
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<AssumeRoleResponse xmlns="${STS_NS}"><AssumeRoleResult>` +
    `<Credentials>${leaf('AccessKeyId', accessKeyId)}${leaf('SecretAccessKey', random('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 40))}` +
    `${leaf('SessionToken', sessionToken)}${leaf('Expiration', expiration)}</Credentials>` +
    `<AssumedRoleUser>${leaf('AssumedRoleId', `AROA${random('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 17)}:${sessionName}`)}${leaf('Arn', principalArn)}</AssumedRoleUser>` +
    `</AssumeRoleResult><ResponseMetadata>${leaf('RequestId', ctx.requestId)}</ResponseMetadata></AssumeRoleResponse>`;
  return { xml, session };
}

/** STS's error body (not EC2's). */
export function stsErrorXml(error: StsError, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${STS_NS}"><Error><Type>Sender</Type>` +
    `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}
