/**
 * The network ACL executor against the EC2 sandbox over HTTP (the real SDK client): reverts exactly
 * the differences decided `revert` with Create/Replace/DeleteNetworkAclEntry, fenced before each
 * write, idempotent, verified by re-reading; and every external failure mode.
 */
import { PermanentError, TransientError, type DriftDifference, type DriftRecord } from '@driftwarden/domain';
import { FreezeRecordedError } from '@driftwarden/pipeline';
import { Ec2Sandbox } from '@driftwarden/ec2/testing';
import { ACCESS_KEY_ID, ACCOUNT, PRINCIPAL, REGION, sandboxClient } from '../../../../ec2/test/ec2-test-support';
import { entryDifferences, diffEntries } from '../differences';
import { makeEntry, type NaclEntry } from '../model/entry';
import { NetworkAclRemediation } from './network-acl-remediation.adapter';

const ACL = 'acl-0abc1234def567890';
const e = (direction: 'ingress' | 'egress', ruleNumber: number, action: 'allow' | 'deny', cidr: string, port?: number): NaclEntry =>
  makeEntry(
    { direction, ruleNumber, protocol: port === undefined ? '-1' : 'tcp', action, cidrBlock: cidr, fromPort: port, toPort: port },
    'test',
  );

const HTTPS = e('ingress', 100, 'allow', '0.0.0.0/0', 443);
const OUT = e('egress', 100, 'allow', '0.0.0.0/0');
const SSH_WORLD = e('ingress', 90, 'allow', '0.0.0.0/0', 22);
const DENY_ATTACKER = e('ingress', 50, 'deny', '203.0.113.0/24');

function drift(live: NaclEntry[], desired: NaclEntry[]): { record: DriftRecord; differences: DriftDifference[] } {
  const diff = diffEntries(live, desired);
  const at = '2026-12-04T17:00:00.000Z';
  const differences = entryDifferences(diff).map((c): DriftDifference => ({
    ...c,
    direction: { axis: 'exposure', change: 'widens', revert: 'narrows' },
    madeBy: { source: 'config-item', principal: { arn: null, class: 'unknown' }, at, configEventId: 'ci_1' },
    decision: { action: 'revert', rule: 6, reason: 'unauthorized drift', at },
    firstSeen: { at, eventId: 'ci_1' },
  }));
  return {
    differences,
    record: {
      id: `drift-${ACL}`,
      status: 'reverting',
      dryRun: false,
      resource: { type: 'AWS::EC2::NetworkAcl', id: ACL, account: ACCOUNT, region: REGION },
      decision: { action: 'revert', rule: 6, reason: 'unauthorized drift' },
      principal: { arn: null, class: 'unknown' },
      changedAt: at,
      detectedAt: at,
      updatedAt: at,
      diff: diff as never,
      differences,
      evidence: { eventIds: ['ci_1'], configurationStateId: 1, captureTime: at, rule: 6, apiCalls: [] },
      links: {},
    },
  };
}

