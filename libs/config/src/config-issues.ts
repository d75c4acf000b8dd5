/**
 * zod issues → config problems: the key path, what was expected and what was found, in words
 * a user of the YAML file understands. Values at secret keys, and values that came from the
 * environment (`env:NAME`), are never shown.
 */
import { z } from 'zod';
import type { ConfigProblem } from './config.errors';
import { formatPath, isPathPrefix, valueAt } from './config-path';
import { HIDDEN_IN_MESSAGES_KEYS, type IssueParams } from './config.schema';
import { closestMatch } from './suggest';

export interface IssueContext {
  /** The data that was validated (after `env:` substitution). */
  data: unknown;
  /** The schema it was validated against (to list the keys allowed where one is unknown). */
  schema: z.ZodType;
  /** Paths whose value came from an environment variable, with the variable's name. */
  envPaths: ReadonlyMap<string, string>;
}

/** A problem with the key path it is about, as segments (to find its line in the YAML). */
export interface PathProblem {
  segments: readonly PropertyKey[];
  problem: ConfigProblem;
}

export function issuesToProblems(issues: readonly z.core.$ZodIssue[], ctx: IssueContext): PathProblem[] {
  return issues.flatMap((issue) => issueToProblems(issue, ctx));
}

function issueToProblems(issue: z.core.$ZodIssue, ctx: IssueContext): PathProblem[] {
  const path = issue.path;
  const value = valueAt(ctx.data, path);
  const hidden = isHidden(path, ctx);
  const at = formatPath(path);
  const problem = (message: string): PathProblem => ({
    segments: path,
    problem: { path: at, message: message + envNote(path, ctx) },
  });

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(ctx.schema, path) ?? [];
      return issue.keys.map((key) => {
        const keyPath = [...path, key];
        const suggestion = closestMatch(key, known);
        const full = `unknown key \`${formatPath(keyPath)}\``;
        const hint = suggestion ? ` — did you mean \`${suggestion}\`?` : known.length > 0 ? ` (allowed here: ${known.join(', ')})` : '';
        return { segments: keyPath, problem: { path: formatPath(keyPath), message: full + hint } };
      });
    }
    case 'invalid_type': {
      const leaf = schemaAt(ctx.schema, path);
      const what = leaf instanceof z.ZodNumber && leaf.isInt ? 'an integer' : expectedName(issue.expected);
      if (value === undefined) return [problem(`expected ${what}, found nothing (this key is required)`)];
      return [problem(`expected ${what}, found ${describeKind(value, hidden)}${quoteHint(issue.expected, value, hidden)}`)];
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => String(v)).join(', ');
      return [problem(`expected one of ${options}, found ${describeValue(value, hidden)}`)];
    }
    case 'too_small':
    case 'too_big':
      return [problem(sizeMessage(issue, value, hidden, schemaAt(ctx.schema, path)))];
    case 'invalid_format':
      return [problem(`expected a string in ${issue.format} format, found ${describeValue(value, hidden)}`)];
    case 'not_multiple_of':
      return [problem(`expected a multiple of ${issue.divisor}, found ${describeValue(value, hidden)}`)];
    case 'invalid_key':
      return [problem(`invalid key \`${at}\`: ${issue.issues.map((i) => i.message).join('; ')}`)];
    case 'custom': {
      const params = (issue.params ?? {}) as IssueParams;
      if (params.duplicateOf !== undefined) {
        const firstPath = [...path];
        const indexAt = firstPath.length - 2;
        firstPath[indexAt] = params.duplicateOf;
        const name = hidden ? '' : ` ${describeValue(value, false)}`;
        return [problem(`${params.message ?? 'duplicate'}${name}: already used by \`${formatPath(firstPath.slice(0, indexAt + 1))}\``)];
      }
      if (params.message !== undefined) return [problem(params.message)];
      if (params.expected !== undefined) {
        const detail = params.detail && !hidden ? ` (${params.detail})` : '';
        return [problem(`expected ${params.expected}, found ${describeValue(value, hidden)}${detail}`)];
      }
      return [problem(issue.message)];
    }
    default:
      // invalid_union / invalid_element: not produced by this schema; zod's own message shows no value.
      return [problem(issue.message)];
  }
}

