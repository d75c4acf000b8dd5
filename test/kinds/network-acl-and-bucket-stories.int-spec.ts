/**
 * Issue 13's Friday story for the network-ACL and S3 bucket kinds, end to end: the real controller
 * (enforce mode) on real Redis, the real EC2 and S3 executors against the EC2 and S3 sandboxes over
 * HTTP (AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL_S3), desired state from a real Terraform state file,
 * attribution from the CloudTrail calls the sandbox account emits, a PagerDuty fake for the freeze,
 * and the real backport adapter against the GitHub sandbox (a real git repository):
 * - unauthorized drift outside a freeze: reverted when the revert narrows, awaiting approval when
 *   it would widen;
 * - an emergency patch during a freeze: kept, and a backport PR edits the Terraform code;
 * - an attacker's change during a freeze: held and flagged suspicious, never written back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriftRecord } from '@driftwarden/domain';
import * as gh from '@driftwarden/github/testing';
import { PagerDutyFake } from '@driftwarden/incidents/testing';
import { makeEntry, type NaclEntry } from '@driftwarden/kinds/network-acl';
import type { PublicAccessBlock } from '@driftwarden/kinds/s3-bucket';
import {
  networkAclStateResource,
  publicAccessBlockStateResource,
  SandboxAccount,
  terraformState,
  type AclInfo,
  type BucketInfo,
} from '@driftwarden/sandbox/testing';
import { http } from '../support/http';
import { pagerDutyWebhook, signed } from '../support/pagerduty-webhook';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { writeTree } from '../backport/fixtures';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const VPC = 'vpc-0123456789abcdef0';
const MALLORY = `arn:aws:sts::${ACCOUNT}:assumed-role/developer/mallory`;
const ONCALL = `arn:aws:sts::${ACCOUNT}:assumed-role/oncall/bob@example.com`;
const GITHUB_TOKEN = 'gh-sandbox-token';
const WEBHOOK_SECRET = 'gh-webhook-secret';

const entry = (
  ruleNumber: number,
  action: 'allow' | 'deny',
  cidr: string,
  port?: number,
  direction: 'ingress' | 'egress' = 'ingress',
): NaclEntry =>
  makeEntry(
    { direction, ruleNumber, protocol: port === undefined ? '-1' : 'tcp', action, cidrBlock: cidr, fromPort: port, toPort: port },
    'test',
  );
const HTTPS = entry(100, 'allow', '0.0.0.0/0', 443);
const ALL_OUT = entry(100, 'allow', '0.0.0.0/0', undefined, 'egress');
const BASE_ENTRIES = [HTTPS, entry(200, 'deny', '0.0.0.0/0'), ALL_OUT];

const ON: PublicAccessBlock = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };
/** A website bucket: public reads through its policy, public ACLs blocked. */
const WEBSITE: PublicAccessBlock = {
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: false,
  restrictPublicBuckets: false,
};

const ACLS = {
  revert: 'acl-0a00000000000001',
  approval: 'acl-0a00000000000002',
  patch: 'acl-0a00000000000003',
  attack: 'acl-0a00000000000004',
};
const BUCKETS = { revert: 'acme-invoices', approval: 'acme-website', patch: 'acme-docs', attack: 'acme-payroll' };
const BUCKET_CODE: Record<keyof typeof BUCKETS, PublicAccessBlock> = { revert: ON, approval: WEBSITE, patch: WEBSITE, attack: ON };

function aclHcl(name: string): string {
  return `# ${name}: public subnets
resource "aws_network_acl" "${name}" {
  vpc_id = "${VPC}"

  ingress {
    protocol   = "tcp"
    rule_no    = 100
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 443
    to_port    = 443
  }

  ingress {
    protocol   = "-1"
    rule_no    = 200
    action     = "deny"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }

  egress {
    protocol   = "-1"
    rule_no    = 100
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
}
`;
}

