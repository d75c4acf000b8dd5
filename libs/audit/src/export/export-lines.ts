import type { DriftRecord } from '@driftwarden/domain';
import { ChainVerifier, type AuditEntry, type ChainVerdict, type CheckpointVerifier } from '@driftwarden/store';

/**
 * One line of an audit export (S3 objects and `driftwarden audit export`), JSON Lines:
 * - `{"kind":"audit","entry":{…}}`: an audit entry with its stream id and chain fields;
 * - `{"kind":"drift","record":{…}}`: a drift record as it was when an entry about it was exported.
 */
export type ExportLine = { kind: 'audit'; entry: AuditEntry } | { kind: 'drift'; record: DriftRecord };

export function exportLine(line: ExportLine): string {
  return JSON.stringify(line);
}

export class ExportFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ExportFormatError';
  }
}

/** Parses one line; throws ExportFormatError naming the line and what was expected. */
export function parseExportLine(text: string, line: number): ExportLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ExportFormatError(line, `not JSON (${(err as Error).message})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ExportFormatError(line, 'expected a JSON object');
  const v = value as { kind?: unknown; entry?: unknown; record?: unknown };
  if (v.kind === 'audit' && v.entry && typeof v.entry === 'object' && !Array.isArray(v.entry))
    return { kind: 'audit', entry: v.entry as AuditEntry };
  if (v.kind === 'drift' && v.record && typeof v.record === 'object' && !Array.isArray(v.record))
    return { kind: 'drift', record: v.record as DriftRecord };
  throw new ExportFormatError(line, 'expected {"kind":"audit","entry":{…}} or {"kind":"drift","record":{…}}');
}

/**
 * Verifies the audit entries of an export in file order (drift lines are skipped): the first entry
 * is taken as given (an export may start mid-chain: `--since`), every later one must follow it.
 * A line that is not JSON or not an export line is the first broken entry.
 */
export async function verifyExportLines(
  lines: Iterable<string> | AsyncIterable<string>,
  verifier: CheckpointVerifier | null,
): Promise<ChainVerdict> {
  const chain = new ChainVerifier(verifier);
  let n = 0;
  for await (const text of lines) {
    n += 1;
    if (text.trim() === '') continue;
    let parsed: ExportLine | null;
    try {
      parsed = parseExportLine(text, n);
    } catch {
      parsed = null;
    }
    if (parsed?.kind === 'drift') continue;
    await chain.add(`line ${n}`, parsed ? parsed.entry : null);
    if (chain.done) break;
  }
  return chain.finish();
}
