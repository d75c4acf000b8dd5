import { aDifference, aDrift } from '../testing';
import type { DriftRecord } from './drift-record';
import { DRIFT_STATUSES, IllegalTransitionError, canTransition, type DriftStatus } from './drift-status';
import {
  afterRevert,
  countReplay,
  decideByHuman,
  excludeBeforeRevert,
  failBackport,
  failEvaluation,
  failRevert,
  flagOverdue,
  holdRevert,
  ignoreDrift,
  lapseApproval,
  linkBackport,
  resolveDrift,
  startRevert,
} from './transitions';

const AT = '2026-03-06T16:10:00.000Z';
const CALL = { service: 'test', operation: 'RevokeWidget', request: {}, at: AT };
const AFTER = { at: AT, source: 'test:DescribeWidget', verified: true };
const RULE2 = { action: 'noop' as const, rule: 2 as const, reason: 'live equals desired' };
const APPROVAL = (action: 'approve' | 'adopt' | 'reject') => ({ action, by: 'token:t-operator', comment: 'leave it', at: AT });
const IGNORE = { action: 'ignore' as const, rule: null, reason: 'excluded by exception exc-1' };
const PR = { url: 'https://github.com/acme/infra/pull/7', number: 7, repo: 'acme/infra' };
const FAILURE = { stage: 'evaluate' as const, code: 'boom', message: 'boom', at: AT, eventId: 'ev-1' };

/** Every step, as one function of a record (the others' arguments fixed). */
const STEPS: Record<string, (r: DriftRecord) => DriftRecord | null> = {
  startRevert: (r) => startRevert(r, AT),
  'afterRevert (verified)': (r) => afterRevert(r, { verified: true, apiCalls: [CALL] }, AT, { planned: false }).next,
  'afterRevert (not verified)': (r) => afterRevert(r, { verified: false, apiCalls: [CALL] }, AT, { planned: false }).next,
  holdRevert: (r) => holdRevert(r, 'a freeze started', AT),
  excludeBeforeRevert: (r) => excludeBeforeRevert(r, 'excluded', AT),
  failRevert: (r) => failRevert(r, { code: 'ec2_denied', message: 'denied' }, [], AT),
  failBackport: (r) => failBackport(r, AT),
  flagOverdue: (r) => flagOverdue({ ...r, links: { ...r.links, pullRequest: PR } }, AT, AT),
  countReplay: (r) => countReplay({ ...r, failure: FAILURE }, AT),
  failEvaluation: (r) => failEvaluation(r, { stage: 'evaluate', code: 'boom', message: 'boom', at: AT }, AT),
  resolveDrift: (r) => resolveDrift(r, { eventId: 'ev-2', diff: { equal: true } }, AT),
  ignoreDrift: (r) => ignoreDrift(r, { eventId: 'ev-2', decision: IGNORE }, AT),
  'decideByHuman (reject)': (r) =>
    decideByHuman(r, { verb: 'reject', by: 'token:t-operator', comment: 'leave it', at: AT }, APPROVAL('reject')),
};

