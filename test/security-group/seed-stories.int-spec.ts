import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxAccount, terraformState, type GroupInfo } from '@driftwarden/sandbox/testing';
import { PagerDutyFake } from '@driftwarden/incidents/testing';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { SpyBackport } from '../support/fake-ports';
import { pagerDutyWebhook, signed } from '../support/pagerduty-webhook';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

const ip4 = (protocol: string, port: number | null, cidr: string, to = port): PermissionRule => ({
  direction: 'ingress',
  protocol,
  fromPort: port,
  toPort: to,
  peer: { kind: 'ipv4', cidr },
});
const HTTPS_INTERNAL = ip4('tcp', 443, '10.0.0.0/8');
const PUBLIC_8080 = ip4('tcp', 8080, '0.0.0.0/0');
const SSH_WORLD = ip4('tcp', 22, '0.0.0.0/0');
const EGRESS_ALL: PermissionRule = {
  direction: 'egress',
  protocol: '-1',
  fromPort: null,
  toPort: null,
  peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
};

const MALLORY = 'arn:aws:sts::111122223333:assumed-role/developer/mallory';
const ALICE_BG = 'arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/alice@example.com';
const TERRAFORM = 'arn:aws:sts::111122223333:assumed-role/terraform-apply/run-42';

interface Drift {
  id: string;
  status: string;
  decision: { action: string; rule: number | null; reason: string };
  principal: { arn: string | null; class: string; session?: string };
  evidence: { apiCalls: { operation: string; error?: { code: string } }[]; afterState?: { verified: boolean }; explanations?: string[] };
  resource: { address?: string };
}

/**
 * Issue 4's stories end to end: the real controller (enforce mode) with the real EC2 adapter
 * against the EC2 sandbox over HTTP, desired state from a real Terraform state file, CloudTrail
 * attribution from the events the sandbox account emits, the real freeze store and a PagerDuty
 * fake. Only the backport port is a spy (backport PRs are another capability).
 */
