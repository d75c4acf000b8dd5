/**
 * `reconcile_10k_resources_s` (issue 17 §5): one reconciling sweep over 10,000 managed security
 * groups (a Terraform state file declaring them, the EC2 sandbox serving them over HTTP), 1 % of
 * them changed out of band with their events lost. The real controller (dry-run) with the default
 * rate limit (`reconcile.callsPerSecond` 5 per account and region, 200 groups per
 * DescribeSecurityGroups): the time from the sweep's start to its completion, the lost changes fed
 * as items; then how long until every one of them is decided.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfigObject } from '@driftwarden/config';
import { SandboxAccount, terraformState, type StateGroup } from '@driftwarden/sandbox/testing';
import type { PermissionRule } from '@driftwarden/kinds/security-group';
import { startController } from '../../apps/controller/src/bootstrap';
import { ReconcileHost } from '../../apps/controller/src/reconcile/reconcile-host.service';
import { REDIS_URL, dropPrefix } from './util';

const ip4 = (port: number, cidr: string): PermissionRule => ({
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: port,
  toPort: port,
  peer: { kind: 'ipv4', cidr },
});

export async function reconcileBenchmark(resources = 10_000, changedShare = 0.01, callsPerSecond?: number) {
  const world = await SandboxAccount.start();
  const dir = mkdtempSync(join(tmpdir(), 'dwbench-reconcile-'));
  const state: StateGroup[] = [];
  const rules = [ip4(443, '10.0.0.0/8'), ip4(80, '10.0.0.0/8')];
  for (let i = 0; i < resources; i++) {
    const info = world.addGroup(
      { groupId: `sg-${i.toString(16).padStart(17, '0')}`, groupName: `g${i}`, vpcId: 'vpc-0123456789abcdef0', tags: {} },
      rules,
    );
    state.push({ ...info, name: `g${i}`, rules });
  }
  const statePath = join(dir, 'network.tfstate');
  writeFileSync(statePath, JSON.stringify(terraformState(state)));
  const changed = Math.round(resources * changedShare);
  const saved = process.env['AWS_ENDPOINT_URL_EC2'];
  process.env['AWS_ENDPOINT_URL_EC2'] = world.url;
  process.env['AWS_ACCESS_KEY_ID'] ??= 'AKIDBENCH';
  process.env['AWS_SECRET_ACCESS_KEY'] ??= 'bench';
  const prefix = `dwbench-reconcile-${randomBytes(3).toString('hex')}`;
  const config = parseConfigObject(
    {
      mode: 'dry-run',
      redis: { url: REDIS_URL, prefix },
      api: { port: 0 },
      ingest: { coalesceMilliseconds: 0 },
      attribution: { cloudTrailWaitSeconds: 0, lookupEvents: false },
      stacks: [{ name: 'network', accounts: [world.account], regions: [world.region], state: { file: statePath } }],
      reconcile: { intervalMinutes: 60, ...(callsPerSecond ? { callsPerSecond } : {}) },
    },
    { env: {} },
  );
  // No scheduler role: the sweep is started by hand, once, and timed.
  const ctl = await startController({
    runtime: { config, roles: ['api', 'worker'], configPath: null, logLevel: 'silent' as never },
    logger: pino({ level: 'silent' }),
    port: 0,
    host: '127.0.0.1',
  });
  try {
    // Lost events: no sink, so the changes reach nobody.
    for (let i = 0; i < changed; i++)
      await world.change(
        state[i * Math.floor(resources / changed)].groupId,
        { authorize: [ip4(22, '0.0.0.0/0')] },
        'arn:aws:sts::111122223333:assumed-role/dev/mallory',
      );
    let decided = 0;
    let allDecided!: () => void;
    const done = new Promise<void>((r) => (allDecided = r));
    ctl.workers.onCompleted((_rk, status) => {
      if (status === 'decided' && ++decided === changed) allDecided();
    });
    const host = ctl.app.get(ReconcileHost);
    const started = performance.now();
    const outcome = await host.sweep({ force: true });
    const sweepMs = performance.now() - started;
    if (outcome.status !== 'completed') throw new Error(`the sweep did not run: ${outcome.status}`);
    await done;
    const decidedMs = performance.now() - started;
    const describeCalls = world.ec2.calls.filter((c) => c.action === 'DescribeSecurityGroups').length;
    return {
      resources,
      changed,
      checked: outcome.last.checked,
      fed: outcome.last.fed,
      errors: outcome.last.errors,
      sweepMs,
      decidedMs,
      describeCalls,
    };
  } finally {
    await ctl.close();
    await world.close();
    if (saved === undefined) delete process.env['AWS_ENDPOINT_URL_EC2'];
    else process.env['AWS_ENDPOINT_URL_EC2'] = saved;
    rmSync(dir, { recursive: true, force: true });
    await dropPrefix(prefix);
  }
}