describe('drift record transitions (pure)', () => {
  describe.each(Object.entries(STEPS))('%s', (_name, step) => {
    it.each([...DRIFT_STATUSES])('from %s: moves only where the status table allows, else throws IllegalTransitionError', (from) => {
      const record = aDrift({ status: from });
      let next: DriftRecord | null = null;
      let error: unknown = null;
      try {
        next = step(record);
      } catch (e) {
        error = e;
      }
      if (error) {
        expect(error).toBeInstanceOf(IllegalTransitionError);
        const e = error as IllegalTransitionError;
        expect(e.from).toBe(from);
        expect(canTransition(from, e.to)).toBe(false);
        // The message names the drift and the step, not only the two statuses.
        expect(e.message).toContain(record.id);
        expect(e.message).toMatch(/illegal drift status transition from ".+" to ".+" \(drf_test0001: .+\)/);
      } else if (next) {
        expect(next.status === from || canTransition(from, next.status)).toBe(true);
        expect(next.updatedAt).toBe(AT);
        expect(next.id).toBe(record.id);
      }
      // Never changes what it was given.
      expect(record).toEqual(aDrift({ status: from }));
    });
  });

  it('a terminal record refuses every step that would move it, naming the drift', () => {
    const reverted = aDrift({ status: 'reverted' });
    expect(() => startRevert(reverted, AT)).toThrow(
      'illegal drift status transition from "reverted" to "reverting" (drf_test0001: starting its revert)',
    );
    expect(() => failBackport(reverted, AT)).toThrow(IllegalTransitionError);
    expect(() => resolveDrift(reverted, { eventId: 'ev-2', diff: { equal: true } }, AT)).toThrow(IllegalTransitionError);
  });

  describe('remediation', () => {
    it('startRevert: detected → reverting, nothing else changes', () => {
      const next = startRevert(aDrift(), AT);
      expect(next).toEqual({ ...aDrift(), status: 'reverting', updatedAt: AT });
    });

    it('afterRevert verified, whole record: reverted, with the calls and after-state in the evidence', () => {
      const { next, remaining } = afterRevert(
        aDrift({ status: 'reverting' }),
        { verified: true, apiCalls: [CALL], afterState: AFTER },
        AT,
        {
          planned: false,
        },
      );
      expect(remaining).toEqual([]);
      expect(next.status).toBe('reverted');
      expect(next.evidence.apiCalls).toEqual([CALL]);
      expect(next.evidence.afterState).toEqual(AFTER);
    });

    it('afterRevert not verified: failed, differences untouched', () => {
      const differences = [
        aDifference({ id: 'a|added' }),
        aDifference({ id: 'b|added', decision: { action: 'hold', rule: 4, reason: 'x', at: AT } }),
      ];
      const { next } = afterRevert(aDrift({ status: 'reverting', differences }), { verified: false, apiCalls: [] }, AT, { planned: true });
      expect(next.status).toBe('failed');
      expect(next.differences).toEqual(differences);
    });

    it('afterRevert of part of the differences: the rest set status, decision, flags and diff', () => {
      const awaiting = aDifference({
        id: 'b|added',
        decision: { action: 'await_approval', rule: 5, reason: 'revert widens exposure', at: AT },
        flags: ['suspicious'],
      });
      const record = aDrift({ status: 'reverting', differences: [aDifference({ id: 'a|added' }), awaiting] });
      const { next, remaining } = afterRevert(record, { verified: true, apiCalls: [CALL] }, AT, {
        planned: true,
        diffOf: (r) => ({ equal: r.length === 0, attributes: [{ path: 'left', live: r.length, desired: 0 }] }),
      });
      expect(remaining).toEqual([awaiting]);
      expect(next.status).toBe('awaiting_approval');
      expect(next.differences).toEqual([awaiting]);
      expect(next.decision).toMatchObject({ action: 'await_approval', rule: 5 });
      expect(next.flags).toEqual(['suspicious']);
      expect(next.diff).toEqual({ equal: false, attributes: [{ path: 'left', live: 1, desired: 0 }] });
    });

    it('holdRevert: held with rule 4, the differences to revert held too; null when already held', () => {
      const codified = aDifference({ id: 'b|added', decision: { action: 'backport', rule: 3, reason: 'emergency', at: AT } });
      const next = holdRevert(aDrift({ differences: [aDifference({ id: 'a|added' }), codified] }), 'a freeze started', AT)!;
      expect(next.status).toBe('held');
      expect(next.decision).toEqual({ action: 'hold', rule: 4, reason: 'a freeze started' });
      expect(next.differences?.map((d) => d.decision.action)).toEqual(['hold', 'backport']);
      expect(next.differences?.[0].decision).toEqual({ action: 'hold', rule: 4, reason: 'a freeze started', at: AT });
      expect(holdRevert(aDrift({ status: 'held' }), 'again', AT)).toBeNull();
      expect(holdRevert(aDrift(), 'no differences', AT)).not.toHaveProperty('differences');
    });

    it('excludeBeforeRevert: only a detected drift becomes ignored (a revert under way is not stopped)', () => {
      expect(excludeBeforeRevert(aDrift(), 'excluded', AT)).toMatchObject({
        status: 'ignored',
        decision: { action: 'ignore', rule: null, reason: 'excluded' },
      });
      expect(excludeBeforeRevert(aDrift({ status: 'reverting' }), 'excluded', AT)).toBeNull();
      expect(excludeBeforeRevert(aDrift({ status: 'awaiting_approval' }), 'excluded', AT)).toBeNull();
    });

    it('failRevert: failed, the calls before the failure then the failure itself', () => {
      const before = { ...CALL, operation: 'AuthorizeWidget' };
      const next = failRevert(aDrift({ status: 'reverting' }), { code: 'ec2_denied', message: 'denied' }, [before], AT);
      expect(next.status).toBe('failed');
      expect(next.evidence.apiCalls).toEqual([
        before,
        { service: 'driftwarden', operation: 'revert', request: {}, error: { code: 'ec2_denied', message: 'denied' }, at: AT },
      ]);
    });

    it('lapseApproval: stamps an unused approval once; null without one', () => {
      const approval = { action: 'approve' as const, by: 'oncall', comment: 'ok', at: AT, expiresAt: AT };
      const next = lapseApproval(aDrift({ status: 'awaiting_approval', approval }), AT)!;
      expect(next.approval).toEqual({ ...approval, lapsedAt: AT });
      expect(next.status).toBe('awaiting_approval');
      expect(lapseApproval(next, AT)).toBeNull();
      expect(lapseApproval(aDrift(), AT)).toBeNull();
    });
  });

  describe('backport', () => {
    it('linkBackport keeps the links it had and adds the new ones; failBackport fails the record', () => {
      const incident = { provider: 'pagerduty' as const, id: 'Q1', title: 'outage' };
      const record = aDrift({ status: 'backport_open', links: { incident } });
      const pullRequest = { url: 'https://github.com/acme/infra/pull/7', number: 7 };
      expect(linkBackport(record, { pullRequest }, AT)).toMatchObject({ status: 'backport_open', links: { incident, pullRequest } });
      expect(failBackport(record, AT).status).toBe('failed');
    });

    it('flagOverdue: an open record with an unmerged pull request is flagged once, with since when; the status stays', () => {
      const since = '2026-03-01T16:10:00.000Z';
      const record = aDrift({ status: 'held', flags: ['suspicious'], links: { pullRequest: PR } });
      const next = flagOverdue(record, since, AT)!;
      expect(next).toEqual({
        ...record,
        flags: ['suspicious', 'overdue'],
        updatedAt: AT,
        links: { pullRequest: { ...PR, overdueSince: since } },
      });
      expect(flagOverdue(next, since, AT)?.flags).toEqual(['suspicious', 'overdue']);
    });

    it('flagOverdue: null for a closed record, one without a pull request, or one whose pull request is merged', () => {
      expect(flagOverdue(aDrift({ status: 'backport_merged', links: { pullRequest: PR } }), AT, AT)).toBeNull();
      expect(flagOverdue(aDrift({ status: 'backport_open' }), AT, AT)).toBeNull();
      expect(flagOverdue(aDrift({ status: 'backport_open', links: { pullRequest: { ...PR, merged: true } } }), AT, AT)).toBeNull();
    });
  });

  describe('evaluation', () => {
    it('failEvaluation: failed with the failure, its item added once to the evidence', () => {
      const failure = { stage: 'evaluate' as const, code: 'boom', message: 'boom', at: AT, eventId: 'ev-2' };
      const next = failEvaluation(aDrift({ status: 'held' }), failure, AT);
      expect(next).toMatchObject({ status: 'failed', failure });
      expect(next.evidence.eventIds).toEqual(['ev-1', 'ev-2']);
      expect(failEvaluation(next, failure, AT).evidence.eventIds).toEqual(['ev-1', 'ev-2']);
    });

    it('countReplay: the failure counts one more replay, the status stays; null without a failure or once no longer failed', () => {
      const once = countReplay(aDrift({ status: 'failed', failure: FAILURE }), AT)!;
      expect(once).toEqual({ ...aDrift({ status: 'failed', failure: { ...FAILURE, replays: 1 } }), updatedAt: AT });
      expect(countReplay(once, AT)?.failure?.replays).toBe(2);
      expect(countReplay(aDrift({ status: 'failed' }), AT)).toBeNull();
      // Decided again since the replay listed it (its failure is history): nothing to count.
      expect(countReplay(aDrift({ status: 'held', failure: FAILURE }), AT)).toBeNull();
    });

    it('resolveDrift: resolved with the item and the diff; the rule-2 decision when given, else the decision stays', () => {
      const applied = resolveDrift(aDrift({ status: 'held' }), { eventId: 'ev-2', diff: { equal: true } }, AT);
      expect(applied).toMatchObject({ status: 'resolved', diff: { equal: true }, decision: aDrift().decision });
      expect(applied.evidence).toMatchObject({ eventIds: ['ev-1', 'ev-2'], rule: 6 });
      const noop = resolveDrift(aDrift({ status: 'held' }), { eventId: 'ev-2', diff: { equal: true }, decision: RULE2 }, AT);
      expect(noop).toMatchObject({ status: 'resolved', decision: RULE2 });
      expect(noop.evidence.rule).toBe(2);
    });

    it('ignoreDrift: ignored with the pre-check decision and the item', () => {
      const next = ignoreDrift(aDrift({ status: 'awaiting_approval' }), { eventId: 'ev-2', decision: IGNORE }, AT);
      expect(next).toMatchObject({ status: 'ignored', decision: IGNORE });
      expect(next.evidence).toMatchObject({ eventIds: ['ev-1', 'ev-2'], rule: null });
    });

    it.each<DriftStatus>(['reverting', 'backport_closed'])('ignoreDrift refuses a %s drift (that move is not in the table)', (from) => {
      expect(() => ignoreDrift(aDrift({ status: from }), { eventId: 'ev-2', decision: IGNORE }, AT)).toThrow(IllegalTransitionError);
    });
  });
});

