import { DriftRecord } from './drift-record';

function sampleRecord(): DriftRecord {
  return {
    id: 'drift-111122223333-eu-west-1-sg-0abc',
    status: 'backport_open',
    dryRun: false,
    resource: {
      type: 'AWS::EC2::SecurityGroup',
      id: 'sg-0abc1234def567890',
      account: '111122223333',
      region: 'eu-west-1',
      address: 'module.net.aws_security_group.workers',
      stack: 'network',
    },
    decision: { action: 'backport', rule: 3, reason: 'emergency patch (change made by a break-glass principal)' },
    principal: {
      arn: 'arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/alice',
      class: 'breakGlass',
      session: 'alice',
    },
    changedAt: '2026-11-13T16:02:11.000Z',
    detectedAt: '2026-11-13T16:02:40.000Z',
    updatedAt: '2026-11-13T16:03:05.000Z',
    flags: [],
    diff: {
      equal: false,
      attributes: [{ path: 'tags.Owner', live: 'alice', desired: null }],
    },
    evidence: {
      eventIds: ['cfg-sg-0abc-42', '6a0b5c1e-cloudtrail'],
      configurationStateId: 42,
      captureTime: '2026-11-13T16:02:30.000Z',
      cloudTrailEventId: '6a0b5c1e-cloudtrail',
      incidentSnapshot: {
        takenAt: '2026-11-13T16:02:35.000Z',
        providers: { pagerduty: { ok: true, fetchedAt: '2026-11-13T16:02:35.000Z' } },
        incidents: [
          {
            provider: 'pagerduty',
            id: 'Q1ABC2',
            number: 1234,
            title: 'Payment API under attack',
            url: 'https://acme.pagerduty.com/incidents/Q1ABC2',
            status: 'triggered',
            priority: 'P1',
            urgency: 'high',
            createdAt: '2026-11-13T15:58:00.000Z',
          },
        ],
      },
      freeze: {
        now: {
          frozen: true,
          sources: [
            {
              id: 'incident-pagerduty-Q1ABC2',
              type: 'incident',
              reason: 'P1 Payment API under attack',
              scope: { accounts: ['111122223333'] },
              since: '2026-11-13T15:58:00.000Z',
              until: null,
              incident: { provider: 'pagerduty', id: 'Q1ABC2', number: 1234, title: 'Payment API under attack' },
            },
          ],
        },
        atChange: { declared: true, unknown: false, withinLookback: false, sources: [] },
      },
      rule: 3,
      apiCalls: [
        {
          service: 'github',
          operation: 'pulls.create',
          request: { owner: 'acme', repo: 'infra', head: 'driftwarden/backport/sg-0abc1234def567890' },
          response: { number: 77 },
          at: '2026-11-13T16:03:04.000Z',
        },
        {
          service: 'ec2',
          operation: 'DescribeSecurityGroupRules',
          request: { Filters: [{ Name: 'group-id', Values: ['sg-0abc1234def567890'] }] },
          error: { code: 'RequestLimitExceeded', message: 'Request limit exceeded.' },
          at: '2026-11-13T16:03:01.000Z',
        },
      ],
      afterState: {
        at: '2026-11-13T16:03:02.000Z',
        source: 'ec2:DescribeSecurityGroupRules',
        verified: true,
      },
    },
    links: {
      pullRequest: { url: 'https://github.com/acme/infra/pull/77', number: 77, repo: 'acme/infra' },
      incident: { provider: 'pagerduty', id: 'Q1ABC2', title: 'Payment API under attack' },
    },
  };
}

describe('DriftRecord', () => {
  it('survives a JSON round trip unchanged', () => {
    const record = sampleRecord();
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });

  it('allows a pre-check ignore (rule null) and an unknown principal', () => {
    const record: DriftRecord = {
      ...sampleRecord(),
      status: 'ignored',
      decision: { action: 'ignore', rule: null, reason: 'unmanaged resource' },
      principal: { arn: null, class: 'unknown' },
    };
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });
});
