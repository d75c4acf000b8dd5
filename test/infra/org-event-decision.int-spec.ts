/**
 * Issue 17 §1, done when "an org-wide event from another account reaches a decision": the
 * events a member account's rules forward and the central bus delivers (account = the member
 * account, region = another region than the controller's; EventBridge keeps both when it
 * forwards) are posted to a running controller (real HTTP, real Redis) whose driftwarden.yaml
 * has a stack for that account and region, and one for the tooling account's own region.
 *
 * The events are the sandbox's builders (libs/sandbox), and before they are posted they are
 * routed through the rules that infra/ would deploy (org-intake-member in the member region,
 * then org-intake-central on the central bus), evaluated from the HCL: what reaches the
 * controller here is what the org intake delivers.
 *
 * Every AWS endpoint points at a local server that refuses everything: the decision needs no
 * AWS call (attribution comes from the forwarded CloudTrail event; dry-run writes nothing).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloudTrailEvent, configItemEvent, terraformState, type GroupInfo } from '@driftwarden/sandbox/testing';
import { http } from '../support/http';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { eventRules, INFRA, matchingRules, type Rule } from './support/infra-helpers';
import { loadModule, ModuleEvaluator, toJson } from './support/terraform-module';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

const TOOLING = { account: '111122223333', region: 'eu-west-1' };
const MEMBER = { account: '444455556666', region: 'us-east-1' };

const HTTPS_INTERNAL: PermissionRule = {
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: 443,
  toPort: 443,
  peer: { kind: 'ipv4', cidr: '10.0.0.0/8' },
};
const SSH_WORLD: PermissionRule = {
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: 22,
  toPort: 22,
  peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
};

const group = (groupId: string, where: { account: string; region: string }): GroupInfo => ({
  groupId,
  groupName: groupId,
  vpcId: 'vpc-0123456789abcdef0',
  tags: {},
  ...where,
});
const PAYMENTS = group('sg-0c0de44445555666a', MEMBER); // a member account, another region
const NETWORK = group('sg-0c0de11112222333a', TOOLING); // the tooling account's own region

const mallory = (account: string): string => `arn:aws:sts::${account}:assumed-role/developer/mallory`;

interface Drift {
  id: string;
  status: string;
  dryRun: boolean;
  resource: { id: string; account: string; region: string; stack?: string };
  decision: { action: string; rule: number | null; reason: string };
  principal: { arn: string | null; class: string };
}

describe('an org-wide event from another account reaches a decision', () => {
  let aws: Server;
  const awsRequests: string[] = [];
  let ctl: TestController;
  let memberRules: Rule[];
  let centralRules: Rule[];
  const dir = mkdtempSync(join(tmpdir(), 'dw-org-event-'));
  const saved = { ...process.env };

  beforeAll(async () => {
    memberRules = await eventRules(
      await ModuleEvaluator.create(await loadModule(join(INFRA, 'modules', 'org-intake-member')), {
        central_event_bus_arn: `arn:aws:events:${TOOLING.region}:${TOOLING.account}:event-bus/driftwarden-org`,
        region: MEMBER.region,
      }),
    );
    const central = await ModuleEvaluator.create(await loadModule(join(INFRA, 'modules', 'org-intake-central')), {
      organization_id: 'o-a1b2c3d4e5',
    });
    centralRules = await eventRules(await central.childModule('intake'));

    aws = createServer((req, res) => {
      awsRequests.push(`${req.method} ${req.url} ${String(req.headers['x-amz-target'] ?? '')}`);
      req.resume();
      res
        .writeHead(400, { 'content-type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify({ __type: 'AccessDeniedException', message: 'no AWS call expected' }));
    });
    await new Promise<void>((resolve) => aws.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(aws.address() as AddressInfo).port}`;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: 'AKIDORGTEST',
      AWS_SECRET_ACCESS_KEY: 'org-test',
      AWS_REGION: TOOLING.region,
    });
    delete process.env['AWS_ENDPOINT_URL_EC2'];
    delete process.env['AWS_ENDPOINT_URL_STS'];

    const payments = join(dir, 'payments.tfstate');
    writeFileSync(payments, JSON.stringify(terraformState([{ ...PAYMENTS, name: 'api', rules: [HTTPS_INTERNAL] }])));
    const network = join(dir, 'network.tfstate');
    writeFileSync(network, JSON.stringify(terraformState([{ ...NETWORK, name: 'edge', rules: [HTTPS_INTERNAL] }])));
    ctl = await startTestController({
      mode: 'dry-run',
      extra: {
        // driftwarden.yaml stacks[] of an org setup: one entry per account and region set.
        stacks: [
          { name: 'payments', accounts: [MEMBER.account], regions: [MEMBER.region], state: { file: payments } },
          { name: 'network', accounts: [TOOLING.account], regions: [TOOLING.region], state: { file: network } },
        ],
      },
    });
  }, 30_000);

  afterAll(async () => {
    await ctl?.close();
    await new Promise<void>((resolve) => aws.close(() => resolve()));
    process.env = saved;
    if (ctl) await dropPrefix(ctl.prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the org intake delivers: forwarded by the member region's rules, delivered by the central bus's. */
  function delivered(event: Record<string, unknown>, rule: string): Record<string, unknown> {
    const json = toJson(event);
    expect(matchingRules(memberRules, json)).toEqual([rule]);
    expect(matchingRules(centralRules, json)).toEqual([rule]);
    return event;
  }

  async function post(events: Record<string, unknown>[]): Promise<void> {
    const res = await http(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: events });
    expect(res.status).toBe(202);
  }

  async function decided(resource: string): Promise<Drift> {
    return eventually(async () => {
      const page = await http<{ items: Drift[] }>(ctl.url, 'GET', `/v1/drifts?resource=${encodeURIComponent(resource)}`, {
        token: TOKENS.viewer,
      });
      return page.body.items[0];
    }, `a decision on ${resource}`);
  }

  it('a change in a member account and region, attributed by its forwarded CloudTrail call, is decided against that stack', async () => {
    const at = new Date();
    const call = delivered(
      cloudTrailEvent(PAYMENTS, 'AuthorizeSecurityGroupIngress', [SSH_WORLD], mallory(MEMBER.account), new Date(at.getTime() - 1000)),
      'ec2_api_call',
    );
    const item = delivered(configItemEvent(PAYMENTS, [HTTPS_INTERNAL, SSH_WORLD], at, at.getTime()), 'config_item_change');
    expect([item.account, item.region]).toEqual([MEMBER.account, MEMBER.region]);

    await post([call]);
    await post([item]);
    const drift = await decided(PAYMENTS.groupId);
    expect(drift).toMatchObject({
      dryRun: true,
      status: 'detected',
      resource: { id: PAYMENTS.groupId, account: MEMBER.account, region: MEMBER.region, stack: 'payments' },
      // An unauthorized change outside a freeze, widening: reverted (DESIGN §4 rule 6).
      decision: { action: 'revert', rule: 6 },
      principal: { arn: mallory(MEMBER.account) },
    });
    // The API filters by the member account like any other.
    const byAccount = await http<{ items: Drift[] }>(ctl.url, 'GET', `/v1/drifts?account=${MEMBER.account}`, { token: TOKENS.viewer });
    expect(byAccount.body.items.map((d) => d.resource.id)).toEqual([PAYMENTS.groupId]);
    expect(awsRequests).toEqual([]);
  });

  it("the same controller decides the tooling account's own region against its own stack", async () => {
    const at = new Date();
    await post([
      delivered(
        cloudTrailEvent(NETWORK, 'AuthorizeSecurityGroupIngress', [SSH_WORLD], mallory(TOOLING.account), new Date(at.getTime() - 1000)),
        'ec2_api_call',
      ),
    ]);
    await post([delivered(configItemEvent(NETWORK, [HTTPS_INTERNAL, SSH_WORLD], at, at.getTime()), 'config_item_change')]);
    expect(await decided(NETWORK.groupId)).toMatchObject({
      resource: { account: TOOLING.account, region: TOOLING.region, stack: 'network' },
      decision: { action: 'revert', rule: 6 },
      principal: { arn: mallory(TOOLING.account) },
    });
    expect(awsRequests).toEqual([]);
  });

  it('an event from an account and region no stack covers is delivered too, and decided unmanaged', async () => {
    const elsewhere = group('sg-0c0de77778888999a', { account: '777788889999', region: 'ap-southeast-2' });
    const at = new Date();
    await post([delivered(configItemEvent(elsewhere, [SSH_WORLD], at, at.getTime()), 'config_item_change')]);
    const drift = await decided(elsewhere.groupId);
    expect(drift).toMatchObject({ status: 'ignored', decision: { action: 'ignore', rule: null } });
    expect(drift.decision.reason).toMatch(/unmanaged resource/);
    expect(awsRequests).toEqual([]);
  });
});
