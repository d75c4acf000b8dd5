import type { DriftwardenConfig } from '@driftwarden/config';
import type { FreezeStore } from '@driftwarden/freeze';
import type { Logger, Metrics } from '@driftwarden/observability';
import type { AuditLog, DriftStore, SweepResult } from '@driftwarden/store';
import { RetentionSweep } from './retention-sweep.service';

/** Stores with `backlog` entries due; each call removes up to its limit, as the scripts do. */
function backlogged(driftBacklog: number, auditBacklog: number) {
  const calls = { drifts: 0, audit: 0 };
  const drifts = {
    sweepExpired: async (_now: Date, limit: number): Promise<SweepResult> => {
      calls.drifts++;
      const n = Math.min(limit, driftBacklog);
      driftBacklog -= n;
      return { removed: n, due: n };
    },
    oldestOpenSince: async () => null,
    backfillRetention: async () => ({ records: 0, resources: 0, done: true }),
  } as unknown as DriftStore;
  const audit = {
    trim: async (_now: Date, limit: number): Promise<number> => {
      calls.audit++;
      // XTRIM MINID ~ takes whole nodes of 100: a full batch comes out up to a node short.
      const n = Math.min(limit - 100, auditBacklog);
      auditBacklog -= n;
      return n;
    },
  } as unknown as AuditLog;
  const freeze = { pruneHistory: async () => ({ manual: 0, overrides: 0, incidents: 0, unknownIntervals: 0 }) } as unknown as FreezeStore;
  const config = {
    retention: { sweepBatchSize: 1000, freezeHistoryMs: 3_600_000 },
    incidents: { cooldownMinutes: 0, lookbackMinutes: 0 },
  } as unknown as DriftwardenConfig;
  const logger = { debug: () => undefined, info: () => undefined } as unknown as Logger;
  const metrics = { retentionRemoved: { inc: () => undefined } } as unknown as Metrics;
  return { sweep: new RetentionSweep(config, logger, drifts, audit, freeze, metrics), calls, left: () => ({ driftBacklog, auditBacklog }) };
}

describe('RetentionSweep catching up', () => {
  it('keeps removing batch after batch while whole batches come out, so a backlog is cleared in one sweep', async () => {
    const { sweep, left } = backlogged(4_500, 3_000);
    const out = await sweep.sweep(new Date());
    expect(out.drifts).toEqual({ removed: 4_500, due: 4_500 });
    expect(out.auditTrimmed).toBe(3_000);
    expect(left()).toEqual({ driftBacklog: 0, auditBacklog: 0 });
  });

  it('one batch when nothing more is due', async () => {
    const { sweep, calls } = backlogged(10, 10);
    const out = await sweep.sweep(new Date());
    expect(out.drifts.removed).toBe(10);
    expect(out.auditTrimmed).toBe(10);
    expect(calls).toEqual({ drifts: 1, audit: 1 });
  });

  it('stops at its time budget however much is due (the next sweep goes on)', async () => {
    const { sweep, calls, left } = backlogged(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    sweep.catchUpBudgetMs = 20;
    await sweep.sweep(new Date());
    expect(calls.drifts).toBeGreaterThan(1);
    expect(left().driftBacklog).toBeGreaterThan(0);
  });
});
