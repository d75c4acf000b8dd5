import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { PermanentError, TransientError, type ApiCallRecord, type PermissionRule } from '@driftwarden/domain';
import { Ec2PermanentError, Ec2TransientError, ec2ErrorCode, failureName, groupIdsInMessage, mapEc2Error, missingGroupOf } from './ec2.errors';

function serviceError(name: string, status: number, message = `${name} happened`): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
}

const calls: ApiCallRecord[] = [{ service: 'ec2', operation: 'RevokeSecurityGroupIngress', request: {}, at: '2026-11-13T16:05:00.000Z' }];
const ctx = { operation: 'RevokeSecurityGroupIngress', groupId: 'sg-0abc1234def567890', apiCalls: calls };

describe('mapEc2Error', () => {
  it.each<[string, unknown, 'transient' | 'permanent', string]>([
    ['RequestLimitExceeded', serviceError('RequestLimitExceeded', 503), 'transient', 'ec2_throttled'],
    ['Throttling', serviceError('Throttling', 400), 'transient', 'ec2_throttled'],
    ['a 5xx', serviceError('InternalError', 500), 'transient', 'ec2_server_error'],
    ['Unavailable', serviceError('Unavailable', 503), 'transient', 'ec2_server_error'],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'transient', 'ec2_timeout'],
    ['a reset connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'transient', 'ec2_network'],
    ['UnauthorizedOperation', serviceError('UnauthorizedOperation', 403), 'permanent', 'ec2_unauthorized'],
    ['AuthFailure', serviceError('AuthFailure', 401), 'permanent', 'ec2_auth_failure'],
    ['InvalidGroup.NotFound', serviceError('InvalidGroup.NotFound', 400), 'permanent', 'ec2_group_not_found'],
    ['InvalidGroupId.NotFound', serviceError('InvalidGroupId.NotFound', 400), 'permanent', 'ec2_group_not_found'],
    ['another client error', serviceError('InvalidParameterValue', 400), 'permanent', 'ec2_invalid_request'],
  ])('%s', (_name, err, kind, code) => {
    const mapped = mapEc2Error(err, ctx);
    expect(mapped).toBeInstanceOf(kind === 'transient' ? TransientError : PermanentError);
    expect(mapped).toBeInstanceOf(kind === 'transient' ? Ec2TransientError : Ec2PermanentError);
    expect(mapped.code).toBe(code);
    expect(mapped.cause).toBe(err);
    expect(mapped.apiCalls).toBe(calls);
    expect(mapped.operation).toBe('RevokeSecurityGroupIngress');
    expect(mapped.message).toContain('sg-0abc1234def567890');
  });

  it('says a deleted group is never recreated, and names the IAM action that was refused', () => {
    expect(mapEc2Error(serviceError('InvalidGroup.NotFound', 400), ctx).message).toMatch(/never recreates a security group/);
    expect(mapEc2Error(serviceError('UnauthorizedOperation', 403), ctx).message).toContain('ec2:RevokeSecurityGroupIngress');
  });
});

