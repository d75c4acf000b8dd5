/**
 * A small EventBridge event-pattern matcher, for testing rule patterns offline.
 *
 * Semantics (Amazon EventBridge User Guide, "Event patterns" and "Content filtering"):
 * - A pattern is an object; every field in it must match (AND). Fields of the event that
 *   the pattern does not name are ignored.
 * - A leaf of the pattern is an array of alternatives (OR). An alternative is an exact
 *   value (string, number or null, compared by type and value, case-sensitive) or a
 *   content filter: `{prefix}`, `{suffix}`, `{"equals-ignore-case"}`, `{"anything-but"}`
 *   (a value, a list of values, or `{prefix}` / `{suffix}`), `{exists}`.
 * - A nested object matches the event's object at that key. If the event holds an array
 *   of values the field matches when any element matches (non-empty intersection). If it
 *   holds an array of objects, the sub-pattern must match within ONE element: fields from
 *   different elements of the same array never combine ("array-consistent matching" of
 *   aws/event-ruler, the engine behind EventBridge, `rulesForJSONEvent`).
 * - `exists` works on leaves: `{exists: false}` matches when the event has no value at
 *   that path (the key, or any parent, is absent, or it holds an object, which is not a
 *   leaf); `{exists: true}` when it has one (`null` counts as a value, `[]` does not).
 * - `"$or": [p1, p2, ...]` at any level matches when at least one sub-pattern matches; it
 *   combines with the other fields at the same level by AND.
 * Anything else (numeric, wildcard, cidr, ...) is rejected rather than guessed.
 */

export type EventJson = null | boolean | number | string | EventJson[] | { [key: string]: EventJson };
type EventObject = { [key: string]: EventJson };

export class InvalidPatternError extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEventObject(v: EventJson | undefined): v is EventObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when `event` matches `pattern`; throws InvalidPatternError for a bad pattern. */
export function matchesPattern(pattern: unknown, event: EventJson): boolean {
  if (!isObject(pattern)) throw new InvalidPatternError('a pattern must be a JSON object');
  validatePattern(pattern, []);
  return matchObject(pattern, event, []);
}

/** Throws InvalidPatternError unless `pattern` is a pattern this matcher understands. */
export function validatePattern(pattern: Record<string, unknown>, path: string[]): void {
  if (Object.keys(pattern).length === 0) {
    throw new InvalidPatternError(`${path.join('.') || 'pattern'}: must not be empty`);
  }
  for (const [key, sub] of Object.entries(pattern)) {
    validate(key, sub, path);
    if (key === '$or' && Array.isArray(sub)) {
      for (const alt of sub) if (isObject(alt)) validatePattern(alt, path);
    } else if (isObject(sub)) {
      validatePattern(sub, [...path, key]);
    }
  }
}

function matchObject(pattern: Record<string, unknown>, node: EventJson | undefined, path: string[]): boolean {
  if (Array.isArray(node) && node.length > 0) {
    // An array of objects: the whole sub-pattern must hold within one element.
    return node.some((element) => matchObject(pattern, element, path));
  }
  const obj: EventObject = isEventObject(node) ? node : {};
  return Object.entries(pattern).every(([key, sub]) => {
    if (key === '$or') return Array.isArray(sub) && sub.some((alt) => isObject(alt) && matchObject(alt, node, path));
    const here = [...path, key];
    const value = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (Array.isArray(sub)) return matchLeaf(sub, leafValues(value), here);
    if (isObject(sub)) return matchObject(sub, value, here);
    throw new InvalidPatternError(`${here.join('.')}: not a pattern`); // validatePattern() rejects this first
  });
}

function validate(key: string, sub: unknown, path: string[]): void {
  const where = [...path, key].join('.');
  if (key === '$or') {
    if (!Array.isArray(sub) || sub.length < 2 || !sub.every((s) => isObject(s) && Object.keys(s).length > 0)) {
      throw new InvalidPatternError(`${where}: $or needs an array of at least two non-empty patterns`);
    }
    return;
  }
  if (Array.isArray(sub)) {
    if (sub.length === 0) throw new InvalidPatternError(`${where}: empty array`);
    for (const alt of sub) validateAlternative(alt, where);
    return;
  }
  if (isObject(sub)) return;
  throw new InvalidPatternError(`${where}: a leaf must be an array of values, got ${JSON.stringify(sub)}`);
}

function validateAlternative(alt: unknown, where: string): void {
  if (alt === null || typeof alt === 'string' || typeof alt === 'number') return;
  if (typeof alt === 'boolean') {
    // Booleans are JSON values EventBridge compares exactly, like strings and numbers.
    return;
  }
  if (!isObject(alt)) throw new InvalidPatternError(`${where}: unsupported value ${JSON.stringify(alt)}`);
  const keys = Object.keys(alt);
  if (keys.length !== 1) throw new InvalidPatternError(`${where}: a filter has exactly one operator: ${JSON.stringify(alt)}`);
  const [op] = keys;
  const arg = alt[op];
  switch (op) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof arg !== 'string') throw new InvalidPatternError(`${where}: ${op} takes a string`);
      return;
    case 'exists':
      if (typeof arg !== 'boolean') throw new InvalidPatternError(`${where}: exists takes true or false`);
      return;
    case 'anything-but': {
      const ok = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number';
      if (ok(arg)) return;
      if (Array.isArray(arg) && arg.length > 0 && arg.every(ok)) return;
      if (isObject(arg) && Object.keys(arg).length === 1) {
        const [inner] = Object.keys(arg);
        if ((inner === 'prefix' || inner === 'suffix') && typeof arg[inner] === 'string') return;
      }
      throw new InvalidPatternError(`${where}: unsupported anything-but ${JSON.stringify(arg)}`);
    }
    default:
      throw new InvalidPatternError(`${where}: operator "${op}" is not supported by this matcher`);
  }
}

/** The leaf values of an event field: arrays (of arrays) of values are flattened. */
function leafValues(value: EventJson | undefined): EventJson[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(leafValues);
  return isEventObject(value) ? [] : [value];
}

function matchLeaf(alternatives: unknown[], values: EventJson[], path: string[]): boolean {
  return alternatives.some((alt) => {
    if (isObject(alt) && 'exists' in alt) return values.length > 0 === alt.exists;
    return values.some((v) => matchValue(alt, v, path));
  });
}

function matchValue(alt: unknown, value: EventJson, path: string[]): boolean {
  if (!isObject(alt)) return alt === value; // type-strict: 5 does not match "5"
  const [op] = Object.keys(alt);
  const arg = alt[op];
  switch (op) {
    case 'prefix':
      return typeof value === 'string' && typeof arg === 'string' && value.startsWith(arg);
    case 'suffix':
      return typeof value === 'string' && typeof arg === 'string' && value.endsWith(arg);
    case 'equals-ignore-case':
      return typeof value === 'string' && typeof arg === 'string' && value.toLowerCase() === arg.toLowerCase();
    case 'anything-but': {
      if (isObject(arg)) {
        if (typeof value !== 'string') return false;
        if (typeof arg.prefix === 'string') return !value.startsWith(arg.prefix);
        if (typeof arg.suffix === 'string') return !value.endsWith(arg.suffix);
        return false;
      }
      const excluded: unknown[] = Array.isArray(arg) ? arg : [arg];
      return value !== null && typeof value !== 'object' && !excluded.includes(value);
    }
    default:
      throw new InvalidPatternError(`${path.join('.')}: operator "${op}" is not supported by this matcher`);
  }
}
