import { createHash, randomBytes } from 'node:crypto';
import pino from 'pino';
import { createRedis, deleteKeysWithPrefix } from '@driftwarden/redis';
import { parseConfigObject, type DriftwardenRuntime, type Role } from '@driftwarden/config';
import { startController, type RunningController } from '../../apps/controller/src/bootstrap';
import type { PortOverrides } from '../../apps/controller/src/core/port-overrides';
import { REDIS_CLUSTER, REDIS_URL } from './redis';

export { REDIS_CLUSTER, REDIS_URL } from './redis';

/** Bearer tokens of the test config, one per role (their sha256 is configured). */
export const TOKENS = {
  viewer: 'viewer-token',
  ingest: 'ingest-token',
  operator: 'operator-token',
  admin: 'admin-token',
} as const;

const HASHES = {
  viewer: 'd036bd6d01a1cae081d39a2f8dab751dc042de814fd60df31fcb553170950f29',
  ingest: 'd6d21e6d4a9c969670e67b5ea4b746242a23ad9ec2e8eb78c8d36f577f00581e',
  operator: '0850123315d21ab90f4f7236408a52ef6dbd6a02a6550e5c10dc73f4d993680e',
  admin: '10a4c7c9fc5206d6f36dc6944a81bb6f4a3cb0e25014ae3b12e6c3e52712292a',
};

/** Operator token whose identity is alice@example.com. */
export const ALICE_TOKEN = 'alice-token';
const ALICE_HASH = createHash('sha256').update(ALICE_TOKEN).digest('hex');

export function uniquePrefix(): string {
  return `dwt-${randomBytes(4).toString('hex')}`;
}

export interface TestConfigOptions {
  prefix?: string;
  mode?: 'enforce' | 'dry-run';
  coalesceMilliseconds?: number;
  settleSeconds?: number;
  concurrency?: number;
  extra?: Record<string, unknown>;
}

/** The test config as written in a file (before validation and defaults). */
export function testConfigObject(opts: TestConfigOptions = {}): Record<string, unknown> {
  return {
    mode: opts.mode ?? 'dry-run',
    redis: { url: REDIS_URL, prefix: opts.prefix ?? uniquePrefix(), ...(REDIS_CLUSTER ? { cluster: true } : {}) },
    api: {
      port: 0,
      tokens: [
        ...(Object.keys(HASHES) as (keyof typeof HASHES)[]).map((role) => ({ name: `t-${role}`, sha256: HASHES[role], role })),
        // An operator with an identity, for the self-approval rule.
        { name: 't-alice', sha256: ALICE_HASH, role: 'operator', identity: 'alice@example.com' },
      ],
      // Tests make many bad-token calls from one address; the limit has its own test (test/api/exposures).
      authFailureLimit: { maxFailures: 10_000, windowSeconds: 60 },
    },
    ingest: { coalesceMilliseconds: opts.coalesceMilliseconds ?? 0 },
    workers: { concurrency: opts.concurrency ?? 16 },
    // Tests feed CloudTrail events themselves: no waiting for delivery, no LookupEvents.
    attribution: { cloudTrailWaitSeconds: 0, lookupEvents: false },
    principals: {
      iac: ['arn:aws:sts::*:assumed-role/terraform-apply/*'],
      breakGlass: ['arn:aws:sts::*:assumed-role/BreakGlass*/*'],
      self: ['arn:aws:sts::*:assumed-role/driftwarden/*'],
    },
    guardrails: { settleSeconds: opts.settleSeconds ?? 0, critical: { tags: { tier: 'critical' } } },
    // The reconciling sweep would run at start (and read the sandbox): tests that want it turn it on.
    reconcile: { intervalMinutes: 0 },
    ...(opts.extra ?? {}),
  };
}

export function testRuntime(opts: TestConfigOptions = {}, roles: Role[] = ['api', 'worker', 'scheduler']): DriftwardenRuntime {
  const config = parseConfigObject(testConfigObject(opts), { env: {} });
  return { config, roles, configPath: null, logLevel: 'silent' as DriftwardenRuntime['logLevel'] };
}

export interface TestController extends RunningController {
  prefix: string;
}

export async function startTestController(
  opts: TestConfigOptions & { overrides?: PortOverrides; roles?: Role[]; clock?: () => Date } = {},
): Promise<TestController> {
  const runtime = testRuntime(opts, opts.roles);
  const ctl = await startController({
    runtime,
    overrides: opts.overrides,
    // DW_TEST_LOG=warn shows the controller's log while debugging a test.
    logger: pino({ level: process.env.DW_TEST_LOG ?? 'silent' }),
    port: 0,
    host: '127.0.0.1',
    clock: opts.clock,
  });
  return { ...ctl, prefix: runtime.config.redis.prefix };
}

/** Deletes every key under a prefix (tests never touch data outside their own prefix). */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = createRedis({ url: REDIS_URL, cluster: REDIS_CLUSTER, name: 'dw-test:cleanup' });
  try {
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

/** Polls until `check` returns a value (not a sleep-as-sync: it waits for an observable state). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
