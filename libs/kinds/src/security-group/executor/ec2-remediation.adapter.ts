/**
 * RemediationPort over the EC2 API (DESIGN.md §5, CONTRACTS.md §A9): reverts a security group's
 * drift and verifies the result.
 *
 * 1. `DescribeSecurityGroups` (the group must exist: a deleted group is a permanent failure, it
 *    is never recreated) and `DescribeSecurityGroupRules` (filter `group-id`, paginated): the live
 *    rules with their `sgr-…` ids. Desired = live − `diff.extra` + `diff.missing`.
 * 2. Revoke each extra rule that is still live, by `SecurityGroupRuleIds`, one rule per call
 *    (Ingress or Egress by the rule's direction); an extra rule no longer live needs no call.
 * 3. Authorize each missing rule that is not live yet, by `IpPermissions`, one rule per call.
 * 4. Re-describe and compare with desired: `verified`, or `remaining {extra, missing}`.
 *
 * Every write is preceded, immediately, by its own `await fence()` (DESIGN §1 rule 4): one write
 * per call means a freeze recorded mid-revert stops the very next write. The fence's error
 * (FreezeRecordedError) propagates untouched. Revokes go first: a revert interrupted halfway has
 * closed doors, not opened them.
 *
 * A missing rule that refers to a security group that no longer exists cannot be authorized:
 * EC2 answers `InvalidGroup.NotFound` naming the referenced group, and the revert fails for good
 * with `ec2_referenced_group_not_found` (the target is alive; `ec2_group_not_found` is kept for
 * the target itself). Nothing is recreated.
 *
 * Idempotent, so the job's retry after a partial revert converges: rules already revoked or
 * authorized are skipped on the re-describe; `InvalidPermission.Duplicate` (authorize) and
 * `InvalidPermission.NotFound` / `InvalidSecurityGroupRuleId.NotFound` (revoke) count as done.
 * A revoke answered with `Return: false` or `UnknownIpPermissions` (the default-VPC quirk) revoked
 * nothing: it is recorded and verification decides.
 *
 * The adapter can only send the six commands below: it never creates, deletes or replaces a
 * security group, nor rewrites rules in place.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type EC2Client,
  type IpPermission,
  type RevokeSecurityGroupIngressCommandOutput,
} from '@aws-sdk/client-ec2';
import {
  PermanentError,
  TransientError,
  type ApiCallRecord,
  type DriftRecord,
  type DriftDifference,
  type JsonObject,
  type JsonValue,
} from '@driftwarden/domain';
import { RemediationPort, type Fence, type RevertResult } from '@driftwarden/pipeline';
import { type Ec2ClientProvider } from '@driftwarden/ec2';
import { ApiCallLog, ec2CallErrors } from '../../api-call-log';
import { applyRuleDiff, diffRules } from '../diff/diff-rules';
import { canonicalRuleKey, sortRules, uniqueRules, type IdentifiedRule } from '../model/rule';
import { rulesFromSecurityGroupRules, toIpPermissions } from '../normalize/ec2';
import { mapSecurityGroupEc2Error } from './ec2-remediation.errors';
import { ruleDiffOf } from '../rule-differences';
import type { PermissionRule, RuleDirection } from '../model/permission-rule';
import { securityGroupDiff, type SecurityGroupAfterState } from '../model/permission-rule';

/** Everything the adapter may call; there is no create, delete or modify. */
export const EC2_REMEDIATION_OPERATIONS = [
  'DescribeSecurityGroups',
  'DescribeSecurityGroupRules',
  'AuthorizeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress',
  'RevokeSecurityGroupIngress',
  'RevokeSecurityGroupEgress',
] as const;
export type Ec2RemediationOperation = (typeof EC2_REMEDIATION_OPERATIONS)[number];
export const EC2_WRITE_OPERATIONS: ReadonlySet<Ec2RemediationOperation> = new Set([
  'AuthorizeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress',
  'RevokeSecurityGroupIngress',
  'RevokeSecurityGroupEgress',
]);

export const SECURITY_GROUP_TYPE = 'AWS::EC2::SecurityGroup';
export const AFTER_STATE_SOURCE = 'ec2:DescribeSecurityGroupRules';

export interface Ec2RemediationOptions {
  clock?: () => Date;
  /** DescribeSecurityGroupRules `MaxResults` (5-1000). Default 1000. */
  pageSize?: number;
  /** Safety bound on DescribeSecurityGroupRules pages per read. Default 100. */
  maxPages?: number;
}

/** What a call's outcome was, when EC2's answer means "already done". */
const ALREADY_PRESENT = { 'InvalidPermission.Duplicate': 'already_present' };
const ALREADY_ABSENT = { 'InvalidPermission.NotFound': 'already_absent', 'InvalidSecurityGroupRuleId.NotFound': 'already_absent' };

