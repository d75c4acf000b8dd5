import type { DriftRecord } from '@driftwarden/domain';
import { driftPredicate } from './drift-query';

const record = (over: Partial<DriftRecord> = {}): DriftRecord =>
  ({
    id: 'drf_1',
    status: 'held',
    dryRun: false,
    resource: {
      type: 'AWS::EC2::SecurityGroup',
      id: 'sg-0abc',
      account: '111122223333',
      region: 'eu-west-1',
      address: 'module.net.aws_security_group.workers',
    },
    decision: { action: 'hold', rule: 4, reason: 'frozen now' },
    principal: { arn: 'arn:aws:sts::111122223333:assumed-role/dev/mallory', class: 'other', session: 'mallory' },
    changedAt: '2026-01-01T00:00:00Z',
    detectedAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    diff: { equal: false, extra: [], missing: [], attributes: [] },
    evidence: { eventIds: [], configurationStateId: null, captureTime: '', rule: 4, apiCalls: [] },
    links: {},
    ...over,
  }) as DriftRecord;

describe('driftPredicate', () => {
  it('filters nothing without a condition', () => {
    expect(driftPredicate({})).toBeUndefined();
    expect(driftPredicate({ text: '   ', flags: { suspicious: undefined } })).toBeUndefined();
  });

  it('kind and region must match exactly', () => {
    expect(driftPredicate({ kind: 'AWS::EC2::SecurityGroup', region: 'eu-west-1' })!(record())).toBe(true);
    expect(driftPredicate({ kind: 'AWS::EC2::NetworkAcl' })!(record())).toBe(false);
    expect(driftPredicate({ region: 'eu-west-2' })!(record())).toBe(false);
  });

  it('a flag: true keeps records with it, false those without', () => {
    const flagged = record({ flags: ['suspicious'] });
    expect(driftPredicate({ flags: { suspicious: true } })!(flagged)).toBe(true);
    expect(driftPredicate({ flags: { suspicious: true } })!(record())).toBe(false);
    expect(driftPredicate({ flags: { suspicious: false } })!(flagged)).toBe(false);
    expect(driftPredicate({ flags: { suspicious: false } })!(record())).toBe(true);
  });

  it("text: every word, case-insensitive, in the record's words (address, principal, a difference)", () => {
    const r = record({
      differences: [
        {
          sentence: 'opened ingress tcp/22 from 0.0.0.0/0 (the internet)',
          madeBy: { principal: { arn: null, class: 'unknown' } },
        } as never,
      ],
    });
    expect(driftPredicate({ text: 'TCP/22 workers' })!(r)).toBe(true);
    expect(driftPredicate({ text: 'mallory' })!(r)).toBe(true);
    expect(driftPredicate({ text: 'tcp/22 bastion' })!(r)).toBe(false);
  });
});
