/**
 * Ec2Remediation against the EC2 sandbox: the real SDK client over real HTTP (endpoint = the
 * sandbox, region eu-west-1, static dummy credentials). Nothing here can reach AWS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { FreezeRecordedError, type Fence } from '@driftwarden/pipeline';
import { Ec2PermanentError, Ec2TransientError } from '@driftwarden/ec2';
import { Ec2Sandbox, type SandboxCall } from '@driftwarden/ec2/testing';
import { ruleKey, sortRules, uniqueRules } from '../model/rule';
import { ACCOUNT, OTHER_SG, PRINCIPAL, ACCESS_KEY_ID, SG, VPC, rule, rules, sandboxClient } from '../../../../ec2/test/ec2-test-support';
import { AFTER_STATE_SOURCE, EC2_REMEDIATION_OPERATIONS, Ec2Remediation } from './ec2-remediation.adapter';
import { Ec2ReferencedGroupNotFoundError } from './ec2-remediation.errors';
import { driftFor } from './test/executor-test-support';
import type { PermissionRule } from '../model/permission-rule';

const DEFAULT_VPC_SG = 'sg-0d0d0d0d0d0d0d0d0';
const NOW = new Date('2026-11-13T16:05:00.000Z');

let sandbox: Ec2Sandbox;
let client: EC2Client;
let remediation: Ec2Remediation;

/** A fence that counts its calls and notes how many sandbox calls had happened at each. */
function countingFence(before: (n: number) => void = () => undefined): Fence & { count: number; callsSeen: number[] } {
  const fence = Object.assign(
    async () => {
      fence.count += 1;
      fence.callsSeen.push(sandbox.calls.length);
      before(fence.count);
    },
    { count: 0, callsSeen: [] as number[] },
  );
  return fence;
}

const desiredRules = () => [rules.httpsFromVpc(), rules.allEgress()];
const keys = (list: readonly PermissionRule[]) => uniqueRules(list).map(ruleKey).sort();
const writes = (): SandboxCall[] => sandbox.writeCalls();
const idOf = (groupId: string, r: PermissionRule) =>
  sandbox.identifiedRules(groupId).find((x) => ruleKey(x.rule) === ruleKey(r))?.securityGroupRuleId;

beforeEach(async () => {
  sandbox = await Ec2Sandbox.start({ principals: { [ACCESS_KEY_ID]: PRINCIPAL } });
  client = sandboxClient(sandbox);
  remediation = new Ec2Remediation(() => client, { clock: () => NOW, pageSize: 5 });
});

afterEach(async () => {
  // Whatever a test did, the adapter only ever called the six allowed operations.
  for (const call of sandbox.calls) expect(EC2_REMEDIATION_OPERATIONS).toContain(call.action);
  client.destroy();
  await sandbox.close();
});