describe('ec2ErrorCode / failureName', () => {
  it('reads the EC2 code of service errors only', () => {
    expect(ec2ErrorCode(serviceError('InvalidPermission.Duplicate', 400))).toBe('InvalidPermission.Duplicate');
    expect(ec2ErrorCode(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBeUndefined();
    expect(ec2ErrorCode('nope')).toBeUndefined();
    expect(failureName(Object.assign(new Error('x'), { name: 'TimeoutError', code: 'ETIMEDOUT' }))).toBe('TimeoutError');
    expect(failureName(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
  });
});

const TARGET = 'sg-0abc1234def567890';
const REFERENCED = 'sg-0fedcba9876543210';

describe('groupIdsInMessage / missingGroupOf', () => {
  // The messages EC2 answers with InvalidGroup.NotFound as AWS words them, then inputs the parser must not misread.
  it.each<[string, string, string[], ReturnType<typeof missingGroupOf>]>([
    ['a referenced group by id', `The security group '${REFERENCED}' does not exist`, [REFERENCED], { kind: 'referenced', groupId: REFERENCED }],
    ['the target by id', `The security group '${TARGET}' does not exist`, [TARGET], { kind: 'target' }],
    [
      'a referenced group, default-VPC wording (the vpc id is not a group)',
      `The security group '${REFERENCED}' does not exist in default VPC 'vpc-0965ff934a4aaec11'`,
      [REFERENCED],
      { kind: 'referenced', groupId: REFERENCED },
    ],
    ['the target, default-VPC wording', `The security group '${TARGET}' does not exist in default VPC 'vpc-0965ff934a4aaec11'`, [TARGET], { kind: 'target' }],
    ['a group name, default-VPC wording (no id)', "The security group 'web-sg' does not exist in default VPC 'vpc-c9dd8fae'", [], { kind: 'target' }],
    ['an 8-digit id (EC2-Classic wording)', "Unable to find group 'sg-d65f4dbc'", ['sg-d65f4dbc'], { kind: 'referenced', groupId: 'sg-d65f4dbc' }],
    ['no id at all (groups in different networks)', 'You have specified two resources that belong to different networks.', [], { kind: 'target' }],
    ['no id at all', 'The security group does not exist.', [], { kind: 'target' }],
    ['the target in upper case', `The security group '${TARGET.toUpperCase()}' does not exist`, [TARGET], { kind: 'target' }],
    [
      'a rule id and a vpc id only (neither is a group)',
      "The security group rule ID 'sgr-0123456789abcdef0' does not exist in 'vpc-0123456789abcdef0'",
      [],
      { kind: 'target' },
    ],
    ['an id glued to other text', `The security group 'x${REFERENCED}' does not exist`, [], { kind: 'target' }],
    ['the target and a referenced group', `${TARGET}: The security group '${REFERENCED}' does not exist (${REFERENCED})`, [TARGET, REFERENCED], { kind: 'referenced', groupId: REFERENCED }],
  ])('%s', (_name, message, ids, missing) => {
    expect(groupIdsInMessage(message)).toEqual(ids);
    expect(missingGroupOf(message, TARGET)).toEqual(missing);
  });
});

describe('mapEc2Error for a group that does not exist', () => {
  const postgresFromReferenced: PermissionRule = { direction: 'ingress', protocol: 'tcp', fromPort: 5432, toPort: 5432, peer: { kind: 'securityGroup', groupId: REFERENCED } };
  const authorizeCtx = { operation: 'AuthorizeSecurityGroupIngress', groupId: TARGET, apiCalls: calls, rule: postgresFromReferenced };

  it.each(['InvalidGroup.NotFound', 'InvalidGroupId.NotFound'])('%s naming another group → permanent ec2_referenced_group_not_found naming both groups and the rule', (code) => {
    const err = serviceError(code, 400, `The security group '${REFERENCED}' does not exist`);

    const mapped = mapEc2Error(err, authorizeCtx);

    expect(mapped).toBeInstanceOf(Ec2PermanentError);
    expect(mapped).toBeInstanceOf(PermanentError);
    expect(mapped).not.toBeInstanceOf(TransientError);
    expect(mapped.code).toBe('ec2_referenced_group_not_found');
    expect((mapped as Ec2PermanentError).referencedGroupId).toBe(REFERENCED);
    expect(mapped.awsCode).toBe(code);
    expect(mapped.cause).toBe(err);
    expect(mapped.apiCalls).toBe(calls);
    expect(mapped.message).toBe(
      `ec2 AuthorizeSecurityGroupIngress on ${TARGET} failed: the rule ingress tcp/5432 from security group ${REFERENCED} refers to security group ${REFERENCED}, ` +
        `which does not exist (deleted?); the target ${TARGET} is not the missing group. driftwarden never recreates a security group: ` +
        `restore ${REFERENCED} or change the desired rules so they no longer refer to it (${code}: The security group '${REFERENCED}' does not exist)`,
    );
  });

  it('reads the default-VPC wording, and without the rule still names both groups', () => {
    const err = serviceError('InvalidGroup.NotFound', 400, `The security group '${REFERENCED}' does not exist in default VPC 'vpc-0965ff934a4aaec11'`);

    const mapped = mapEc2Error(err, { operation: 'AuthorizeSecurityGroupEgress', groupId: TARGET, apiCalls: calls });

    expect(mapped.code).toBe('ec2_referenced_group_not_found');
    expect((mapped as Ec2PermanentError).referencedGroupId).toBe(REFERENCED);
    expect(mapped.message).toContain(`ec2 AuthorizeSecurityGroupEgress on ${TARGET} failed: a rule of the request refers to security group ${REFERENCED}`);
  });

  it.each([
    ['names the target', `The security group '${TARGET}' does not exist`],
    ['names the target, default-VPC wording', `The security group '${TARGET}' does not exist in default VPC 'vpc-0965ff934a4aaec11'`],
    ['names no id', 'You have specified two resources that belong to different networks.'],
  ])('a message that %s stays ec2_group_not_found about the target', (_name, message) => {
    const mapped = mapEc2Error(serviceError('InvalidGroup.NotFound', 400, message), authorizeCtx);

    expect(mapped).toBeInstanceOf(Ec2PermanentError);
    expect(mapped.code).toBe('ec2_group_not_found');
    expect((mapped as Ec2PermanentError).referencedGroupId).toBeUndefined();
    expect(mapped.message).toContain(`security group ${TARGET} does not exist (deleted?)`);
  });
});
