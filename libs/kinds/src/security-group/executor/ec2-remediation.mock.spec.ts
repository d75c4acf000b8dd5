/**
 * Ec2Remediation with the EC2 client mocked (aws-sdk-client-mock): the paths the sandbox does not
 * produce on its own (a rule without an id, a looping paginator, a server that ignores filters).
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  EC2ServiceException,
  ModifySecurityGroupRulesCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { Ec2PermanentError } from '@driftwarden/ec2';
import { FreezeRecordedError } from '@driftwarden/pipeline';
import { mockClient } from 'aws-sdk-client-mock';
import { ACCOUNT, OTHER_SG, REGION, SG, VPC, rule, rules } from '../../../../ec2/test/ec2-test-support';
import { EC2_REMEDIATION_OPERATIONS, Ec2Remediation } from './ec2-remediation.adapter';
import { Ec2ReferencedGroupNotFoundError } from './ec2-remediation.errors';
import { driftFor } from './test/executor-test-support';

const client = new EC2Client({ region: REGION, credentials: { accessKeyId: 'AKIDMOCK', secretAccessKey: 'mock' } });
const ec2 = mockClient(client);

function serviceError(name: string, status = 400, message = `${name} (mocked)`): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
}

const ssh = (id?: string, groupId = SG): SecurityGroupRule => ({
  ...(id ? { SecurityGroupRuleId: id } : {}),
  GroupId: groupId,
  IsEgress: false,
  IpProtocol: 'tcp',
  FromPort: 22,
  ToPort: 22,
  CidrIpv4: '0.0.0.0/0',
});
const egressAll: SecurityGroupRule = {
  SecurityGroupRuleId: 'sgr-0000000000000e911',
  GroupId: SG,
  IsEgress: true,
  IpProtocol: '-1',
  FromPort: -1,
  ToPort: -1,
  CidrIpv4: '0.0.0.0/0',
};

function build(provider = jest.fn((_location: { account: string; region: string }) => client)) {
  return { provider, remediation: new Ec2Remediation(provider, { clock: () => new Date('2026-11-13T16:05:00.000Z') }) };
}

beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: SG, VpcId: VPC }] });
});

afterEach(() => {
  const sent = ec2.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));
  for (const name of sent) expect(EC2_REMEDIATION_OPERATIONS).toContain(name);
  expect(ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(0);
  expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(0);
  expect(ec2.commandCalls(ModifySecurityGroupRulesCommand)).toHaveLength(0);
});

afterAll(() => client.destroy());

it('asks for the client of the drifted resource’s account and region', async () => {
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [egressAll] });
  const { provider, remediation } = build();

  await remediation.revert(driftFor({}, { region: 'ap-southeast-2' }), async () => undefined);

  expect(provider).toHaveBeenCalledWith({ account: ACCOUNT, region: 'ap-southeast-2' });
});

it('revokes by IpPermissions when EC2 gives no rule id, and counts InvalidPermission.NotFound as done', async () => {
  ec2
    .on(DescribeSecurityGroupRulesCommand)
    .resolvesOnce({ SecurityGroupRules: [ssh(), egressAll] })
    .resolves({ SecurityGroupRules: [egressAll] });
  ec2.on(RevokeSecurityGroupIngressCommand).rejects(serviceError('InvalidPermission.NotFound'));
  const { remediation } = build();

  const result = await remediation.revert(driftFor({ extra: [rules.tcp(22)] }), async () => undefined);

  expect(result.verified).toBe(true);
  expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0]!.args[0].input).toEqual({
    GroupId: SG,
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
  });
  expect(result.apiCalls.find((c) => c.operation === 'RevokeSecurityGroupIngress')).toMatchObject({
    error: { code: 'InvalidPermission.NotFound' },
    response: { outcome: 'already_absent' },
  });
});

it('counts InvalidPermission.Duplicate on an egress authorize as done', async () => {
  ec2
    .on(DescribeSecurityGroupRulesCommand)
    .resolvesOnce({ SecurityGroupRules: [] })
    .resolves({ SecurityGroupRules: [egressAll] });
  ec2.on(AuthorizeSecurityGroupEgressCommand).rejects(serviceError('InvalidPermission.Duplicate'));
  const { remediation } = build();

  const result = await remediation.revert(driftFor({ missing: [rules.allEgress()] }), async () => undefined);

  expect(result.verified).toBe(true);
  expect(ec2.commandCalls(AuthorizeSecurityGroupEgressCommand)[0]!.args[0].input).toEqual({
    GroupId: SG,
    IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
  });
  expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(0);
});

it('ignores rules of other groups if the server does not apply the group-id filter', async () => {
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [egressAll, ssh('sgr-0000000000000beef', OTHER_SG)] });
  const { remediation } = build();

  const result = await remediation.revert(driftFor({ extra: [rules.tcp(22)] }), async () => undefined);

  expect(result.verified).toBe(true);
  expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
});

it('fails transiently on a paginator that repeats its NextToken', async () => {
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [egressAll], NextToken: 'same' });
  const { remediation } = build();

  await expect(remediation.revert(driftFor({ extra: [rules.tcp(22)] }), async () => undefined)).rejects.toMatchObject({
    code: 'ec2_pagination_loop',
  });
});

it('treats a group missing from DescribeSecurityGroups as deleted (permanent)', async () => {
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  const { remediation } = build();

  const err = await remediation.revert(driftFor({ extra: [rules.tcp(22)] }), async () => undefined).catch((e: unknown) => e);

  expect(err).toBeInstanceOf(PermanentError);
  expect((err as PermanentError).code).toBe('ec2_group_not_found');
  expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand)).toHaveLength(0);
});

it('maps a connection error to TransientError ec2_network', async () => {
  ec2.on(DescribeSecurityGroupRulesCommand).rejects(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
  const { remediation } = build();

  const err = await remediation.revert(driftFor({ extra: [rules.tcp(22)] }), async () => undefined).catch((e: unknown) => e);

  expect(err).toBeInstanceOf(TransientError);
  expect((err as TransientError).code).toBe('ec2_network');
});

it('sends no write once the fence throws, and lets the fence error through', async () => {
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [ssh('sgr-0000000000000aaaa'), egressAll] });
  const freeze = new FreezeRecordedError();
  const { remediation } = build();

  await expect(
    remediation.revert(driftFor({ extra: [rules.tcp(22)], missing: [rules.httpsFromVpc()] }), () => Promise.reject(freeze)),
  ).rejects.toBe(freeze);

  expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
  expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)).toHaveLength(0);
  expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(0);
});

describe('a missing rule that refers to a group that no longer exists', () => {
  // Per direction: make the authorize fail with `err`, and count the authorize calls sent.
  const ingress = {
    operation: 'AuthorizeSecurityGroupIngress',
    fail: (err: Error) => ec2.on(AuthorizeSecurityGroupIngressCommand).rejects(err),
    sent: () => ec2.commandCalls(AuthorizeSecurityGroupIngressCommand).length,
  };
  const egress = {
    operation: 'AuthorizeSecurityGroupEgress',
    fail: (err: Error) => ec2.on(AuthorizeSecurityGroupEgressCommand).rejects(err),
    sent: () => ec2.commandCalls(AuthorizeSecurityGroupEgressCommand).length,
  };

  it.each([
    ['ingress', ingress, rules.postgresFromGroup(), `The security group '${OTHER_SG}' does not exist`],
    [
      'egress, default-VPC wording',
      egress,
      rule('egress', 'tcp', 5432, 5432, { kind: 'securityGroup', groupId: OTHER_SG }),
      `The security group '${OTHER_SG}' does not exist in default VPC 'vpc-0965ff934a4aaec11'`,
    ],
  ] as const)(
    '%s: fails for good with ec2_referenced_group_not_found naming the referenced group, once',
    async (_name, call, missing, message) => {
      ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [egressAll] });
      call.fail(serviceError('InvalidGroup.NotFound', 400, message));
      const { remediation } = build();

      const err = await remediation.revert(driftFor({ missing: [missing] }), async () => undefined).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(Ec2ReferencedGroupNotFoundError);
      expect(err).toBeInstanceOf(Ec2PermanentError);
      expect(err).not.toBeInstanceOf(TransientError);
      const failure = err as Ec2ReferencedGroupNotFoundError;
      expect(failure.code).toBe('ec2_referenced_group_not_found');
      expect(failure.referencedGroupId).toBe(OTHER_SG);
      expect(failure.message).toContain(
        `on ${SG} failed: the rule ${missing.direction} tcp/5432 ${missing.direction === 'ingress' ? 'from' : 'to'} security group ${OTHER_SG} refers to security group ${OTHER_SG}`,
      );
      expect(failure.message).toContain(`the target ${SG} is not the missing group`);
      // One call, no verify read afterwards: the failure is final.
      expect(call.sent()).toBe(1);
      expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand)).toHaveLength(1);
      expect(failure.apiCalls.at(-1)).toMatchObject({ operation: call.operation, error: { code: 'InvalidGroup.NotFound', message } });
    },
  );

  it('keeps ec2_group_not_found when EC2 names the target itself', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [egressAll] });
    ec2
      .on(AuthorizeSecurityGroupIngressCommand)
      .rejects(serviceError('InvalidGroup.NotFound', 400, `The security group '${SG}' does not exist`));
    const { remediation } = build();

    const err = await remediation
      .revert(driftFor({ missing: [rules.postgresFromGroup()] }), async () => undefined)
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(Ec2PermanentError);
    expect(err).not.toBeInstanceOf(Ec2ReferencedGroupNotFoundError);
    expect((err as Ec2PermanentError).code).toBe('ec2_group_not_found');
    expect((err as Partial<Ec2ReferencedGroupNotFoundError>).referencedGroupId).toBeUndefined();
  });
});
