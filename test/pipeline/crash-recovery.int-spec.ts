import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as github from '@driftwarden/github/testing';
import { SandboxAccount, terraformState, type GroupInfo } from '@driftwarden/sandbox/testing';
import { ensureControllerBuilt, startControllerProcess, type ControllerProcess } from '../support/controller-process';
import { http } from '../support/http';
import {
  dropPrefix,
  eventually,
  startTestController,
  testConfigObject,
  TOKENS,
  uniquePrefix,
  type TestController,
} from '../support/test-controller';
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
const RDP_WORLD = ip4(3389, '0.0.0.0/0');
const MALLORY = 'arn:aws:sts::111122223333:assumed-role/developer/mallory';
const GITHUB_TOKEN = 'crash-test-github-token';

interface Drift {
  id: string;
  status: string;
  decision: { action: string; rule: number | null; reason: string };
  resource: { id: string };
  evidence: { apiCalls: { operation: string; error?: { code: string } }[]; afterState?: { verified: boolean } };
}
interface AuditEntry {
  type: string;
  driftId?: string;
  reason?: string;
}

/**
 * DESIGN §1 and §4 across a crash: the controller process is killed with SIGKILL (no shutdown
 * hook runs, its job locks stay in Redis) in the middle of a revert, at the worst moment: the
 * EC2 call went out and was carried out, but no answer came back and nothing was recorded.
 * Another process (same Redis) must finish the job exactly once, and a freeze recorded after
 * the crash must stop it. Real processes, real Redis, the EC2 sandbox over HTTP.
 */
