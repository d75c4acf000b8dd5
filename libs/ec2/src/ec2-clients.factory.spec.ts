import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { SG, VPC } from '../test/ec2-test-support';
import { createEc2Client, createEc2ClientProvider } from './ec2-clients.factory';
import { Ec2Sandbox } from './testing/ec2-sandbox.server';

describe('createEc2ClientProvider', () => {
  it('builds one client per region, on first use', async () => {
    const provider = createEc2ClientProvider({ requestTimeoutMs: 1_000 });
    const a = provider({ account: '111122223333', region: 'eu-west-1' });
    expect(provider({ account: '444455556666', region: 'eu-west-1' })).toBe(a);
    const b = provider({ account: '111122223333', region: 'us-east-1' });
    expect(b).not.toBe(a);
    expect(await a.config.region()).toBe('eu-west-1');
    expect(await b.config.region()).toBe('us-east-1');
    expect(await a.config.maxAttempts()).toBe(3);
    provider.destroy();
  });
});

describe('createEc2Client', () => {
  let sandbox: Ec2Sandbox;
  const saved = process.env['AWS_ENDPOINT_URL_EC2'];

  beforeEach(async () => {
    sandbox = await Ec2Sandbox.start();
    sandbox.addGroup({ groupId: SG, vpcId: VPC });
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env['AWS_ENDPOINT_URL_EC2'];
    else process.env['AWS_ENDPOINT_URL_EC2'] = saved;
    await sandbox.close();
  });

  it('honours AWS_ENDPOINT_URL_EC2 when no endpoint is given', async () => {
    process.env['AWS_ENDPOINT_URL_EC2'] = sandbox.url;
    const client = createEc2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDENV', secretAccessKey: 'x' }, maxAttempts: 1 });
    const out = await client.send(new DescribeSecurityGroupsCommand({ GroupIds: [SG] }));
    client.destroy();
    expect(out.SecurityGroups?.[0]?.GroupId).toBe(SG);
    expect(sandbox.calls.map((c) => c.accessKeyId)).toEqual(['AKIDENV']);
  });

  it('fails a request that outlives requestTimeoutMs with a TimeoutError', async () => {
    const client = createEc2Client({
      region: 'eu-west-1',
      endpoint: sandbox.url,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' },
      maxAttempts: 1,
      requestTimeoutMs: 100,
    });
    sandbox.failNext('DescribeSecurityGroups', { network: 'hang' });
    await expect(client.send(new DescribeSecurityGroupsCommand({}))).rejects.toMatchObject({ name: 'TimeoutError' });
    client.destroy();
  });
});
