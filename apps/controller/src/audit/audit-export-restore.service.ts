import { Inject, Injectable } from '@nestjs/common';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { applyRestore, describeRestore, planRestore, readExport, type ExportObjectStore, type RestoreSummary } from '@driftwarden/audit';
import { ExceptionsStore } from '@driftwarden/exceptions';
import { FreezeStore } from '@driftwarden/freeze';
import { DriftStore } from '@driftwarden/store';
import { CLOCK } from '../core/tokens';

/** Where export objects are written and read back (null without `audit.export.s3`). */
export const EXPORT_OBJECT_STORE = Symbol('EXPORT_OBJECT_STORE');

/**
 * After a Redis loss (DESIGN §9), the state rebuild also reads the durable export back: manual
 * freezes and exceptions still running, and drifts awaiting approval (README "Durable export").
 * Reads the partitions of the last `retention.audit.maxAge`.
 */
@Injectable()
export class AuditExportRestore {
  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(CLOCK) private readonly clock: () => Date,
    @Inject(EXPORT_OBJECT_STORE) private readonly store: ExportObjectStore | null,
    private readonly freeze: FreezeStore,
    private readonly exceptions: ExceptionsStore,
    private readonly drifts: DriftStore,
  ) {}

  get configured(): boolean {
    return this.store !== null && this.config.audit.export.s3 !== undefined;
  }

  /** Null when no export is configured. Throws when the bucket cannot be read (the rebuild is retried). */
  async restore(): Promise<{ summary: RestoreSummary; message: string } | null> {
    const s3 = this.config.audit.export.s3;
    if (!this.store || !s3) return null;
    const now = this.clock();
    const read = await readExport(this.store, s3.prefix, new Date(now.getTime() - this.config.retention.audit.maxAgeMs));
    const plan = planRestore(read, now);
    const summary = await applyRestore(plan, {
      restoreManualFreeze: (f) => this.freeze.restoreManual({ ...f, ...(f.scope ? { scope: f.scope as never } : {}) }),
      restoreException: (e) => this.exceptions.restore(e),
      restoreDrift: async (record, rk) => {
        if (await this.drifts.openFor(rk)) return false;
        const saved = await this.drifts.save(record, null, {
          at: now.toISOString(),
          type: 'drift.restored',
          actor: 'controller',
          driftId: record.id,
          resourceKey: rk,
          reason: `restored from the audit export (s3://${s3.bucket}/${s3.prefix}): the controller's state was lost while it awaited approval`,
        });
        return saved === 'ok';
      },
    });
    return { summary, message: describeRestore(summary) };
  }
}
