import { isOpen, resourceKey, type DriftRecord, type JsonObject } from '@driftwarden/domain';
import type { AuditEntry } from '@driftwarden/store';
import { compareIds } from './audit-exporter';
import { parseExportLine } from './export-lines';
import type { ExportObjectStore } from './s3-export-store';

/** What the export says is still in force at `now`. */
export interface RestorePlan {
  manualFreezes: {
    id: string;
    reason: string;
    scope?: JsonObject;
    since: string;
    until: string;
    actor: string;
  }[];
  exceptions: { id: string; resource: string; reason: string; until: string; actor: string; createdAt: string }[];
  /** Drift records awaiting a human decision (their approval, if any, is on the record). */
  approvals: DriftRecord[];
  /** What was read. */
  read: { objects: number; entries: number; records: number; unreadableLines: number };
}

/** Reads the export objects of the partitions from `since`'s date on, entries de-duplicated by stream id. */
export async function readExport(
  store: ExportObjectStore,
  prefix: string,
  since: Date,
): Promise<{ entries: AuditEntry[]; records: DriftRecord[]; objects: number; unreadableLines: number }> {
  const base = `${prefix}audit/`;
  const startAfter = `${base}date=${since.toISOString().slice(0, 10)}`;
  const entries = new Map<string, AuditEntry>();
  const records = new Map<string, DriftRecord>();
  let objects = 0;
  let unreadableLines = 0;
  // "date=2026-12-06/…" sorts after "date=2026-12-06": the start day is included.
  for await (const key of store.list(base, startAfter)) {
    if (!key.endsWith('.jsonl.gz')) continue;
    objects += 1;
    const text = await store.get(key);
    let n = 0;
    for (const raw of text.split('\n')) {
      n += 1;
      if (raw.trim() === '') continue;
      try {
        const line = parseExportLine(raw, n);
        if (line.kind === 'audit' && line.entry.id) entries.set(line.entry.id, line.entry);
        else if (line.kind === 'drift') {
          const known = records.get(line.record.id);
          if (!known || known.updatedAt <= line.record.updatedAt) records.set(line.record.id, line.record);
        }
      } catch {
        unreadableLines += 1;
      }
    }
  }
  return {
    entries: [...entries.values()].sort((a, b) => compareIds(a.id ?? '0-0', b.id ?? '0-0')),
    records: [...records.values()],
    objects,
    unreadableLines,
  };
}

function str(details: JsonObject | undefined, key: string): string | undefined {
  const v = details?.[key];
  return typeof v === 'string' ? v : undefined;
}

/**
 * From the export, in stream order: manual freezes created and not lifted, exceptions created and
 * not removed, both still running at `now`; drift records whose latest exported state is
 * `awaiting_approval`.
 */
export function planRestore(read: Awaited<ReturnType<typeof readExport>>, now: Date): RestorePlan {
  const freezes = new Map<string, RestorePlan['manualFreezes'][number]>();
  const exceptions = new Map<string, RestorePlan['exceptions'][number]>();
  for (const e of read.entries) {
    const id = str(e.details, 'id');
    if (!id) continue;
    switch (e.type) {
      case 'freeze.created': {
        const until = str(e.details, 'until');
        const scope = e.details?.scope;
        if (until)
          freezes.set(id, {
            id,
            reason: e.reason ?? '',
            ...(scope && typeof scope === 'object' && !Array.isArray(scope) ? { scope } : {}),
            since: e.at,
            until,
            actor: e.actor,
          });
        break;
      }
      case 'freeze.lifted':
        freezes.delete(id);
        break;
      case 'exception.created': {
        const until = str(e.details, 'until');
        const resource = str(e.details, 'resource');
        if (until && resource) exceptions.set(id, { id, resource, reason: e.reason ?? '', until, actor: e.actor, createdAt: e.at });
        break;
      }
      case 'exception.deleted':
        exceptions.delete(id);
        break;
      default:
        break;
    }
  }
  const running = (until: string) => Date.parse(until) > now.getTime();
  return {
    manualFreezes: [...freezes.values()].filter((f) => running(f.until)),
    exceptions: [...exceptions.values()].filter((x) => running(x.until)),
    approvals: read.records.filter((r) => r.status === 'awaiting_approval' && isOpen(r.status)),
    read: { objects: read.objects, entries: read.entries.length, records: read.records.length, unreadableLines: read.unreadableLines },
  };
}

export interface RestoreTargets {
  restoreManualFreeze(f: RestorePlan['manualFreezes'][number]): Promise<boolean>;
  restoreException(e: RestorePlan['exceptions'][number]): Promise<boolean>;
  /** False when the resource already has an open drift (e.g. rebuilt from GitHub) or the record exists. */
  restoreDrift(record: DriftRecord, resourceKey: string): Promise<boolean>;
}

export interface RestoreSummary {
  manualFreezes: string[];
  exceptions: string[];
  approvals: string[];
  /** Present already (restored from GitHub, or not lost). */
  present: number;
  read: RestorePlan['read'];
}

export async function applyRestore(plan: RestorePlan, targets: RestoreTargets): Promise<RestoreSummary> {
  const summary: RestoreSummary = { manualFreezes: [], exceptions: [], approvals: [], present: 0, read: plan.read };
  for (const f of plan.manualFreezes) {
    if (await targets.restoreManualFreeze(f)) summary.manualFreezes.push(f.id);
    else summary.present += 1;
  }
  for (const e of plan.exceptions) {
    if (await targets.restoreException(e)) summary.exceptions.push(e.id);
    else summary.present += 1;
  }
  for (const r of plan.approvals) {
    if (await targets.restoreDrift(r, resourceKey(r.resource))) summary.approvals.push(r.id);
    else summary.present += 1;
  }
  return summary;
}

/** "2 manual freeze(s), 1 exception(s), 3 drift(s) awaiting approval restored from the audit export". */
export function describeRestore(s: RestoreSummary): string {
  return `${s.manualFreezes.length} manual freeze(s), ${s.exceptions.length} exception(s) and ${s.approvals.length} drift(s) awaiting approval restored from the audit export (${s.read.objects} object(s), ${s.read.entries} entries read${s.present ? `, ${s.present} already present` : ''}${s.read.unreadableLines ? `, ${s.read.unreadableLines} unreadable line(s) skipped` : ''})`;
}
