import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { PermanentError, TransientError, type ApiCallRecord } from '@driftwarden/domain';
import { Ec2PermanentError, Ec2TransientError } from '@driftwarden/ec2';
import { Ec2ReferencedGroupNotFoundError, groupIdsInMessage, mapSecurityGroupEc2Error, missingGroupOf } from './ec2-remediation.errors';
import type { PermissionRule } from '../model/permission-rule';

function serviceError(name: string, status: number, message = `${name} happened`): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
}

const calls: ApiCallRecord[] = [{ service: 'ec2', operation: 'RevokeSecurityGroupIngress', request: {}, at: '2026-11-13T16:05:00.000Z' }];
const ctx = { operation: 'RevokeSecurityGroupIngress', groupId: 'sg-0abc1234def567890', apiCalls: calls };

describe('mapSecurityGroupEc2Error', () => {
  it.each<[string, unknown, 'transient' | 'permanent', string]>([
    ['InvalidGroup.NotFound', serviceError('InvalidGroup.NotFound', 400), 'permanent', 'ec2_group_not_found'],
    ['InvalidGroupId.NotFound', serviceError('InvalidGroupId.NotFound', 400), 'permanent', 'ec2_group_not_found'],
    ['InvalidGroupId.Malformed', serviceError('InvalidGroupId.Malformed', 400), 'permanent', 'ec2_invalid_group_id'],
    // The generic EC2 mapping for the rest.
    ['RequestLimitExceeded', serviceError('RequestLimitExceeded', 503), 'transient', 'ec2_throttled'],
    ['UnauthorizedOperation', serviceError('UnauthorizedOperation', 403), 'permanent', 'ec2_unauthorized'],
    ['another client error', serviceError('InvalidParameterValue', 400), 'permanent', 'ec2_invalid_request'],
  ])('%s', (_name, err, kind, code) => {
    const mapped = mapSecurityGroupEc2Error(err, ctx);
    expect(mapped).toBeInstanceOf(kind === 'transient' ? TransientError : PermanentError);
    expect(mapped).toBeInstanceOf(kind === 'transient' ? Ec2TransientError : Ec2PermanentError);
    expect(mapped.code).toBe(code);
    expect(mapped.cause).toBe(err);
    expect(mapped.apiCalls).toBe(calls);
    expect(mapped.operation).toBe('RevokeSecurityGroupIngress');
    expect(mapped.message).toContain('sg-0abc1234def567890');
  });

  it('says a deleted group is never recreated', () => {
    expect(mapSecurityGroupEc2Error(serviceError('InvalidGroup.NotFound', 400), ctx).message).toMatch(/never recreates a security group/);
  });
});

const TARGET = 'sg-0abc1234def567890';
const REFERENCED = 'sg-0fedcba9876543210';

describe('groupIdsInMessage / missingGroupOf', () => {
  // The messages EC2 answers with InvalidGroup.NotFound as AWS words them, then inputs the parser must not misread.
  it.each<[string, string, string[], ReturnType<typeof missingGroupOf>]>([
    [
      'a referenced group by id',
      `The security group '${REFERENCED}' does not exist`,
      [REFERENCED],
      { kind: 'referenced', groupId: REFERENCED },
    ],
    ['the target by id', `The security group '${TARGET}' does not exist`, [TARGET], { kind: 'target' }],
    [
      'a referenced group, default-VPC wording (the vpc id is not a group)',
      `The security group '${REFERENCED}' does not exist in default VPC 'vpc-0965ff934a4aaec11'`,
      [REFERENCED],
      { kind: 'referenced', groupId: REFERENCED },
    ],
    [
      'the target, default-VPC wording',
      `The security group '${TARGET}' does not exist in default VPC 'vpc-0965ff934a4aaec11'`,
      [TARGET],
      { kind: 'target' },
    ],
    [
      'a group name, default-VPC wording (no id)',
      "The security group 'web-sg' does not exist in default VPC 'vpc-c9dd8fae'",
      [],
      { kind: 'target' },
    ],
    [
      'an 8-digit id (EC2-Classic wording)',
      "Unable to find group 'sg-d65f4dbc'",
      ['sg-d65f4dbc'],
      { kind: 'referenced', groupId: 'sg-d65f4dbc' },
    ],
    [
      'no id at all (groups in different networks)',
      'You have specified two resources that belong to different networks.',
      [],
      { kind: 'target' },
    ],
    ['no id at all', 'The security group does not exist.', [], { kind: 'target' }],
    ['the target in upper case', `The security group '${TARGET.toUpperCase()}' does not exist`, [TARGET], { kind: 'target' }],
    [
      'a rule id and a vpc id only (neither is a group)',
      "The security group rule ID 'sgr-0123456789abcdef0' does not exist in 'vpc-0123456789abcdef0'",
      [],
      { kind: 'target' },
    ],
    ['an id glued to other text', `The security group 'x${REFERENCED}' does not exist`, [], { kind: 'target' }],
    [
      'the target and a referenced group',
      `${TARGET}: The security group '${REFERENCED}' does not exist (${REFERENCED})`,
      [TARGET, REFERENCED],
      { kind: 'referenced', groupId: REFERENCED },
    ],
  ])('%s', (_name, message, ids, missing) => {
    expect(groupIdsInMessage(message)).toEqual(ids);
    expect(missingGroupOf(message, TARGET)).toEqual(missing);
  });
});

