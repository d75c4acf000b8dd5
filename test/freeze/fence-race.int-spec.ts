import type { Redis } from 'ioredis';
import pino from 'pino';
import fc from 'fast-check';
import { FreezeFence, FreezeStore } from '@driftwarden/freeze';
import { FreezeRecordedError } from '@driftwarden/pipeline';
import { AuditLog } from '@driftwarden/store';
import { dropPrefix, uniquePrefix } from '../support/test-controller';
import { testKeys, testRedis } from '../support/redis';

/**
 * DESIGN §1 rule 4: no remediation call may start once a freeze has been recorded.
 * Thousands of random interleavings of "a freeze is recorded" and "remediations are about to
 * call the cloud" on the real Redis, from two clients (two replicas). Invariant: every call
 * whose fence check began after the freeze was recorded is refused, and without a freeze no
 * call is refused.
 */
describe('fencing race', () => {
  const prefix = uniquePrefix();
  const keys = testKeys(prefix);
  let r1: Redis;
  let r2: Redis;
  let storeA: FreezeStore;
  let storeB: FreezeStore;
  void pino;

  beforeAll(() => {
    r1 = testRedis();
    r2 = testRedis();
    storeA = new FreezeStore(r1, keys, new AuditLog(r1, keys));
    storeB = new FreezeStore(r2, keys, new AuditLog(r2, keys));
  });
  afterAll(async () => {
    r1.disconnect();
    r2.disconnect();
    await dropPrefix(prefix);
  });

  const tick = (n: number) =>
    new Promise<void>((resolve) => {
      let left = n;
      const step = () => (left-- <= 0 ? resolve() : setImmediate(step));
      step();
    });

  it('no call passes the fence after a freeze is recorded (2,000 random interleavings)', async () => {
    let refused = 0;
    let passed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 6 }), // delay before the freeze is recorded
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }), // delays before each call
        fc.boolean(), // is a freeze recorded at all in this round?
        async (freezeDelay, callDelays, freezes) => {
          // Remediations arm their fence (before their fenced re-check), on replica B.
          const fences = await Promise.all(callDelays.map(() => new FreezeFence(storeB).arm()));
          let freezeRecordedAt = Infinity;
          const calls: { startedAt: number; ok: boolean }[] = [];
          const freezing = freezes
            ? (async () => {
                await tick(freezeDelay);
                await storeA.createManual({ reason: 'race', ttlMs: 60_000, actor: 'test', now: new Date() });
                freezeRecordedAt = performance.now();
              })()
            : Promise.resolve();
          const calling = callDelays.map(async (d, i) => {
            await tick(d);
            const startedAt = performance.now();
            try {
              await fences[i]();
              calls.push({ startedAt, ok: true });
            } catch (e) {
              if (!(e instanceof FreezeRecordedError)) throw e;
              calls.push({ startedAt, ok: false });
            }
          });
          await Promise.all([freezing, ...calling]);
          for (const c of calls) {
            if (c.startedAt > freezeRecordedAt && c.ok) return false; // a call after the freeze
            if (!freezes && !c.ok) return false; // refused with no freeze
            if (c.ok) passed++;
            else refused++;
          }
          return true;
        },
      ),
      { numRuns: 2_000 },
    );
    // Both outcomes happened: the test explored real races, not one side only.
    expect(passed).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);

  it('a fence armed after the freeze passes (the remediation re-checked and saw the freeze was elsewhere)', async () => {
    await storeA.createManual({ reason: 'r', ttlMs: 60_000, actor: 't', now: new Date() });
    const fence = await new FreezeFence(storeB).arm();
    await expect(fence()).resolves.toBeUndefined();
  });
});