describe('a controller process killed in the middle of a revert', () => {
  let world: SandboxAccount;
  let gh: github.GitHubSandbox;
  let statePath: string;
  const groups: Record<string, GroupInfo> = {};
  const running: ControllerProcess[] = [];
  /** Where the sandbox account sends its Config and CloudTrail events. */
  let current: { url: string } | null = null;
  let closing = false;
  let prefix: string;
  let n = 0;

  const addGroup = (key: string): GroupInfo => {
    const info = { groupId: `sg-0c${String(++n).padStart(4, '0')}dead0000000`, groupName: key, vpcId: 'vpc-0123456789abcdef0', tags: {} };
    groups[key] = world.addGroup(info, [HTTPS_INTERNAL]);
    return groups[key];
  };

  const config = () =>
    testConfigObject({
      prefix,
      mode: 'enforce',
      settleSeconds: 0,
      concurrency: 4,
      extra: {
        workers: { concurrency: 4, lockDurationSeconds: 5 },
        stacks: [
          {
            name: 'network',
            accounts: ['111122223333'],
            regions: ['eu-west-1'],
            state: { file: statePath },
            repo: { owner: 'acme', name: 'infra', baseBranch: 'main', path: 'terraform/network' },
          },
        ],
        github: { apiUrl: gh.url, token: 'env:GITHUB_TOKEN', webhookSecret: 'env:GITHUB_WEBHOOK_SECRET' },
      },
    });

  const start = async (): Promise<ControllerProcess> => {
    const proc = await startControllerProcess({
      config: config(),
      env: { AWS_ENDPOINT_URL_EC2: world.url, GITHUB_TOKEN, GITHUB_WEBHOOK_SECRET: 'crash-test-webhook-secret' },
    });
    running.push(proc);
    current = proc;
    // Nothing decides before the state is rebuilt (DESIGN §9): wait for it, as a reader would.
    await eventually(
      async () => (await http<{ state?: { rebuilt?: boolean } }>(proc.url, 'GET', '/readyz')).body.state?.rebuilt === true,
      'the state rebuild',
    );
    return proc;
  };

  const drifts = async (url: string, group: GroupInfo) =>
    (await http<{ items: Drift[] }>(url, 'GET', `/v1/drifts?resource=${group.groupId}&limit=50`, { token: TOKENS.viewer })).body.items;
  const audit = async (url: string, driftId: string) =>
    (await http<{ items: AuditEntry[] }>(url, 'GET', `/v1/audit?drift=${driftId}&limit=100`, { token: TOKENS.viewer })).body.items;
  const writesTo = (group: GroupInfo) => world.ec2.writeCalls().filter((c) => c.params['GroupId'] === group.groupId);

  beforeAll(async () => {
    ensureControllerBuilt();
    world = await SandboxAccount.start();
    gh = await github.GitHubSandbox.start({
      fromDirectory: resolve(__dirname, '..', '..', 'examples', 'demo', 'infra'),
      tokens: [GITHUB_TOKEN],
    });
    // Like EventBridge (or SQS), delivery is retried until a controller takes the events: one
    // may be killed while a delivery is in flight, or none may be running for a moment.
    world.setSink(async (events) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (closing) return;
        try {
          if (current) {
            const res = await http(current.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: events });
            if (res.status === 202) return;
            if (res.status < 500) throw new Error(`events refused: ${res.status} ${JSON.stringify(res.body)}`);
          }
        } catch (err) {
          if (err instanceof Error && err.message.startsWith('events refused')) throw err;
        }
        if (Date.now() > deadline) throw new Error('no controller took the events within 60 s');
        await new Promise((r) => setTimeout(r, 200));
      }
    });
  }, 180_000);

  beforeEach(() => {
    prefix = uniquePrefix();
    const dir = mkdtempSync(join(tmpdir(), 'dw-crash-'));
    statePath = join(dir, 'network.tfstate');
  });

  const writeState = () =>
    writeFileSync(
      statePath,
      JSON.stringify(terraformState(Object.entries(groups).map(([name, g]) => ({ ...g, name, rules: [HTTPS_INTERNAL] })))),
    );

  afterEach(async () => {
    for (const p of running.splice(0)) await p.kill();
    current = null;
    await dropPrefix(prefix);
  });

  afterAll(async () => {
    closing = true;
    await world.close();
    await gh.close();
  });

  it('after the revoke was carried out but never answered, the next process finishes the revert once and verifies it', async () => {
    const group = addGroup('applied');
    writeState();
    const a = await start();

    world.ec2.failNext('RevokeSecurityGroupIngress', { network: 'hang-after-apply' });
    await world.change(group.groupId, { authorize: [SSH_WORLD] }, MALLORY);

    // The revoke went out and was carried out; process A is waiting for an answer that never comes.
    await eventually(
      async () => writesTo(group).some((c) => c.action === 'RevokeSecurityGroupIngress' && c.injected),
      'the revoke to reach EC2',
    );
    expect(world.rules(group.groupId)).toEqual([HTTPS_INTERNAL]);
    const [reverting] = await drifts(a.url, group);
    expect(reverting).toMatchObject({ status: 'reverting', decision: { action: 'revert', rule: 6 } });

    await a.kill();
    const b = await start();

    // B takes over the job once A's lock runs out, finds the revoke done, and records it verified.
    const done = await eventually(
      async () => {
        const [d] = await drifts(b.url, group);
        return d && d.status !== 'reverting' ? d : undefined;
      },
      'the job taken over and finished',
      30_000,
    );
    expect(done).toMatchObject({ id: reverting.id, status: 'reverted', evidence: { afterState: { verified: true } } });
    expect(world.rules(group.groupId)).toEqual([HTTPS_INTERNAL]);
    // One drift, never a second one for the controller's own change; nothing was ever authorized.
    expect(await drifts(b.url, group)).toHaveLength(1);
    expect(writesTo(group).filter((c) => c.action.startsWith('Authorize'))).toEqual([]);
    const trail = (await audit(b.url, reverting.id)).map((e) => e.type);
    expect(trail.filter((t) => t === 'remediation.started')).toHaveLength(1);
    expect(trail.filter((t) => t === 'remediation.reverted')).toHaveLength(1);
  }, 90_000);

  it('a freeze recorded after the crash stops the taken-over job: held, no further EC2 write; reverted once the freeze is lifted', async () => {
    const group = addGroup('frozen');
    writeState();
    const a = await start();

    world.ec2.failNext('RevokeSecurityGroupIngress', { network: 'hang' });
    await world.change(group.groupId, { authorize: [SSH_WORLD] }, MALLORY);
    await eventually(async () => writesTo(group).some((c) => c.action === 'RevokeSecurityGroupIngress'), 'the revoke to reach EC2');
    const [reverting] = await drifts(a.url, group);
    expect(reverting.status).toBe('reverting');
    await a.kill();
    const writesBefore = writesTo(group).length;

    // While no worker runs, an operator freezes auto-heal through an API-only controller.
    const api: TestController = await startTestController({ prefix, mode: 'dry-run', roles: ['api'] });
    let freezeId: string;
    try {
      const res = await http<{ id: string }>(api.url, 'POST', '/v1/freezes', {
        token: TOKENS.operator,
        body: { reason: 'incident bridge: hands off', ttl: '1h' },
      });
      expect(res.status).toBe(201);
      freezeId = res.body.id;
    } finally {
      await api.close();
    }

    const b = await start();
    const held = await eventually(
      async () => {
        const [d] = await drifts(b.url, group);
        return d && d.status === 'held' ? d : undefined;
      },
      'the taken-over job to hold the drift',
      30_000,
    );
    expect(held.id).toBe(reverting.id);
    expect(held.decision.reason).toMatch(/freeze/);
    expect(writesTo(group)).toHaveLength(writesBefore);
    expect(world.rules(group.groupId)).toContainEqual(SSH_WORLD);

    // The freeze ends: the held drift is decided again and reverted, by the one process left.
    expect((await http(b.url, 'DELETE', `/v1/freezes/${freezeId}`, { token: TOKENS.operator })).status).toBe(200);
    await eventually(
      async () => {
        const [d] = await drifts(b.url, group);
        return d && d.status === 'reverted' ? d : undefined;
      },
      'the revert after the freeze',
      30_000,
    );
    expect(world.rules(group.groupId)).toEqual([HTTPS_INTERNAL]);
  }, 90_000);
  it('a newer change waiting when the job is taken over: the started revert is finished with its own diff only, then the newer change is decided', async () => {
    const group = addGroup('newer');
    writeState();
    const a = await start();
    world.ec2.failNext('RevokeSecurityGroupIngress', { network: 'hang' });
    await world.change(group.groupId, { authorize: [SSH_WORLD] }, MALLORY);
    await eventually(async () => writesTo(group).some((c) => c.action === 'RevokeSecurityGroupIngress'), 'the revoke to reach EC2');
    const [first] = await drifts(a.url, group);
    expect(first.status).toBe('reverting');
    await a.kill();

    // A newer change arrives while no worker runs; its evaluation waits out a 20 s coalescing
    // window, so it is still pending when the interrupted job is taken over.
    const api: TestController = await startTestController({ prefix, mode: 'dry-run', roles: ['api'], coalesceMilliseconds: 20_000 });
    try {
      current = api;
      await world.change(group.groupId, { authorize: [RDP_WORLD] }, MALLORY);
    } finally {
      current = null;
      await api.close();
    }

    const b = await start();
    const finished = await eventually(
      async () => (await drifts(b.url, group)).find((d) => d.id === first.id && d.status !== 'reverting'),
      'the interrupted revert to finish',
      30_000,
    );
    expect(finished.status).toBe('reverted');
    // It revoked only what it was started for: tcp/22. The newer tcp/3389 was not its business.
    const revoked = finished.evidence.apiCalls.filter((c) => c.operation.startsWith('Revoke'));
    expect(revoked.length).toBeGreaterThan(0);
    expect(world.rules(group.groupId)).toContainEqual(RDP_WORLD);

    // Then the newer item is decided on its own: a second drift, reverted in its turn.
    const second = await eventually(
      async () => (await drifts(b.url, group)).find((d) => d.id !== first.id && d.status === 'reverted'),
      'the newer change decided and reverted',
      45_000,
    );
    expect(second.decision).toMatchObject({ action: 'revert', rule: 6 });
    expect(world.rules(group.groupId)).toEqual([HTTPS_INTERNAL]);
  }, 90_000);
});
