import { gzipSync } from 'node:zlib';
import type { DriftRecord } from '@driftwarden/domain';
import type { AuditEntry } from '@driftwarden/store';
import type { ExportObjectStore } from './s3-export-store';
import { exportLine } from './export-lines';

/** Reads the audit stream as a consumer group (AuditFollower from @driftwarden/notifications fits). */
export interface AuditSource {
  next(): Promise<{ id: string; entry: AuditEntry & { id: string } }[]>;
  ack(ids: string[]): Promise<void>;
}

export interface AuditExporterOptions {
  /** Key prefix in the bucket (`driftwarden/`). */
  prefix: string;
  /** An object is written once its oldest entry waited this long. */
  everyMs: number;
  /** …or once this many entries wait. */
  maxEntries?: number;
  /** After a failed upload, wait this long before the next attempt (doubling up to 5 min). */
  retryMs?: number;
}

export type FlushOutcome = { written: string; entries: number; drifts: number } | { failed: string; entries: number } | null;

/**
 * Continuous export of the audit stream to S3 (README "Durable export"): entries are batched and
 * written as one gzip JSON Lines object per `everyMs`, under `<prefix>audit/date=YYYY-MM-DD/`
 * (the UTC date of the batch's first entry), named by the stream ids of its first and last entry
 * (`<first>_<last>.jsonl.gz`), so a retry of the same batch writes the same object again. Each
 * entry about a drift is followed by that drift's record as it is at export time. Entries are
 * acknowledged only after the object was written: delivery is at least once (a batch re-read
 * after a crash may be cut differently; the restore drops duplicates by stream id). It runs on
 * its own connection and loop: a slow or failing S3 never delays a decision.
 */
export class AuditExporter {
  private pending: { id: string; entry: AuditEntry & { id: string } }[] = [];
  private firstPendingAt: number | null = null;
  private nextAttemptAt = 0;
  private failures = 0;

  constructor(
    private readonly source: AuditSource,
    private readonly store: ExportObjectStore,
    private readonly drifts: { get(id: string): Promise<DriftRecord | null> },
    private readonly options: AuditExporterOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Entries waiting to be written. */
  get backlog(): number {
    return this.pending.length;
  }

  /** Reads what is new (waits up to the source's block time), then writes an object if one is due. */
  async step(): Promise<FlushOutcome> {
    const max = this.options.maxEntries ?? 10_000;
    if (this.pending.length < max) {
      const batch = await this.source.next();
      if (batch.length > 0) {
        // An entry waits from its append (its stream id's time), not from when this replica read it.
        this.firstPendingAt ??= Math.min(...batch.map((b) => Number(b.id.split('-')[0])));
        const seen = new Set(this.pending.map((p) => p.id));
        for (const b of batch) if (!seen.has(b.id)) this.pending.push(b);
      }
    }
    if (this.pending.length === 0 || this.firstPendingAt === null) return null;
    const due = this.pending.length >= max || this.now() - this.firstPendingAt >= this.options.everyMs;
    if (!due || this.now() < this.nextAttemptAt) return null;
    return this.flush();
  }

  /** Writes what is pending now (also on shutdown). */
  async flush(): Promise<FlushOutcome> {
    if (this.pending.length === 0) return null;
    const batch = [...this.pending].sort((a, b) => compareIds(a.id, b.id));
    const key = objectKey(this.options.prefix, batch[0].id, batch[batch.length - 1].id);
    try {
      const lines: string[] = [];
      const driftIds = new Set<string>();
      for (const { entry } of batch) {
        lines.push(exportLine({ kind: 'audit', entry }));
        if (entry.driftId) driftIds.add(entry.driftId);
      }
      let drifts = 0;
      for (const id of driftIds) {
        const record = await this.drifts.get(id);
        if (record) {
          lines.push(exportLine({ kind: 'drift', record }));
          drifts += 1;
        }
      }
      await this.store.put(key, gzipSync(Buffer.from(`${lines.join('\n')}\n`, 'utf8')));
      await this.source.ack(batch.map((b) => b.id));
      this.pending = [];
      this.firstPendingAt = null;
      this.failures = 0;
      this.nextAttemptAt = 0;
      return { written: key, entries: batch.length, drifts };
    } catch (err) {
      this.failures += 1;
      const base = this.options.retryMs ?? 5_000;
      this.nextAttemptAt = this.now() + Math.min(base * 2 ** (this.failures - 1), 300_000);
      return { failed: err instanceof Error ? err.message : String(err), entries: batch.length };
    }
  }
}

/** `<prefix>audit/date=YYYY-MM-DD/<firstId>_<lastId>.jsonl.gz` (the date of the first entry, UTC). */
export function objectKey(prefix: string, firstId: string, lastId: string): string {
  const ms = Number(firstId.split('-')[0]);
  const date = new Date(Number.isFinite(ms) ? ms : 0).toISOString().slice(0, 10);
  return `${prefix}audit/date=${date}/${firstId}_${lastId}.jsonl.gz`;
}

export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}
