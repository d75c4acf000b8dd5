import type { ApiProblem } from '../api.types';

/** One event read from a JSON-lines file, with its 1-based line number. */
export interface EventLine {
  line: number;
  event: Record<string, unknown>;
}

/** A line that was not accepted, with every problem found in it. */
export interface RejectedLine {
  line: number;
  problems: ApiProblem[];
}

export interface EventFile {
  events: EventLine[];
  /** Lines that are not one JSON object; they are never sent. */
  invalid: RejectedLine[];
  /** Blank lines and `#` comments. */
  skipped: number;
}

/**
 * Reads a JSON-lines file: one EventBridge, SNS or bare Config/CloudTrail event per line.
 * Blank lines and lines starting with `#` are skipped. Each other line must be one JSON object:
 * an array on one line would make the line-to-result mapping ambiguous, so it is refused too.
 */
export function parseEventLines(text: string): EventFile {
  const events: EventLine[] = [];
  const invalid: RejectedLine[] = [];
  let skipped = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      skipped += 1;
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      const reason = error instanceof SyntaxError ? error.message : String(error);
      invalid.push({ line, problems: [{ path: '', message: `invalid JSON: ${reason}` }] });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const found = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
      invalid.push({ line, problems: [{ path: '', message: `expected one event (a JSON object) per line, got ${found}` }] });
      return;
    }
    events.push({ line, event: value as Record<string, unknown> });
  });
  return { events, invalid, skipped };
}

/** `[3,4,5,9]` → `3-5, 9` */
export function formatLineRanges(lines: readonly number[]): string {
  const sorted = [...lines].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0];
  let previous = sorted[0];
  for (const line of sorted.slice(1).concat(Number.NaN)) {
    if (line === previous + 1) {
      previous = line;
      continue;
    }
    if (start !== undefined) parts.push(start === previous ? `${start}` : `${start}-${previous}`);
    start = line;
    previous = line;
  }
  return parts.join(', ');
}