function blockHcl(name: string, bucket: string, b: PublicAccessBlock): string {
  return `resource "aws_s3_bucket_public_access_block" "${name}" {
  bucket = "${bucket}"

  block_public_acls       = ${b.blockPublicAcls}
  block_public_policy     = ${b.blockPublicPolicy}
  ignore_public_acls      = ${b.ignorePublicAcls}
  restrict_public_buckets = ${b.restrictPublicBuckets}
}
`;
}

describe('network ACL and S3 bucket kinds: the Friday story end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-kinds-'));
  let world: SandboxAccount;
  let github: gh.GitHubSandbox;
  let pd: PagerDutyFake;
  let ctl: TestController;
  const acls = {} as Record<keyof typeof ACLS, AclInfo>;
  const buckets = {} as Record<keyof typeof BUCKETS, BucketInfo>;

  beforeAll(async () => {
    world = await SandboxAccount.start({ account: ACCOUNT, region: REGION });
    pd = await new PagerDutyFake().start();
    for (const [key, aclId] of Object.entries(ACLS) as [keyof typeof ACLS, string][]) {
      acls[key] = world.addNetworkAcl(
        { aclId, vpcId: VPC, subnetIds: [`subnet-0${aclId.slice(-8)}00000001`], tags: { Name: key } },
        BASE_ENTRIES,
      );
    }
    for (const [key, bucket] of Object.entries(BUCKETS) as [keyof typeof BUCKETS, string][]) {
      // The approval bucket's Config items carry the block as a JSON string, as Config's API gives it.
      buckets[key] = world.addBucket(bucket, BUCKET_CODE[key], { blockAsString: key === 'approval' });
    }
    const statePath = join(dir, 'edge.tfstate');
    writeFileSync(
      statePath,
      JSON.stringify(
        terraformState([], 7, [
          ...(Object.keys(ACLS) as (keyof typeof ACLS)[]).map((k) => networkAclStateResource(acls[k], k, BASE_ENTRIES)),
          ...(Object.keys(BUCKETS) as (keyof typeof BUCKETS)[]).map((k) => publicAccessBlockStateResource(buckets[k], k, BUCKET_CODE[k])),
        ]),
      ),
    );
    github = await gh.GitHubSandbox.start({
      owner: 'acme',
      repo: 'infra',
      validate: true,
      tokens: [GITHUB_TOKEN],
      fromDirectory: writeTree(join(dir, 'repo'), {
        'terraform/edge/network.tf': Object.keys(ACLS).map(aclHcl).join('\n'),
        'terraform/edge/storage.tf': (Object.keys(BUCKETS) as (keyof typeof BUCKETS)[])
          .map((k) => blockHcl(k, BUCKETS[k], BUCKET_CODE[k]))
          .join('\n'),
      }),
    });
    process.env['AWS_ENDPOINT_URL_EC2'] = world.url;
    process.env['AWS_ENDPOINT_URL_S3'] = world.s3.url;
    ctl = await startTestController({
      mode: 'enforce',
      settleSeconds: 1,
      extra: {
        stacks: [
          {
            name: 'edge',
            accounts: [ACCOUNT],
            regions: [REGION],
            state: { file: statePath },
            repo: { owner: 'acme', name: 'infra', baseBranch: 'main', path: 'terraform/edge' },
          },
        ],
        github: { apiUrl: github.url, token: GITHUB_TOKEN, webhookSecret: WEBHOOK_SECRET },
        incidents: {
          pollIntervalSeconds: 1,
          maxStalenessSeconds: 5,
          cooldownMinutes: 0,
          pagerduty: { token: 'pd-fake-token', apiUrl: pd.url, webhookSecrets: ['pd-secret'], major: { priorities: ['P1'] } },
        },
      },
    });
    github.setWebhook({ url: `${ctl.url}/v1/webhooks/github`, secret: WEBHOOK_SECRET });
    world.setSink(async (events) => {
      const res = await http(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: events });
      if (res.status !== 202) throw new Error(`events rejected: ${JSON.stringify(res.body)}`);
    });
    await eventually(
      async () => (await http<{ frozen: boolean }>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body.frozen === false,
      'the first poll',
    );
  }, 60_000);

  afterAll(async () => {
    await ctl?.close();
    await world?.close();
    await pd?.stop();
    await github?.close();
    delete process.env['AWS_ENDPOINT_URL_EC2'];
    delete process.env['AWS_ENDPOINT_URL_S3'];
    if (ctl) await dropPrefix(ctl.prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  const driftOf = async (id: string, where: (d: DriftRecord) => boolean, what: string, timeoutMs = 20_000): Promise<DriftRecord> => {
    let seen: unknown = null;
    try {
      return await eventually(
        async () => {
          const list = await http<{ items: DriftRecord[] }>(ctl.url, 'GET', `/v1/drifts?resource=${id}&limit=20`, { token: TOKENS.viewer });
          seen = list.body.items.map((d) => ({
            status: d.status,
            decision: d.decision,
            differences: d.differences?.map((x) => [x.sentence, x.decision.action]),
          }));
          return list.body.items.find(where);
        },
        what,
        timeoutMs,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}; drifts of ${id}: ${JSON.stringify(seen)}`, { cause: e });
    }
  };

  describe('outside a freeze', () => {
    it('network ACL: an allow for tcp/22 from the internet in front of the deny is deleted again (the revert narrows), verified', async () => {
      const ssh = entry(90, 'allow', '0.0.0.0/0', 22);
      await world.changeNetworkAcl(ACLS.revert, { create: ssh }, MALLORY);
      const d = await driftOf(ACLS.revert, (x) => x.status === 'reverted', 'the verified revert');
      expect(d.decision).toMatchObject({ action: 'revert', rule: 6 });
      expect(d.resource).toMatchObject({ type: 'AWS::EC2::NetworkAcl', address: 'aws_network_acl.revert', stack: 'edge' });
      expect(d.differences?.map((x) => [x.sentence, x.direction.change, x.madeBy.principal.arn])).toEqual([
        ['added ingress rule #90: allow tcp/22 from 0.0.0.0/0 (the internet)', 'widens', MALLORY],
      ]);
      expect(d.evidence.apiCalls.map((c) => c.operation)).toEqual(['DescribeNetworkAcls', 'DeleteNetworkAclEntry', 'DescribeNetworkAcls']);
      expect(d.evidence.afterState?.verified).toBe(true);
      expect(world.networkAclEntries(ACLS.revert)).toEqual(BASE_ENTRIES);
      // Subnet associations are observed only: never written.
      expect(world.ec2.writeCalls().map((c) => c.action)).not.toContain('ReplaceNetworkAclAssociation');
    }, 40_000);

    it('network ACL: deleting the deny behind the allow would be reverted by creating it — fine; but a deny someone added is only removed with approval (the revert widens)', async () => {
      const deny = entry(50, 'deny', '198.51.100.0/24');
      await world.changeNetworkAcl(ACLS.approval, { create: deny }, MALLORY);
      const d = await driftOf(ACLS.approval, (x) => x.status === 'awaiting_approval', 'the approval wait');
      expect(d.decision).toMatchObject({ action: 'await_approval', rule: 5 });
      expect(d.differences?.[0]).toMatchObject({ direction: { change: 'narrows', revert: 'widens' } });
      expect(world.ec2.writeCalls().filter((c) => c.params['NetworkAclId'] === ACLS.approval)).toEqual([]);
      expect(world.networkAclEntries(ACLS.approval)).toContainEqual(deny);
    }, 40_000);

    it('S3: someone turns off BlockPublicPolicy: turned back on with PutPublicAccessBlock, verified', async () => {
      await world.setBucketBlock(BUCKETS.revert, { ...ON, blockPublicPolicy: false }, MALLORY);
      const d = await driftOf(BUCKETS.revert, (x) => x.status === 'reverted', 'the verified revert');
      expect(d.decision).toMatchObject({ action: 'revert', rule: 6 });
      expect(d.resource).toMatchObject({ type: 'AWS::S3::Bucket', address: 'aws_s3_bucket_public_access_block.revert' });
      expect(d.differences?.map((x) => [x.sentence, x.madeBy.eventName])).toEqual([
        [
          'turned off BlockPublicPolicy on bucket acme-invoices (no longer: public bucket policies are refused)',
          'PutBucketPublicAccessBlock',
        ],
      ]);
      expect(d.evidence.apiCalls.map((c) => c.operation)).toEqual(['GetPublicAccessBlock', 'PutPublicAccessBlock', 'GetPublicAccessBlock']);
      expect(world.bucketBlock(BUCKETS.revert)).toEqual(ON);
    }, 40_000);

    it('S3: a flag turned on where the code has it off is only turned off again with approval (the revert widens); the JSON-string block is read', async () => {
      await world.setBucketBlock(BUCKETS.approval, { ...WEBSITE, blockPublicPolicy: true }, MALLORY);
      const d = await driftOf(BUCKETS.approval, (x) => x.status === 'awaiting_approval', 'the approval wait');
      expect(d.decision).toMatchObject({ action: 'await_approval', rule: 5 });
      expect(d.differences?.map((x) => x.sentence)).toEqual([
        'turned on BlockPublicPolicy on bucket acme-website (public bucket policies are refused)',
      ]);
      expect(world.s3.writeCalls().filter((c) => c.bucket === BUCKETS.approval && c.principalArn !== MALLORY)).toEqual([]);
    }, 40_000);
  });

  describe('during a P1 incident (frozen)', () => {
    beforeAll(async () => {
      const createdAt = new Date().toISOString();
      pd.setIncidents([{ id: 'QP1NACL', priority: 'P1', createdAt }]);
      const hook = signed(
        pagerDutyWebhook({
          eventId: 'EV-NACL',
          type: 'incident.triggered',
          incidentId: 'QP1NACL',
          number: 4242,
          priority: 'P1',
          status: 'triggered',
          createdAt,
        }),
        'pd-secret',
      );
      const res = await http(ctl.url, 'POST', '/v1/webhooks/pagerduty', {
        raw: hook.raw,
        headers: { 'x-pagerduty-signature': hook.signature, 'x-webhook-id': 'W-NACL' },
      });
      expect(res.status).toBe(202);
      await eventually(
        async () => (await http<{ frozen: boolean }>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body.frozen,
        'the freeze',
      );
    });
    afterAll(async () => {
      pd.setIncidents([]);
      await eventually(
        async () => (await http<{ frozen: boolean }>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body.frozen === false,
        'the incident to resolve',
      );
    });

    it("network ACL: the on-call denies the attacker's range at rule 50: kept, and a backport PR adds the entry to the code", async () => {
      const deny = entry(50, 'deny', '203.0.113.0/24');
      await world.changeNetworkAcl(ACLS.patch, { create: deny }, ONCALL);
      const d = await driftOf(
        ACLS.patch,
        (x) => x.status === 'backport_open' && x.links.pullRequest !== undefined,
        'the backport PR',
        30_000,
      );
      expect(d.decision).toMatchObject({ action: 'backport', rule: 3 });
      const pr = github.pullRequests().find((p) => p.head === `driftwarden/backport/${ACLS.patch}`);
      expect(pr).toBeDefined();
      expect(pr!.title).toMatch(/added ingress rule #50: deny all traffic from 203\.0\.113\.0\/24/);
      expect(pr!.labels).toEqual(expect.arrayContaining(['driftwarden', 'backport', 'incident:pagerduty-QP1NACL']));
      expect(pr!.body).toMatch(/narrowed what the ACL allows/);
      const file = await github.readFile(`driftwarden/backport/${ACLS.patch}`, 'terraform/edge/network.tf');
      expect(file).toContain(`resource "aws_network_acl" "patch" {`);
      expect(file).toContain(
        'ingress {\n    protocol   = "-1"\n    rule_no    = 50\n    action     = "deny"\n    cidr_block = "203.0.113.0/24"',
      );
      // The entry stays live; nothing was written to the ACL.
      expect(world.networkAclEntries(ACLS.patch)).toContainEqual(deny);
      expect(world.ec2.writeCalls().filter((c) => c.params['NetworkAclId'] === ACLS.patch)).toEqual([]);
    }, 45_000);

    it('network ACL: someone else opens all traffic from the internet at rule 10: held and flagged suspicious, never written back while frozen', async () => {
      await world.changeNetworkAcl(ACLS.attack, { create: entry(10, 'allow', '0.0.0.0/0') }, MALLORY);
      const d = await driftOf(ACLS.attack, (x) => x.status === 'held', 'the hold');
      expect(d.decision).toMatchObject({ action: 'hold', rule: 4 });
      expect(d.flags).toContain('suspicious');
      expect(world.ec2.writeCalls().filter((c) => c.params['NetworkAclId'] === ACLS.attack)).toEqual([]);
    }, 40_000);

    it('S3: the on-call locks the leaking docs bucket (BlockPublicPolicy on): kept, and a backport PR sets it in the code', async () => {
      await world.setBucketBlock(BUCKETS.patch, { ...WEBSITE, blockPublicPolicy: true }, ONCALL);
      const d = await driftOf(
        BUCKETS.patch,
        (x) => x.status === 'backport_open' && x.links.pullRequest !== undefined,
        'the backport PR',
        30_000,
      );
      expect(d.decision).toMatchObject({ action: 'backport', rule: 3 });
      const file = await github.readFile(`driftwarden/backport/${BUCKETS.patch}`, 'terraform/edge/storage.tf');
      expect(file).toContain(
        'resource "aws_s3_bucket_public_access_block" "patch" {\n  bucket = "acme-docs"\n\n  block_public_acls       = true\n  block_public_policy     = true\n',
      );
      // The other blocks in the file are untouched.
      expect(file).toContain(blockHcl('approval', BUCKETS.approval, WEBSITE));
      expect(world.bucketBlock(BUCKETS.patch)).toEqual({ ...WEBSITE, blockPublicPolicy: true });
    }, 45_000);

    it('S3: someone turns off the payroll bucket’s block during the incident: held and suspicious, not reverted while frozen', async () => {
      await world.setBucketBlock(BUCKETS.attack, null, MALLORY);
      const d = await driftOf(BUCKETS.attack, (x) => x.status === 'held', 'the hold');
      expect(d.decision).toMatchObject({ action: 'hold', rule: 4 });
      expect(d.flags).toContain('suspicious');
      expect(d.differences?.map((x) => x.madeBy.eventName)).toEqual(Array(4).fill('DeleteBucketPublicAccessBlock'));
      expect(world.bucketBlock(BUCKETS.attack)).toBeNull();
    }, 40_000);
  });

  it('after the freeze, the held changes go through rules 5–6: the suspicious bucket block is restored and the ACL entry deleted', async () => {
    const bucket = await driftOf(BUCKETS.attack, (x) => x.status === 'reverted', 'the revert after the freeze', 30_000);
    expect(bucket.evidence.afterState?.verified).toBe(true);
    expect(world.bucketBlock(BUCKETS.attack)).toEqual(ON);
    await driftOf(ACLS.attack, (x) => x.status === 'reverted', 'the ACL revert after the freeze', 30_000);
    expect(world.networkAclEntries(ACLS.attack)).toEqual(BASE_ENTRIES);
  }, 60_000);
});