describe('security-group drift end to end', () => {
  let world: SandboxAccount;
  let ctl: TestController;
  let pd: PagerDutyFake;
  const backport = new SpyBackport();
  const groups: Record<string, GroupInfo> = {};
  let n = 0;

  const spec = (key: string, rules: PermissionRule[], tags: Record<string, string> = {}) => ({
    info: {
      groupId: `sg-0${String(++n).padStart(4, '0')}${key
        .replace(/[^a-f0-9]/g, '')
        .padEnd(12, '0')
        .slice(0, 12)}`,
      groupName: key,
      vpcId: 'vpc-0123456789abcdef0',
      tags,
    },
    rules,
  });
  const SPECS = {
    attacker: spec('attacker', [HTTPS_INTERNAL, EGRESS_ALL]),
    breakglass: spec('breakglass', [HTTPS_INTERNAL, PUBLIC_8080, EGRESS_ALL]),
    iac: spec('iac', [HTTPS_INTERNAL]),
    widening: spec('widening', [HTTPS_INTERNAL, PUBLIC_8080]),
    kinds: spec('kinds', [HTTPS_INTERNAL]),
    race: spec('race', [HTTPS_INTERNAL]),
    throttle: spec('throttle', [HTTPS_INTERNAL]),
    denied: spec('denied', [HTTPS_INTERNAL]),
    verify: spec('verify', [HTTPS_INTERNAL]),
    unknown: spec('unknown', [HTTPS_INTERNAL]),
  };

  beforeAll(async () => {
    world = await SandboxAccount.start();
    pd = await new PagerDutyFake().start();
    for (const [key, s] of Object.entries(SPECS)) groups[key] = world.addGroup(s.info, s.rules);
    const dir = mkdtempSync(join(tmpdir(), 'dw-state-'));
    const statePath = join(dir, 'network.tfstate');
    writeFileSync(
      statePath,
      JSON.stringify(
        terraformState(Object.entries(SPECS).map(([key, s]) => ({ ...groups[key], name: key, module: 'module.net', rules: s.rules }))),
      ),
    );
    process.env['AWS_ENDPOINT_URL_EC2'] = world.url;
    ctl = await startTestController({
      mode: 'enforce',
      settleSeconds: 1,
      overrides: { backport },
      extra: {
        stacks: [{ name: 'network', accounts: ['111122223333'], regions: ['eu-west-1'], state: { file: statePath } }],
        incidents: {
          pollIntervalSeconds: 1,
          maxStalenessSeconds: 5,
          cooldownMinutes: 0,
          pagerduty: { token: 'pd-fake-token', apiUrl: pd.url, webhookSecrets: ['pd-secret'], major: { priorities: ['P1'] } },
        },
      },
    });
    world.setSink(async (events) => {
      const res = await http(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: events });
      if (res.status !== 202) throw new Error(`events rejected: ${JSON.stringify(res.body)}`);
    });
    await eventually(
      async () => (await http<{ frozen: boolean }>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body.frozen === false,
      'the first provider poll',
    );
  }, 30_000);
  afterAll(async () => {
    await ctl.close();
    await world.close();
    await pd.stop();
    delete process.env['AWS_ENDPOINT_URL_EC2'];
    await dropPrefix(ctl.prefix);
  });

  const driftOf = async (key: string, where: (d: Drift) => boolean, what: string, timeoutMs = 15_000): Promise<Drift> => {
    let seen: unknown = null;
    try {
      return await eventually(
        async () => {
          const list = await http<{ items: Drift[] }>(ctl.url, 'GET', `/v1/drifts?resource=${groups[key].groupId}&limit=20`, {
            token: TOKENS.viewer,
          });
          seen = list.body.items.map((d) => ({
            status: d.status,
            decision: d.decision,
            principal: d.principal,
            calls: d.evidence.apiCalls,
            after: d.evidence.afterState,
            freeze: (d.evidence as { freeze?: unknown }).freeze,
          }));
          return list.body.items.find(where);
        },
        what,
        timeoutMs,
      );
    } catch (e) {
      const audit = await http<{ items: { type: string; resourceKey?: string; driftId?: string; reason?: string }[] }>(
        ctl.url,
        'GET',
        '/v1/audit?limit=1000',
        { token: TOKENS.viewer },
      );
      const mine = audit.body.items.filter(
        (x) => x.resourceKey?.endsWith(groups[key].groupId) || JSON.stringify(x).includes(groups[key].groupId),
      );
      throw new Error(`${(e as Error).message}; drifts: ${JSON.stringify(seen)}; audit: ${JSON.stringify(mine).slice(0, 2000)}`, {
        cause: e,
      });
    }
  };
  const has = (key: string, rule: PermissionRule) =>
    world
      .rules(groups[key].groupId)
      .some(
        (r) =>
          r.protocol === rule.protocol &&
          r.fromPort === rule.fromPort &&
          JSON.stringify(r.peer) === JSON.stringify(rule.peer) &&
          r.direction === rule.direction,
      );

  it("an attacker opens tcp/22 to the world outside any freeze: revoked after settle and verified; the controller's own change is not drift", async () => {
    await world.change(groups['attacker'].groupId, { authorize: [SSH_WORLD] }, MALLORY);
    const d = await driftOf('attacker', (x) => x.status === 'reverted', 'the verified revert');
    expect(d.decision).toMatchObject({ action: 'revert', rule: 6 });
    expect(d.principal).toMatchObject({ arn: MALLORY, class: 'other', session: 'mallory' });
    expect(d.resource.address).toBe('module.net.aws_security_group.attacker');
    expect(d.evidence.afterState?.verified).toBe(true);
    expect(d.evidence.apiCalls.map((c) => c.operation)).toContain('RevokeSecurityGroupIngress');
    expect(has('attacker', SSH_WORLD)).toBe(false);
    // The revert produced its own CloudTrail + Config events (principal driftwarden): audited, no new drift.
    await eventually(async () => {
      const audit = await http<{ items: { type: string }[] }>(ctl.url, 'GET', '/v1/audit?type=self.change', { token: TOKENS.viewer });
      return audit.body.items.length > 0;
    }, 'the self change in the audit');
    const list = await http<{ items: Drift[] }>(ctl.url, 'GET', `/v1/drifts?resource=${groups['attacker'].groupId}`, {
      token: TOKENS.viewer,
    });
    expect(list.body.items.filter((x) => x.status !== 'resolved')).toHaveLength(1);
  }, 30_000);

  it('an IaC-role apply is not drift (ignored, rule 1)', async () => {
    await world.change(groups['iac'].groupId, { authorize: [ip4('tcp', 9443, '10.1.0.0/16')] }, TERRAFORM);
    const audit = await eventually(async () => {
      const page = await http<{
        items: { type: string; resourceKey?: string; details?: { action?: string; rule?: number; principalClass?: string } }[];
      }>(ctl.url, 'GET', '/v1/audit?type=decision&limit=1000', { token: TOKENS.viewer });
      return page.body.items.find((e) => e.resourceKey?.endsWith(groups['iac'].groupId));
    }, 'the decision');
    expect(audit.details).toMatchObject({ action: 'ignore', rule: 1, principalClass: 'iac' });
    const list = await http<{ items: Drift[] }>(ctl.url, 'GET', `/v1/drifts?resource=${groups['iac'].groupId}`, { token: TOKENS.viewer });
    expect(list.body.items).toEqual([]);
  });

  it('a revert that would re-open a port waits for approval; approved, it re-authorizes', async () => {
    await world.change(groups['widening'].groupId, { revoke: [PUBLIC_8080] }, MALLORY);
    const d = await driftOf('widening', (x) => x.status === 'awaiting_approval', 'the approval wait');
    expect(d.decision).toMatchObject({ action: 'await_approval', rule: 5 });
    expect(d.evidence.explanations?.join(' ')).toContain('would re-open tcp/8080 to the internet (0.0.0.0/0)');
    const res = await http(ctl.url, 'POST', `/v1/drifts/${d.id}/approve`, {
      token: TOKENS.operator,
      body: { comment: 'partner API needs 8080' },
    });
    expect(res.status).toBe(201);
    await driftOf('widening', (x) => x.id === d.id && x.status === 'reverted', 'the approved revert');
    expect(has('widening', PUBLIC_8080)).toBe(true);
  }, 30_000);

  it('reverts all-ports, IPv6, prefix-list and referenced-group rules', async () => {
    const extra: PermissionRule[] = [
      { direction: 'ingress', protocol: '-1', fromPort: null, toPort: null, peer: { kind: 'ipv4', cidr: '198.51.100.0/24' } },
      { direction: 'ingress', protocol: 'tcp', fromPort: 5432, toPort: 5432, peer: { kind: 'ipv6', cidr: '::/0' } },
      {
        direction: 'ingress',
        protocol: 'tcp',
        fromPort: 3306,
        toPort: 3306,
        peer: { kind: 'prefixList', prefixListId: 'pl-0123456789abcdef0' },
      },
      {
        direction: 'ingress',
        protocol: 'tcp',
        fromPort: 6379,
        toPort: 6379,
        peer: { kind: 'securityGroup', groupId: 'sg-0fedcba9876543210', userId: '111122223333' },
      },
    ];
    // The referenced group exists (unmanaged): EC2 refuses a rule referring to a group that does not.
    world.ec2.addGroup({ groupId: 'sg-0fedcba9876543210', groupName: 'cache-clients', vpcId: 'vpc-0123456789abcdef0' });
    await world.change(groups['kinds'].groupId, { authorize: extra }, MALLORY);
    const d = await driftOf('kinds', (x) => x.status === 'reverted', 'the revert');
    expect(d.evidence.afterState?.verified).toBe(true);
    for (const r of extra) expect(has('kinds', r)).toBe(false);
    expect(has('kinds', HTTPS_INTERNAL)).toBe(true);
  }, 30_000);

  it('a freeze recorded during settle stops the revert: held, and no EC2 write', async () => {
    await world.change(groups['race'].groupId, { authorize: [SSH_WORLD] }, MALLORY);
    await driftOf('race', (x) => x.status === 'detected', 'the decision');
    world.ec2.clearCalls();
    const f = await http<{ id: string }>(ctl.url, 'POST', '/v1/freezes', {
      token: TOKENS.operator,
      body: { reason: 'incident bridge', ttl: '10m' },
    });
    const d = await driftOf('race', (x) => x.status === 'held', 'the hold');
    expect(d.decision.action).toBe('hold');
    expect(world.ec2.writeCalls()).toEqual([]);
    expect(has('race', SSH_WORLD)).toBe(true);
    await http(ctl.url, 'DELETE', `/v1/freezes/${f.body.id}`, { token: TOKENS.operator });
    await driftOf('race', (x) => x.status === 'reverted', 'the revert after the freeze ended', 20_000);
  }, 40_000);

  it('EC2 throttling is retried until the revert succeeds', async () => {
    world.ec2.failNext('RevokeSecurityGroupIngress', { code: 'RequestLimitExceeded', status: 503 }, { times: 2 });
    await world.change(groups['throttle'].groupId, { authorize: [SSH_WORLD] }, MALLORY);
    const d = await driftOf('throttle', (x) => x.status === 'reverted', 'the revert after throttling', 30_000);
    expect(d.evidence.afterState?.verified).toBe(true);
  }, 40_000);

  it('a permanent EC2 error (UnauthorizedOperation) fails the record with the evidence', async () => {
    world.ec2.failNext('RevokeSecurityGroupIngress', { code: 'UnauthorizedOperation', status: 403 }, { times: 1 });
    await world.change(groups['denied'].groupId, { authorize: [SSH_WORLD] }, MALLORY);
    const d = await driftOf('denied', (x) => x.status === 'failed', 'the failure');
    expect(d.evidence.apiCalls.some((c) => c.error?.code === 'ec2_unauthorized' || c.error?.code === 'UnauthorizedOperation')).toBe(true);
  }, 30_000);

  it('a revoke that silently revokes nothing (default-VPC quirk) fails verification', async () => {
    world.ec2.failNext('RevokeSecurityGroupIngress', { quirk: 'unknown-ip-permissions' }, { times: 1 });
    await world.change(groups['verify'].groupId, { authorize: [SSH_WORLD] }, MALLORY);
    const d = await driftOf('verify', (x) => x.status === 'failed', 'the verify failure');
    expect(d.evidence.afterState?.verified).toBe(false);
  }, 30_000);

  it('a change by an unknown principal (no CloudTrail call) is treated as drift', async () => {
    world.ec2.addRules(groups['unknown'].groupId, [ip4('tcp', 3389, '0.0.0.0/0')]);
    await world.settled();
    const d = await driftOf('unknown', (x) => x.status === 'reverted', 'the revert');
    expect(d.principal).toMatchObject({ arn: null, class: 'unknown' });
  }, 30_000);

  // Last: the incident's resolution is only seen at the next poll, and changes made before
  // that count as made during the incident (fail closed).
  it('the seed story: a break-glass engineer closes tcp/8080 to the world during a P1: backported, never re-authorized', async () => {
    const createdAt = new Date().toISOString();
    pd.setIncidents([{ id: 'QP1SEED', priority: 'P1', createdAt }]);
    const hook = signed(
      pagerDutyWebhook({
        eventId: 'EV-SEED',
        type: 'incident.triggered',
        incidentId: 'QP1SEED',
        number: 1234,
        priority: 'P1',
        status: 'triggered',
        createdAt,
      }),
      'pd-secret',
    );
    expect(
      (
        await http(ctl.url, 'POST', '/v1/webhooks/pagerduty', {
          raw: hook.raw,
          headers: { 'x-pagerduty-signature': hook.signature, 'x-webhook-id': 'W-SEED' },
        })
      ).status,
    ).toBe(202);
    world.ec2.clearCalls();
    await world.change(groups['breakglass'].groupId, { revoke: [PUBLIC_8080] }, ALICE_BG);
    const d = await driftOf('breakglass', (x) => x.status === 'backport_open', 'the backport decision');
    expect(d.decision).toMatchObject({ action: 'backport', rule: 3 });
    expect(d.principal).toMatchObject({ class: 'breakGlass', session: 'alice@example.com' });
    await eventually(async () => backport.calls.includes(d.id), 'the backport request');
    // Well past settle: the port stays closed, and no authorize was ever sent.
    await new Promise((r) => setTimeout(r, 1500));
    expect(has('breakglass', PUBLIC_8080)).toBe(false);
    expect(world.ec2.writeCalls().filter((c) => c.action.startsWith('Authorize'))).toEqual([]);
    pd.setIncidents([]);
    await eventually(
      async () => (await http<{ frozen: boolean }>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body.frozen === false,
      'the incident to resolve',
    );
  }, 30_000);
});