describe('revert and verify', () => {
  it('revokes an extra tcp/22 from 0.0.0.0/0 by its rule id and verifies', async () => {
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [...desiredRules(), rules.sshFromWorld()] });
    const sshId = idOf(SG, rules.sshFromWorld());
    const fence = countingFence();

    const result = await remediation.revert(driftFor({ extra: [rules.sshFromWorld()] }), fence);

    expect(result.verified).toBe(true);
    expect(keys(sandbox.rules(SG))).toEqual(keys(desiredRules()));
    expect(writes()).toHaveLength(1);
    expect(writes()[0]!.action).toBe('RevokeSecurityGroupIngress');
    expect(writes()[0]!.params).toEqual({
      Action: 'RevokeSecurityGroupIngress',
      Version: '2016-11-15',
      GroupId: SG,
      'SecurityGroupRuleId.1': sshId,
    });
    expect(fence.count).toBe(1);

    expect(result.apiCalls.map((c) => c.operation)).toEqual([
      'DescribeSecurityGroups',
      'DescribeSecurityGroupRules',
      'RevokeSecurityGroupIngress',
      'DescribeSecurityGroupRules',
    ]);
    const revoke = result.apiCalls[2]!;
    expect(revoke).toEqual({
      service: 'ec2',
      operation: 'RevokeSecurityGroupIngress',
      request: { GroupId: SG, SecurityGroupRuleIds: [sshId] },
      response: { Return: true, RevokedSecurityGroupRuleIds: [sshId], outcome: 'revoked', requestId: writes()[0]!.requestId },
      at: NOW.toISOString(),
    });
    expect(result.afterState).toEqual({
      at: NOW.toISOString(),
      source: AFTER_STATE_SOURCE,
      verified: true,
      rules: sortRules(sandbox.rules(SG)),
    });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('authorizes a missing rule with IpPermissions and verifies', async () => {
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [rules.allEgress()] });
    const fence = countingFence();

    const result = await remediation.revert(driftFor({ missing: [rules.httpsFromVpc()] }), fence);

    expect(result.verified).toBe(true);
    expect(keys(sandbox.rules(SG))).toEqual(keys(desiredRules()));
    expect(writes().map((c) => c.params)).toEqual([
      {
        Action: 'AuthorizeSecurityGroupIngress',
        Version: '2016-11-15',
        GroupId: SG,
        'IpPermissions.1.IpProtocol': 'tcp',
        'IpPermissions.1.FromPort': '443',
        'IpPermissions.1.ToPort': '443',
        'IpPermissions.1.IpRanges.1.CidrIp': '10.0.0.0/8',
      },
    ]);
    const authorize = result.apiCalls.find((c) => c.operation === 'AuthorizeSecurityGroupIngress')!;
    expect(authorize.response).toEqual({
      Return: true,
      SecurityGroupRuleIds: [idOf(SG, rules.httpsFromVpc())],
      outcome: 'authorized',
      requestId: writes()[0]!.requestId,
    });
    expect(fence.count).toBe(1);
  });

  const group = (groupId: string): PermissionRule => rule('ingress', 'tcp', 5432, 5432, { kind: 'securityGroup', groupId });
  it.each<[string, PermissionRule[], PermissionRule[], PermissionRule[], Array<[string, Record<string, string>]>]>([
    [
      'all traffic (-1) egress to 0.0.0.0/0, extra',
      [rules.httpsFromVpc(), rules.allEgress()],
      [rules.allEgress()],
      [],
      [['RevokeSecurityGroupEgress', {}]],
    ],
    [
      'all traffic (-1) egress, missing (no ports on the wire)',
      [rules.httpsFromVpc()],
      [],
      [rules.allEgress()],
      [['AuthorizeSecurityGroupEgress', { 'IpPermissions.1.IpProtocol': '-1', 'IpPermissions.1.IpRanges.1.CidrIp': '0.0.0.0/0' }]],
    ],
    [
      'IPv6 ::/0 (all traffic and tcp/443), extra',
      [rules.httpsFromVpc(), rules.allFromWorldV6(), rules.httpsFromWorldV6()],
      [rules.allFromWorldV6(), rules.httpsFromWorldV6()],
      [],
      [
        ['RevokeSecurityGroupIngress', {}],
        ['RevokeSecurityGroupIngress', {}],
      ],
    ],
    [
      'IPv6 ::/0 egress, missing',
      [rules.httpsFromVpc()],
      [],
      [rules.allEgressV6()],
      [['AuthorizeSecurityGroupEgress', { 'IpPermissions.1.IpProtocol': '-1', 'IpPermissions.1.Ipv6Ranges.1.CidrIpv6': '::/0' }]],
    ],
    [
      'prefix list egress, missing and extra',
      [rule('egress', 'tcp', 443, 443, { kind: 'prefixList', prefixListId: 'pl-0bad0bad' })],
      [rule('egress', 'tcp', 443, 443, { kind: 'prefixList', prefixListId: 'pl-0bad0bad' })],
      [rules.httpsToPrefixList()],
      [
        ['RevokeSecurityGroupEgress', {}],
        [
          'AuthorizeSecurityGroupEgress',
          { 'IpPermissions.1.FromPort': '443', 'IpPermissions.1.PrefixListIds.1.PrefixListId': 'pl-0123abcd' },
        ],
      ],
    ],
    [
      'referenced security group, missing and extra',
      [group('sg-0badbadbadbadbad0')],
      [group('sg-0badbadbadbadbad0')],
      [group(OTHER_SG)],
      [
        ['RevokeSecurityGroupIngress', {}],
        ['AuthorizeSecurityGroupIngress', { 'IpPermissions.1.FromPort': '5432', 'IpPermissions.1.Groups.1.GroupId': OTHER_SG }],
      ],
    ],
    [
      'icmp echo, missing',
      [],
      [],
      [rules.icmpEcho()],
      [
        [
          'AuthorizeSecurityGroupIngress',
          { 'IpPermissions.1.IpProtocol': 'icmp', 'IpPermissions.1.FromPort': '8', 'IpPermissions.1.ToPort': '0' },
        ],
      ],
    ],
  ])('%s', async (_name, live, extra, missing, expectedWrites) => {
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: live });
    // The group a missing rule refers to exists (EC2 refuses a reference to a group that does not).
    sandbox.addGroup({ groupId: OTHER_SG, vpcId: VPC });
    const ids = extra.map((r) => idOf(SG, r));
    const fence = countingFence();

    const result = await remediation.revert(driftFor({ extra, missing }), fence);

    expect(result.verified).toBe(true);
    const desired = [...live.filter((r) => !extra.some((e) => ruleKey(e) === ruleKey(r))), ...missing];
    expect(keys(sandbox.rules(SG))).toEqual(keys(desired));
    expect(writes().map((c) => c.action)).toEqual(expectedWrites.map(([action]) => action));
    writes().forEach((call, i) => expect(call.params).toMatchObject(expectedWrites[i]![1]));
    // Revokes go by rule id, never by properties.
    const revokeIds = writes()
      .filter((c) => c.action.startsWith('Revoke'))
      .map((c) => c.params['SecurityGroupRuleId.1']);
    expect(revokeIds).toEqual(ids);
    expect(fence.count).toBe(writes().length);
  });

  it('reads every page of DescribeSecurityGroupRules', async () => {
    const many = [2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009].map((p) => rules.tcp(p, '10.0.0.0/8'));
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [...desiredRules(), ...many, rules.sshFromWorld()] });

    const result = await remediation.revert(driftFor({ extra: [rules.sshFromWorld()] }), countingFence());

    expect(result.verified).toBe(true);
    expect(result.afterState.rules).toHaveLength(12);
    const describes = sandbox.calls.filter((c) => c.action === 'DescribeSecurityGroupRules');
    expect(describes).toHaveLength(6); // 13 rules before (3 pages of 5), 12 after (3 pages)
    expect(describes.filter((c) => c.params['NextToken'] !== undefined)).toHaveLength(4);
    expect(
      describes.every(
        (c) => c.params['MaxResults'] === '5' && c.params['Filter.1.Name'] === 'group-id' && c.params['Filter.1.Value.1'] === SG,
      ),
    ).toBe(true);
  });

  it('refuses a resource that is not a security group, without calling EC2', async () => {
    await expect(
      remediation.revert(driftFor({ extra: [rules.sshFromWorld()] }, { type: 'AWS::S3::Bucket', id: 'my-bucket' }), countingFence()),
    ).rejects.toMatchObject({
      code: 'ec2_unsupported_resource',
    });
    expect(sandbox.calls).toHaveLength(0);
  });
});