describe('decideByHuman', () => {
  const awaiting = aDrift({
    status: 'awaiting_approval',
    differences: [
      aDifference({ id: 'a', decision: { action: 'await_approval', rule: 5, reason: 'widens', at: AT } }),
      aDifference({ id: 'b', decision: { action: 'hold', rule: 4, reason: 'frozen', at: AT } }),
    ],
  });

  it('the differences awaiting approval take the human decision; the others keep theirs; the approval is recorded', () => {
    const next = decideByHuman(awaiting, { verb: 'adopt', by: 'token:t-admin', comment: 'keep it', at: AT }, APPROVAL('adopt'));
    expect(next.differences?.map((d) => d.decision.action)).toEqual(['backport', 'hold']);
    expect(next.differences?.[0].decision.human).toMatchObject({ verb: 'adopt', by: 'token:t-admin' });
    expect(next.status).toBe('held');
    expect(next.approval).toMatchObject({ action: 'adopt' });
    expect(next.updatedAt).toBe(AT);
    expect(awaiting.differences?.[0].decision.action).toBe('await_approval');
  });

  it('an approved revert waits to be used (awaiting_approval); an older record without differences moves as a whole', () => {
    const one = aDrift({
      status: 'awaiting_approval',
      differences: [aDifference({ id: 'a', decision: { action: 'await_approval', rule: 5, reason: 'widens', at: AT } })],
    });
    expect(decideByHuman(one, { verb: 'approve', by: 'x', comment: 'go', at: AT }, APPROVAL('approve')).status).toBe('awaiting_approval');
    const legacy = { ...aDrift({ status: 'awaiting_approval' }), differences: undefined };
    expect(decideByHuman(legacy, { verb: 'reject', by: 'x', comment: 'no', at: AT }, APPROVAL('reject')).status).toBe('rejected');
    expect(() =>
      decideByHuman({ ...legacy, status: 'reverted' }, { verb: 'adopt', by: 'x', comment: 'k', at: AT }, APPROVAL('adopt')),
    ).toThrow(IllegalTransitionError);
  });
});
