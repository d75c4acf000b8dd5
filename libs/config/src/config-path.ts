/**
 * Key paths as users read them in messages: dotted, with array indexes
 * (`stacks[0].state.s3.bucket`), and quoted brackets for keys that are not plain words
 * (`guardrails.critical.tags["driftwarden:ignore"]`).
 */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
    } else {
      const key = String(segment);
      if (PLAIN_KEY.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** The value at `path` inside plain data, or `undefined` when any step is missing. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      if (typeof segment !== 'number') return undefined;
      current = current[segment];
    } else {
      const key = String(segment);
      if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
      current = (current as Record<string, unknown>)[key];
    }
  }
  return current;
}

/** Whether `prefix` is `path` or one of its ancestors. */
export function isPathPrefix(prefix: readonly PropertyKey[], path: readonly PropertyKey[]): boolean {
  if (prefix.length > path.length) return false;
  return prefix.every((segment, i) => String(segment) === String(path[i]));
}
