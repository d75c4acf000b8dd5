import fc from 'fast-check';
import { S3Client } from '@aws-sdk/client-s3';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { createEc2ClientProvider } from '@driftwarden/ec2';
import { Ec2Sandbox } from '@driftwarden/ec2/testing';
import { AutoScalingSandbox, S3Sandbox } from '@driftwarden/sandbox/testing';
import { createAutoScalingClientProvider } from '../asg/executor';
import { AsgKind } from '../asg/asg.kind';
import { AutoScalingLiveReader } from '../asg/reconcile';
import { InstanceLiveReader } from '../instance/reconcile';
import { protectionFromConfig } from '../instance/model';
import { entriesFromConfiguration, entriesFromSdk, toEntryParameters } from '../network-acl/normalize/sources';
import { sortEntries } from '../network-acl/model/entry';
import { entries } from '../network-acl/testing/arbitraries';
import { liveNetworkAcl, NetworkAclLiveReader } from '../network-acl/reconcile';
import { BucketLiveReader } from '../s3-bucket/reconcile';
import { liveBlock } from '../s3-bucket/s3-bucket.kind';

const LOCATION = { account: '111122223333', region: 'eu-west-1' };
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' };

describe('network ACL live configuration as a Config item', () => {
  it('DescribeNetworkAcls entries → Config configuration → the same entries (property)', () => {
    fc.assert(
      fc.property(entries(), (list) => {
        const sdk = list.map((e) => {
          const p = toEntryParameters('acl-0abc', e);
          return { ...p, IcmpTypeCode: p.IcmpTypeCode, PortRange: p.PortRange };
        });
        const live = liveNetworkAcl({ NetworkAclId: 'acl-0abc', Entries: sdk }, LOCATION);
        expect(sortEntries(entriesFromConfiguration(live.configuration!))).toEqual(sortEntries(entriesFromSdk(sdk, 'acl-0abc')));
      }),
    );
  });
});

