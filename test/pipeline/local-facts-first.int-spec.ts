/**
 * Issue 10 §2, DESIGN §4 "Order of evaluation": an unsupported type, an unmanaged resource, an
 * active exception and the `driftwarden:ignore` tag are decided (`ignore`, with the reason) from
 * facts the controller holds locally, before any CloudTrail or other AWS call. Every AWS endpoint
 * points at a local server that counts the requests it gets: the ignore reasons cost none, and
 * they are decided at once although CloudTrail's delivery wait is an hour (a decision that waited
 * for CloudTrail would not come within the test). A managed resource of a supported kind is the
 * control: its attribution does reach the (counting) LookupEvents endpoint.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configItemEvent, terraformState, type GroupInfo } from '@driftwarden/sandbox/testing';
import { http } from '../support/http';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const HTTPS: PermissionRule = {
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: 443,
  toPort: 443,
  peer: { kind: 'ipv4', cidr: '10.0.0.0/8' },
};
const SSH: PermissionRule = { direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, peer: { kind: 'ipv4', cidr: '0.0.0.0/0' } };

const group = (id: string, tags: Record<string, string> = {}): GroupInfo => ({
  groupId: id,
  groupName: id,
  vpcId: 'vpc-0123456789abcdef0',
  tags,
  account: ACCOUNT,
  region: REGION,
});
const MANAGED = {
  excepted: group('sg-0fac70000000000e1'),
  tagged: group('sg-0fac70000000000e2', { 'driftwarden:ignore': 'true' }),
  control: group('sg-0fac70000000000e3'),
};

interface Drift {
  id: string;
  status: string;
  decision: { action: string; rule: number | null; reason: string };
}

describe('local facts are decided before any AWS call', () => {
  let aws: Server;
  const requests: string[] = [];
  let ctl: TestController;
  const dir = mkdtempSync(join(tmpdir(), 'dw-local-facts-'));
  const saved = { ...process.env };

  beforeAll(async () => {
    // Every AWS SDK client of the controller (CloudTrail, EC2, Config, S3, STS) lands here.
    aws = createServer((req: IncomingMessage, res) => {
      requests.push(`${req.method} ${req.url} ${String(req.headers['x-amz-target'] ?? '')}`);
      req.resume();
      res
        .writeHead(400, { 'content-type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify({ __type: 'AccessDeniedException', message: 'counted by the test' }));
    });
    await new Promise<void>((resolve) => aws.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(aws.address() as AddressInfo).port}`;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: 'AKIDCOUNTED',
      AWS_SECRET_ACCESS_KEY: 'counted',
      AWS_REGION: REGION,
    });
    delete process.env['AWS_ENDPOINT_URL_EC2'];
    const state = join(dir, 'net.tfstate');
    writeFileSync(state, JSON.stringify(terraformState(Object.entries(MANAGED).map(([name, g]) => ({ ...g, name, rules: [HTTPS] })))));
    ctl = await startTestController({
      // dry-run: no cloud or GitHub write, but every read (attribution included) as in enforce.
      mode: 'dry-run',
      extra: {
        // An hour of waiting for CloudTrail, and the LookupEvents fallback on: what a real deployment does.
        attribution: { cloudTrailWaitSeconds: 3600, lookupEvents: true },
        stacks: [{ name: 'net', accounts: [ACCOUNT], regions: [REGION], state: { file: state } }],
      },
    });
    const exception = await http(ctl.url, 'POST', '/v1/exceptions', {
      token: TOKENS.operator,
      body: { resource: MANAGED.excepted.groupId, reason: 'migration', ttl: '1h' },
    });
    expect(exception.status).toBe(201);
  }, 30_000);

  afterAll(async () => {
    await ctl?.close();
    await new Promise<void>((resolve) => aws.close(() => resolve()));
    process.env = saved;
    if (ctl) await dropPrefix(ctl.prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (events: Record<string, unknown>[]) => {
    const res = await http<{ accepted: { eventId: string }[] }>(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: events });
    expect(res.status).toBe(202);
  };
  const decided = (resource: string) =>
    eventually(
      async () => {
        const page = await http<{ items: Drift[] }>(ctl.url, 'GET', `/v1/drifts?resource=${encodeURIComponent(resource)}`, {
          token: TOKENS.viewer,
        });
        return page.body.items[0];
      },
      `a decision on ${resource}`,
      10_000,
    );

  it.each([
    [
      'an unsupported type',
      () => configItemEvent(group('acme-logs-table'), [SSH], new Date(), 1, { resourceType: 'AWS::DynamoDB::Table' }),
      'acme-logs-table',
      /not supported/,
    ],
    [
      'an unmanaged resource',
      () => configItemEvent(group('sg-0fac7000000000aaa'), [SSH], new Date(), 2),
      'sg-0fac7000000000aaa',
      /unmanaged resource/,
    ],
    [
      'an active exception',
      () => configItemEvent(MANAGED.excepted, [HTTPS, SSH], new Date(), 3),
      MANAGED.excepted.groupId,
      /active exception until .*: migration/,
    ],
    [
      'the driftwarden:ignore tag',
      () => configItemEvent(MANAGED.tagged, [HTTPS, SSH], new Date(), 4),
      MANAGED.tagged.groupId,
      /tagged driftwarden:ignore=true/,
    ],
  ])('%s: ignored with the reason, at once, with no AWS call', async (_name, item, resource, reason) => {
    const before = requests.length;
    await post([item()]);
    const d = await decided(resource);
    expect(d).toMatchObject({ status: 'ignored', decision: { action: 'ignore', rule: null } });
    expect(d.decision.reason).toMatch(reason);
    expect(requests.slice(before)).toEqual([]);
  });

  it('the control: a managed security group with a change and no CloudTrail event does reach LookupEvents', async () => {
    const before = requests.length;
    await post([configItemEvent(MANAGED.control, [HTTPS, SSH], new Date(), 5)]);
    await eventually(async () => (requests.length > before ? true : undefined), 'a LookupEvents call', 10_000);
    expect(requests.slice(before).some((r) => r.includes('LookupEvents'))).toBe(true);
  });
});
