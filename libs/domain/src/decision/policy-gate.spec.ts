import fc from 'fast-check';
import { decide, DECISION_ACTIONS, type Decision, type DecisionInput } from './decide';
import {
  POLICY_ACTIONS,
  STRICTER,
  applyPolicies,
  gate,
  reachableFrom,
  strictness,
  type PolicyAction,
  type PolicyCheck,
  type PolicyJudgement,
} from './policy-gate';

const allow: PolicyJudgement = { forbidden: false, matched: [] };
const forbidBy = (id: string): PolicyJudgement => ({ forbidden: true, matched: [{ id, source: `p.cedar:${id.length}` }] });
/** A check that forbids exactly the listed rungs, and records every question. */
function forbidding(...rungs: PolicyAction[]): PolicyCheck & { asked: PolicyAction[] } {
  const asked: PolicyAction[] = [];
  const check = (a: PolicyAction) => {
    asked.push(a);
    return rungs.includes(a) ? forbidBy(`no-${a}`) : allow;
  };
  return Object.assign(check, { asked });
}

describe('the stricter-only policy gate', () => {
  it.each<[PolicyAction, PolicyAction[], PolicyAction | null]>([
    ['revert', [], null],
    ['revert', ['revert'], 'await_approval'],
    ['revert', ['revert', 'await_approval'], 'hold'],
    // A policy about a looser rung is never asked about, so it cannot matter.
    ['await_approval', ['revert'], null],
    ['await_approval', ['await_approval'], 'hold'],
    ['backport', ['backport'], 'tracking_issue'],
    ['backport', ['backport', 'tracking_issue'], 'hold'],
    ['backport', ['tracking_issue'], null],
    // A rung below an allowed one is never asked about.
    ['revert', ['await_approval'], null],
    ['hold', ['hold', 'revert', 'await_approval', 'backport', 'tracking_issue'], null],
  ])('%s with %j forbidden ends at %s', (proposed, forbidden, outcome) => {
    const result = gate(proposed, forbidding(...forbidden));
    expect(result?.outcome ?? null).toBe(outcome);
    if (result) {
      expect(result.proposed).toBe(proposed);
      expect(result.matched.map((m) => m.id)).toEqual(
        reachableFrom(proposed)
          .slice(0, -1)
          .filter((a) => forbidden.includes(a))
          .slice(0, result.matched.length)
          .map((a) => `no-${a}`),
      );
    }
  });

  it('never asks about hold, the floor, and stops at the first allowed rung', () => {
    const check = forbidding('revert', 'await_approval');
    expect(gate('revert', check)?.outcome).toBe('hold');
    expect(check.asked).toEqual(['revert', 'await_approval']);
    const once = forbidding();
    gate('revert', once);
    expect(once.asked).toEqual(['revert']);
  });

  it('counts a denial that names no policy as a denial (fail closed) and records it', () => {
    const result = gate('revert', () => ({ forbidden: true, matched: [] }));
    expect(result).toEqual({
      proposed: 'revert',
      outcome: 'hold',
      matched: [
        { id: '(unnamed)', source: 'unknown' },
        { id: '(unnamed)', source: 'unknown' },
      ],
    });
  });

  it('records the decision after the policies: action, reason naming the policy and its file, and the policy', () => {
    const decision: Decision = { action: 'revert', rule: 6, reason: 'unauthorized drift outside any freeze', flags: [] };
    const gated = applyPolicies(decision, forbidding('revert'));
    expect(gated).toEqual({
      action: 'await_approval',
      rule: 6,
      flags: [],
      reason: 'unauthorized drift outside any freeze; policy no-revert (p.cedar:9) forbids revert: needs human approval',
      policy: { proposed: 'revert', outcome: 'await_approval', matched: [{ id: 'no-revert', source: 'p.cedar:9' }] },
    });
  });

  it('keeps a backport a backport when it becomes a tracking issue (the backport opens an issue)', () => {
    const gated = applyPolicies({ action: 'backport', reason: 'emergency patch' }, forbidding('backport'));
    expect(gated.action).toBe('backport');
    expect(gated.policy?.outcome).toBe('tracking_issue');
    expect(gated.reason).toContain('tracking issue instead of a pull request');
  });

  it('leaves ignore, noop, hold and a human decision (leave) alone', () => {
    for (const action of ['ignore', 'noop', 'hold', 'leave']) {
      const check = forbidding(...POLICY_ACTIONS);
      const d = { action, reason: 'r' };
      expect(applyPolicies(d, check)).toBe(d);
      expect(check.asked).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Property: whatever the policies answer, a decision only ever gets stricter.
// ---------------------------------------------------------------------------------------------

/** Any policy engine: an arbitrary (even inconsistent) answer for every question it is asked. */
const anyPolicies = fc
  .func(fc.record({ forbidden: fc.boolean(), matched: fc.array(fc.record({ id: fc.string(), source: fc.string() }), { maxLength: 2 }) }))
  .map(
    (f): PolicyCheck =>
      (a) =>
        f(a),
  );

const decisionInput: fc.Arbitrary<DecisionInput> = fc.record({
  resource: fc.record({
    supported: fc.boolean(),
    managed: fc.boolean(),
    deleted: fc.boolean(),
    critical: fc.boolean(),
    exception: fc.option(fc.record({ reason: fc.constant('r'), until: fc.constant('2026-12-31T00:00:00Z') }), { nil: null }),
    ignoreTag: fc.boolean(),
  }),
  principal: fc.record({ class: fc.constantFrom('iac', 'breakGlass', 'self', 'other', 'unknown' as const) }),
  diff: fc.record({ equal: fc.boolean() }),
  change: fc.record({ widensExposure: fc.boolean(), attributable: fc.boolean() }),
  revert: fc.record({ widensExposure: fc.boolean() }),
  freezeNow: fc.record({
    frozen: fc.boolean(),
    sources: fc.array(fc.constantFrom('incident', 'manual', 'window', 'cooldown', 'unknown' as const), { maxLength: 3 }),
  }),
  freezeAtChange: fc.record({ declared: fc.boolean(), unknown: fc.boolean(), withinLookback: fc.boolean() }),
});

describe('property: no policy set can make a decision looser', () => {
  it('the gate ends on the proposed decision’s own ladder, never less strict', () => {
    fc.assert(
      fc.property(fc.constantFrom(...POLICY_ACTIONS), anyPolicies, (proposed, check) => {
        const outcome = gate(proposed, check)?.outcome ?? proposed;
        expect(reachableFrom(proposed)).toContain(outcome);
        expect(strictness(outcome)).toBeGreaterThanOrEqual(strictness(proposed));
      }),
      { numRuns: 2000 },
    );
  });

  it('hold and await_approval never become revert (nor backport)', () => {
    fc.assert(
      fc.property(fc.constantFrom<PolicyAction>('hold', 'await_approval'), anyPolicies, (proposed, check) => {
        const gated = applyPolicies({ action: proposed, reason: 'r' }, check);
        expect(['await_approval', 'hold']).toContain(gated.action);
        if (proposed === 'hold') expect(gated.action).toBe('hold');
      }),
      { numRuns: 2000 },
    );
  });

  it('over the whole decision table: the table’s safety rules survive every policy set', () => {
    fc.assert(
      fc.property(decisionInput, anyPolicies, (input, check) => {
        const table = decide(input);
        const gated = applyPolicies(table, check);
        expect(DECISION_ACTIONS).toContain(gated.action);
        // Rule/flags are the table's: policies add to the reason, never replace it.
        expect(gated.rule).toBe(table.rule);
        expect(gated.flags).toEqual(table.flags);
        expect(gated.reason.startsWith(table.reason)).toBe(true);
        switch (table.action) {
          // An observed change is never reverted: there is nothing stricter for a policy to choose.
          case 'ignore':
          case 'noop':
          case 'hold':
          case 'observe':
            expect(gated.action).toBe(table.action);
            break;
          case 'await_approval':
            expect(['await_approval', 'hold']).toContain(gated.action);
            break;
          case 'backport':
            // An emergency patch is never reverted, whatever the policies say (DESIGN §1 rule 2).
            expect(['backport', 'hold']).toContain(gated.action);
            break;
          case 'revert':
            expect(['revert', 'await_approval', 'hold']).toContain(gated.action);
            break;
        }
        // Frozen now: nothing a policy does can produce a revert (DESIGN §1 rule 1).
        if (input.freezeNow.frozen) expect(gated.action).not.toBe('revert');
      }),
      { numRuns: 2000 },
    );
  });

  it('every ladder ends at hold and only goes down', () => {
    for (const a of POLICY_ACTIONS) {
      const ladder = reachableFrom(a);
      expect(ladder[ladder.length - 1]).toBe('hold');
      for (let i = 1; i < ladder.length; i++) expect(strictness(ladder[i])).toBeGreaterThan(strictness(ladder[i - 1]));
      expect(STRICTER.hold).toBeNull();
    }
  });
});
