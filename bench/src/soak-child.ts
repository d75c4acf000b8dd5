/**
 * The controller under test for the soak (soak.ts), in a process of its own so that its resident
 * set is the controller's alone: the load generator, the events it holds and the Redis memory
 * scans stay in the parent. The real bootstrap (`startController`, roles api + worker +
 * scheduler, dry-run, the benchmark's instant ports with the soak's desired state) on its own
 * Redis prefix, fed over IPC one batch per message, as a socket would feed it; no Node flag
 * beyond the container's (`node dist/apps/controller/src/main.js` runs with none). Silent unless
 * `DW_SOAK_LOG` names a pino level (the controller's log then goes to stderr).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import 'reflect-metadata';
import { parseConfigObject } from '@driftwarden/config';
import type { ResourceRef } from '@driftwarden/domain';
import { DesiredStatePort, IngestService, type DesiredLookup } from '@driftwarden/pipeline';
import pino from 'pino';
import { startController } from '../../apps/controller/src/bootstrap';
import { instantPorts } from './instant-ports';
import type { SoakChildArgs, SoakFromChild, SoakToChild } from './soak-ipc';
import { REDIS_URL } from './util';

/** Every group is managed (desired: no rules) unless its id says `u` (unmanaged). */
class SoakDesired extends DesiredStatePort {
  async lookup(resource: ResourceRef): Promise<DesiredLookup> {
    if (resource.id.startsWith('sg-0u')) return { managed: false, reason: 'no stack owns it' };
    return { managed: true, stack: 'bench', address: 'aws_security_group.bench', attributes: {} };
  }
  async refresh(): Promise<void> {}
}

const send = (m: SoakFromChild): void => {
  process.send?.(m);
};

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '') as SoakChildArgs;
  const config = parseConfigObject(
    {
      mode: 'dry-run',
      redis: { url: REDIS_URL, prefix: args.prefix },
      api: { port: 0 },
      ingest: { coalesceMilliseconds: 0 },
      workers: { concurrency: 16 },
      attribution: { cloudTrailWaitSeconds: 0, lookupEvents: false },
      retention: args.retention,
    },
    { env: {} },
  );
  const ctl = await startController({
    runtime: { config, roles: ['api', 'worker', 'scheduler'], configPath: null, logLevel: (process.env.DW_SOAK_LOG ?? 'silent') as never },
    overrides: { ...instantPorts(), desiredState: new SoakDesired() },
    logger: pino({ level: process.env.DW_SOAK_LOG ?? 'silent' }, pino.destination(2)),
    port: 0,
    host: '127.0.0.1',
  });
  const ingest = ctl.app.get(IngestService);
  let decisions = 0;
  let inflight = 0;
  let failures = 0;
  let firstFailure: string | null = null;
  ctl.workers.onCompleted((_rk, status) => {
    if (status === 'decided') decisions++;
  });
  process.on('message', (m: SoakToChild) => {
    switch (m.type) {
      case 'events':
        inflight++;
        ingest
          .ingest(m.events, { transport: 'http', actor: 'bench' })
          .catch((e: unknown) => {
            failures++;
            firstFailure ??= e instanceof Error ? e.message : String(e);
          })
          .finally(() => inflight--);
        break;
      case 'sample': {
        const mem = process.memoryUsage();
        send({
          type: 'sample',
          rss: mem.rss,
          heapUsed: mem.heapUsed,
          heapTotal: mem.heapTotal,
          external: mem.external,
          decisions,
          inflight,
          failures,
          firstFailure,
        });
        break;
      }
      case 'live': {
        // Only now, after the soak: a full collection, to tell what the heap still reaches from
        // garbage V8 had not yet collected (the process ran without --expose-gc until here).
        setFlagsFromString('--expose-gc');
        (runInNewContext('gc') as () => void)();
        const mem = process.memoryUsage();
        send({ type: 'live', heapUsed: mem.heapUsed, rss: mem.rss });
        break;
      }
      case 'close':
        void ctl.close().then(() => {
          send({ type: 'closed' });
          process.exit(0);
        });
        break;
    }
  });
  send({ type: 'ready' });
}

main().catch((e: unknown) => {
  send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
});