describe('the kinds’ live readers against the sandboxes', () => {
  let ec2: Ec2Sandbox;
  let s3: S3Sandbox;
  let autoscaling: AutoScalingSandbox;
  let s3Client: S3Client;
  const pace = jest.fn(async () => undefined);

  beforeAll(async () => {
    ec2 = await Ec2Sandbox.start({ accountId: LOCATION.account, region: LOCATION.region });
    s3 = await S3Sandbox.start({ principals: { AKIDTEST: 'arn:aws:iam::111122223333:user/test' } });
    autoscaling = await AutoScalingSandbox.start({ accountId: LOCATION.account, region: LOCATION.region });
    ec2.addNetworkAcl({ aclId: 'acl-0a1', vpcId: 'vpc-1', entries: [], subnetIds: ['subnet-1'] });
    ec2.addNetworkAcl({ aclId: 'acl-0a2', vpcId: 'vpc-1', entries: [] });
    ec2.addGroup({ groupId: 'sg-0a000000000000001', vpcId: 'vpc-1', groupName: 'web', rules: [], tags: {} });
    for (const id of ['i-0a1', 'i-0a2'])
      ec2.instances.add({
        instanceId: id,
        instanceType: 't3.small',
        httpTokens: 'required',
        httpEndpoint: 'enabled',
        disableApiTermination: id === 'i-0a1',
        disableApiStop: false,
        securityGroupIds: ['sg-0a000000000000001'],
        tags: { team: 'a' },
      });
    s3.addBucket('with-block', { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false });
    s3.addBucket('no-block', null);
    autoscaling.addGroup({ name: 'web', minSize: 1, maxSize: 4, desiredCapacity: 2, tags: {} });
    s3Client = new S3Client({ region: LOCATION.region, endpoint: s3.url, forcePathStyle: true, credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    s3Client.destroy();
    await Promise.all([ec2.close(), s3.close(), autoscaling.close()]);
  });
  beforeEach(() => pace.mockClear());

  const ec2Clients = () => createEc2ClientProvider({ endpoint: ec2.url, credentials, maxAttempts: 1 });

  it('network ACLs: one filtered call; an ACL that is gone is answered gone; refusals are permanent', async () => {
    const reader = new NetworkAclLiveReader(ec2Clients());
    const before = ec2.calls.length;
    const live = await reader.describeLive(LOCATION, ['acl-0a1', 'acl-0ffff', 'acl-0a2'], pace);
    expect(ec2.calls.slice(before).map((c) => c.action)).toEqual(['DescribeNetworkAcls']);
    expect(pace).toHaveBeenCalledTimes(1);
    expect(live.map((r) => [r.id, r.exists])).toEqual([
      ['acl-0a1', true],
      ['acl-0ffff', false],
      ['acl-0a2', true],
    ]);
    expect(live[0].configuration).toMatchObject({ networkAclId: 'acl-0a1', associations: [{ subnetId: 'subnet-1' }] });
    // The default deny entries are listed, as EC2 and Config list them (and dropped by the kind).
    expect(entriesFromConfiguration(live[0].configuration!)).toEqual([]);
    ec2.failNext('DescribeNetworkAcls', { code: 'UnauthorizedOperation', status: 403 });
    await expect(reader.describeLive(LOCATION, ['acl-0a1'])).rejects.toBeInstanceOf(PermanentError);
    ec2.failNext('DescribeNetworkAcls', { code: 'RequestLimitExceeded', status: 503 });
    await expect(reader.describeLive(LOCATION, ['acl-0a1'])).rejects.toBeInstanceOf(TransientError);
  });

  it('instances: one filtered DescribeInstances, then the two protection flags each, every call paced', async () => {
    const reader = new InstanceLiveReader(ec2Clients());
    const before = ec2.calls.length;
    const live = await reader.describeLive(LOCATION, ['i-0a1', 'i-0gone', 'i-0a2'], pace);
    expect(ec2.calls.slice(before).map((c) => c.action)).toEqual([
      'DescribeInstances',
      'DescribeInstanceAttribute',
      'DescribeInstanceAttribute',
      'DescribeInstanceAttribute',
      'DescribeInstanceAttribute',
    ]);
    expect(pace).toHaveBeenCalledTimes(5);
    expect(live.map((r) => [r.id, r.exists])).toEqual([
      ['i-0a1', true],
      ['i-0gone', false],
      ['i-0a2', true],
    ]);
    // What the kind reads from a Config item.
    expect(protectionFromConfig(live[0].configuration!, 'test')).toEqual({
      'metadata_options.http_tokens': 'required',
      'metadata_options.http_endpoint': 'enabled',
      disable_api_termination: true,
      disable_api_stop: false,
      instance_type: 't3.small',
      vpc_security_group_ids: ['sg-0a000000000000001'],
    });
    expect(live[2].configuration).toMatchObject({ disableApiTermination: false });
    ec2.instances.failNext('DescribeInstances', { code: 'RequestLimitExceeded', status: 503 });
    await expect(reader.describeLive(LOCATION, ['i-0a1'])).rejects.toBeInstanceOf(TransientError);
  });

  it('Auto Scaling groups: asked by ARN, read by name; another group of the same name is a new group, so the old is gone', async () => {
    const reader = new AutoScalingLiveReader(
      createAutoScalingClientProvider({ requestTimeoutMs: 5_000, endpoint: autoscaling.url, credentials, maxAttempts: 1 }),
    );
    const arn = autoscaling.arn('web');
    const stale = arn.replace(/autoScalingGroup:[^:]+:/, 'autoScalingGroup:00000000-0000-0000-0000-000000000000:');
    const before = autoscaling.calls.length;
    const live = await reader.describeLive(LOCATION, [arn, stale, 'gone'], pace);
    expect(autoscaling.calls.slice(before).map((c) => c.action)).toEqual(['DescribeAutoScalingGroups']);
    expect(live.map((r) => [r.id, r.exists])).toEqual([
      [arn, true],
      [stale, false],
      ['gone', false],
    ]);
    const analysis = new AsgKind().analyze(
      live[0].configuration,
      {
        stack: 's',
        address: 'aws_autoscaling_group.web',
        attributes: { name: 'web', capacity: { min_size: 1, max_size: 4, desired_capacity: 3 } },
      },
      { resourceId: arn },
    );
    expect(analysis.differences.map((d) => d.id)).toEqual(['desired_capacity:changed']);
  });

  it('buckets: one GetPublicAccessBlock each; no block is every flag off, a missing bucket is gone, a refusal is that bucket’s error', async () => {
    const reader = new BucketLiveReader(() => s3Client);
    const live = await reader.describeLive(LOCATION, ['with-block', 'no-block', 'no-such-bucket'], pace);
    expect(pace).toHaveBeenCalledTimes(3);
    expect(live.map((r) => [r.id, r.exists])).toEqual([
      ['with-block', true],
      ['no-block', true],
      ['no-such-bucket', false],
    ]);
    expect(liveBlock(live[0].supplementaryConfiguration, 'with-block')).toEqual({
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    });
    expect(Object.values(liveBlock(live[1].supplementaryConfiguration, 'no-block'))).toEqual([false, false, false, false]);

    s3.failNext('GetPublicAccessBlock', { code: 'AccessDenied', status: 403 });
    const refused = await reader.describeLive(LOCATION, ['with-block', 'no-block']);
    expect(refused[0].unreadable).toMatch(/access denied/);
    expect(refused[1].unreadable).toBeUndefined();
    s3.failNext('GetPublicAccessBlock', { code: 'SlowDown', status: 503 });
    await expect(reader.describeLive(LOCATION, ['with-block'])).rejects.toBeInstanceOf(TransientError);
  });
});
