/**
 * `drift_to_verified_revert_p50_ms` / `_p99_ms` (issue 17 §5; goal p99 <= 1000): an attacker
 * widens a managed security group (tcp/22 from 0.0.0.0/0) outside any incident; from the moment
 * its events (the CloudTrail call and the Config item) are handed to the controller's ingest to
 * the moment the drift is `reverted` with its after-state verified by re-reading the group.
 *
 * Everything on the way is the product's: the real controller in enforce mode (settle 0), its
 * real attribution, state index (a Terraform state file of the groups), freeze check and fence
 * (Redis-backed, no incident provider: nothing frozen) and its EC2 executor, which calls the EC2
 * sandbox over real HTTP (Describe, Revoke, Describe again). The end is seen as the audit entry
 * `remediation.reverted` appears (it is written in the same atomic step as the record's
 * `reverted` status; a blocking XREAD, no polling); each sample then checks the record
 * (`reverted`, after-state verified) and the sandbox (the rule is gone), and waits for the
 * controller to take the Config item of its own revert, so that samples never overlap.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { DriftRecord } from '@driftwarden/domain';
import { BackportPort, IngestService, type BackportResult } from '@driftwarden/pipeline';
import { RedisKeys } from '@driftwarden/redis';
import { SandboxAccount, terraformState, type GroupInfo } from '@driftwarden/sandbox/testing';
import { DriftStore } from '@driftwarden/store';
import type { PermissionRule } from '@driftwarden/kinds/security-group';
import { startBenchController } from './bench-controller';
import { REDIS_URL, dropPrefix, within } from './util';

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
const ATTACKER = 'arn:aws:sts::111122223333:assumed-role/developer/mallory';
const CONTROLLER = 'arn:aws:sts::111122223333:assumed-role/driftwarden/controller';

/** Enforce mode needs a backport capability; a revert never reaches it (nothing here is codified). */
class NoBackport extends BackportPort {
  openOrUpdate(drift: DriftRecord): Promise<BackportResult> {
    return Promise.reject(new Error(`the revert benchmark opens no backport (asked for ${drift.id})`));
  }
}

export interface RevertResult {
  samples: number;
  /** Attacker events in → verified revert, ascending (ms). */
  latencies: number[];
  /** EC2 calls the sandbox served per revert (Describe, Revoke, Describe). */
  ec2CallsPerRevert: number;
}

/** Follows the audit stream (blocking XREAD on its own connection) and hands each entry's type, driftId and resourceKey out. */
function followAudit(streamKey: string, onEntry: (type: string, driftId: string | undefined, resourceKey: string | undefined) => void) {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  let stopped = false;
  const done = (async () => {
    let last = '$';
    while (!stopped) {
      const res = (await redis.xread('COUNT', 100, 'BLOCK', 200, 'STREAMS', streamKey, last)) as [string, [string, string[]][]][] | null;
      for (const [id, fields] of res?.[0]?.[1] ?? []) {
        last = id;
        const body = fields[fields.indexOf('e') + 1];
        if (!body) continue;
        const e = JSON.parse(body) as { type: string; driftId?: string; resourceKey?: string };
        onEntry(e.type, e.driftId, e.resourceKey);
      }
    }
  })();
  return async () => {
    stopped = true;
    await done.catch(() => undefined);
    redis.disconnect();
  };
}