describe('mapSecurityGroupEc2Error for a group that does not exist', () => {
  const postgresFromReferenced: PermissionRule = {
    direction: 'ingress',
    protocol: 'tcp',
    fromPort: 5432,
    toPort: 5432,
    peer: { kind: 'securityGroup', groupId: REFERENCED },
  };
  const authorizeCtx = { operation: 'AuthorizeSecurityGroupIngress', groupId: TARGET, apiCalls: calls, rule: postgresFromReferenced };

  it.each(['InvalidGroup.NotFound', 'InvalidGroupId.NotFound'])(
    '%s naming another group → permanent ec2_referenced_group_not_found naming both groups and the rule',
    (code) => {
      const err = serviceError(code, 400, `The security group '${REFERENCED}' does not exist`);

      const mapped = mapSecurityGroupEc2Error(err, authorizeCtx);

      expect(mapped).toBeInstanceOf(Ec2ReferencedGroupNotFoundError);
      expect(mapped).toBeInstanceOf(Ec2PermanentError);
      expect(mapped).toBeInstanceOf(PermanentError);
      expect(mapped).not.toBeInstanceOf(TransientError);
      expect(mapped.code).toBe('ec2_referenced_group_not_found');
      expect((mapped as Ec2ReferencedGroupNotFoundError).referencedGroupId).toBe(REFERENCED);
      expect(mapped.awsCode).toBe(code);
      expect(mapped.cause).toBe(err);
      expect(mapped.apiCalls).toBe(calls);
      expect(mapped.message).toBe(
        `ec2 AuthorizeSecurityGroupIngress on ${TARGET} failed: the rule ingress tcp/5432 from security group ${REFERENCED} refers to security group ${REFERENCED}, ` +
          `which does not exist (deleted?); the target ${TARGET} is not the missing group. driftwarden never recreates a security group: ` +
          `restore ${REFERENCED} or change the desired rules so they no longer refer to it (${code}: The security group '${REFERENCED}' does not exist)`,
      );
    },
  );

  it('reads the default-VPC wording, and without the rule still names both groups', () => {
    const err = serviceError(
      'InvalidGroup.NotFound',
      400,
      `The security group '${REFERENCED}' does not exist in default VPC 'vpc-0965ff934a4aaec11'`,
    );

    const mapped = mapSecurityGroupEc2Error(err, { operation: 'AuthorizeSecurityGroupEgress', groupId: TARGET, apiCalls: calls });

    expect(mapped.code).toBe('ec2_referenced_group_not_found');
    expect((mapped as Ec2ReferencedGroupNotFoundError).referencedGroupId).toBe(REFERENCED);
    expect(mapped.message).toContain(
      `ec2 AuthorizeSecurityGroupEgress on ${TARGET} failed: a rule of the request refers to security group ${REFERENCED}`,
    );
  });

  it.each([
    ['names the target', `The security group '${TARGET}' does not exist`],
    ['names the target, default-VPC wording', `The security group '${TARGET}' does not exist in default VPC 'vpc-0965ff934a4aaec11'`],
    ['names no id', 'You have specified two resources that belong to different networks.'],
  ])('a message that %s stays ec2_group_not_found about the target', (_name, message) => {
    const mapped = mapSecurityGroupEc2Error(serviceError('InvalidGroup.NotFound', 400, message), authorizeCtx);

    expect(mapped).toBeInstanceOf(Ec2PermanentError);
    expect(mapped).not.toBeInstanceOf(Ec2ReferencedGroupNotFoundError);
    expect(mapped.code).toBe('ec2_group_not_found');
    expect((mapped as Partial<Ec2ReferencedGroupNotFoundError>).referencedGroupId).toBeUndefined();
    expect(mapped.message).toContain(`security group ${TARGET} does not exist (deleted?)`);
  });
});
