/**
 * The decision table of DESIGN.md §4 as one pure function.
 *
 * Everything the controller knows about a drift event (resource facts, principal, diff,
 * exposure effects, freeze state now and at the time of the change) is reduced by the
 * adapters to a `DecisionInput`; `decide` returns what to do, which rule matched and why.
 * No I/O, no clock, no configuration: the same input always gives the same decision.
 */

export type PrincipalClass = 'iac' | 'breakGlass' | 'self' | 'other' | 'unknown';
export type FreezeSourceType = 'incident' | 'manual' | 'window' | 'cooldown' | 'unknown';
/**
 * `observe`: never returned by `decide` itself; a difference of a kind that is never reverted
 * (the `observed` kind: a Terraform-managed resource of a type no kind models) takes it where the
 * table says revert or await approval: recorded and listed (`detected`), never reverted.
 */
export type DecisionAction = 'ignore' | 'noop' | 'backport' | 'hold' | 'await_approval' | 'revert' | 'observe';
export type DecisionRule = 1 | 2 | 3 | 4 | 5 | 6;
export type DecisionFlag = 'suspicious';

export const DECISION_ACTIONS: readonly DecisionAction[] = ['ignore', 'noop', 'backport', 'hold', 'await_approval', 'revert', 'observe'];
export const PRINCIPAL_CLASSES: readonly PrincipalClass[] = ['iac', 'breakGlass', 'self', 'other', 'unknown'];
export const FREEZE_SOURCE_TYPES: readonly FreezeSourceType[] = ['incident', 'manual', 'window', 'cooldown', 'unknown'];

export interface DecisionInput {
  resource: {
    /** A resource type driftwarden can remediate. */
    supported: boolean;
    /** Owned by a configured Terraform stack. */
    managed: boolean;
    /** AWS Config says ResourceDeleted. */
    deleted: boolean;
    /** `guardrails.critical` matched. */
    critical: boolean;
    /** Active exception (POST /v1/exceptions); `until` is an ISO time. */
    exception: { reason: string; until: string } | null;
    /** Tag `driftwarden:ignore=true`. */
    ignoreTag: boolean;
  };
  principal: { class: PrincipalClass };
  /** Live equals desired. */
  diff: { equal: boolean };
  /**
   * The live change itself opened a door (live is wider than desired; for other kinds: lowered
   * capacity or weakened protection). `attributable: false`: no single change can be named for
   * it (CloudTrail has no call, or several principals changed the same thing): then it is never
   * an emergency patch (fail closed). Default true.
   */
  change: { widensExposure: boolean; attributable?: boolean };
  /** Reverting would open a door (an authorize to a source). */
  revert: { widensExposure: boolean };
  /** The effective freeze for the resource now (`unknown` is a source and freezes). */
  freezeNow: { frozen: boolean; sources: FreezeSourceType[] };
  /**
   * The freeze at the time of the change. `declared`: an incident, manual, window or cooldown
   * source was active; `unknown`: the freeze state was unknown then; `withinLookback`: the
   * change was made within `lookbackMinutes` before an incident started.
   */
  freezeAtChange: { declared: boolean; unknown: boolean; withinLookback: boolean };
}

export interface Decision {
  action: DecisionAction;
  /** The matching row of the table; `null` for the pre-checks that exclude a resource. */
  rule: DecisionRule | null;
  /** Plain English, naming the specific cause. */
  reason: string;
  flags: DecisionFlag[];
}

const FREEZE_SOURCE_TEXT: Record<FreezeSourceType, string> = {
  incident: 'a major incident',
  manual: 'a manual freeze',
  window: 'a freeze window',
  cooldown: 'an incident cooldown',
  unknown: 'an unknown freeze state (incident data unavailable or stale)',
};

