/** The public face, wired the way the controller and the demo wire it. */
import { Ec2Remediation, assumedRoleCredentialsFor, createEc2ClientProvider, sandbox } from './index';
import { ACCESS_KEY_ID, SG, VPC, driftFor, rules } from '../test/ec2-test-support';

it('reverts drift in the sandbox account through the exported adapter and client factory', async () => {
  const account = await sandbox.Ec2Sandbox.start();
  account.addGroup({ groupId: SG, vpcId: VPC, rules: [rules.httpsFromVpc(), rules.sshFromWorld()] });
  const clients = createEc2ClientProvider({ endpoint: account.url, credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: 'sandbox-only-secret' }, maxAttempts: 1 });
  const fenced: string[] = [];

  const result = await new Ec2Remediation(clients).revert(driftFor({ extra: [rules.sshFromWorld()] }), async () => {
    fenced.push('write');
  });

  clients.destroy();
  await account.close();
  expect(result.verified).toBe(true);
  expect(account.rules(SG)).toEqual([rules.httpsFromVpc()]);
  expect(fenced).toEqual(['write']);
  expect(sandbox.SANDBOX_WRITE_ACTIONS.has(account.writeCalls()[0]!.action)).toBe(true);
});

describe('cross-account (config aws.assumeRole): the role assumed in the resource account signs the EC2 calls', () => {
  const ROLE = 'arn:aws:iam::{account}:role/driftwarden-remediator';
  const base = { accessKeyId: ACCESS_KEY_ID, secretAccessKey: 'sandbox-only-secret' };
  /** EC2 clients against the sandbox that assume ROLE (with this external id) through its STS. */
  const assuming = (account: sandbox.Ec2Sandbox, externalId: string) =>
    createEc2ClientProvider({
      endpoint: account.url,
      credentials: base,
      maxAttempts: 1,
      credentialsFor: assumedRoleCredentialsFor({ roleArn: ROLE, externalId, sessionName: 'driftwarden', durationSeconds: 900, stsEndpoint: account.url }, base),
    });

  it('assumes the role once per account (STS AssumeRole, external id sent), and every write is made as that session', async () => {
    const account = await sandbox.Ec2Sandbox.start({ assumableRoles: { 'arn:aws:iam::111122223333:role/driftwarden-remediator': { externalId: 'dw-ext-0001' } } });
    account.addGroup({ groupId: SG, vpcId: VPC, rules: [rules.httpsFromVpc(), rules.sshFromWorld(), rules.tcp(8080, '198.51.100.0/24')] });
    const clients = assuming(account, 'dw-ext-0001');
    try {
      const adapter = new Ec2Remediation(clients);
      await adapter.revert(driftFor({ extra: [rules.sshFromWorld()] }), async () => undefined);
      await adapter.revert(driftFor({ extra: [rules.tcp(8080, '198.51.100.0/24')] }), async () => undefined);
      expect(account.rules(SG)).toEqual([rules.httpsFromVpc()]);
      expect(account.sessions).toHaveLength(1);
      const [session] = account.sessions;
      expect(session).toMatchObject({
        roleArn: 'arn:aws:iam::111122223333:role/driftwarden-remediator',
        sessionName: 'driftwarden',
        externalId: 'dw-ext-0001',
        durationSeconds: 900,
        callerAccessKeyId: ACCESS_KEY_ID,
        principalArn: 'arn:aws:sts::111122223333:assumed-role/driftwarden-remediator/driftwarden',
      });
      const ec2Calls = account.calls.filter((c) => c.action !== 'AssumeRole');
      expect(ec2Calls.length).toBeGreaterThan(0);
      expect(ec2Calls.every((c) => c.accessKeyId === session.accessKeyId && c.principalArn === session.principalArn)).toBe(true);
    } finally {
      clients.destroy();
      await account.close();
    }
  });

  it('a role the account does not let us assume (wrong external id) fails the revert before any EC2 call, naming STS AccessDenied', async () => {
    const account = await sandbox.Ec2Sandbox.start({ assumableRoles: { 'arn:aws:iam::111122223333:role/driftwarden-remediator': { externalId: 'right' } } });
    account.addGroup({ groupId: SG, vpcId: VPC, rules: [rules.httpsFromVpc(), rules.sshFromWorld()] });
    const clients = assuming(account, 'wrong');
    try {
      const err = await new Ec2Remediation(clients).revert(driftFor({ extra: [rules.sshFromWorld()] }), async () => undefined).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(String((err as Error).message)).toMatch(/AccessDenied|not authorized to perform: sts:AssumeRole/);
      expect(account.calls.map((c) => c.action)).toEqual(['AssumeRole']);
      expect(account.rules(SG)).toHaveLength(2); // nothing revoked
      // Permanent (the role or its trust policy must change), not retried forever.
      expect(err).toMatchObject({ code: 'ec2_access_denied' });
    } finally {
      clients.destroy();
      await account.close();
    }
  });
});

