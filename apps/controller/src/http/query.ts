import { HttpStatus } from '@nestjs/common';
import { ApiError } from '@driftwarden/auth';

type Problem = { path: string; message: string };

/** Small, explicit query-string parsing with 400s that name the parameter. */
export class QueryReader {
  readonly problems: Problem[] = [];
  private readonly known = new Set<string>();

  constructor(private readonly query: Record<string, unknown>) {}

  string(name: string, opts: { pattern?: RegExp; expected?: string } = {}): string | undefined {
    this.known.add(name);
    const v = this.query[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') {
      this.problems.push({ path: `query.${name}`, message: 'expected a single value' });
      return undefined;
    }
    if (opts.pattern && !opts.pattern.test(v)) {
      this.problems.push({ path: `query.${name}`, message: `expected ${opts.expected ?? opts.pattern.source}, got "${v.slice(0, 80)}"` });
      return undefined;
    }
    return v;
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) {
      this.problems.push({ path: `query.${name}`, message: `expected one of ${values.join(', ')}, got "${v.slice(0, 80)}"` });
      return undefined;
    }
    return v as T;
  }

  int(name: string, def: number, min: number, max: number): number {
    const v = this.string(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push({ path: `query.${name}`, message: `expected an integer from ${min} to ${max}, got "${v.slice(0, 20)}"` });
      return def;
    }
    return n;
  }

  /**
   * An ISO 8601 date (`2025-03-04`, UTC midnight) or date-time with `Z` or an offset. A date that
   * does not exist (`2026-02-30`) or a time without a zone is refused, never normalised to
   * another instant; `min` bounds it (`minWhy` says why).
   */
  time(name: string, opts: { min?: Date; minWhy?: string } = {}): Date | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const t = parseIsoTime(v);
    if (t === null) {
      this.problems.push({
        path: `query.${name}`,
        message: `expected an ISO 8601 time such as 2025-03-04T10:15:00Z or 2025-03-04 (a real date; a time needs Z or an offset), got "${v.slice(0, 40)}"`,
      });
      return undefined;
    }
    if (opts.min && t < opts.min.getTime()) {
      this.problems.push({
        path: `query.${name}`,
        message: `expected a time from ${opts.min.toISOString().replace('.000Z', 'Z')} on${opts.minWhy ? ` (${opts.minWhy})` : ''}, got "${v.slice(0, 40)}"`,
      });
      return undefined;
    }
    return new Date(t);
  }

  /**
   * Throws one 400 listing every problem found. A parameter the endpoint does not take is a
   * problem too: silently ignoring `?resource=` would answer a filtered question unfiltered.
   */
  done(): void {
    for (const name of Object.keys(this.query)) {
      if (!this.known.has(name)) {
        this.problems.push({
          path: `query.${name}`,
          message: `unknown parameter; this endpoint takes ${[...this.known].join(', ') || 'none'}`,
        });
      }
    }
    if (this.problems.length > 0) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'invalid query parameters', this.problems);
    }
  }
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2})))?$/;

/** Milliseconds since the epoch of a strict ISO 8601 date or date-time, or null. */
export function parseIsoTime(text: string): number | null {
  const m = ISO_TIME.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
  const [offsetHours, offsetMinutes] = [Number(m[10] ?? 0), Number(m[11] ?? 0)];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return null;
  // setUTCFullYear, not Date.UTC: years 0 to 99 are not 1900 to 1999 here.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  date.setUTCHours(hour, minute, second, Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3)));
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return date.getTime() - offset;
}