export class Ec2Remediation extends RemediationPort {
  private readonly clock: () => Date;
  private readonly pageSize: number;
  private readonly maxPages: number;

  constructor(
    private readonly clients: Ec2ClientProvider,
    options: Ec2RemediationOptions = {},
  ) {
    super();
    this.clock = options.clock ?? (() => new Date());
    this.pageSize = options.pageSize ?? 1000;
    this.maxPages = options.maxPages ?? 100;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 5 || this.pageSize > 1000) {
      throw new RangeError(`pageSize must be an integer between 5 and 1000 (EC2 MaxResults), got ${this.pageSize}`);
    }
  }

  async revert(
    drift: DriftRecord,
    fence: Fence,
    differences?: readonly DriftDifference[],
  ): Promise<RevertResult & { afterState: SecurityGroupAfterState }> {
    // Exactly the differences decided `revert` (a record without differences: its whole diff).
    const diff = differences ? ruleDiffOf(differences) : securityGroupDiff(drift.diff);
    const target = targetOf(drift);
    const session = new Ec2Session(
      this.clients({ account: target.account, region: target.region }),
      target.groupId,
      this.clock,
      this.pageSize,
      this.maxPages,
    );

    await session.describeGroup();
    const before = await session.describeRules();
    const desired = applyRuleDiff(
      before.map((r) => r.rule),
      diff,
    );

    // Revoke first: an interrupted revert has closed doors, not opened them.
    for (const extra of uniqueRules(diff.extra)) {
      const key = canonicalRuleKey(extra);
      for (const live of before) {
        if (canonicalRuleKey(live.rule) === key) await session.revoke(fence, live);
      }
    }
    const liveKeys = new Set(before.map((r) => canonicalRuleKey(r.rule)));
    for (const missing of uniqueRules(diff.missing)) {
      if (!liveKeys.has(canonicalRuleKey(missing))) await session.authorize(fence, missing);
    }

    const after = (await session.describeRules()).map((r) => r.rule);
    const remaining = diffRules(after, desired);
    const afterState: SecurityGroupAfterState = {
      at: this.clock().toISOString(),
      source: AFTER_STATE_SOURCE,
      verified: remaining.equal,
      rules: sortRules(after),
    };
    if (!remaining.equal) afterState.remaining = { extra: remaining.extra, missing: remaining.missing };
    return { verified: remaining.equal, apiCalls: session.apiCalls, afterState };
  }
}

interface Target {
  account: string;
  region: string;
  groupId: string;
}

function targetOf(drift: DriftRecord): Target {
  const { type, id, account, region } = drift.resource;
  if (type !== SECURITY_GROUP_TYPE) {
    throw new PermanentError(
      `cannot revert ${drift.id}: the EC2 remediation handles ${SECURITY_GROUP_TYPE}, not ${type}`,
      'ec2_unsupported_resource',
    );
  }
  if (!/^sg-[0-9a-f]+$/.test(id))
    throw new PermanentError(`cannot revert ${drift.id}: ${JSON.stringify(id)} is not a security group id`, 'ec2_invalid_group_id');
  if (!region) throw new PermanentError(`cannot revert ${drift.id}: the drift names no region`, 'ec2_region_missing');
  return { account, region, groupId: id };
}

/** One revert's calls against one group: sends, records every call, maps failures. */
class Ec2Session {
  /** Requests hold ids, CIDRs and ports only: nothing secret to redact. A failed write names the rule it was for. */
  private readonly log: ApiCallLog<Ec2RemediationOperation, PermissionRule>;

  constructor(
    private readonly client: EC2Client,
    private readonly groupId: string,
    clock: () => Date,
    private readonly pageSize: number,
    private readonly maxPages: number,
  ) {
    this.log = new ApiCallLog(
      'ec2',
      clock,
      ec2CallErrors<PermissionRule>((err, operation, apiCalls, rule) =>
        mapSecurityGroupEc2Error(err, { operation, groupId, apiCalls, ...(rule ? { rule } : {}) }),
      ),
    );
  }

  get apiCalls(): ApiCallRecord[] {
    return this.log.apiCalls;
  }

  async describeGroup(): Promise<void> {
    const input = { GroupIds: [this.groupId] };
    const result = await this.log.call(
      'DescribeSecurityGroups',
      input,
      () => this.client.send(new DescribeSecurityGroupsCommand(input)),
      (o) => ({ groups: o.SecurityGroups?.length ?? 0, vpcId: o.SecurityGroups?.[0]?.VpcId ?? null }),
    );
    if (result.ok && !result.output.SecurityGroups?.some((g) => g.GroupId === this.groupId)) {
      throw new PermanentError(
        `security group ${this.groupId} was not returned by DescribeSecurityGroups (deleted?); driftwarden never recreates a security group`,
        'ec2_group_not_found',
      );
    }
  }