function sizeMessage(
  issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig,
  value: unknown,
  hidden: boolean,
  leaf: z.ZodType | undefined,
): string {
  const small = issue.code === 'too_small';
  const limit = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
  const inclusive = issue.inclusive !== false;
  const bound = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
  switch (issue.origin) {
    case 'string':
      if (small && Number(limit) === 1) return `expected a non-empty string, found ${describeValue(value, hidden)}`;
      return `expected a string of ${bound} ${limit} characters, found ${describeValue(value, hidden)}`;
    case 'array': {
      const count = Array.isArray(value) ? value.length : 0;
      return `expected ${bound} ${limit} item${Number(limit) === 1 ? '' : 's'}, found ${count}`;
    }
    default: {
      const kind = issue.origin === 'int' || (leaf instanceof z.ZodNumber && leaf.isInt) ? 'an integer of' : 'a number of';
      return `expected ${kind} ${bound} ${limit}, found ${describeValue(value, hidden)}`;
    }
  }
}

function expectedName(expected: string): string {
  switch (expected) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'a mapping (key: value)';
    default:
      return expected;
  }
}

/** A number or boolean where a string was expected: the fix is to quote it. */
function quoteHint(expected: string, value: unknown, hidden: boolean): string {
  if (expected !== 'string' || (typeof value !== 'number' && typeof value !== 'boolean')) return '';
  return hidden ? ' (write it in quotes in YAML)' : ` (write it in quotes in YAML: "${String(value)}")`;
}

/** The kind of a value, with the value itself when it may be shown (for type mismatches). */
export function describeKind(value: unknown, hidden: boolean): string {
  if (value === null) return 'an empty value (null)';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'object':
      return 'a mapping';
    case 'string':
      return hidden ? 'a string' : `a string (${quote(value)})`;
    case 'number':
      return hidden ? 'a number' : `the number ${value}`;
    case 'boolean':
      return hidden ? 'a boolean' : `the boolean ${value}`;
    default:
      return typeof value;
  }
}

/** A value of the right kind but not accepted (for format and range problems). */
export function describeValue(value: unknown, hidden: boolean): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    if (value === '') return 'an empty string';
    return hidden ? 'a string (value hidden)' : quote(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return hidden ? `a ${typeof value}` : String(value);
  return describeKind(value, hidden);
}

function quote(value: string): string {
  const max = 80;
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

function isHidden(path: readonly PropertyKey[], ctx: IssueContext): boolean {
  if (path.some((segment) => typeof segment === 'string' && HIDDEN_IN_MESSAGES_KEYS.has(segment))) return true;
  if (path.length >= 2 && path[0] === 'redis' && path[1] === 'url') return true; // may hold a password
  if (ctx.envPaths.has(formatPath(path))) return true; // values from the environment are never shown
  return false;
}

function envNote(path: readonly PropertyKey[], ctx: IssueContext): string {
  const name = ctx.envPaths.get(formatPath(path));
  return name === undefined ? '' : ` (from environment variable ${name})`;
}

/** The keys the schema allows for the object at `path`, to suggest a fix for an unknown key. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  const node = schemaAt(schema, path);
  return node instanceof z.ZodObject ? Object.keys(node.shape as Record<string, unknown>) : undefined;
}

/** The schema that validates the value at `path` (wrappers such as optional and default removed). */
export function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (current instanceof z.ZodObject) {
      const shape = current.shape as Record<string, z.ZodType>;
      current = typeof segment === 'string' && Object.prototype.hasOwnProperty.call(shape, segment) ? unwrap(shape[segment]) : undefined;
    } else if (current instanceof z.ZodArray) {
      current = unwrap(current.element as z.ZodType);
    } else if (current instanceof z.ZodRecord) {
      current = unwrap(current.valueType as z.ZodType);
    } else {
      return undefined;
    }
  }
  return current;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

/** Whether a problem at `path` is already explained by an unresolved `env:` reference. */
export function coveredBy(unresolved: readonly (readonly PropertyKey[])[], path: readonly PropertyKey[]): boolean {
  return unresolved.some((prefix) => isPathPrefix(prefix, path));
}