describe('NetworkAclRemediation (EC2 sandbox over HTTP)', () => {
  let sandbox: Ec2Sandbox;
  let remediation: NetworkAclRemediation;
  const fenced: string[] = [];
  const fence = () => {
    fenced.push(sandbox.calls.map((c) => c.action).join(','));
    return Promise.resolve();
  };

  beforeEach(async () => {
    sandbox = await Ec2Sandbox.start({ principals: { [ACCESS_KEY_ID]: PRINCIPAL } });
    const client = sandboxClient(sandbox, { maxAttempts: 1, requestTimeoutMs: 1_000 });
    remediation = new NetworkAclRemediation(() => client);
    fenced.length = 0;
  });
  afterEach(() => sandbox.close());

  it('deletes an entry only live has, re-creates one the code has, replaces one that differs, and verifies', async () => {
    const desired = [DENY_ATTACKER, HTTPS, OUT];
    const live = [SSH_WORLD, e('ingress', 100, 'allow', '0.0.0.0/0', 8443), OUT];
    sandbox.addNetworkAcl({ aclId: ACL, vpcId: 'vpc-0123456789abcdef0', entries: live });
    const { record, differences } = drift(live, desired);
    const result = await remediation.revert(record, fence, differences);
    expect(result.verified).toBe(true);
    expect(sandbox.networkAclEntries(ACL)).toEqual(desired);
    expect(result.apiCalls.map((c) => c.operation)).toEqual([
      'DescribeNetworkAcls',
      // Narrowing steps first (the SSH delete, the attacker's deny); the replace that lets tcp/443 in goes last.
      'DeleteNetworkAclEntry',
      'CreateNetworkAclEntry',
      'ReplaceNetworkAclEntry',
      'DescribeNetworkAcls',
    ]);
    expect(result.afterState).toMatchObject({ verified: true, source: 'ec2:DescribeNetworkAcls' });
    // One fence per write, immediately before it.
    expect(fenced).toHaveLength(3);
    expect(sandbox.writeCalls().map((c) => c.params['NetworkAclId'])).toEqual([ACL, ACL, ACL]);
  });

  it('reverts only the differences it is given, and nothing already equal (idempotent: a second run writes nothing)', async () => {
    const live = [SSH_WORLD, HTTPS, OUT, DENY_ATTACKER];
    sandbox.addNetworkAcl({ aclId: ACL, vpcId: 'vpc-0123456789abcdef0', entries: live });
    const { record, differences } = drift(live, [HTTPS, OUT]);
    const onlySsh = differences.filter((d) => d.key === 'ingress #90');
    expect((await remediation.revert(record, fence, onlySsh)).verified).toBe(true);
    expect(sandbox.networkAclEntries(ACL)).toEqual([DENY_ATTACKER, HTTPS, OUT]);
    sandbox.clearCalls();
    const again = await remediation.revert(record, fence, onlySsh);
    expect(again.verified).toBe(true);
    expect(sandbox.writeCalls()).toEqual([]);
  });

  it('a freeze recorded mid-revert stops the next write (the fence throws before it is sent)', async () => {
    const live = [SSH_WORLD, e('ingress', 95, 'allow', '0.0.0.0/0', 3389), OUT];
    sandbox.addNetworkAcl({ aclId: ACL, vpcId: 'vpc-0123456789abcdef0', entries: live });
    const { record, differences } = drift(live, [OUT]);
    let writes = 0;
    const freezing = () => (++writes === 2 ? Promise.reject(new FreezeRecordedError('frozen at T')) : Promise.resolve());
    await expect(remediation.revert(record, freezing, differences)).rejects.toBeInstanceOf(FreezeRecordedError);
    expect(sandbox.writeCalls()).toHaveLength(1);
  });

  it('an entry someone created meanwhile at the same number is replaced (NetworkAclEntryAlreadyExists is not a failure)', async () => {
    sandbox.addNetworkAcl({ aclId: ACL, vpcId: 'vpc-0123456789abcdef0', entries: [HTTPS, OUT] });
    const { record, differences } = drift([HTTPS, OUT], [DENY_ATTACKER, HTTPS, OUT]);
    // Between the describe and the create, someone takes rule 50.
    const off = sandbox.onNetworkAclChange(() => undefined);
    let injected = false;
    const racingFence = () => {
      if (!injected) {
        injected = true;
        sandbox.changeNetworkAcl(ACL, { create: e('ingress', 50, 'allow', '0.0.0.0/0') });
      }
      return Promise.resolve();
    };
    const result = await remediation.revert(record, racingFence, differences);
    off();
    expect(result.apiCalls.map((c) => [c.operation, (c.response as { outcome?: string } | undefined)?.outcome ?? c.error?.code])).toEqual([
      ['DescribeNetworkAcls', undefined],
      ['CreateNetworkAclEntry', 'already_present'],
      ['ReplaceNetworkAclEntry', 'replaced'],
      ['DescribeNetworkAcls', undefined],
    ]);
    expect(result.verified).toBe(true);
    expect(sandbox.networkAclEntries(ACL)).toEqual([DENY_ATTACKER, HTTPS, OUT]);
  });

  it('a deleted ACL fails for good and is never recreated', async () => {
    const { record, differences } = drift([SSH_WORLD], []);
    await expect(remediation.revert(record, fence, differences)).rejects.toMatchObject({ code: 'ec2_network_acl_not_found' });
    expect(sandbox.writeCalls()).toEqual([]);
  });

  it.each([
    ['throttled (503 RequestLimitExceeded)', { code: 'RequestLimitExceeded', status: 503 }, 'ec2_throttled', 'TransientError'],
    ['a 5xx', { code: 'InternalError', status: 500 }, 'ec2_server_error', 'TransientError'],
    ['not allowed (UnauthorizedOperation)', { code: 'UnauthorizedOperation', status: 403 }, 'ec2_unauthorized', 'PermanentError'],
    // The SDK reports a reset socket without a network error code: retried like any unknown failure.
    ['a reset connection', { network: 'reset' as const }, 'ec2_unknown', 'TransientError'],
    ['no answer (timeout)', { network: 'hang' as const }, 'ec2_timeout', 'TransientError'],
  ])('a write that fails with %s is classified, with the calls so far kept', async (_name, failure, code, type) => {
    sandbox.addNetworkAcl({ aclId: ACL, vpcId: 'vpc-0123456789abcdef0', entries: [SSH_WORLD, OUT] });
    const { record, differences } = drift([SSH_WORLD, OUT], [OUT]);
    sandbox.failNext('DeleteNetworkAclEntry', failure);
    const err = (await remediation.revert(record, fence, differences).catch((x: unknown) => x)) as Error & {
      code: string;
      apiCalls: unknown[];
    };
    expect(err.code).toBe(code);
    expect(err).toBeInstanceOf(type === 'TransientError' ? TransientError : PermanentError);
    expect(err.apiCalls).toHaveLength(2);
  });

  it('refuses a record of another type or a malformed id before any call', async () => {
    const { record, differences } = drift([SSH_WORLD], []);
    await expect(
      remediation.revert({ ...record, resource: { ...record.resource, type: 'AWS::EC2::SecurityGroup' } }, fence, differences),
    ).rejects.toMatchObject({
      code: 'ec2_unsupported_resource',
    });
    await expect(
      remediation.revert({ ...record, resource: { ...record.resource, id: 'acl-XYZ' } }, fence, differences),
    ).rejects.toMatchObject({
      code: 'ec2_invalid_network_acl_id',
    });
    expect(sandbox.calls).toEqual([]);
  });
});
