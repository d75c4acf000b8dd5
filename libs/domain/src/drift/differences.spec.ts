import type { DecisionInput } from '../decision/decide';
import {
  afterBackportClosed,
  applyHumanDecision,
  decideDifference,
  mergeDifferences,
  statusOfDifferences,
  summarizeDifferences,
  type CandidateDifference,
  type DifferenceAttribution,
  type DifferenceDirection,
  type DriftDifference,
} from './differences';

const AT = '2026-12-06T10:05:00.000Z';
const resource: DecisionInput['resource'] = {
  supported: true,
  managed: true,
  deleted: false,
  critical: false,
  exception: null,
  ignoreTag: false,
};
const notFrozen = { frozen: false, sources: [] };
const frozen = { frozen: true, sources: ['incident' as const] };
const during = { declared: true, unknown: false, withinLookback: false };
const outside = { declared: false, unknown: false, withinLookback: false };

const by = (
  arn: string | null,
  cls: DifferenceAttribution['principal']['class'],
  extra: Partial<DifferenceAttribution> = {},
): DifferenceAttribution => ({
  source: arn ? 'cloudtrail-event' : 'config-item',
  principal: { arn, class: cls },
  at: '2026-12-06T10:00:00.000Z',
  configEventId: 'cfg-1',
  ...extra,
});
const OPENS: DifferenceDirection = { axis: 'exposure', change: 'widens', revert: 'narrows' };

function difference(id: string, action: DriftDifference['decision']['action'], extra: Partial<DriftDifference> = {}): DriftDifference {
  return {
    id,
    key: id,
    side: 'added',
    sentence: `opened ${id}`,
    direction: OPENS,
    detail: {},
    madeBy: by('arn:x', 'other'),
    decision: {
      action,
      rule: action === 'backport' ? 3 : action === 'hold' ? 4 : action === 'await_approval' ? 5 : action === 'revert' ? 6 : null,
      reason: `${action} it`,
      at: AT,
    },
    firstSeen: { at: AT, eventId: 'cfg-1' },
    ...extra,
  };
}

