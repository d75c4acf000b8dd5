import { DriftwardenError, PermanentError } from '../errors';
import { DECISION_ACTIONS, DecisionAction } from '../decision/decide';
import {
  DRIFT_STATUSES,
  DriftStatus,
  IllegalTransitionError,
  TERMINAL_DRIFT_STATUSES,
  assertTransition,
  canTransition,
  isDriftStatus,
  isOpen,
  nextStatuses,
  statusForDecision,
} from './drift-status';

/** The table from the brief, written out independently of the implementation. */
const ALLOWED: Record<DriftStatus, DriftStatus[]> = {
  detected: ['held', 'awaiting_approval', 'reverting', 'backport_open', 'backport_merged', 'resolved', 'ignored', 'failed', 'detected'],
  held: ['held', 'detected', 'awaiting_approval', 'reverting', 'backport_open', 'backport_merged', 'resolved', 'ignored', 'failed'],
  awaiting_approval: [
    'awaiting_approval',
    'reverting',
    'backport_open',
    'backport_merged',
    'rejected',
    'resolved',
    'held',
    'failed',
    'ignored',
    'detected',
  ],
  // A revert of some differences: the others go on (codified, or awaiting a human).
  reverting: ['reverted', 'failed', 'held', 'backport_open', 'backport_merged', 'awaiting_approval'],
  // While the PR is open, a later change's own differences are held, reverted or wait for a human.
  backport_open: [
    'backport_open',
    'backport_merged',
    'backport_closed',
    'rejected',
    'awaiting_approval',
    'resolved',
    'failed',
    'held',
    'detected',
    'ignored',
  ],
  backport_closed: ['awaiting_approval'],
  failed: ['awaiting_approval', 'reverting', 'held', 'resolved', 'rejected', 'failed', 'ignored', 'detected', 'backport_open'],
  reverted: [],
  backport_merged: [],
  rejected: [],
  resolved: [],
  ignored: [],
};

const ALL_PAIRS: [DriftStatus, DriftStatus, boolean][] = DRIFT_STATUSES.flatMap((from) =>
  DRIFT_STATUSES.map((to): [DriftStatus, DriftStatus, boolean] => [from, to, ALLOWED[from].includes(to)]),
);

describe('drift status', () => {
  it('has exactly the twelve statuses of DESIGN.md', () => {
    expect([...DRIFT_STATUSES].sort()).toEqual(Object.keys(ALLOWED).sort());
    expect(ALL_PAIRS).toHaveLength(144);
  });

  describe.each(ALL_PAIRS)('%s -> %s', (from, to, allowed) => {
    it(`canTransition is ${allowed}`, () => {
      expect(canTransition(from, to)).toBe(allowed);
    });

    it(allowed ? 'assertTransition passes' : 'assertTransition throws IllegalTransitionError', () => {
      if (allowed) {
        expect(() => assertTransition(from, to)).not.toThrow();
      } else {
        expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
      }
    });
  });

  it('nextStatuses lists exactly the allowed targets', () => {
    for (const from of DRIFT_STATUSES) {
      expect([...nextStatuses(from)].sort()).toEqual([...ALLOWED[from]].sort());
    }
  });

  it('IllegalTransitionError is a permanent error naming both states', () => {
    let caught: unknown;
    try {
      assertTransition('reverted', 'reverting');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(IllegalTransitionError);
    expect(caught).toBeInstanceOf(PermanentError);
    expect(caught).toBeInstanceOf(DriftwardenError);
    const err = caught as IllegalTransitionError;
    expect(err.code).toBe('illegal_transition');
    expect(err.name).toBe('IllegalTransitionError');
    expect(err.message).toContain('"reverted"');
    expect(err.message).toContain('"reverting"');
    expect({ from: err.from, to: err.to }).toEqual({ from: 'reverted', to: 'reverting' });
  });

  it('canTransition rejects a value that is not a status at run time', () => {
    expect(canTransition('bogus' as DriftStatus, 'held')).toBe(false);
  });

  it('isOpen is false exactly for the terminal statuses', () => {
    const terminal: DriftStatus[] = ['reverted', 'backport_merged', 'rejected', 'resolved', 'ignored'];
    expect([...TERMINAL_DRIFT_STATUSES].sort()).toEqual([...terminal].sort());
    for (const s of DRIFT_STATUSES) expect(isOpen(s)).toBe(!terminal.includes(s));
  });

  it('isDriftStatus recognises the statuses only', () => {
    for (const s of DRIFT_STATUSES) expect(isDriftStatus(s)).toBe(true);
    expect(isDriftStatus('open')).toBe(false);
    expect(isDriftStatus(3)).toBe(false);
  });

  describe('statusForDecision', () => {
    const expected: Record<DecisionAction, DriftStatus> = {
      backport: 'backport_open',
      hold: 'held',
      await_approval: 'awaiting_approval',
      revert: 'detected',
      observe: 'detected',
      noop: 'resolved',
      ignore: 'ignored',
    };

    it.each(DECISION_ACTIONS.map((a) => [a, expected[a]] as const))('%s -> %s', (action, status) => {
      expect(statusForDecision(action, false)).toBe(status);
    });

    it.each([...DECISION_ACTIONS])('dry-run %s keeps detected', (action) => {
      expect(statusForDecision(action, true)).toBe('detected');
    });

    it('every status a decision leads to can be reached from detected or re-decided from held', () => {
      for (const action of DECISION_ACTIONS) {
        const status = statusForDecision(action, false);
        expect(canTransition('detected', status)).toBe(true);
        expect(canTransition('held', status)).toBe(true);
      }
    });
  });
});
