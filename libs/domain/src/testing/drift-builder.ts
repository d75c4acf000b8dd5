/**
 * One builder for drift records and their differences in unit specs: a valid record of a
 * kind-neutral resource with everything a use case reads, changed by what the spec names.
 */
import type { DriftDifference } from '../drift/differences';
import type { DriftRecord } from '../drift/drift-record';

const AT = '2026-03-06T16:00:00.000Z';

export function aDifference(overrides: Partial<DriftDifference> & Pick<DriftDifference, 'id'>): DriftDifference {
  const [key = overrides.id, side] = overrides.id.split('|');
  return {
    key,
    side: side === 'removed' ? 'removed' : 'added',
    sentence: `opened ${key}`,
    direction: { axis: 'exposure', change: 'widens', revert: 'narrows' },
    detail: {},
    madeBy: {
      source: 'cloudtrail-event',
      principal: { arn: 'arn:aws:iam::111122223333:user/alice', class: 'other' },
      at: AT,
      configEventId: 'ev-1',
    },
    decision: { action: 'revert', rule: 6, reason: 'outside a freeze, not the IaC pipeline: revert', at: AT },
    firstSeen: { at: AT, eventId: 'ev-1' },
    ...overrides,
  };
}

export function aDrift(overrides: Partial<DriftRecord> = {}): DriftRecord {
  return {
    id: 'drf_test0001',
    status: 'detected',
    dryRun: false,
    resource: { type: 'AWS::Test::Widget', kind: 'widget', id: 'widget-1', account: '111122223333', region: 'eu-west-1' },
    decision: { action: 'revert', rule: 6, reason: 'outside a freeze, not the IaC pipeline: revert' },
    principal: { arn: 'arn:aws:iam::111122223333:user/alice', class: 'other' },
    changedAt: AT,
    detectedAt: AT,
    updatedAt: AT,
    diff: { equal: false },
    evidence: { eventIds: ['ev-1'], configurationStateId: 1, captureTime: AT, rule: 6, apiCalls: [] },
    links: {},
    ...overrides,
  };
}
