import {
  DriftDiff,
  DriftRecord,
  PermissionRule,
  describePermissionRule,
  describePorts,
  summarizeDiff,
} from './drift-record';

const open8080: PermissionRule = {
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: 8080,
  toPort: 8080,
  peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
};

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
      extra: [],
      missing: [open8080],
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
        rules: [],
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

describe('plain-English descriptions', () => {
  it.each([
    [{ protocol: 'tcp', fromPort: 8080, toPort: 8080 }, 'tcp/8080'],
    [{ protocol: 'tcp', fromPort: 8000, toPort: 8100 }, 'tcp/8000-8100'],
    [{ protocol: 'udp', fromPort: 0, toPort: 65535 }, 'udp/all ports'],
    [{ protocol: '-1', fromPort: null, toPort: null }, 'all traffic'],
    [{ protocol: 'icmp', fromPort: 8, toPort: 0 }, 'icmp type 8 code 0'],
    [{ protocol: 'icmp', fromPort: -1, toPort: -1 }, 'icmp'],
    [{ protocol: '58', fromPort: 128, toPort: -1 }, 'icmpv6 type 128'],
  ])('%j -> %s', (rule, text) => {
    expect(describePorts(rule)).toBe(text);
  });

  it('describes rules with their direction and peer', () => {
    expect(describePermissionRule(open8080)).toBe('tcp/8080 from 0.0.0.0/0');
    expect(
      describePermissionRule({
        direction: 'egress',
        protocol: '-1',
        fromPort: null,
        toPort: null,
        peer: { kind: 'securityGroup', groupId: 'sg-0def', userId: '444455556666' },
      }),
    ).toBe('all traffic to security group 444455556666/sg-0def');
    expect(
      describePermissionRule({ ...open8080, peer: { kind: 'prefixList', prefixListId: 'pl-0123' } }),
    ).toBe('tcp/8080 from prefix list pl-0123');
  });

  it('summarises what the live change did', () => {
    const diff: DriftDiff = {
      equal: false,
      extra: [{ ...open8080, protocol: 'tcp', fromPort: 22, toPort: 22, peer: { kind: 'ipv6', cidr: '::/0' } }],
      missing: [open8080],
      attributes: [{ path: 'description', live: 'x', desired: 'y' }],
    };
    expect(summarizeDiff(diff)).toBe(
      'opens ingress tcp/22 from ::/0; closes ingress tcp/8080 from 0.0.0.0/0; changes description',
    );
    expect(summarizeDiff({ equal: true, extra: [], missing: [], attributes: [] })).toBe('no difference');
  });
});
