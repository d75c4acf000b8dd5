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

  time(name: string): Date | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const t = Date.parse(v);
    if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(v)) {
      this.problems.push({ path: `query.${name}`, message: `expected an ISO 8601 time such as 2025-03-04T10:15:00Z, got "${v.slice(0, 40)}"` });
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
        this.problems.push({ path: `query.${name}`, message: `unknown parameter; this endpoint takes ${[...this.known].join(', ') || 'none'}` });
      }
    }
    if (this.problems.length > 0) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'invalid query parameters', this.problems);
    }
  }
}
