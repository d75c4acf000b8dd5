/**
 * `burst_50k_decided` (issue 11 §1; must equal the burst): 50,000 distinct security-group items
 * for resources a stack manages, posted in batches of 100, with CloudTrail events alongside for
 * half of them; the other half is attributed through the shared LookupEvents walk (a local
 * CloudTrail endpoint that knows no calls) once the delivery wait is over. The real controller,
 * its real attribution, analyzer and state index, in dry-run. Reports how many items were decided,
 * how long it took, the evaluate jobs that failed (must be 0) and the LookupEvents calls made.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { parseConfigObject } from '@driftwarden/config';
import { Metrics } from '@driftwarden/observability';
import { IngestService } from '@driftwarden/pipeline';
import { cloudTrailEvent, configItemEvent, terraformState, type GroupInfo } from '@driftwarden/sandbox/testing';
import { startController } from '../../apps/controller/src/bootstrap';
import { REDIS_URL, dropPrefix } from './util';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

const HTTPS: PermissionRule = {
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: 443,
  toPort: 443,
  peer: { kind: 'ipv4', cidr: '10.0.0.0/8' },
};
const SSH: PermissionRule = { direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, peer: { kind: 'ipv4', cidr: '0.0.0.0/0' } };
const DEV = 'arn:aws:sts::111122223333:assumed-role/developer/bench';

export interface BurstResult {
  items: number;
  decided: number;
  seconds: number;
  evaluateJobFailures: number;
  lookupEventsCalls: number;
}

export async function burst(items = 50_000, waitSeconds = 5): Promise<BurstResult> {
  let lookupEventsCalls = 0;
  const cloudtrail = createServer((req, res) => {
    lookupEventsCalls++;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end('{"Events":[]}');
  });
  await new Promise<void>((resolve) => cloudtrail.listen(0, '127.0.0.1', resolve));
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_CLOUDTRAIL: `http://127.0.0.1:${(cloudtrail.address() as AddressInfo).port}`,
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'eu-west-1',
  });
  const tag = randomBytes(2).toString('hex');
  const group = (i: number): GroupInfo => ({
    groupId: `sg-0${tag}${String(i).padStart(12, '0')}`,
    groupName: `g${i}`,
    vpcId: 'vpc-0123456789abcdef0',
    tags: {},
    account: '111122223333',
    region: 'eu-west-1',
  });
  const dir = mkdtempSync(join(tmpdir(), 'dw-bench-burst-'));
  const state = join(dir, 'burst.tfstate');
  writeFileSync(
    state,
    JSON.stringify(terraformState(Array.from({ length: items }, (_, i) => ({ ...group(i), name: `g${i}`, rules: [HTTPS] })))),
  );
  const prefix = `dwbench-burst-${tag}`;
  const config = parseConfigObject(
    {
      mode: 'dry-run',
      redis: { url: REDIS_URL, prefix },
      api: { port: 0 },
      ingest: { coalesceMilliseconds: 0 },
      workers: { concurrency: 50 },
      attribution: { cloudTrailWaitSeconds: waitSeconds, lookupEvents: true },
      // No sweep: it would read the 50k groups from AWS, which is not reachable here (reconcile.ts measures the sweep).
      reconcile: { intervalMinutes: 0 },
      principals: {
        iac: ['arn:aws:sts::*:assumed-role/terraform-apply/*'],
        breakGlass: ['arn:aws:sts::*:assumed-role/BreakGlass*/*'],
        self: ['arn:aws:sts::*:assumed-role/driftwarden/*'],
      },
      stacks: [{ name: 'burst', accounts: ['111122223333'], regions: ['eu-west-1'], state: { file: state } }],
    },
    { env: {} },
  );
  const ctl = await startController({
    runtime: { config, roles: ['api', 'worker', 'scheduler'], configPath: null, logLevel: 'silent' as never },
    logger: pino({ level: 'silent' }),
    port: 0,
    host: '127.0.0.1',
  });
  const metrics = ctl.app.get(Metrics);
  const redis = new Redis(REDIS_URL);
  try {
    const ingest = ctl.app.get(IngestService);
    const t0 = performance.now();
    const now = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < items; i += 100) {
      const batch: Record<string, unknown>[] = [];
      for (let k = i; k < Math.min(items, i + 100); k++) {
        // Half of them with the CloudTrail call alongside (as EventBridge delivers it), half without.
        if (k % 2 === 0) batch.push(cloudTrailEvent(group(k), 'AuthorizeSecurityGroupIngress', [SSH], DEV, new Date(now - 500)));
        batch.push(configItemEvent(group(k), [HTTPS, SSH], new Date(now), now * 10 + (k % 10)));
      }
      const result = await ingest.ingest(batch, { transport: 'http', actor: 'bench' });
      if (!result.ok) throw new Error(`the burst's events were refused: ${JSON.stringify(result.problems.slice(0, 3))}`);
      for (const a of result.accepted) if (a.kind === 'config_item') ids.push(a.eventId);
    }
    let decided = 0;
    for (;;) {
      decided = 0;
      for (let i = 0; i < ids.length; i += 1000) {
        const pipeline = redis.pipeline();
        for (const id of ids.slice(i, i + 1000)) pipeline.hget(`${prefix}:item:${id}`, 'outcome');
        decided += ((await pipeline.exec()) ?? []).filter(([, v]) => v === 'decided').length;
      }
      if (decided === items || performance.now() - t0 > 600_000) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const seconds = (performance.now() - t0) / 1000;
    const failures =
      (await metrics.registry.getSingleMetric('driftwarden_job_failures_total')?.get())?.values.find(
        (v) => v.labels['queue'] === 'evaluate',
      )?.value ?? 0;
    return { items, decided, seconds, evaluateJobFailures: failures, lookupEventsCalls };
  } finally {
    redis.disconnect();
    await ctl.close();
    process.env = saved;
    await new Promise<void>((resolve) => cloudtrail.close(() => resolve()));
    await dropPrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  }
}
