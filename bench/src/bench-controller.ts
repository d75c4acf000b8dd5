/** Starts the real controller in-process (all roles) on its own Redis prefix, for one measurement. */
import { parseConfigObject, type DriftwardenConfig } from '@driftwarden/config';
import pino from 'pino';
import { startController, type RunningController } from '../../apps/controller/src/bootstrap';
import type { PortOverrides } from '../../apps/controller/src/core/port-overrides';
import { REDIS_URL } from './util';

export interface BenchController {
  ctl: RunningController;
  config: DriftwardenConfig;
}

/** `extra`: config keys merged over the bench defaults (dry-run, no CloudTrail wait, no coalescing). */
export async function startBenchController(
  prefix: string,
  extra: Record<string, unknown>,
  overrides: PortOverrides,
): Promise<BenchController> {
  const config = parseConfigObject(
    {
      mode: 'dry-run',
      redis: { url: REDIS_URL, prefix },
      api: { port: 0 },
      ingest: { coalesceMilliseconds: 0 },
      workers: { concurrency: 50 },
      attribution: { cloudTrailWaitSeconds: 0, lookupEvents: false },
      ...extra,
    },
    { env: {} },
  );
  const ctl = await startController({
    runtime: { config, roles: ['api', 'worker', 'scheduler'], configPath: null, logLevel: 'silent' },
    overrides,
    logger: pino({ level: 'silent' }),
    port: 0,
    host: '127.0.0.1',
  });
  return { ctl, config };
}
