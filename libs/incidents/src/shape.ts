/** Small helpers for checking the shape of untrusted JSON (provider responses, webhook bodies). */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `string`, `number`, `null`, `array`, `object`, … for "expected X, got Y" messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** An ISO-8601 date-time with a time zone (`Z` or `±hh:mm`), normalised to `toISOString()`. */
export function parseIsoDateTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export interface ShapeProblem {
  /** Dotted path with array indexes, e.g. `incidents[3].created_at`. */
  path: string;
  message: string;
}

/** Collects problems while reading an untrusted value. */
export class ShapeReader {
  readonly problems: ShapeProblem[] = [];

  problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  expected(path: string, what: string, value: unknown): void {
    this.problem(path, `expected ${what}, got ${describeType(value)}`);
  }

  /** A required non-empty string. */
  string(obj: Record<string, unknown>, key: string, path: string): string | undefined {
    const value = obj[key];
    if (typeof value === 'string' && value.length > 0) return value;
    if (value === '') this.problem(path, 'expected a non-empty string, got an empty string');
    else this.expected(path, 'a string', value);
    return undefined;
  }

  /** An optional string: absent and null give undefined; any other non-string is a problem. */
  optionalString(obj: Record<string, unknown>, key: string, path: string): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    this.expected(path, 'a string', value);
    return undefined;
  }

  /** A required date-time (ISO-8601 with zone), normalised. */
  dateTime(obj: Record<string, unknown>, key: string, path: string): string | undefined {
    const value = obj[key];
    const parsed = parseIsoDateTime(value);
    if (parsed === undefined) {
      if (typeof value === 'string') this.problem(path, `expected an ISO-8601 date-time, got "${value.slice(0, 40)}"`);
      else this.expected(path, 'an ISO-8601 date-time string', value);
    }
    return parsed;
  }

  /** An optional date-time (absent or null: undefined), normalised. */
  optionalDateTime(obj: Record<string, unknown>, key: string, path: string): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    return this.dateTime(obj, key, path);
  }

  /** An optional array of strings. */
  optionalStringArray(obj: Record<string, unknown>, key: string, path: string): string[] | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.expected(path, 'an array of strings', value);
      return undefined;
    }
    const out: string[] = [];
    value.forEach((item, index) => {
      if (typeof item === 'string') out.push(item);
      else this.expected(`${path}[${index}]`, 'a string', item);
    });
    return out;
  }
}

/** `a; b; c (and 4 more)` for error messages. */
export function summarizeProblems(problems: readonly ShapeProblem[], max = 3): string {
  const shown = problems.slice(0, max).map((p) => `${p.path}: ${p.message}`);
  const more = problems.length > max ? ` (and ${problems.length - max} more)` : '';
  return `${shown.join('; ')}${more}`;
}