it('cross-account: the STS endpoint comes from AWS_ENDPOINT_URL_STS like every SDK client (no endpoint in code)', async () => {
  const account = await sandbox.Ec2Sandbox.start({ assumableRoles: { 'arn:aws:iam::111122223333:role/driftwarden-remediator': {} } });
  const before = process.env.AWS_ENDPOINT_URL_STS;
  process.env.AWS_ENDPOINT_URL_STS = account.url;
  try {
    const credentialsFor = assumedRoleCredentialsFor(
      { roleArn: 'arn:aws:iam::{account}:role/driftwarden-remediator', sessionName: 'driftwarden', durationSeconds: 900 },
      { accessKeyId: ACCESS_KEY_ID, secretAccessKey: 'sandbox-only-secret' },
    );
    const credentials = credentialsFor({ account: '111122223333', region: 'eu-west-1' });
    // One provider (one STS session) per account, whatever the region or the client.
    expect(credentialsFor({ account: '111122223333', region: 'us-east-1' })).toBe(credentials);
    expect(credentialsFor({ account: '444455556666', region: 'eu-west-1' })).not.toBe(credentials);
    const identity = await (credentials as () => Promise<{ accessKeyId: string; sessionToken?: string }>)();
    expect(identity.accessKeyId).toBe(account.sessions[0]?.accessKeyId);
    expect(identity.sessionToken).toEqual(expect.any(String));
  } finally {
    if (before === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
    else process.env.AWS_ENDPOINT_URL_STS = before;
    await account.close();
  }
});

describe('the sandbox STS and temporary credentials, as AWS treats them', () => {
  const ROLE_ARN = 'arn:aws:iam::111122223333:role/driftwarden-remediator';
  const auth = (key: string) => ({ authorization: `AWS4-HMAC-SHA256 Credential=${key}/20251122/eu-west-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}` });
  const post = (url: string, body: string, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body }).then(async (r) => ({ status: r.status, text: await r.text() }));
  const assume = (extra = '') => `Action=AssumeRole&RoleArn=${encodeURIComponent(ROLE_ARN)}&RoleSessionName=driftwarden${extra}`;
  const describeGroups = 'Action=DescribeSecurityGroups&Version=2016-11-15';

  it('calls with the session key need its token and are refused once it expired; AssumeRole needs Version and a duration the role allows', async () => {
    let now = new Date('2025-11-22T10:00:00Z');
    const account = await sandbox.Ec2Sandbox.start({ clock: () => now, assumableRoles: { [ROLE_ARN]: {} } });
    try {
      expect((await post(account.url, assume(), auth(ACCESS_KEY_ID))).text).toMatch(/<Code>MissingParameter<\/Code>.*Version/s);
      const tooLong = await post(account.url, assume('&Version=2011-06-15&DurationSeconds=7200'), auth(ACCESS_KEY_ID));
      expect(tooLong.status).toBe(400);
      expect(tooLong.text).toContain('exceeds the MaxSessionDuration set for this role');

      expect((await post(account.url, assume('&Version=2011-06-15&DurationSeconds=900'), auth(ACCESS_KEY_ID))).status).toBe(200);
      const [session] = account.sessions;
      expect((await post(account.url, describeGroups, auth(session.accessKeyId))).text).toContain('<Code>AuthFailure</Code>');
      expect((await post(account.url, describeGroups, { ...auth(session.accessKeyId), 'x-amz-security-token': 'not-the-token' })).text).toContain('<Code>AuthFailure</Code>');
      expect((await post(account.url, describeGroups, { ...auth(session.accessKeyId), 'x-amz-security-token': session.sessionToken })).status).toBe(200);
      now = new Date(now.getTime() + 900_000);
      expect((await post(account.url, describeGroups, { ...auth(session.accessKeyId), 'x-amz-security-token': session.sessionToken })).text).toContain('<Code>AuthFailure</Code>');
    } finally {
      await account.close();
    }
  });
});