describe('deciding one difference', () => {
  describe('a resource that is never reverted (the observed kind)', () => {
    const NEUTRAL = { changeRisky: false, revertRisky: false };
    const never = 'driftwarden has no model of AWS::EC2::Volume and never reverts it';

    it('outside any freeze: observed (status detected), never revert, and says why', () => {
      const d = decideDifference(
        { resource, madeBy: by('arn:dave', 'other'), ...NEUTRAL, neverReverted: never, freezeNow: notFrozen, freezeAtChange: outside },
        AT,
      );
      expect(d.decision).toMatchObject({ action: 'observe', rule: 6 });
      expect(d.decision.reason).toBe(`unauthorized change outside any freeze: observed, never reverted: ${never}`);
      expect(statusOfDifferences([difference('x', 'observe')], { dryRun: false })).toBe('detected');
    });

    it('what would wait for approval (a critical or deleted resource) is observed too, never an approval for a revert that cannot happen', () => {
      const d = decideDifference(
        {
          resource: { ...resource, critical: true },
          madeBy: by('arn:dave', 'other'),
          ...NEUTRAL,
          neverReverted: never,
          freezeNow: notFrozen,
          freezeAtChange: outside,
        },
        AT,
      );
      expect(d.decision).toMatchObject({ action: 'observe', rule: 5 });
      expect(d.decision.reason).toContain('critical resource');
    });

    it('during a declared freeze or by break-glass: backport (the tracking issue); frozen but unattributable: held as any kind', () => {
      const during3 = decideDifference(
        { resource, madeBy: by('arn:dave', 'other'), ...NEUTRAL, neverReverted: never, freezeNow: frozen, freezeAtChange: during },
        AT,
      );
      expect(during3.decision).toMatchObject({ action: 'backport', rule: 3 });
      const glass = decideDifference(
        {
          resource,
          madeBy: by('arn:alice', 'breakGlass'),
          ...NEUTRAL,
          neverReverted: never,
          freezeNow: notFrozen,
          freezeAtChange: outside,
        },
        AT,
      );
      expect(glass.decision).toMatchObject({ action: 'backport', rule: 3 });
      const unattributed = decideDifference(
        {
          resource,
          madeBy: by(null, 'unknown', { unattributable: 'CloudTrail has no call that names it' }),
          ...NEUTRAL,
          neverReverted: never,
          freezeNow: frozen,
          freezeAtChange: during,
        },
        AT,
      );
      expect(unattributed.decision).toMatchObject({ action: 'hold', rule: 4 });
    });

    it("observed differences sit after a backport and before a human's leave in the record view", () => {
      const summary = summarizeDifferences([difference('a', 'observe'), difference('b', 'backport')]);
      expect(summary.primary).toBe('backport');
      expect(summary.decision.reason).toContain('1 difference observed (never reverted)');
      expect(summarizeDifferences([difference('a', 'observe')]).decision.action).toBe('observe');
    });
  });

  it('a door opened during an incident by someone who is not break-glass: held and suspicious', () => {
    const d = decideDifference(
      { resource, madeBy: by('arn:mallory', 'other'), changeRisky: true, revertRisky: false, freezeNow: frozen, freezeAtChange: during },
      AT,
    );
    expect(d.decision).toMatchObject({ action: 'hold', rule: 4 });
    expect(d.flags).toEqual(['suspicious']);
  });

  it('a port closed by break-glass during the incident: backported', () => {
    const d = decideDifference(
      { resource, madeBy: by('arn:alice', 'breakGlass'), changeRisky: false, revertRisky: true, freezeNow: frozen, freezeAtChange: during },
      AT,
    );
    expect(d.decision).toMatchObject({ action: 'backport', rule: 3 });
  });

  it('a break-glass change that widens exposure is still backported (trusted), and says so', () => {
    const d = decideDifference(
      { resource, madeBy: by('arn:alice', 'breakGlass'), changeRisky: true, revertRisky: false, freezeNow: frozen, freezeAtChange: during },
      AT,
    );
    expect(d.decision.action).toBe('backport');
    expect(d.decision.reason).toMatch(/widens exposure/);
    expect(d.flags).toEqual([]);
  });

  it('a closure that cannot be attributed to one change is never an emergency patch, even during a declared freeze', () => {
    const madeBy = by('arn:alice', 'breakGlass', { unattributable: 'changed by several principals' });
    const d = decideDifference({ resource, madeBy, changeRisky: false, revertRisky: true, freezeNow: frozen, freezeAtChange: during }, AT);
    expect(d.decision).toMatchObject({ action: 'hold', rule: 4 });
    expect(d.decision.reason).toMatch(/not attributable to one change/);
    expect(d.decision.reason).toMatch(/several principals/);
    // after the freeze: re-opening the closed port widens exposure, so a human decides
    const after = decideDifference(
      { resource, madeBy, changeRisky: false, revertRisky: true, freezeNow: notFrozen, freezeAtChange: during },
      AT,
    );
    expect(after.decision).toMatchObject({ action: 'await_approval', rule: 5 });
  });

  it('after the freeze a held door is reverted (closing it narrows), and stays flagged', () => {
    const d = decideDifference(
      { resource, madeBy: by('arn:mallory', 'other'), changeRisky: true, revertRisky: false, freezeNow: notFrozen, freezeAtChange: during },
      AT,
    );
    expect(d.decision).toMatchObject({ action: 'revert', rule: 6 });
    expect(d.flags).toEqual(['suspicious']);
  });

  it('a revert the kind never makes unattended waits for a human and says why; other decisions are unchanged', () => {
    const needsStop = 'changing the instance type needs the instance stopped';
    const d = decideDifference(
      {
        resource,
        madeBy: by('arn:mallory', 'other'),
        changeRisky: true,
        revertRisky: false,
        revertNeedsHuman: needsStop,
        freezeNow: notFrozen,
        freezeAtChange: during,
      },
      AT,
    );
    expect(d.decision).toMatchObject({ action: 'await_approval', rule: 6 });
    expect(d.decision.reason).toContain(needsStop);
    expect(d.flags).toEqual(['suspicious']);
    // During the freeze it is held as before; a break-glass change is still backported.
    expect(
      decideDifference(
        {
          resource,
          madeBy: by('arn:mallory', 'other'),
          changeRisky: true,
          revertRisky: false,
          revertNeedsHuman: needsStop,
          freezeNow: frozen,
          freezeAtChange: during,
        },
        AT,
      ).decision.action,
    ).toBe('hold');
    expect(
      decideDifference(
        {
          resource,
          madeBy: by('arn:alice', 'breakGlass'),
          changeRisky: false,
          revertRisky: true,
          revertNeedsHuman: needsStop,
          freezeNow: frozen,
          freezeAtChange: during,
        },
        AT,
      ).decision.action,
    ).toBe('backport');
  });

  it("an IaC principal's difference is left alone (rule 1)", () => {
    const d = decideDifference(
      { resource, madeBy: by('arn:tf', 'iac'), changeRisky: true, revertRisky: false, freezeNow: notFrozen, freezeAtChange: outside },
      AT,
    );
    expect(d.decision).toMatchObject({ action: 'leave', rule: 1 });
  });
});

