import { aDifference } from '../testing/drift-builder';
import type { DriftDifference } from './differences';
import { canTransition } from './drift-status';
import { afterTrackingIssueClosed, trackingIssueOutcome } from './tracking-issue';

const AT = '2026-12-06T10:00:00.000Z';
const codified = (id: string): DriftDifference =>
  aDifference({ id, decision: { action: 'backport', rule: 3, reason: 'emergency patch', at: AT } });
const held = (id: string): DriftDifference => aDifference({ id, decision: { action: 'hold', rule: 4, reason: 'suspicious', at: AT } });

describe('tracking issue closed by a human', () => {
  it("reads GitHub's state_reason: completed (or null, older closes), not_planned; duplicate and unknown reasons change nothing", () => {
    expect(trackingIssueOutcome('completed')).toBe('completed');
    expect(trackingIssueOutcome(null)).toBe('completed');
    expect(trackingIssueOutcome('not_planned')).toBe('not_planned');
    expect(trackingIssueOutcome('duplicate')).toBeNull();
    expect(trackingIssueOutcome('reopened')).toBeNull();
    expect(trackingIssueOutcome('something_new')).toBeNull();
  });

  it('completed: codified by hand, as a merged pull request (the record ends once nothing else is pending)', () => {
    const done = afterTrackingIssueClosed(
      { status: 'backport_open', differences: [codified('a')] },
      { number: 7, outcome: 'completed' },
      AT,
    );
    expect(done?.status).toBe('backport_merged');
    const pending = afterTrackingIssueClosed(
      { status: 'held', differences: [codified('a'), held('b')] },
      { number: 7, outcome: 'completed' },
      AT,
    );
    expect(pending?.status).toBe('held');
  });

  it('not planned on a kind that can revert: reverting what it tracked needs approval (never an unattended revert)', () => {
    const after = afterTrackingIssueClosed(
      { status: 'backport_open', differences: [codified('a'), held('b')] },
      { number: 9, outcome: 'not_planned', by: 'octocat' },
      AT,
    )!;
    expect(after.status).toBe('awaiting_approval');
    expect(after.differences?.map((d) => d.decision.action)).toEqual(['await_approval', 'hold']);
    expect(after.differences?.[0].decision.reason).toBe(
      'tracking issue #9 was closed as not planned by octocat: a human decided the change should not be codified; reverting it needs approval',
    );
    expect(after.differences?.some((d) => d.decision.action === 'revert')).toBe(false);
  });

  it('not planned on a kind never reverted: left to the human (rejected), with why', () => {
    const after = afterTrackingIssueClosed(
      { status: 'backport_open', differences: [codified('a')] },
      { number: 9, outcome: 'not_planned', neverReverted: 'no resource kind models AWS::EC2::Volume' },
      AT,
    )!;
    expect(after.status).toBe('rejected');
    expect(canTransition('backport_open', after.status)).toBe(true);
    expect(after.differences?.[0].decision).toMatchObject({ action: 'leave', rule: null });
    expect(after.differences?.[0].decision.reason).toContain('no resource kind models AWS::EC2::Volume');
  });

  it('nothing tracked (no codified difference): no change', () => {
    expect(afterTrackingIssueClosed({ status: 'held', differences: [held('b')] }, { number: 1, outcome: 'not_planned' }, AT)).toBeNull();
    expect(afterTrackingIssueClosed({ status: 'held', differences: [held('b')] }, { number: 1, outcome: 'completed' }, AT)).toBeNull();
  });

  it('an older record without differences: by its status only', () => {
    expect(afterTrackingIssueClosed({ status: 'backport_open' }, { number: 1, outcome: 'not_planned' }, AT)?.status).toBe(
      'awaiting_approval',
    );
    expect(
      afterTrackingIssueClosed({ status: 'backport_open' }, { number: 1, outcome: 'not_planned', neverReverted: 'x' }, AT)?.status,
    ).toBe('rejected');
    expect(afterTrackingIssueClosed({ status: 'backport_open' }, { number: 1, outcome: 'completed' }, AT)?.status).toBe('backport_merged');
    expect(afterTrackingIssueClosed({ status: 'held' }, { number: 1, outcome: 'not_planned' }, AT)).toBeNull();
  });
});
