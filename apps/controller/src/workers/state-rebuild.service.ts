import { Inject, Injectable, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { resourceKey } from '@driftwarden/domain';
import { FreezeService, FreezeStore, IncidentPoller } from '@driftwarden/freeze';
import type { Logger } from '@driftwarden/observability';
import { BackportPort } from '@driftwarden/pipeline';
import { RedisKeys, RedisLease } from '@driftwarden/redis';
import { AuditLog, DriftStore } from '@driftwarden/store';
import { CLOCK, LOGGER, REDIS } from '../core/tokens';
import { AuditExportRestore } from '../audit/audit-export-restore.service';

export type RebuildOutcome = 'ready' | 'rebuilt' | 'busy' | 'failed';

/** How long one rebuild may hold the lock (a crashed replica's lock expires). */
const LOCK_MS = 120_000;
/** How long start-up waits for a rebuild (its own or another replica's) before it goes on, frozen. */
const START_WAIT_MS = 10_000;
/** How far back the incident history is read from the providers (cooldowns, late deliveries). */
export const REBUILD_HISTORY_MS = 7 * 24 * 3600_000;
/** A failed rebuild is tried again by the scheduler sweep at most this often. */
export const REBUILD_RETRY_MS = 5_000;

/**
 * DESIGN §9: GitHub PRs and the incident providers are the sources of truth; after a total Redis
 * loss the controller rebuilds from them and stays frozen until it has.
 *
 * Redis without the "rebuilt" mark is a new installation or a lost Redis: the effective freeze
 * carries an `unknown` source (`unk_state`) until this has run. It reads back the open backport
 * PRs and issues from GitHub (their hidden record summaries) and recreates their `backport_open`
 * records, so a later change on such a resource updates the same PR and a merge or close still
 * moves its record. From the incident providers it reads back the major incidents resolved in
 * the last 7 days into the freeze history, so their cooldowns hold and a late-delivered change
 * made during one is still judged "during an incident" (open ones need nothing: without a
 * snapshot a provider is `unknown` until its first poll). Runs before the workers start (module
 * init); when it fails (GitHub or a provider unreachable) the controller starts frozen and the
 * scheduler tries again.
 */
@Injectable()
export class StateRebuild implements OnModuleInit, OnApplicationShutdown {
  private lastAttempt = 0;
  private inFlight: Promise<RebuildOutcome> | null = null;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CLOCK) private readonly clock: () => Date,
    private readonly keys: RedisKeys,
    private readonly freeze: FreezeStore,
    private readonly freezeView: FreezeService,
    private readonly drifts: DriftStore,
    private readonly backport: BackportPort,
    private readonly audit: AuditLog,
    private readonly poller: IncidentPoller,
    // A union type has no runtime token: named explicitly.
    @Optional() @Inject(AuditExportRestore) private readonly exportRestore: AuditExportRestore | null = null,
  ) {}

  async onModuleInit(): Promise<void> {
    // GitHub slow or down (its client retries with waits): start anyway, frozen, and let the
    // rebuild finish (or the scheduler retry it) in the background.
    const deadline = Date.now() + START_WAIT_MS;
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), START_WAIT_MS).unref());
    const outcome = await Promise.race([this.ensure(), timeout]);
    if (outcome === 'busy') await this.waitUntilRebuilt(deadline - Date.now());
    if (outcome === 'timeout') this.logger.warn('the state rebuild is taking long: starting frozen until it has finished');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
  }

  /** Called by the scheduler sweep: tries again while the state is not rebuilt (bounded rate). */
  async retryIfNeeded(): Promise<RebuildOutcome | null> {
    if (this.inFlight || this.clock().getTime() - this.lastAttempt < REBUILD_RETRY_MS) return null;
    return this.ensure();
  }

  /** One attempt (at most one at a time per process). */
  ensure(): Promise<RebuildOutcome> {
    this.inFlight ??= this.attempt().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async attempt(): Promise<RebuildOutcome> {
    if (await this.freeze.rebuilt()) return 'ready';
    const started = this.clock();
    this.lastAttempt = started.getTime();
    await this.freeze.rebuildStarted(started);
    const lock = new RedisLease(this.redis, this.keys.key('state', 'rebuild-lock'), LOCK_MS);
    if (!(await lock.acquire())) return 'busy';
    try {
      if (await this.freeze.rebuilt()) return 'ready';
      const { recovered, skipped } = await this.backport.recoverOpen(started);
      let restored = 0;
      let present = 0;
      for (const { record } of recovered) {
        const rk = resourceKey(record.resource);
        const url = record.links.pullRequest?.url ?? record.links.issue?.url ?? '';
        if (await this.drifts.openFor(rk)) {
          present += 1;
          continue;
        }
        const at = this.clock().toISOString();
        const saved = await this.drifts.save(record, null, {
          at,
          type: 'drift.rebuilt',
          actor: 'controller',
          driftId: record.id,
          resourceKey: rk,
          reason: `rebuilt from ${url}: the controller's state was lost, GitHub still has the open backport`,
          details: { url },
        });
        if (saved === 'ok') restored += 1;
        else present += 1;
      }
      for (const s of skipped) {
        await this.audit.append({
          at: this.clock().toISOString(),
          type: 'drift.rebuild_skipped',
          actor: 'controller',
          reason: s.problem,
          details: { url: s.url },
        });
      }
      const incidents = await this.poller.recoverHistory(new Date(started.getTime() - REBUILD_HISTORY_MS));
      // The durable export (audit.export.s3): manual freezes, exceptions, drifts awaiting approval.
      const exported = this.exportRestore ? await this.exportRestore.restore() : null;
      const fromExport = exported
        ? {
            manualFreezes: exported.summary.manualFreezes.length,
            exceptions: exported.summary.exceptions.length,
            approvals: exported.summary.approvals.length,
          }
        : null;
      const done = this.clock();
      await this.freeze.markRebuilt(done, { restored, present, skipped: skipped.length, incidents, ...(fromExport ? { fromExport } : {}) });
      this.freezeView.invalidate(); // before the pub/sub listener runs, too
      await this.audit.append({
        at: done.toISOString(),
        type: 'state.rebuilt',
        actor: 'controller',
        reason: `state rebuilt: ${restored} open backport(s) restored from GitHub${present ? `, ${present} already known` : ''}${skipped.length ? `, ${skipped.length} skipped` : ''}, ${incidents} resolved incident(s) back in the freeze history${exported ? `; ${exported.message}` : ''}`,
        details: {
          restored,
          present,
          skipped: skipped.length,
          incidents,
          ...(exported
            ? {
                fromExport: {
                  manualFreezes: exported.summary.manualFreezes,
                  exceptions: exported.summary.exceptions,
                  approvals: exported.summary.approvals,
                  present: exported.summary.present,
                  objects: exported.summary.read.objects,
                },
              }
            : {}),
        },
      });
      if (restored > 0 || skipped.length > 0 || incidents > 0 || fromExport)
        this.logger.info(
          { restored, present, skipped: skipped.length, incidents, ...(fromExport ? { fromExport } : {}) },
          exported ? `state rebuilt; ${exported.message}` : 'state rebuilt',
        );
      return 'rebuilt';
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.logger.warn({ err: { message } }, 'state rebuild failed: auto-heal stays frozen until it succeeds');
      await this.audit.append({ at: this.clock().toISOString(), type: 'state.rebuild_failed', actor: 'controller', reason: message });
      return 'failed';
    } finally {
      await lock.release();
    }
  }

  private async waitUntilRebuilt(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await this.freeze.rebuilt()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    this.logger.warn('another replica is still rebuilding the state: starting frozen until it has');
  }
}