describe('idempotency', () => {
  it('counts InvalidPermission.Duplicate on authorize as done (someone added the rule first)', async () => {
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [rules.allEgress()] });
    // The fence runs right before the write: a concurrent actor adds the rule at that moment.
    const fence = countingFence(() => sandbox.addRules(SG, [rules.httpsFromVpc()]));

    const result = await remediation.revert(driftFor({ missing: [rules.httpsFromVpc()] }), fence);

    expect(result.verified).toBe(true);
    expect(writes()).toEqual([
      expect.objectContaining({
        action: 'AuthorizeSecurityGroupIngress',
        status: 400,
        error: expect.objectContaining({ code: 'InvalidPermission.Duplicate' }),
      }),
    ]);
    const authorize = result.apiCalls.find((c) => c.operation === 'AuthorizeSecurityGroupIngress')!;
    expect(authorize.error?.code).toBe('InvalidPermission.Duplicate');
    expect(authorize.response).toEqual({ outcome: 'already_present' });
  });

  it('counts a rule id that no longer exists on revoke as done (someone revoked it first)', async () => {
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [...desiredRules(), rules.sshFromWorld()] });
    const fence = countingFence(() => sandbox.removeRules(SG, [rules.sshFromWorld()]));

    const result = await remediation.revert(driftFor({ extra: [rules.sshFromWorld()] }), fence);

    expect(result.verified).toBe(true);
    const revoke = result.apiCalls.find((c) => c.operation === 'RevokeSecurityGroupIngress')!;
    expect(revoke.error?.code).toBe('InvalidSecurityGroupRuleId.NotFound');
    expect(revoke.response).toEqual({ outcome: 'already_absent' });
  });

  it('makes no call for an extra rule that is already gone, nor for a missing rule already present', async () => {
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: desiredRules() });
    const fence = countingFence();

    const result = await remediation.revert(driftFor({ extra: [rules.sshFromWorld()], missing: [rules.httpsFromVpc()] }), fence);

    expect(result.verified).toBe(true);
    expect(writes()).toHaveLength(0);
    expect(fence.count).toBe(0);
  });

  it('converges when the job retries after a partial revert', async () => {
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [rules.allEgress(), rules.sshFromWorld(), rules.tcp(8080)] });
    const drift = driftFor({ extra: [rules.sshFromWorld(), rules.tcp(8080)], missing: [rules.httpsFromVpc()] });
    // First attempt: the second write is throttled (the fence arms the failure right before it).
    const first = countingFence((n) => {
      if (n === 2) sandbox.failNext('RevokeSecurityGroupIngress', { code: 'RequestLimitExceeded', status: 503 });
    });
    const err = await remediation.revert(drift, first).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(keys(sandbox.rules(SG))).toEqual(keys([rules.allEgress(), rules.tcp(8080)]));

    sandbox.clearCalls();
    const second = countingFence();
    const result = await remediation.revert(drift, second);

    expect(result.verified).toBe(true);
    expect(keys(sandbox.rules(SG))).toEqual(keys(desiredRules()));
    // Only what was left: the 8080 revoke and the authorize; ssh is not touched again.
    expect(writes().map((c) => c.action)).toEqual(['RevokeSecurityGroupIngress', 'AuthorizeSecurityGroupIngress']);
    expect(second.count).toBe(2);

    // A third run (e.g. the verify read failed after every write succeeded) writes nothing.
    sandbox.clearCalls();
    const third = await remediation.revert(drift, countingFence());
    expect(third.verified).toBe(true);
    expect(writes()).toHaveLength(0);
  });
});

