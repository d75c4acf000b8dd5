import {
  ACCOUNT_ID_EXPECTED,
  REGION_EXPECTED,
  RESOURCE_TYPE_EXPECTED,
  isAccountId,
  isRegion,
  isResourceType,
  unsafeTextProblem,
} from '../aws/identifiers';

/**
 * Which resources a freeze source, incident service or exception covers.
 * An absent scope, or an absent or empty list, covers everything; tags must all match.
 */
export interface Scope {
  accounts?: string[];
  regions?: string[];
  resourceTypes?: string[];
  tags?: Record<string, string>;
}

export interface ScopeTarget {
  account: string;
  region: string;
  /** CloudFormation-style type, e.g. `AWS::EC2::SecurityGroup`. */
  type: string;
  tags: Record<string, string>;
}

export function scopeCovers(scope: Scope | undefined | null, target: ScopeTarget): boolean {
  if (!scope) return true;
  return (
    listCovers(scope.accounts, target.account) &&
    listCovers(scope.regions, target.region) &&
    listCovers(scope.resourceTypes, target.type) &&
    tagsCover(scope.tags, target.tags)
  );
}

/** True when the scope restricts nothing. */
export function isUnscoped(scope: Scope | undefined | null): boolean {
  if (!scope) return true;
  return isEmpty(scope.accounts) && isEmpty(scope.regions) && isEmpty(scope.resourceTypes) && Object.keys(scope.tags ?? {}).length === 0;
}

function listCovers(list: string[] | undefined, value: string): boolean {
  return list === undefined || list.length === 0 || list.includes(value);
}

function isEmpty(list: string[] | undefined): boolean {
  return list === undefined || list.length === 0;
}

function tagsCover(required: Record<string, string> | undefined, actual: Record<string, string>): boolean {
  if (!required) return true;
  return Object.entries(required).every(([key, value]) => Object.prototype.hasOwnProperty.call(actual, key) && actual[key] === value);
}

/** Object keys that are never data: as a tag key they would vanish into, or rewrite, a prototype. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export const SCOPE_KEYS = ['accounts', 'regions', 'resourceTypes', 'tags'] as const;
/** AWS allows at most 50 tags per resource: a scope requiring more can match nothing. */
export const MAX_SCOPE_TAGS = 50;
export const MAX_SCOPE_LIST = 1000;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;

/** A problem with a scope, at its path relative to the scope (`['tags', 'team']`, `['accounts', 0]`). */
export interface ScopeProblem {
  path: (string | number)[];
  message: string;
}

export type ScopeParseResult = { ok: true; scope: Scope } | { ok: false; problems: ScopeProblem[] };

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `"${value.length > 60 ? `${value.slice(0, 59)}…` : value}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/**
 * Validates a scope given from outside (the API): strictly, so that the scope stored is exactly
 * the scope given, never silently less (a dropped key or tag would widen it, up to "everything").
 * Known keys only; each list non-empty, of 12-digit account ids, regions or resource types; tags
 * a non-empty map of AWS-sized keys and values, no key `__proto__`, `constructor` or `prototype`;
 * and no empty scope (leave the scope out to cover everything). The result is a fresh copy with
 * own, plain properties only.
 */
export function parseScope(value: unknown): ScopeParseResult {
  const problems: ScopeProblem[] = [];
  if (!isPlainRecord(value)) {
    return {
      ok: false,
      problems: [
        {
          path: [],
          message: `expected an object with ${SCOPE_KEYS.join(', ')} (leave the scope out to cover everything), got ${show(value)}`,
        },
      ],
    };
  }
  const keys = Object.keys(value);
  for (const key of keys) {
    if (!(SCOPE_KEYS as readonly string[]).includes(key))
      problems.push({ path: [key], message: `unknown key; a scope takes ${SCOPE_KEYS.join(', ')}` });
  }
  if (keys.length === 0) {
    problems.push({
      path: [],
      message:
        'an empty scope would cover everything: leave the scope out for a global one, or name accounts, regions, resourceTypes or tags',
    });
  }
  const scope: Scope = {};
  const list = (key: 'accounts' | 'regions' | 'resourceTypes', test: (v: string) => boolean, expected: string) => {
    if (!Object.prototype.hasOwnProperty.call(value, key)) return;
    const v = value[key];
    if (!Array.isArray(v)) {
      problems.push({ path: [key], message: `expected a list of ${expected}s, got ${show(v)}` });
      return;
    }
    if (v.length === 0 || v.length > MAX_SCOPE_LIST) {
      problems.push({
        path: [key],
        message: `expected 1 to ${MAX_SCOPE_LIST} items, got ${v.length} (leave ${key} out to cover every one)`,
      });
      return;
    }
    const bad = v.map((item: unknown, i) => ({ item, i })).filter(({ item }) => typeof item !== 'string' || !test(item));
    for (const { item, i } of bad) problems.push({ path: [key, i], message: `expected ${expected}, got ${show(item)}` });
    if (bad.length === 0) scope[key] = [...(v as string[])];
  };
  list('accounts', isAccountId, ACCOUNT_ID_EXPECTED);
  list('regions', isRegion, REGION_EXPECTED);
  list('resourceTypes', isResourceType, RESOURCE_TYPE_EXPECTED);
  if (Object.prototype.hasOwnProperty.call(value, 'tags')) {
    const tags = value['tags'];
    if (!isPlainRecord(tags)) {
      problems.push({ path: ['tags'], message: `expected an object of tag keys to values, got ${show(tags)}` });
    } else {
      const entries = Object.keys(tags).map((k) => [k, tags[k]] as const);
      if (entries.length === 0 || entries.length > MAX_SCOPE_TAGS) {
        problems.push({
          path: ['tags'],
          message: `expected 1 to ${MAX_SCOPE_TAGS} tags, got ${entries.length} (leave tags out to match any)`,
        });
      }
      let good = true;
      for (const [k, v] of entries) {
        const keyProblem = RESERVED_KEYS.has(k)
          ? `"${k}" cannot be a tag key here (it is a reserved object key)`
          : k.length === 0 || k.length > MAX_TAG_KEY
            ? `a tag key has 1 to ${MAX_TAG_KEY} characters, got ${k.length}`
            : unsafeTextProblem(k);
        const valueProblem =
          typeof v !== 'string'
            ? `expected a string tag value, got ${show(v)}`
            : v.length > MAX_TAG_VALUE
              ? `a tag value has at most ${MAX_TAG_VALUE} characters, got ${v.length}`
              : unsafeTextProblem(v);
        if (keyProblem) problems.push({ path: ['tags', k], message: keyProblem });
        else if (valueProblem) problems.push({ path: ['tags', k], message: valueProblem });
        good &&= !keyProblem && !valueProblem;
      }
      if (good && entries.length > 0) scope.tags = Object.fromEntries(entries) as Record<string, string>;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, scope };
}
