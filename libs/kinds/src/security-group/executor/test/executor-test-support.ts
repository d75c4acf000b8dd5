/**
 * Test helpers for the security-group executor's specs: a drift record for the sandbox's group.
 * The EC2 client, identities and rule builders are @driftwarden/ec2's (its test support), shared
 * with the EC2 sandbox's specs.
 */
import type { DriftRecord } from '@driftwarden/domain';
import { ACCOUNT, REGION, SG } from '../../../../../ec2/test/ec2-test-support';
import type { PermissionRule, SecurityGroupDiff } from '../../model/permission-rule';

export function driftFor(
  diff: { extra?: PermissionRule[]; missing?: PermissionRule[] },
  resource: Partial<DriftRecord['resource']> = {},
): DriftRecord {
  const at = '2026-11-13T16:00:00.000Z';
  const extra = diff.extra ?? [];
  const missing = diff.missing ?? [];
  return {
    id: `drift-${resource.id ?? SG}`,
    status: 'reverting',
    dryRun: false,
    resource: { type: 'AWS::EC2::SecurityGroup', id: SG, account: ACCOUNT, region: REGION, ...resource },
    decision: { action: 'revert', rule: 6, reason: 'unauthorized drift' },
    principal: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/dev/mallory`, class: 'other' },
    changedAt: at,
    detectedAt: at,
    updatedAt: at,
    diff: {
      equal: extra.length === 0 && missing.length === 0,
      extra,
      missing,
      attributes: [],
    } satisfies SecurityGroupDiff as SecurityGroupDiff,
    evidence: { eventIds: ['ci_1'], configurationStateId: 1, captureTime: at, rule: 6, apiCalls: [] },
    links: {},
  };
}