describe('default-VPC quirk', () => {
  it('records a revoke answered with Return false / UnknownIpPermissions and lets verify say not verified', async () => {
    sandbox.addGroup({
      groupId: DEFAULT_VPC_SG,
      vpcId: 'vpc-0default000000000',
      isDefaultVpc: true,
      rules: [...desiredRules(), rules.sshFromWorld()],
    });
    sandbox.failNext('RevokeSecurityGroupIngress', { quirk: 'unknown-ip-permissions' });

    const result = await remediation.revert(driftFor({ extra: [rules.sshFromWorld()] }, { id: DEFAULT_VPC_SG }), countingFence());

    expect(result.verified).toBe(false);
    expect(result.afterState.remaining).toEqual({ extra: [rules.sshFromWorld()], missing: [] });
    const revoke = result.apiCalls.find((c) => c.operation === 'RevokeSecurityGroupIngress')!;
    expect(revoke.error).toBeUndefined();
    expect(revoke.response).toMatchObject({
      Return: false,
      outcome: 'nothing_revoked',
      UnknownIpPermissions: [
        expect.objectContaining({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'temp' }] }),
      ],
    });
    expect(sandbox.rules(DEFAULT_VPC_SG)).toContainEqual(rules.sshFromWorld());
  });
});

describe('errors', () => {
  it.each([
    ['RequestLimitExceeded', 503, 'ec2_throttled'],
    ['Throttling', 400, 'ec2_throttled'],
    ['InternalError', 500, 'ec2_server_error'],
    ['Unavailable', 503, 'ec2_server_error'],
  ])('%s (%i) → TransientError %s, with the calls so far', async (code, status, expected) => {
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [...desiredRules(), rules.sshFromWorld()] });
    sandbox.failNext('DescribeSecurityGroupRules', { code, status });

    const err = await remediation.revert(driftFor({ extra: [rules.sshFromWorld()] }), countingFence()).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(Ec2TransientError);
    expect(err).toBeInstanceOf(TransientError);
    const e = err as Ec2TransientError;
    expect(e.code).toBe(expected);
    expect(e.awsCode).toBe(code);
    expect(e.operation).toBe('DescribeSecurityGroupRules');
    expect(e.apiCalls.map((c) => [c.operation, c.error?.code])).toEqual([
      ['DescribeSecurityGroups', undefined],
      ['DescribeSecurityGroupRules', code],
    ]);
    expect(writes()).toHaveLength(0);
  });

  it('a throttled write is transient and wrote nothing', async () => {
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [...desiredRules(), rules.sshFromWorld()] });
    sandbox.failNext('RevokeSecurityGroupIngress', { code: 'RequestLimitExceeded', status: 503 });

    await expect(remediation.revert(driftFor({ extra: [rules.sshFromWorld()] }), countingFence())).rejects.toMatchObject({
      code: 'ec2_throttled',
    });
    expect(sandbox.rules(SG)).toContainEqual(rules.sshFromWorld());
  });

  it.each([
    ['a timeout', { network: 'hang' } as const, 'ec2_timeout'],
    ['a connection reset', { network: 'reset' } as const, undefined],
  ])('%s → TransientError', async (_name, failure, expected) => {
    const impatient = sandboxClient(sandbox, { requestTimeoutMs: 200 });
    const adapter = new Ec2Remediation(() => impatient, { clock: () => NOW });
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: desiredRules() });
    sandbox.failNext('DescribeSecurityGroups', failure);

    const err = await adapter.revert(driftFor({ extra: [rules.sshFromWorld()] }), countingFence()).catch((e: unknown) => e);
    impatient.destroy();

    expect(err).toBeInstanceOf(TransientError);
    if (expected) expect((err as TransientError).code).toBe(expected);
  });

  it.each([
    ['UnauthorizedOperation', 403, 'ec2_unauthorized'],
    ['AuthFailure', 401, 'ec2_auth_failure'],
  ])('%s (%i) on a write → PermanentError %s', async (code, status, expected) => {
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [...desiredRules(), rules.sshFromWorld()] });
    sandbox.failNext('RevokeSecurityGroupIngress', { code, status });

    const err = await remediation.revert(driftFor({ extra: [rules.sshFromWorld()] }), countingFence()).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(Ec2PermanentError);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Ec2PermanentError).code).toBe(expected);
    expect((err as Ec2PermanentError).message).toContain(code);
    expect((err as Ec2PermanentError).apiCalls.at(-1)).toMatchObject({ operation: 'RevokeSecurityGroupIngress', error: { code } });
  });

  it('a deleted group → PermanentError ec2_group_not_found, nothing written, never recreated', async () => {
    sandbox.addGroup({ groupId: OTHER_SG, vpcId: VPC, rules: [] });

    const err = await remediation
      .revert(driftFor({ extra: [rules.sshFromWorld()], missing: [rules.httpsFromVpc()] }), countingFence())
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('ec2_group_not_found');
    expect((err as PermanentError).message).toMatch(/never recreates/);
    expect(sandbox.calls.map((c) => c.action)).toEqual(['DescribeSecurityGroups']);
    expect(sandbox.hasGroup(SG)).toBe(false);
  });

  it('a group deleted mid-revert → PermanentError on the write, and it stays deleted', async () => {
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [rules.allEgress()] });
    const fence = countingFence(() => sandbox.removeGroup(SG));

    const err = await remediation.revert(driftFor({ missing: [rules.httpsFromVpc()] }), fence).catch((e: unknown) => e);

    expect((err as PermanentError).code).toBe('ec2_group_not_found');
    expect(writes()).toEqual([
      expect.objectContaining({
        action: 'AuthorizeSecurityGroupIngress',
        error: expect.objectContaining({ code: 'InvalidGroup.NotFound' }),
      }),
    ]);
    expect(sandbox.hasGroup(SG)).toBe(false);
  });
});

