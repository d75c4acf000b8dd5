import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxAccount, terraformState } from '@driftwarden/sandbox/testing';
import { SpyBackport } from '../support/fake-ports';
import { http } from '../support/http';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

const ip4 = (port: number, cidr: string): PermissionRule => ({
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: port,
  toPort: port,
  peer: { kind: 'ipv4', cidr },
});
const HTTPS_INTERNAL = ip4(443, '10.0.0.0/8');
const SSH_WORLD = ip4(22, '0.0.0.0/0');
const MALLORY = 'arn:aws:sts::111122223333:assumed-role/developer/mallory';
const ROLE = 'arn:aws:iam::111122223333:role/driftwarden-remediator';

/**
 * Cross-account (config `aws.assumeRole`): the real controller in enforce mode reverts drift in
 * the resource's account as the role it assumes there (STS AssumeRole against the sandbox, which
 * also speaks STS), and recognises the changes made by that session as its own.
 */
describe('cross-account remediation through an assumed role', () => {
  let world: SandboxAccount;
  let ctl: TestController;
  let group = '';

  beforeAll(async () => {
    world = await SandboxAccount.start({ assumableRoles: { [ROLE]: { externalId: 'dw-external-1' } } });
    const info = world.addGroup({ groupId: 'sg-0c0ffee0000000a01', groupName: 'web', vpcId: 'vpc-0123456789abcdef0', tags: {} }, [
      HTTPS_INTERNAL,
    ]);
    group = info.groupId;
    const dir = mkdtempSync(join(tmpdir(), 'dw-xacct-'));
    const statePath = join(dir, 'network.tfstate');
    writeFileSync(statePath, JSON.stringify(terraformState([{ ...info, name: 'web', rules: [HTTPS_INTERNAL] }])));
    process.env['AWS_ENDPOINT_URL_EC2'] = world.url;
    process.env['AWS_ENDPOINT_URL_STS'] = world.url;
    ctl = await startTestController({
      mode: 'enforce',
      settleSeconds: 1,
      overrides: { backport: new SpyBackport() },
      extra: {
        stacks: [{ name: 'network', accounts: ['111122223333'], regions: ['eu-west-1'], state: { file: statePath } }],
        aws: { assumeRole: { roleArn: 'arn:aws:iam::{account}:role/driftwarden-remediator', externalId: 'dw-external-1' } },
        principals: {
          iac: ['arn:aws:sts::*:assumed-role/terraform-apply/*'],
          breakGlass: ['arn:aws:sts::*:assumed-role/BreakGlass*/*'],
          self: ['arn:aws:sts::*:assumed-role/driftwarden-remediator/*'],
        },
      },
    });
    world.setSink(async (events) => {
      const res = await http(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: events });
      if (res.status !== 202) throw new Error(`events rejected: ${JSON.stringify(res.body)}`);
    });
  }, 30_000);
  afterAll(async () => {
    await ctl.close();
    await world.close();
    delete process.env['AWS_ENDPOINT_URL_EC2'];
    delete process.env['AWS_ENDPOINT_URL_STS'];
    await dropPrefix(ctl.prefix);
  });

  it('reverts as the assumed role (external id sent), and the revert it made is its own change, not new drift', async () => {
    await world.change(group, { authorize: [SSH_WORLD] }, MALLORY);
    const reverted = await eventually(async () => {
      const list = await http<{ items: { id: string; status: string; decision: { rule: number } }[] }>(
        ctl.url,
        'GET',
        `/v1/drifts?resource=${group}`,
        { token: TOKENS.viewer },
      );
      return list.body.items.find((d) => d.status === 'reverted');
    }, 'the revert');
    expect(reverted.decision.rule).toBe(6);
    expect(world.rules(group)).toEqual([HTTPS_INTERNAL]);

    expect(world.ec2.sessions.map((s) => ({ roleArn: s.roleArn, externalId: s.externalId, sessionName: s.sessionName }))).toEqual([
      { roleArn: ROLE, externalId: 'dw-external-1', sessionName: 'driftwarden' },
    ]);
    const session = world.ec2.sessions[0];
    const writes = world.ec2.writeCalls();
    expect(writes.map((w) => w.action)).toEqual(['RevokeSecurityGroupIngress']);
    expect(writes[0].accessKeyId).toBe(session.accessKeyId);
    // The change the revert made comes back as an event of the assumed-role session: `self`.
    await eventually(
      async () =>
        (await http<{ items: unknown[] }>(ctl.url, 'GET', '/v1/audit?type=self.change', { token: TOKENS.viewer })).body.items.length > 0,
      'the self change',
    );
    const open = await http<{ items: { status: string }[] }>(ctl.url, 'GET', `/v1/drifts?resource=${group}`, { token: TOKENS.viewer });
    expect(open.body.items.filter((d) => d.status !== 'resolved' && d.status !== 'reverted')).toEqual([]);
  }, 30_000);
});
