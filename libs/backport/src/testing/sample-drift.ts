/**
 * A backport drift as the pipeline records it for the demo stack (examples/demo/infra): during
 * PagerDuty incident 4242 a break-glass engineer closed tcp/8080 from 0.0.0.0/0 on the workers
 * group (aws_security_group.workers, stack `network`); `extra` rules were opened too. For the
 * benchmark and the specs that drive `GitHubBackport` against the GitHub sandbox.
 */
import { randomBytes } from 'node:crypto';
import type { DriftRecord } from '@driftwarden/domain';
import type { PermissionRule, SecurityGroupDiff } from '@driftwarden/kinds/security-group';

export const WORKERS_CLOSED_8080: PermissionRule = {
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: 8080,
  toPort: 8080,
  peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
};
export const WORKERS_PARTNER_8080: PermissionRule = {
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: 8080,
  toPort: 8080,
  peer: { kind: 'ipv4', cidr: '203.0.113.0/24' },
};

export function sampleWorkersBackportDrift(now: Date, extra: PermissionRule[] = []): DriftRecord {
  const at = now.toISOString();
  const changedAt = new Date(now.getTime() - 10 * 60_000).toISOString();
  const incident = {
    provider: 'pagerduty' as const,
    id: 'QSAMPLE001',
    number: 4242,
    title: 'checkout returns 5xx',
    url: 'https://acme.pagerduty.com/incidents/QSAMPLE001',
  };
  const incidentSource = {
    id: 'inc_pagerduty_QSAMPLE001',
    type: 'incident' as const,
    reason: 'pagerduty incident 4242 is open: checkout returns 5xx',
    since: changedAt,
    until: null,
    actor: 'incident:pagerduty',
    incident,
  };
  return {
    id: `drf_sample${randomBytes(4).toString('hex')}`,
    status: 'detected',
    dryRun: false,
    resource: {
      type: 'AWS::EC2::SecurityGroup',
      id: 'sg-0b22c0ffee0000002',
      account: '111122223333',
      region: 'eu-west-1',
      address: 'aws_security_group.workers',
      stack: 'network',
    },
    decision: {
      action: 'backport',
      rule: 3,
      reason: 'emergency patch (break-glass principal during an incident): backport it to Terraform, never revert',
    },
    principal: {
      arn: 'arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/alice@example.com',
      class: 'breakGlass',
      session: 'alice@example.com',
    },
    changedAt,
    detectedAt: at,
    updatedAt: at,
    diff: { equal: false, extra, missing: [WORKERS_CLOSED_8080], attributes: [] } satisfies SecurityGroupDiff as SecurityGroupDiff,
    evidence: {
      eventIds: ['cfg-sample-1', 'ct-sample-1'],
      configurationStateId: 1_750_000_000_001,
      captureTime: changedAt,
      cloudTrailEventId: 'ct-sample-1',
      freeze: {
        now: { frozen: true, sources: [incidentSource] },
        atChange: { declared: true, unknown: false, withinLookback: false, sources: [incidentSource] },
      },
      rule: 3,
      apiCalls: [],
      explanations: ['closed tcp/8080 to 0.0.0.0/0 on sg-0b22c0ffee0000002 (aws_security_group.workers)'],
    },
    links: { incident },
  };
}