describe('a missing rule that refers to a group deleted since', () => {
  it('fails for good with ec2_referenced_group_not_found naming that group; the target is alive, nothing is retried or recreated', async () => {
    // A client that would retry: the SDK must not retry this answer either.
    const retrying = sandboxClient(sandbox, { maxAttempts: 3 });
    const adapter = new Ec2Remediation(() => retrying, { clock: () => NOW });
    sandbox.addGroup({ groupId: OTHER_SG, vpcId: VPC, groupName: 'db-clients' });
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [rules.allEgress(), rules.sshFromWorld()] });
    // Someone revoked the postgres rule, then deleted the group it referred to.
    sandbox.removeGroup(OTHER_SG);

    const err = await adapter
      .revert(driftFor({ extra: [rules.sshFromWorld()], missing: [rules.postgresFromGroup()] }), countingFence())
      .catch((e: unknown) => e);
    retrying.destroy();

    expect(err).toBeInstanceOf(Ec2ReferencedGroupNotFoundError);
    expect(err).toBeInstanceOf(Ec2PermanentError);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).not.toBeInstanceOf(TransientError);
    const failure = err as Ec2ReferencedGroupNotFoundError;
    expect(failure.code).toBe('ec2_referenced_group_not_found');
    expect(failure.referencedGroupId).toBe(OTHER_SG);
    expect(failure.awsCode).toBe('InvalidGroup.NotFound');
    expect(failure.operation).toBe('AuthorizeSecurityGroupIngress');
    expect(failure.message).toContain(
      `ec2 AuthorizeSecurityGroupIngress on ${SG} failed: the rule ingress tcp/5432 from security group ${OTHER_SG} refers to security group ${OTHER_SG}`,
    );
    expect(failure.message).toContain(`the target ${SG} is not the missing group`);

    // The revoke went first (the door is closed); the authorize was sent once and refused.
    const message = `The security group '${OTHER_SG}' does not exist`;
    expect(writes().map((c) => [c.action, c.status, c.error?.code])).toEqual([
      ['RevokeSecurityGroupIngress', 200, undefined],
      ['AuthorizeSecurityGroupIngress', 400, 'InvalidGroup.NotFound'],
    ]);
    expect(sandbox.calls.at(-1)).toBe(writes()[1]);
    // The evidence records the failed call: its request, EC2's code and message, when.
    expect(failure.apiCalls.map((c) => c.operation)).toEqual([
      'DescribeSecurityGroups',
      'DescribeSecurityGroupRules',
      'RevokeSecurityGroupIngress',
      'AuthorizeSecurityGroupIngress',
    ]);
    expect(failure.apiCalls.at(-1)).toEqual({
      service: 'ec2',
      operation: 'AuthorizeSecurityGroupIngress',
      request: {
        GroupId: SG,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: OTHER_SG }] }],
      },
      error: { code: 'InvalidGroup.NotFound', message },
      at: NOW.toISOString(),
    });
    expect(sandbox.hasGroup(SG)).toBe(true);
    expect(sandbox.hasGroup(OTHER_SG)).toBe(false);
    expect(keys(sandbox.rules(SG))).toEqual(keys([rules.allEgress()]));
  });

  it('an egress rule to a deleted group fails the same way', async () => {
    const toDeleted = rule('egress', 'tcp', 5432, 5432, { kind: 'securityGroup', groupId: OTHER_SG });
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [rules.httpsFromVpc()] });

    const err = await remediation.revert(driftFor({ missing: [toDeleted] }), countingFence()).catch((e: unknown) => e);

    expect((err as Ec2ReferencedGroupNotFoundError).code).toBe('ec2_referenced_group_not_found');
    expect((err as Ec2ReferencedGroupNotFoundError).referencedGroupId).toBe(OTHER_SG);
    expect((err as Ec2ReferencedGroupNotFoundError).message).toContain(`the rule egress tcp/5432 to security group ${OTHER_SG}`);
    expect(writes().map((c) => c.action)).toEqual(['AuthorizeSecurityGroupEgress']);
  });
});

