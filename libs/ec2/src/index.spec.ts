/** The public face, wired the way the controller and the demo wire it. */
import * as productEntry from './index';
import { assumedRoleCredentialsFor } from './index';
import * as sandbox from './testing';
import { ACCESS_KEY_ID } from '../test/ec2-test-support';

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

it('the product entry point exports no stand-in (the sandbox is @driftwarden/ec2/testing)', () => {
  expect(Object.keys(productEntry)).not.toContain('sandbox');
  expect(Object.keys(productEntry).filter((k) => /sandbox|fake/i.test(k))).toEqual([]);
});

describe('the sandbox STS and temporary credentials, as AWS treats them', () => {
  const ROLE_ARN = 'arn:aws:iam::111122223333:role/driftwarden-remediator';
  const auth = (key: string) => ({
    authorization: `AWS4-HMAC-SHA256 Credential=${key}/20251122/eu-west-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
  });
  const post = (url: string, body: string, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body }).then(async (r) => ({
      status: r.status,
      text: await r.text(),
    }));
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
      expect(
        (await post(account.url, describeGroups, { ...auth(session.accessKeyId), 'x-amz-security-token': 'not-the-token' })).text,
      ).toContain('<Code>AuthFailure</Code>');
      expect(
        (await post(account.url, describeGroups, { ...auth(session.accessKeyId), 'x-amz-security-token': session.sessionToken })).status,
      ).toBe(200);
      now = new Date(now.getTime() + 900_000);
      expect(
        (await post(account.url, describeGroups, { ...auth(session.accessKeyId), 'x-amz-security-token': session.sessionToken })).text,
      ).toContain('<Code>AuthFailure</Code>');
    } finally {
      await account.close();
    }
  });
});