  /** The group's live rules with their ids, every page. */
  async describeRules(): Promise<IdentifiedRule[]> {
    const rules: IdentifiedRule[] = [];
    const seenTokens = new Set<string>();
    let nextToken: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= this.maxPages) {
        throw new TransientError(
          `DescribeSecurityGroupRules for ${this.groupId} did not finish within ${this.maxPages} pages`,
          'ec2_pagination_exceeded',
        );
      }
      const input = {
        Filters: [{ Name: 'group-id', Values: [this.groupId] }],
        MaxResults: this.pageSize,
        ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
      };
      const result = await this.log.call(
        'DescribeSecurityGroupRules',
        input,
        () => this.client.send(new DescribeSecurityGroupRulesCommand(input)),
        (o) => ({ rules: o.SecurityGroupRules?.length ?? 0, more: o.NextToken !== undefined && o.NextToken !== '' }),
      );
      if (!result.ok) return rules;
      // The filter should only return this group's rules; keep it that way whatever the server does.
      rules.push(
        ...rulesFromSecurityGroupRules(result.output.SecurityGroupRules).filter(
          (r) => r.groupId === undefined || r.groupId === this.groupId,
        ),
      );
      nextToken = result.output.NextToken || undefined;
      if (nextToken === undefined) return rules;
      if (seenTokens.has(nextToken))
        throw new TransientError(`DescribeSecurityGroupRules for ${this.groupId} repeated a NextToken`, 'ec2_pagination_loop');
      seenTokens.add(nextToken);
    }
  }

  /** Revokes one live rule: by its `sgr-…` id, or by its properties if EC2 gave none. */
  async revoke(fence: Fence, live: IdentifiedRule): Promise<void> {
    const direction = live.rule.direction;
    const input = live.securityGroupRuleId
      ? { GroupId: this.groupId, SecurityGroupRuleIds: [live.securityGroupRuleId] }
      : { GroupId: this.groupId, IpPermissions: permissionsOf(live.rule) };
    const summarize = (o: RevokeSecurityGroupIngressCommandOutput): JsonObject => {
      const unknown = o.UnknownIpPermissions ?? [];
      const nothing = o.Return === false || unknown.length > 0;
      return {
        Return: o.Return ?? null,
        RevokedSecurityGroupRuleIds: (o.RevokedSecurityGroupRules ?? []).map((r) => r.SecurityGroupRuleId ?? ''),
        ...(unknown.length > 0 ? { UnknownIpPermissions: json(unknown) } : {}),
        outcome: nothing ? 'nothing_revoked' : 'revoked',
        ...(nothing
          ? { note: 'EC2 answered Return=false / UnknownIpPermissions (default-VPC behaviour): nothing was revoked; verification decides' }
          : {}),
      };
    };
    await fence();
    if (direction === 'ingress') {
      await this.log.call(
        'RevokeSecurityGroupIngress',
        input,
        () => this.client.send(new RevokeSecurityGroupIngressCommand(input)),
        summarize,
        ALREADY_ABSENT,
        live.rule,
      );
    } else {
      await this.log.call(
        'RevokeSecurityGroupEgress',
        input,
        () => this.client.send(new RevokeSecurityGroupEgressCommand(input)),
        summarize,
        ALREADY_ABSENT,
        live.rule,
      );
    }
  }

  /** Authorizes one missing rule by `IpPermissions` (from the canonical rule model). */
  async authorize(fence: Fence, rule: PermissionRule): Promise<void> {
    const input = { GroupId: this.groupId, IpPermissions: permissionsOf(rule) };
    const summarize = (o: { Return?: boolean; SecurityGroupRules?: Array<{ SecurityGroupRuleId?: string }> }): JsonObject => ({
      Return: o.Return ?? null,
      SecurityGroupRuleIds: (o.SecurityGroupRules ?? []).map((r) => r.SecurityGroupRuleId ?? ''),
      outcome: 'authorized',
    });
    await fence();
    if (rule.direction === 'ingress') {
      await this.log.call(
        'AuthorizeSecurityGroupIngress',
        input,
        () => this.client.send(new AuthorizeSecurityGroupIngressCommand(input)),
        summarize,
        ALREADY_PRESENT,
        rule,
      );
    } else {
      await this.log.call(
        'AuthorizeSecurityGroupEgress',
        input,
        () => this.client.send(new AuthorizeSecurityGroupEgressCommand(input)),
        summarize,
        ALREADY_PRESENT,
        rule,
      );
    }
  }
}

function permissionsOf(rule: PermissionRule): IpPermission[] {
  const direction: RuleDirection = rule.direction;
  return toIpPermissions([rule])[direction];
}

/** Plain JSON of an SDK input/output fragment (undefined members dropped). */
function json(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(json);
  if (typeof value === 'object') return jsonObject(value);
  return null;
}

function jsonObject(value: object): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = json(v);
  return out;
}
