import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { PermanentError, TransientError, type ApiCallRecord } from '@driftwarden/domain';
import { Ec2PermanentError, Ec2TransientError, ec2ErrorCode, failureName, mapEc2Error } from './ec2.errors';

function serviceError(name: string, status: number, message = `${name} happened`): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
}

const calls: ApiCallRecord[] = [{ service: 'ec2', operation: 'RevokeSecurityGroupIngress', request: {}, at: '2026-11-13T16:05:00.000Z' }];
const ctx = { operation: 'RevokeSecurityGroupIngress', resourceId: 'sg-0abc1234def567890', apiCalls: calls };

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
    ['OptInRequired', serviceError('OptInRequired', 401), 'permanent', 'ec2_opt_in_required'],
    ['Blocked', serviceError('Blocked', 403), 'permanent', 'ec2_blocked'],
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

  it('names the IAM action that was refused', () => {
    expect(mapEc2Error(serviceError('UnauthorizedOperation', 403), ctx).message).toContain('ec2:RevokeSecurityGroupIngress');
  });

  it("looks a kind's own codes up first, and leaves the other codes to the generic mapping", () => {
    const kindCodes = {
      'InvalidThing.NotFound': { code: 'ec2_thing_not_found', explain: (id: string, operation: string) => `${id} is gone (${operation})` },
      AuthFailure: { code: 'ec2_kind_auth', explain: () => 'overridden' },
    };
    const gone = mapEc2Error(serviceError('InvalidThing.NotFound', 400, 'no such thing'), ctx, kindCodes);
    expect(gone).toBeInstanceOf(Ec2PermanentError);
    expect(gone.code).toBe('ec2_thing_not_found');
    expect(gone.message).toBe(
      'ec2 RevokeSecurityGroupIngress on sg-0abc1234def567890 failed: sg-0abc1234def567890 is gone (RevokeSecurityGroupIngress) (InvalidThing.NotFound: no such thing)',
    );
    expect(mapEc2Error(serviceError('AuthFailure', 401), ctx, kindCodes).code).toBe('ec2_kind_auth');
    expect(mapEc2Error(serviceError('UnauthorizedOperation', 403), ctx, kindCodes).code).toBe('ec2_unauthorized');
    // Without the kind's codes, its not-found code is just another client error.
    expect(mapEc2Error(serviceError('InvalidThing.NotFound', 400), ctx).code).toBe('ec2_invalid_request');
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
