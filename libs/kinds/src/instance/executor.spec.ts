import { PermanentError, TransientError, type DriftDifference, type DriftRecord } from '@driftwarden/domain';
import { createEc2ClientProvider } from '@driftwarden/ec2';
import { Ec2Sandbox } from '@driftwarden/ec2/testing';
import { InstanceRemediation } from './executor';
import { INSTANCE_TYPE } from './model';

const ID = 'i-0c0ffee000000000a';
const KEY = 'AKIDINSTANCEEXEC';
let ec2: Ec2Sandbox;
let executor: InstanceRemediation;

const drift = (id = ID) =>
  ({
    id: 'drift-i-1',
    resource: { type: INSTANCE_TYPE, kind: 'instance', id, account: '111122223333', region: 'eu-west-1' },
    diff: { equal: false },
  }) as unknown as DriftRecord;
const diff = (attribute: string, live: unknown, desired: unknown, member?: string) =>
  ({ detail: { attribute, live, desired, ...(member ? { member } : {}) } }) as unknown as DriftDifference;

beforeEach(async () => {
  ec2 = await Ec2Sandbox.start({ principals: { [KEY]: 'arn:aws:sts::111122223333:assumed-role/driftwarden/controller' } });
  for (const g of ['sg-0a000000000000001', 'sg-0a000000000000002'])
    ec2.addGroup({ groupId: g, vpcId: 'vpc-01', groupName: g, rules: [], tags: {} });
  ec2.instances.add({
    instanceId: ID,
    instanceType: 't3.small',
    httpTokens: 'required',
    httpEndpoint: 'enabled',
    disableApiTermination: true,
    disableApiStop: true,
    securityGroupIds: ['sg-0a000000000000001'],
    tags: {},
  });
  executor = new InstanceRemediation(
    createEc2ClientProvider({
      requestTimeoutMs: 2_000,
      endpoint: ec2.url,
      maxAttempts: 1,
      credentials: { accessKeyId: KEY, secretAccessKey: 's' },
    }),
  );
});
afterEach(() => ec2.close());

describe('InstanceRemediation against the EC2 sandbox', () => {
  it('requires IMDSv2 again, turns protection back on and detaches an attached group: each write fenced, verified', async () => {
    ec2.instances.change(ID, {
      httpTokens: 'optional',
      disableApiTermination: false,
      securityGroupIds: ['sg-0a000000000000001', 'sg-0a000000000000002'],
    });
    let fenced = 0;
    const r = await executor.revert(drift(), async () => void fenced++, [
      diff('metadata_options.http_tokens', 'optional', 'required'),
      diff('disable_api_termination', false, true),
      diff('vpc_security_group_ids', 'sg-0a000000000000002', null, 'sg-0a000000000000002'),
    ]);
    expect(r.verified).toBe(true);
    expect(fenced).toBe(3);
    expect(ec2.instances.get(ID)).toMatchObject({
      httpTokens: 'required',
      disableApiTermination: true,
      securityGroupIds: ['sg-0a000000000000001'],
    });
    expect(r.apiCalls.filter((c) => c.operation.startsWith('Modify')).map((c) => [c.operation, c.request])).toEqual([
      ['ModifyInstanceMetadataOptions', { InstanceId: ID, HttpTokens: 'required' }],
      ['ModifyInstanceAttribute', { InstanceId: ID, DisableApiTermination: { Value: true } }],
      ['ModifyInstanceAttribute', { InstanceId: ID, Groups: ['sg-0a000000000000001'] }],
    ]);
  });

  it('is idempotent: nothing left to change makes no write', async () => {
    let fenced = 0;
    const r = await executor.revert(drift(), async () => void fenced++, [diff('metadata_options.http_tokens', 'optional', 'required')]);
    expect(r.verified).toBe(true);
    expect(fenced).toBe(0);
  });

  it('never changes the instance type (it needs a stop), nor leaves an instance in no group', async () => {
    await expect(executor.revert(drift(), async () => undefined, [diff('instance_type', 't3.large', 't3.small')])).rejects.toMatchObject({
      code: 'instance_needs_stop',
    });
    await expect(
      executor.revert(drift(), async () => undefined, [
        diff('vpc_security_group_ids', 'sg-0a000000000000001', null, 'sg-0a000000000000001'),
      ]),
    ).rejects.toMatchObject({ code: 'instance_no_groups' });
  });

  it('a fence that throws stops the write; a terminated instance is permanent; throttling transient, access denied permanent', async () => {
    ec2.instances.change(ID, { httpTokens: 'optional' });
    await expect(
      executor.revert(drift(), () => Promise.reject(new Error('frozen')), [diff('metadata_options.http_tokens', 'optional', 'required')]),
    ).rejects.toThrow('frozen');
    expect(ec2.instances.get(ID).httpTokens).toBe('optional');
    await expect(
      executor.revert(drift('i-0deadbeef0000000a'), async () => undefined, [diff('metadata_options.http_tokens', 'optional', 'required')]),
    ).rejects.toMatchObject({
      code: 'instance_not_found',
    });
    ec2.instances.failNext('ModifyInstanceMetadataOptions', { code: 'RequestLimitExceeded', status: 503 });
    await expect(
      executor.revert(drift(), async () => undefined, [diff('metadata_options.http_tokens', 'optional', 'required')]),
    ).rejects.toBeInstanceOf(TransientError);
    ec2.instances.failNext('ModifyInstanceMetadataOptions', { code: 'UnauthorizedOperation', status: 403 });
    await expect(
      executor.revert(drift(), async () => undefined, [diff('metadata_options.http_tokens', 'optional', 'required')]),
    ).rejects.toBeInstanceOf(PermanentError);
    expect(ec2.instances.get(ID).httpTokens).toBe('optional');
  });
});