export async function revertBenchmark(samples = 200): Promise<RevertResult> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIDSANDBOX',
    AWS_SECRET_ACCESS_KEY: 'sandbox-secret',
    AWS_REGION: 'eu-west-1',
  });
  const tag = randomBytes(3).toString('hex');
  const prefix = `dwbench-revert-${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'dw-bench-revert-'));
  const world = await SandboxAccount.start({ controllerPrincipal: CONTROLLER });
  const groups: GroupInfo[] = Array.from({ length: samples }, (_, i) =>
    world.addGroup(
      {
        groupId: `sg-0${tag}${String(i).padStart(10, '0')}`,
        groupName: `web-${i}`,
        vpcId: 'vpc-0123456789abcdef0',
        tags: { team: 'payments' },
      },
      [HTTPS_INTERNAL],
    ),
  );
  const stateFile = join(dir, 'network.tfstate');
  writeFileSync(stateFile, JSON.stringify(terraformState(groups.map((g, i) => ({ ...g, name: `web_${i}`, rules: [HTTPS_INTERNAL] })))));
  process.env['AWS_ENDPOINT_URL_EC2'] = world.url;
  let stopFollowing: (() => Promise<void>) | null = null;
  let bench: Awaited<ReturnType<typeof startBenchController>> | null = null;
  try {
    bench = await startBenchController(
      prefix,
      {
        mode: 'enforce',
        guardrails: { settleSeconds: 0 },
        principals: {
          iac: ['arn:aws:sts::*:assumed-role/terraform-apply/*'],
          breakGlass: [],
          self: ['arn:aws:sts::*:assumed-role/driftwarden/*'],
        },
        stacks: [{ name: 'network', accounts: ['111122223333'], regions: ['eu-west-1'], state: { file: stateFile } }],
        reconcile: { intervalMinutes: 0 },
      },
      { backport: new NoBackport() },
    );
    const { ctl } = bench;
    const ingest = ctl.app.get(IngestService);
    const drifts = ctl.app.get(DriftStore);
    const keyOf = (g: GroupInfo) => `${g.account}/${g.region}/AWS::EC2::SecurityGroup/${g.groupId}`;

    // Waiters: the verified revert of a resource, and the next evaluation of a resource.
    const sentAt = new Map<string, number>();
    const reverted = new Map<string, (r: { at: number; driftId: string }) => void>();
    const evaluated = new Map<string, () => void>();
    const resourceOfDrift = new Map<string, string>();
    stopFollowing = followAudit(new RedisKeys(prefix).key('audit'), (type, driftId, rk) => {
      if (driftId && rk) resourceOfDrift.set(driftId, rk);
      if (type !== 'remediation.reverted' || !driftId) return;
      const resource = resourceOfDrift.get(driftId);
      const waiter = resource ? reverted.get(resource) : undefined;
      if (resource && waiter) {
        reverted.delete(resource);
        waiter({ at: performance.now(), driftId });
      }
    });
    ctl.workers.onCompleted((rk) => {
      const w = evaluated.get(rk);
      if (w) {
        evaluated.delete(rk);
        w();
      }
    });
    world.setSink(async (events) => {
      const configItem = events.find((e) => e['detail-type'] === 'Config Configuration Item Change');
      const detail = configItem?.['detail'] as { configurationItem?: { resourceId?: string } } | undefined;
      const group = groups.find((g) => g.groupId === detail?.configurationItem?.resourceId);
      if (group && !sentAt.has(keyOf(group))) sentAt.set(keyOf(group), performance.now());
      const result = await ingest.ingest(events, { transport: 'http', actor: 'bench' });
      if (!result.ok) throw new Error(`the sandbox's events were rejected: ${JSON.stringify(result.problems)}`);
    });
    const ec2Before = world.ec2.calls.length;
    const latencies: number[] = [];
    for (const g of groups) {
      const rk = keyOf(g);
      const revert = new Promise<{ at: number; driftId: string }>((resolve) => reverted.set(rk, resolve));
      await world.change(g.groupId, { authorize: [SSH_WORLD] }, ATTACKER);
      const { at, driftId } = await within(revert, 15_000, `the verified revert of ${g.groupId}`);
      latencies.push(at - sentAt.get(rk)!);
      // The controller's own revert comes back as a CloudTrail call and a Config item: let it be decided before the next sample.
      const next = new Promise<void>((resolve) => evaluated.set(rk, resolve));
      await world.settled();
      await within(next, 15_000, `the evaluation of the Config item of ${g.groupId}'s revert`);
      const record = await drifts.get(driftId);
      if (record?.status !== 'reverted' || record.evidence.afterState?.verified !== true)
        throw new Error(`drift ${driftId} of ${g.groupId} is ${record?.status ?? 'gone'}, not a verified revert`);
      if (world.rules(g.groupId).some((r) => r.fromPort === 22 && r.peer.kind === 'ipv4' && r.peer.cidr === '0.0.0.0/0'))
        throw new Error(`${g.groupId} still has tcp/22 from the internet after its verified revert`);
    }
    const ec2Calls = world.ec2.calls.length - ec2Before;
    return { samples, latencies: latencies.sort((a, b) => a - b), ec2CallsPerRevert: ec2Calls / samples };
  } finally {
    await stopFollowing?.();
    await bench?.ctl.close();
    await world.close();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
    await dropPrefix(prefix);
  }
}
