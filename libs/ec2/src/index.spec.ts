/** The public face, wired the way the controller and the demo wire it. */
import { Ec2Remediation, createEc2ClientProvider, sandbox } from './index';
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