describe('merging the differences of a new decision', () => {
  const decideAll =
    (action: DriftDifference['decision']['action'], flags: 'suspicious'[] = []) =>
    () => ({ decision: { action, rule: 4 as const, reason: 'decided again', at: AT }, flags });
  const candidate = (
    id: string,
    madeBy: DifferenceAttribution | null = null,
    direction = OPENS,
  ): CandidateDifference & { madeBy: DifferenceAttribution | null; direction: DifferenceDirection } => ({
    id,
    key: id,
    side: 'added',
    sentence: `opened ${id}`,
    detail: { id },
    madeBy,
    direction,
  });

  it('keeps who made a known difference, its first sighting and its flag; a codified one is never decided again', () => {
    const previous = [
      difference('ssh', 'hold', { flags: ['suspicious'], madeBy: by('arn:mallory', 'other'), firstSeen: { at: 'then', eventId: 'cfg-1' } }),
      difference('http', 'backport', { madeBy: by('arn:alice', 'breakGlass') }),
    ];
    const merged = mergeDifferences(
      previous,
      [candidate('ssh', by('arn:someone-else', 'breakGlass')), candidate('http')],
      decideAll('revert'),
      { at: AT, eventId: 'cfg-2' },
    );
    const ssh = merged.find((d) => d.id === 'ssh')!;
    expect(ssh.madeBy.principal.arn).toBe('arn:mallory');
    expect(ssh.firstSeen).toEqual({ at: 'then', eventId: 'cfg-1' });
    expect(ssh.decision.action).toBe('revert');
    expect(ssh.flags).toEqual(['suspicious']); // a later decision without the flag does not drop it
    const http = merged.find((d) => d.id === 'http')!;
    expect(http.decision.action).toBe('backport');
  });

  it('drops differences that are gone, and decides new ones', () => {
    const merged = mergeDifferences(
      [difference('old', 'hold')],
      [candidate('new', by('arn:b', 'other'))],
      decideAll('hold', ['suspicious']),
      { at: AT, eventId: 'cfg-2' },
    );
    expect(merged.map((d) => d.id)).toEqual(['new']);
    expect(merged[0]).toMatchObject({ madeBy: { principal: { arn: 'arn:b' } }, flags: ['suspicious'], firstSeen: { eventId: 'cfg-2' } });
  });

  it('refuses a new difference without attribution', () => {
    expect(() => mergeDifferences([], [candidate('x')], decideAll('hold'), { at: AT, eventId: 'e' })).toThrow(/no attribution/);
  });
});

