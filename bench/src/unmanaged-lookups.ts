/**
 * `lookup_events_per_unmanaged_event` (issue 10 §2; must be 0): CloudTrail LookupEvents calls per
 * Config item for resources driftwarden leaves alone (unmanaged security groups, a type with no
 * kind). The real controller with its real attribution (LookupEvents on, an hour of delivery wait)
 * in dry-run; every AWS endpoint points at a local server that counts what it receives.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { parseConfigObject } from '@driftwarden/config';
import { IngestService } from '@driftwarden/pipeline';
import { configItemEvent } from '@driftwarden/sandbox/testing';
import { startController } from '../../apps/controller/src/bootstrap';
import { REDIS_URL, dropPrefix } from './util';

const SSH_WORLD = {
  direction: 'ingress' as const,
  protocol: 'tcp',
  fromPort: 22,
  toPort: 22,
  peer: { kind: 'ipv4' as const, cidr: '0.0.0.0/0' },
};

export async function unmanagedLookups(
  events = 1_000,
): Promise<{ events: number; awsRequests: number; lookupEvents: number; perEvent: number }> {
  const seen: string[] = [];
  const aws = createServer((req, res) => {
    seen.push(String(req.headers['x-amz-target'] ?? `${req.method} ${req.url}`));
    req.resume();
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end('{"__type":"AccessDeniedException","message":"bench"}');
  });
  await new Promise<void>((resolve) => aws.listen(0, '127.0.0.1', resolve));
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${(aws.address() as AddressInfo).port}`,
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'eu-west-1',
  });
  const prefix = `dwbench-unmanaged-${randomBytes(3).toString('hex')}`;
  const config = parseConfigObject(
    {
      mode: 'dry-run',
      redis: { url: REDIS_URL, prefix },
      api: { port: 0 },
      ingest: { coalesceMilliseconds: 0 },
      workers: { concurrency: 50 },
      attribution: { cloudTrailWaitSeconds: 3600, lookupEvents: true },
    },
    { env: {} },
  );
  const ctl = await startController({
    runtime: { config, roles: ['api', 'worker', 'scheduler'], configPath: null, logLevel: 'silent' as never },
    logger: pino({ level: 'silent' }),
    port: 0,
    host: '127.0.0.1',
  });
  try {
    let done = 0;
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    ctl.workers.onCompleted(() => {
      if (++done === events) finish();
    });
    const tag = randomBytes(3).toString('hex');
    const items = Array.from({ length: events }, (_, i) => {
      const id = i % 2 === 0 ? `sg-0${tag}${String(i).padStart(10, '0')}` : `bench-bucket-${tag}-${i}`;
      return configItemEvent(
        { groupId: id, groupName: id, vpcId: 'vpc-0123456789abcdef0', account: '111122223333', region: 'eu-west-1', tags: {} },
        [SSH_WORLD],
        new Date(1_750_000_000_000 + i),
        1_750_000_000_000 + i,
        {
          resourceType: i % 2 === 0 ? 'AWS::EC2::SecurityGroup' : 'AWS::S3::Bucket',
        },
      );
    });
    const ingest = ctl.app.get(IngestService);
    for (let i = 0; i < items.length; i += 100) await ingest.ingest(items.slice(i, i + 100), { transport: 'http', actor: 'bench' });
    await finished;
  } finally {
    await ctl.close();
    process.env = saved;
    await new Promise<void>((resolve) => aws.close(() => resolve()));
    await dropPrefix(prefix);
  }
  const lookupEvents = seen.filter((s) => s.includes('LookupEvents')).length;
  return { events, awsRequests: seen.length, lookupEvents, perEvent: lookupEvents / events };
}
