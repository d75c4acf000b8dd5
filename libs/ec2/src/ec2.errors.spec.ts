import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { PermanentError, TransientError, type ApiCallRecord } from '@driftwarden/domain';
import { Ec2PermanentError, Ec2TransientError, ec2ErrorCode, failureName, mapEc2Error } from './ec2.errors';

function serviceError(name: string, status: number): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: `${name} happened` });
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
