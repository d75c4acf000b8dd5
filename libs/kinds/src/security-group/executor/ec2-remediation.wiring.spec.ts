/** The executor wired the way the controller and the demo wire it: @driftwarden/ec2's client factory and sandbox. */
import { assumedRoleCredentialsFor, createEc2ClientProvider } from '@driftwarden/ec2';
import * as sandbox from '@driftwarden/ec2/testing';
import { ACCESS_KEY_ID, SG, VPC, rules } from '../../../../ec2/test/ec2-test-support';
import { Ec2Remediation } from '../index';
import { driftFor } from './test/executor-test-support';

it('reverts drift in the sandbox account through the exported adapter and client factory', async () => {
  const account = await sandbox.Ec2Sandbox.start();
  account.addGroup({ groupId: SG, vpcId: VPC, rules: [rules.httpsFromVpc(), rules.sshFromWorld()] });
  const clients = createEc2ClientProvider({
    endpoint: account.url,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: 'sandbox-only-secret' },
    maxAttempts: 1,
  });
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
      credentialsFor: assumedRoleCredentialsFor(
        { roleArn: ROLE, externalId, sessionName: 'driftwarden', durationSeconds: 900, stsEndpoint: account.url },
        base,
      ),
    });

  it('assumes the role once per account (STS AssumeRole, external id sent), and every write is made as that session', async () => {
    const account = await sandbox.Ec2Sandbox.start({
      assumableRoles: { 'arn:aws:iam::111122223333:role/driftwarden-remediator': { externalId: 'dw-ext-0001' } },
    });
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
    const account = await sandbox.Ec2Sandbox.start({
      assumableRoles: { 'arn:aws:iam::111122223333:role/driftwarden-remediator': { externalId: 'right' } },
    });
    account.addGroup({ groupId: SG, vpcId: VPC, rules: [rules.httpsFromVpc(), rules.sshFromWorld()] });
    const clients = assuming(account, 'wrong');
    try {
      const err = await new Ec2Remediation(clients)
        .revert(driftFor({ extra: [rules.sshFromWorld()] }), async () => undefined)
        .then(
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
