/**
 * A security group's drift as differences (DESIGN §4): one per rule that only live has (`added`
 * by a change) or only the code has (`removed`), keyed by the canonical rule key; the direction
 * of each judged within the change that made it; and what a CloudTrail call did, in those keys.
 */
import {
  type CandidateDifference,
  type CloudTrailEvent,
  type DifferenceDirection,
  type DriftDifference,
  type JsonObject,
} from '@driftwarden/domain';
import type { CallChanges } from '@driftwarden/pipeline';
import { analyzeExposure } from './exposure/analyze-exposure';
import { isPublicCidr } from './model/cidr';
import { canonicalRuleKey, canonicalizeRule, makeRule } from './model/rule';
import { rulesFromCloudTrailRequest, rulesFromCloudTrailResponse } from './normalize/cloudtrail';
import { z } from 'zod';
import { describePermissionRule, type PermissionRule } from './model/permission-rule';
import type { SecurityGroupDiff } from './model/permission-rule';

export function ruleDifferenceKey(rule: PermissionRule): string {
  return canonicalRuleKey(canonicalizeRule(rule));
}

function isPublic(rule: PermissionRule): boolean {
  return (rule.peer.kind === 'ipv4' || rule.peer.kind === 'ipv6') && isPublicCidr(rule.peer.cidr);
}

/** `opened ingress tcp/22 from 0.0.0.0/0 (the internet)`, `closed egress all traffic to 10.0.0.0/8`. */
export function ruleSentence(side: 'added' | 'removed', rule: PermissionRule): string {
  return `${side === 'added' ? 'opened' : 'closed'} ${rule.direction} ${describePermissionRule(rule)}${isPublic(rule) ? ' (the internet)' : ''}`;
}

/** The rule a security-group difference is about (its `detail`). */
export function ruleOfDifference(d: Pick<DriftDifference, 'detail'>): PermissionRule {
  return d.detail as unknown as PermissionRule;
}

/** The extra/missing rules of some differences: what a revert or a backport of exactly them works on. */
export function ruleDiffOf(differences: readonly Pick<DriftDifference, 'side' | 'detail'>[]): SecurityGroupDiff {
  const extra = differences.filter((d) => d.side === 'added').map(ruleOfDifference);
  const missing = differences.filter((d) => d.side === 'removed').map(ruleOfDifference);
  return { equal: extra.length === 0 && missing.length === 0, extra, missing, attributes: [] };
}

/** The differences of a rule diff: `extra` rules were added by a change, `missing` ones removed. */
export function ruleDifferences(diff: Pick<SecurityGroupDiff, 'extra' | 'missing'>): CandidateDifference[] {
  const of = (side: 'added' | 'removed', rule: PermissionRule): CandidateDifference => {
    const key = ruleDifferenceKey(rule);
    return { id: `${side} ${key}`, key, side, sentence: ruleSentence(side, rule), detail: rule as unknown as JsonObject };
  };
  return [...diff.extra.map((r) => of('added', r)), ...diff.missing.map((r) => of('removed', r))];
}

/**
 * Directions within each change (a group per call): an added rule widens exposure unless a rule
 * the same change removed already allowed everything it allows; a removed rule narrows. A revert
 * revokes the added rules (narrows) and re-authorizes the removed ones (widens unless an added
 * rule of the same change covered it).
 */
