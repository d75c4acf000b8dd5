import type { z } from 'zod';
import type { Problem } from '@driftwarden/domain';

/** A zod issue as produced by zod 4 (`safeParse(..., { reportInput: true })` fills `input`). */
type ZodIssue = z.core.$ZodIssue;

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Formats a path as `a.b[0].c`. Keys that are not plain identifiers (dots, spaces, …) are written
 * `["Configuration.IpPermissions.1"]`, so the path stays unambiguous. The root is the empty string.
 */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      if (SIMPLE_KEY.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** Joins two formatted paths: `joinPath('[3]', 'detail.x')` is `[3].detail.x`; the empty path is the root. */
export function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** Prefixes every problem's path (used for `[i]` array elements and SNS `Message`). */
export function prefixProblems(prefix: string, problems: readonly Problem[]): Problem[] {
  return problems.map((p) => ({ path: joinPath(prefix, p.path), message: p.message }));
}

export function problem(path: string, message: string): Problem {
  return { path, message };
}

/** A short type name for a JSON value: `string`, `number`, `null`, `array`, `object`, … */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Type plus a short rendering of the value, e.g. `string "abc"` or `number 42`; for what was found. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.length}`;
  switch (typeof value) {
    case 'string':
      return `string ${truncate(JSON.stringify(value), 80)}`;
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return 'object';
    default:
      return typeof value;
  }
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function foundType(input: unknown): string {
  return input === undefined ? 'nothing (the field is missing)' : typeName(input);
}

const FORMAT_NAMES: Record<string, string> = {
  datetime: 'an ISO 8601 date-time such as 2025-03-04T10:15:28.502Z',
  regex: 'a string matching the expected pattern',
};

/** One zod issue to one or more problems, each saying what was expected and what was found. */
export function zodIssueToProblems(issue: ZodIssue, prefix = ''): Problem[] {
  const path = joinPath(prefix, formatPath(issue.path));
  const input = issue.input;
  switch (issue.code) {
    case 'invalid_type':
      return [problem(path, `expected ${issue.expected}, got ${foundType(input)}`)];
    case 'invalid_value':
      return [
        problem(
          path,
          `expected ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`}, got ${describeValue(input)}`,
        ),
      ];
    case 'invalid_format':
      return [problem(path, `expected ${FORMAT_NAMES[issue.format] ?? `a ${issue.format} string`}, got ${describeValue(input)}`)];
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) {
        return [problem(path, 'expected a non-empty string, got an empty string')];
      }
      if (issue.origin === 'array') {
        return [problem(path, `expected at least ${String(issue.minimum)} element(s), got ${describeValue(input)}`)];
      }
      return [problem(path, `expected a value >= ${String(issue.minimum)}, got ${describeValue(input)}`)];
    case 'too_big':
      return [problem(path, `expected a value <= ${String(issue.maximum)}, got ${describeValue(input)}`)];
    case 'invalid_union': {
      // We avoid unions in our schemas; if one slips in, report the branch that got furthest.
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0];
      if (best && best.length > 0) return best.flatMap((i) => zodIssueToProblems(i, path));
      return [problem(path, `expected a different shape, got ${describeValue(input)}`)];
    }
    case 'invalid_key':
      return issue.issues.flatMap((i) => zodIssueToProblems(i, path)).map((p) => ({ ...p, message: `key: ${p.message}` }));
    case 'invalid_element':
      return issue.issues.flatMap((i) => zodIssueToProblems(i, path));
    case 'unrecognized_keys':
      // Each key at its own path (`__proto__` included), not at the object that holds it.
      return issue.keys.map((k) => problem(joinPath(path, formatPath([k])), 'unexpected key'));
    case 'not_multiple_of':
      return [problem(path, `expected a multiple of ${issue.divisor}, got ${describeValue(input)}`)];
    case 'custom':
      return [problem(path, `${issue.message}, got ${describeValue(input)}`)];
    default:
      return [problem(path, (issue as { message: string }).message)];
  }
}

export function zodErrorToProblems(error: z.core.$ZodError, prefix = ''): Problem[] {
  return error.issues.flatMap((i) => zodIssueToProblems(i, prefix));
}
