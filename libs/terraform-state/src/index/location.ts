/**
 * Where a managed resource lives, as far as its state tells (any kind): account and region from
 * its ARN (or, for a kind that knows better, from its own attributes).
 */
export interface StateLocation {
  account?: string;
  region?: string;
}

/** `arn:partition:service:region:account:resource` → `{region, account}` (the resource part may hold more colons). */
export function locationFromArn(arn: string | undefined): StateLocation {
  if (!arn?.startsWith('arn:')) return {};
  const partition = arn.indexOf(':', 4);
  const service = partition < 0 ? -1 : arn.indexOf(':', partition + 1);
  const region = service < 0 ? -1 : arn.indexOf(':', service + 1);
  const account = region < 0 ? -1 : arn.indexOf(':', region + 1);
  if (account < 0) return {};
  const location: StateLocation = {};
  if (region > service + 1) location.region = arn.slice(service + 1, region);
  if (account > region + 1) location.account = arn.slice(region + 1, account);
  return location;
}

/** A location that does not say its account or region matches any. */
export function locationMatches(location: StateLocation, account: string, region: string): boolean {
  return (location.account === undefined || location.account === account) && (location.region === undefined || location.region === region);
}