export function ruleDirections(
  groups: readonly (readonly CandidateDifference[])[],
  context: { groupId: string; address?: string },
): Map<string, DifferenceDirection> {
  const out = new Map<string, DifferenceDirection>();
  for (const group of groups) {
    const extra = group.filter((d) => d.side === 'added').map((d) => d.detail as unknown as PermissionRule);
    const missing = group.filter((d) => d.side === 'removed').map((d) => d.detail as unknown as PermissionRule);
    const exposure = analyzeExposure({ extra, missing }, context);
    const changeWidens = new Set(
      exposure.change.filter((op) => op.action === 'authorize' && op.widens).map((op) => ruleDifferenceKey(op.rule)),
    );
    const revertWidens = new Set(
      exposure.revert.filter((op) => op.action === 'authorize' && op.widens).map((op) => ruleDifferenceKey(op.rule)),
    );
    for (const d of group) {
      if (d.side === 'added') {
        out.set(d.id, { axis: 'exposure', change: changeWidens.has(d.key) ? 'widens' : 'neutral', revert: 'narrows' });
      } else {
        out.set(d.id, { axis: 'exposure', change: 'narrows', revert: revertWidens.has(d.key) ? 'widens' : 'neutral' });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// What a CloudTrail call did to a group's rules
// ---------------------------------------------------------------------------------------------

/** CloudTrail's XML-ish lists: one element comes as an object, several as an array, none as `{}`. */
const oneOrMany = <T extends z.ZodType>(item: T) => z.union([z.array(item), item]).transform((v) => (Array.isArray(v) ? v : [v]));

const modifiedRuleSchema = z.looseObject({
  SecurityGroupRuleId: z.string(),
  SecurityGroupRule: z.looseObject({
    IpProtocol: z.union([z.string(), z.number()]),
    FromPort: z
      .union([
        z.number(),
        z
          .string()
          .regex(/^-?\d+$/)
          .transform(Number),
      ])
      .nullish(),
    ToPort: z
      .union([
        z.number(),
        z
          .string()
          .regex(/^-?\d+$/)
          .transform(Number),
      ])
      .nullish(),
    CidrIpv4: z.string().nullish(),
    CidrIpv6: z.string().nullish(),
    PrefixListId: z.string().nullish(),
    ReferencedGroupId: z.string().nullish(),
    Description: z.string().nullish(),
  }),
});

const modifyRequestSchema = z.looseObject({
  ModifySecurityGroupRulesRequest: z.looseObject({
    GroupId: z.string().nullish(),
    SecurityGroupRule: oneOrMany(modifiedRuleSchema),
  }),
});

type ModifiedRule = z.infer<typeof modifiedRuleSchema>;

function modifiedRules(m: ModifiedRule, direction: 'ingress' | 'egress'): PermissionRule | null {
  const r = m.SecurityGroupRule;
  const base = {
    direction,
    protocol: r.IpProtocol,
    fromPort: r.FromPort ?? null,
    toPort: r.ToPort ?? null,
    description: r.Description ?? undefined,
  };
  if (r.CidrIpv4) return makeRule({ ...base, peer: { kind: 'ipv4', cidr: r.CidrIpv4 } });
  if (r.CidrIpv6) return makeRule({ ...base, peer: { kind: 'ipv6', cidr: r.CidrIpv6 } });
  if (r.PrefixListId) return makeRule({ ...base, peer: { kind: 'prefixList', prefixListId: r.PrefixListId } });
  if (r.ReferencedGroupId) return makeRule({ ...base, peer: { kind: 'securityGroup', groupId: r.ReferencedGroupId } });
  return null;
}

const RULE_KEY_DIRECTION = (key: string): 'ingress' | 'egress' | null =>
  key.startsWith('ingress') ? 'ingress' : key.startsWith('egress') ? 'egress' : null;

/**
 * What each call did to the group's rules, in rule keys. Rule ids (`sgr-…`) are resolved from the
 * desired state (rule resources record them) and from the calls themselves (an authorize answers
 * with the ids it created, a revoke with the rules it removed); a call that names a rule by an id
 * none of these resolve removes something unknown (`opaqueRemoval`).
 */
export function ruleCallChanges(
  events: readonly CloudTrailEvent[],
  desiredRuleIds: ReadonlyMap<string, string>,
): Map<string, CallChanges | null> {
  const keyOfId = new Map<string, string>();
  for (const [key, id] of desiredRuleIds) keyOfId.set(id, key);
  for (const e of events) {
    try {
      const res = rulesFromCloudTrailResponse(e.responseElements);
      for (const r of [...res.created, ...res.revoked])
        if (r.securityGroupRuleId) keyOfId.set(r.securityGroupRuleId, ruleDifferenceKey(r.rule));
    } catch {
      // a response we cannot read names no ids
    }
  }
  const out = new Map<string, CallChanges | null>();
  for (const e of events) out.set(e.eventId, changesOf(e, keyOfId));
  return out;
}

function changesOf(e: CloudTrailEvent, keyOfId: ReadonlyMap<string, string>): CallChanges | null {
  if (e.errorCode) return null;
  switch (e.eventName) {
    case 'DeleteSecurityGroup':
      return { added: [], removed: [], all: 'removed' };
    case 'CreateSecurityGroup':
      return { added: [], removed: [], all: 'added' };
    case 'ModifySecurityGroupRules':
      return modifyChanges(e, keyOfId);
    default:
      break;
  }
  let request;
  try {
    request = rulesFromCloudTrailRequest(e.eventName, e.requestParameters);
  } catch (err) {
    // A call we cannot read may have changed anything: it explains nothing, and its removals are opaque.
    return {
      added: [],
      removed: [],
      opaqueRemoval: `has request parameters driftwarden cannot read (${err instanceof Error ? err.message : String(err)})`,
    };
  }
  if (!request) return null;
  let response: ReturnType<typeof rulesFromCloudTrailResponse> = { created: [], revoked: [] };
  try {
    response = rulesFromCloudTrailResponse(e.responseElements);
  } catch {
    // the request alone says what was asked
  }
  const keys = request.rules.map(ruleDifferenceKey);
  if (request.action === 'authorize') {
    return { added: [...new Set([...keys, ...response.created.map((r) => ruleDifferenceKey(r.rule))])], removed: [] };
  }
  const removed = new Set([...keys, ...response.revoked.map((r) => ruleDifferenceKey(r.rule))]);
  const unresolved: string[] = [];
  for (const id of request.securityGroupRuleIds) {
    const key = keyOfId.get(id);
    if (key) removed.add(key);
    else if (!response.revoked.some((r) => r.securityGroupRuleId === id)) unresolved.push(id);
  }
  return {
    added: [],
    removed: [...removed],
    ...(unresolved.length ? { opaqueRemoval: `names rule(s) ${unresolved.join(', ')} by id only` } : {}),
  };
}

function modifyChanges(e: CloudTrailEvent, keyOfId: ReadonlyMap<string, string>): CallChanges {
  const parsed = modifyRequestSchema.safeParse(e.requestParameters ?? {});
  if (!parsed.success) return { added: [], removed: [], opaqueRemoval: 'has a ModifySecurityGroupRules request driftwarden cannot read' };
  const added = new Set<string>();
  const removed = new Set<string>();
  const unresolved: string[] = [];
  for (const m of parsed.data.ModifySecurityGroupRulesRequest.SecurityGroupRule) {
    const old = keyOfId.get(m.SecurityGroupRuleId);
    if (old) removed.add(old);
    else unresolved.push(m.SecurityGroupRuleId);
    // The request does not say ingress or egress: the old rule's key does; unknown, both are candidates.
    const direction = old ? RULE_KEY_DIRECTION(old) : null;
    for (const d of direction ? [direction] : (['ingress', 'egress'] as const)) {
      const rule = modifiedRules(m, d);
      if (rule) added.add(ruleDifferenceKey(rule));
    }
  }
  // Replacing a rule with itself (a description edit) adds and removes the same key: no net change.
  return {
    added: [...added],
    removed: [...removed],
    ...(unresolved.length ? { opaqueRemoval: `replaced rule(s) ${unresolved.join(', ')} named by id only` } : {}),
  };
}
