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
  return (
    isEmpty(scope.accounts) &&
    isEmpty(scope.regions) &&
    isEmpty(scope.resourceTypes) &&
    Object.keys(scope.tags ?? {}).length === 0
  );
}

function listCovers(list: string[] | undefined, value: string): boolean {
  return list === undefined || list.length === 0 || list.includes(value);
}

function isEmpty(list: string[] | undefined): boolean {
  return list === undefined || list.length === 0;
}

function tagsCover(required: Record<string, string> | undefined, actual: Record<string, string>): boolean {
  if (!required) return true;
  return Object.entries(required).every(
    ([key, value]) => Object.prototype.hasOwnProperty.call(actual, key) && actual[key] === value,
  );
}