describe('the record view of its differences', () => {
  it('the status is the group handled next: revert, then approval, then hold, then the backport', () => {
    const opts = { dryRun: false };
    expect(statusOfDifferences([difference('a', 'backport'), difference('b', 'hold')], opts)).toBe('held');
    expect(statusOfDifferences([difference('a', 'backport'), difference('b', 'revert')], opts)).toBe('detected');
    expect(statusOfDifferences([difference('a', 'await_approval'), difference('b', 'revert')], opts)).toBe('detected');
    expect(statusOfDifferences([difference('a', 'backport')], opts)).toBe('backport_open');
    expect(statusOfDifferences([difference('a', 'backport')], { dryRun: false, backportMerged: true })).toBe('backport_merged');
    expect(statusOfDifferences([difference('a', 'leave')], opts)).toBe('rejected');
    expect(statusOfDifferences([difference('a', 'leave'), difference('b', 'backport')], opts)).toBe('backport_open');
    expect(statusOfDifferences([], opts)).toBe('resolved');
    expect(statusOfDifferences([difference('a', 'revert')], { dryRun: true })).toBe('detected');
  });

  it('an approved revert not yet used waits as awaiting_approval', () => {
    const approved = difference('a', 'revert', {
      decision: { action: 'revert', rule: null, reason: 'ok', at: AT, human: { verb: 'approve', by: 'oncall', comment: 'ok', at: AT } },
    });
    expect(statusOfDifferences([approved], { dryRun: false })).toBe('awaiting_approval');
  });

  it('the record decision names the other groups, and its flags are the union', () => {
    const s = summarizeDifferences([
      difference('a', 'backport'),
      difference('b', 'hold', { flags: ['suspicious'] }),
      difference('c', 'hold'),
    ]);
    expect(s.decision).toMatchObject({ action: 'hold', rule: 4 });
    expect(s.decision.reason).toMatch(/also on this resource: 1 difference codified by the backport/);
    expect(s.flags).toEqual(['suspicious']);
  });
});

describe('human decisions', () => {
  const human = (verb: 'approve' | 'adopt' | 'reject') => ({ verb, by: 'oncall', comment: 'because', at: AT });

  it('apply only to differences awaiting approval; adopt and reject clear the suspicious flag, approve keeps it until the revert', () => {
    const list = [difference('a', 'await_approval', { flags: ['suspicious'] }), difference('b', 'backport')];
    const adopted = applyHumanDecision(list, human('adopt'));
    expect(adopted.differences.map((d) => d.decision.action)).toEqual(['backport', 'backport']);
    expect(adopted.differences[0].flags).toBeUndefined();
    expect(adopted.differences[0].decision.human?.verb).toBe('adopt');
    expect(adopted.decided.map((d) => d.id)).toEqual(['a']);
    expect(applyHumanDecision(list, human('reject')).differences[0]).toMatchObject({ decision: { action: 'leave', rule: null } });
    expect(applyHumanDecision(list, human('approve')).differences[0]).toMatchObject({
      decision: { action: 'revert' },
      flags: ['suspicious'],
    });
  });
});

describe('a backport pull request closed', () => {
  it('merged: the codified differences are in the code; the record ends only when nothing else is pending', () => {
    expect(
      afterBackportClosed({ status: 'backport_open', differences: [difference('a', 'backport')] }, { merged: true, number: 7 }, AT)?.status,
    ).toBe('backport_merged');
    expect(
      afterBackportClosed(
        { status: 'held', differences: [difference('a', 'backport'), difference('b', 'hold')] },
        { merged: true, number: 7 },
        AT,
      )?.status,
    ).toBe('held');
  });

  it('closed unmerged: a revert of what it codified needs approval', () => {
    const after = afterBackportClosed(
      { status: 'backport_open', differences: [difference('a', 'backport')] },
      { merged: false, number: 7 },
      AT,
    )!;
    expect(after.status).toBe('awaiting_approval');
    expect(after.differences![0].decision).toMatchObject({ action: 'await_approval', rule: 5 });
    expect(after.differences![0].decision.reason).toMatch(/#7 was closed without merging/);
  });

  it('a record without differences moves as a whole; one without codified differences is not moved', () => {
    expect(afterBackportClosed({ status: 'backport_open' }, { merged: true, number: 1 }, AT)).toEqual({ status: 'backport_merged' });
    expect(afterBackportClosed({ status: 'held' }, { merged: true, number: 1 }, AT)).toBeNull();
    expect(afterBackportClosed({ status: 'held', differences: [difference('a', 'hold')] }, { merged: true, number: 1 }, AT)).toBeNull();
  });
});