describe('verify', () => {
  it('reports verified: false with what remains when someone adds a rule between the revert and the verify', async () => {
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [...desiredRules(), rules.sshFromWorld()] });
    // Right after our revoke lands, someone opens RDP.
    sandbox.onChange((groupId, _rules, action, principalArn) => {
      if (action === 'RevokeSecurityGroupIngress' && principalArn === PRINCIPAL)
        sandbox.addRules(groupId, [rules.tcp(3389)], `arn:aws:sts::${ACCOUNT}:assumed-role/dev/mallory`);
    });

    const result = await remediation.revert(driftFor({ extra: [rules.sshFromWorld()] }), countingFence());

    expect(result.verified).toBe(false);
    expect(result.afterState.verified).toBe(false);
    expect(result.afterState.remaining).toEqual({ extra: [rules.tcp(3389)], missing: [] });
    expect(keys(result.afterState.rules)).toEqual(keys([...desiredRules(), rules.tcp(3389)]));
  });

  it('reports a missing rule someone revoked again as remaining.missing', async () => {
    sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [rules.allEgress()] });
    sandbox.onChange((groupId, _rules, action, principalArn) => {
      if (action === 'AuthorizeSecurityGroupIngress' && principalArn === PRINCIPAL) sandbox.removeRules(groupId, [rules.httpsFromVpc()]);
    });

    const result = await remediation.revert(driftFor({ missing: [rules.httpsFromVpc()] }), countingFence());

    expect(result.verified).toBe(false);
    expect(result.afterState.remaining).toEqual({ extra: [], missing: [rules.httpsFromVpc()] });
  });
});

