/**
 * `env:NAME` references: a string value that is exactly `env:NAME` is replaced by the
 * environment variable NAME before validation, so secrets stay out of the file.
 */
import type { ConfigProblem } from './config.errors';
import { formatPath, type PathSegment } from './config-path';

export type Env = Readonly<Record<string, string | undefined>>;

const ENV_REFERENCE = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

export interface EnvResolution {
  /** A copy of the data with every resolvable reference replaced. */
  value: unknown;
  problems: ConfigProblem[];
  /** Formatted path → variable name, for every value that came from the environment. */
  envPaths: Map<string, string>;
  /** Paths of references that could not be resolved (left as written). */
  unresolved: PathSegment[][];
}

export function resolveEnvReferences(data: unknown, env: Env): EnvResolution {
  const result: EnvResolution = { value: undefined, problems: [], envPaths: new Map(), unresolved: [] };
  result.value = walk(data, [], env, result);
  return result;
}

function walk(value: unknown, path: PathSegment[], env: Env, result: EnvResolution): unknown {
  if (typeof value === 'string') {
    const match = ENV_REFERENCE.exec(value);
    if (!match) return value;
    const name = match[1];
    const resolved = env[name];
    if (resolved === undefined || resolved === '') {
      result.problems.push({
        path: formatPath(path),
        message: `environment variable ${name} is ${resolved === undefined ? 'not set' : 'empty'}`,
      });
      result.unresolved.push(path);
      return value;
    }
    result.envPaths.set(formatPath(path), name);
    return resolved;
  }
  if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index], env, result));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // defineProperty: a YAML key `__proto__` stays an (unknown) key instead of a prototype
      Object.defineProperty(out, key, {
        value: walk(item, [...path, key], env, result),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