export function decide(input: DecisionInput): Decision {
  const { resource, principal, diff, change, revert, freezeNow, freezeAtChange } = input;

  // Rule 1: the IaC pipeline applied it; the controller's own changes are not drift either.
  if (principal.class === 'iac') {
    return ignore(1, 'applied by the IaC pipeline (IaC principal): not drift; refresh the desired state');
  }
  if (principal.class === 'self') {
    return ignore(1, "the controller's own change (self principal): audited, not drift");
  }

  // Pre-checks: resources driftwarden must leave alone (recorded as ignored, never dropped).
  const excluded = precheck(resource);
  if (excluded) return excluded;

  // Rule 2: nothing differs.
  if (diff.equal) {
    return { action: 'noop', rule: 2, reason: 'live state equals the Terraform state: nothing to remediate', flags: [] };
  }

  // Rule 3: an emergency patch is backported to Terraform, never reverted.
  const breakGlass = principal.class === 'breakGlass';
  const attributable = change.attributable !== false;
  const closesDuringFreeze = (freezeAtChange.declared || freezeAtChange.withinLookback) && !change.widensExposure;
  if (attributable && (breakGlass || closesDuringFreeze)) {
    const causes: string[] = [];
    if (breakGlass) causes.push('change made by a break-glass principal');
    if (closesDuringFreeze && freezeAtChange.declared) causes.push('change made during a declared freeze');
    if (closesDuringFreeze && freezeAtChange.withinLookback) {
      causes.push('change made within lookback before an incident started');
    }
    if (closesDuringFreeze) causes.push('the change does not widen exposure');
    if (breakGlass && change.widensExposure) causes.push('it widens exposure (break-glass is trusted; the on-call is told)');
    const deleted = resource.deleted ? ' (the deletion is codified by the backport)' : '';
    return {
      action: 'backport',
      rule: 3,
      reason: `emergency patch (${causes.join('; ')}): backport it to Terraform, never revert${deleted}`,
      flags: [],
    };
  }
  const unattributed = attributable ? '' : '; not attributable to one change, so never treated as an emergency patch';

  // From here on the change is unauthorized drift. A change that opened a door while a freeze
  // was (or may have been) in force, by a principal that is not break-glass, stays flagged
  // whatever rule 4, 5 or 6 decides, so that re-deciding after the freeze keeps the flag.
  const suspicious = change.widensExposure && !breakGlass && (freezeAtChange.declared || freezeAtChange.unknown || freezeNow.frozen);
  const flags: DecisionFlag[] = suspicious ? ['suspicious'] : [];
  const suspiciousText = suspicious
    ? '; suspicious: the change widened exposure during a freeze and was not made by a break-glass principal'
    : '';

  // Rule 4: frozen now (any source, unknown included): hold.
  if (freezeNow.frozen) {
    const sources = unique(freezeNow.sources).map((s) => FREEZE_SOURCE_TEXT[s]);
    const by = sources.length > 0 ? ` by ${joinAnd(sources)}` : '';
    const unknownAtChange = freezeAtChange.unknown
      ? '; the freeze state was unknown when the change was made, decide again once it is known'
      : '';
    return {
      action: 'hold',
      rule: 4,
      reason: `auto-heal is frozen${by}: held until the freeze ends${unknownAtChange}${unattributed}${suspiciousText}`,
      flags,
    };
  }

  // Rule 5: guardrails.
  if (revert.widensExposure || resource.critical || resource.deleted) {
    const causes: string[] = [];
    if (revert.widensExposure) causes.push('reverting would widen exposure');
    if (resource.critical) causes.push('critical resource');
    if (resource.deleted) causes.push('resource was deleted and driftwarden never recreates a resource');
    return {
      action: 'await_approval',
      rule: 5,
      reason: `needs human approval: ${causes.join('; ')}${unattributed}${suspiciousText}`,
      flags,
    };
  }

  // Rule 6: unauthorized drift outside any freeze.
  const who = principal.class === 'unknown' ? ' (principal unknown, so not treated as the IaC pipeline)' : '';
  return {
    action: 'revert',
    rule: 6,
    reason: `unauthorized drift outside any freeze${who}: revert to the Terraform state${unattributed}${suspiciousText}`,
    flags,
  };
}

/**
 * The facts the controller holds locally (DESIGN §4 "Order of evaluation"): a type without a
 * kind, a resource no stack manages, an active exception, the ignore tag. They are decided before
 * any AWS call, and exclude the resource whoever made the change. Null when none applies.
 */
export function precheck(resource: Pick<DecisionInput['resource'], 'supported' | 'managed' | 'exception' | 'ignoreTag'>): Decision | null {
  if (!resource.supported) {
    return ignore(null, 'resource type is not supported by driftwarden: recorded, not remediated');
  }
  if (!resource.managed) {
    return ignore(null, 'unmanaged resource: no configured Terraform stack owns it');
  }
  if (resource.exception) {
    return ignore(null, `active exception until ${resource.exception.until}: ${resource.exception.reason}`);
  }
  if (resource.ignoreTag) {
    return ignore(null, 'resource is tagged driftwarden:ignore=true');
  }
  return null;
}

function ignore(rule: 1 | null, reason: string): Decision {
  return { action: 'ignore', rule, reason, flags: [] };
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