describe('the fence', () => {
  const threeWrites = () => driftFor({ extra: [rules.sshFromWorld(), rules.tcp(8080)], missing: [rules.httpsFromVpc()] });
  beforeEach(() => sandbox.addGroup({ groupId: SG, vpcId: VPC, rules: [rules.allEgress(), rules.sshFromWorld(), rules.tcp(8080)] }));

  it('is called once per write, immediately before it', async () => {
    const fence = countingFence();

    const result = await remediation.revert(threeWrites(), fence);

    expect(result.verified).toBe(true);
    expect(writes()).toHaveLength(3);
    expect(fence.count).toBe(3);
    // The call right after each fence is a write: nothing (not even a read) sits in between.
    for (const seen of fence.callsSeen) expect(writes()).toContain(sandbox.calls[seen]);
  });

  it('stops at a freeze: the error propagates untouched and exactly one write happened', async () => {
    const freeze = new FreezeRecordedError();
    const fence = countingFence((n) => {
      if (n === 2) throw freeze;
    });

    const err = await remediation.revert(threeWrites(), fence).catch((e: unknown) => e);

    expect(err).toBe(freeze);
    expect(writes()).toHaveLength(1);
    expect(fence.count).toBe(2);
    // Nothing was read or written after the freeze.
    expect(sandbox.calls.at(-1)).toBe(writes()[0]);
  });

  it('a freeze before the first write means no write at all', async () => {
    const freeze = new FreezeRecordedError();
    const err = await remediation.revert(threeWrites(), () => Promise.reject(freeze)).catch((e: unknown) => e);
    expect(err).toBe(freeze);
    expect(writes()).toHaveLength(0);
    expect(keys(sandbox.rules(SG))).toEqual(keys([rules.allEgress(), rules.sshFromWorld(), rules.tcp(8080)]));
  });
});

describe('the adapter never creates, deletes or modifies a security group', () => {
  it('imports and sends no such command', () => {
    const source = readFileSync(join(__dirname, 'ec2-remediation.adapter.ts'), 'utf8');
    const commands = [...source.matchAll(/\b(\w+)Command\b/g)].map((m) => m[1]);
    expect(new Set(commands)).toEqual(
      new Set([
        'AuthorizeSecurityGroupEgress',
        'AuthorizeSecurityGroupIngress',
        'DescribeSecurityGroupRules',
        'DescribeSecurityGroups',
        'RevokeSecurityGroupEgress',
        'RevokeSecurityGroupIngress',
      ]),
    );
    expect(source).not.toMatch(/(Create|Delete)SecurityGroup|ModifySecurityGroupRules/);
    expect([...EC2_REMEDIATION_OPERATIONS].sort()).toEqual([...new Set(commands)].sort());
  });
});
