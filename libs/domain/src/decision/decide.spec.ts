import fc from 'fast-check';
import {
  DECISION_ACTIONS,
  Decision,
  DecisionAction,
  DecisionInput,
  DecisionRule,
  FREEZE_SOURCE_TYPES,
  FreezeSourceType,
  PRINCIPAL_CLASSES,
  PrincipalClass,
  decide,
} from './decide';

/** Unauthorized drift outside any freeze on an ordinary managed resource: rule 6 (revert). */
function baseInput(): DecisionInput {
  return {
    resource: {
      supported: true,
      managed: true,
      deleted: false,
      critical: false,
      exception: null,
      ignoreTag: false,
    },
    principal: { class: 'other' },
    diff: { equal: false },
    change: { widensExposure: false },
    revert: { widensExposure: false },
    freezeNow: { frozen: false, sources: [] },
    freezeAtChange: { declared: false, unknown: false, withinLookback: false },
  };
}

type Patch = (i: DecisionInput) => void;

interface Condition {
  name: string;
  apply: Patch;
  /** The principal class this condition sets, if any (two such conditions cannot both hold). */
  principal?: PrincipalClass;
  expect: { action: DecisionAction; rule: DecisionRule | null; reason: RegExp };
}

function frozenBy(...sources: FreezeSourceType[]): Patch {
  return (i) => {
    i.freezeNow = { frozen: true, sources: [...i.freezeNow.sources, ...sources] };
  };
}

/** Every row of the table and every pre-check, in precedence order (first wins). */
const CONDITIONS: Condition[] = [
  {
    name: 'rule 1: IaC principal',
    principal: 'iac',
    apply: (i) => {
      i.principal.class = 'iac';
    },
    expect: { action: 'ignore', rule: 1, reason: /applied by the IaC pipeline/ },
  },
  {
    name: "rule 1: the controller's own change",
    principal: 'self',
    apply: (i) => {
      i.principal.class = 'self';
    },
    expect: { action: 'ignore', rule: 1, reason: /controller's own change/ },
  },
  {
    name: 'unsupported resource type',
    apply: (i) => {
      i.resource.supported = false;
    },
    expect: { action: 'ignore', rule: null, reason: /resource type is not supported/ },
  },
  {
    name: 'unmanaged resource',
    apply: (i) => {
      i.resource.managed = false;
    },
    expect: { action: 'ignore', rule: null, reason: /no configured Terraform stack owns it/ },
  },
  {
    name: 'active exception',
    apply: (i) => {
      i.resource.exception = { reason: 'load test CHG-1234', until: '2026-12-01T00:00:00.000Z' };
    },
    expect: {
      action: 'ignore',
      rule: null,
      reason: /exception until 2026-12-01T00:00:00\.000Z: load test CHG-1234/,
    },
  },
  {
    name: 'tag driftwarden:ignore=true',
    apply: (i) => {
      i.resource.ignoreTag = true;
    },
    expect: { action: 'ignore', rule: null, reason: /tagged driftwarden:ignore=true/ },
  },
  {
    name: 'rule 2: live equals desired',
    apply: (i) => {
      i.diff.equal = true;
    },
    expect: { action: 'noop', rule: 2, reason: /live state equals the Terraform state/ },
  },
  {
    name: 'rule 3: break-glass principal',
    principal: 'breakGlass',
    apply: (i) => {
      i.principal.class = 'breakGlass';
    },
    expect: { action: 'backport', rule: 3, reason: /break-glass principal/ },
  },
  {
    name: 'rule 3: narrowing change during a declared freeze',
    apply: (i) => {
      i.freezeAtChange.declared = true;
    },
    expect: { action: 'backport', rule: 3, reason: /change made during a declared freeze/ },
  },
  {
    name: 'rule 3: narrowing change within lookback before an incident',
    apply: (i) => {
      i.freezeAtChange.withinLookback = true;
    },
    expect: { action: 'backport', rule: 3, reason: /within lookback before an incident/ },
  },
  {
    name: 'rule 4: frozen now by an incident',
    apply: frozenBy('incident'),
    expect: { action: 'hold', rule: 4, reason: /auto-heal is frozen by .*a major incident/ },
  },
  {
    name: 'rule 4: frozen now because the state is unknown',
    apply: frozenBy('unknown'),
    expect: { action: 'hold', rule: 4, reason: /auto-heal is frozen by .*an unknown freeze state/ },
  },
  {
    name: 'rule 5: reverting would widen exposure',
    apply: (i) => {
      i.revert.widensExposure = true;
    },
    expect: { action: 'await_approval', rule: 5, reason: /reverting would widen exposure/ },
  },
  {
    name: 'rule 5: critical resource',
    apply: (i) => {
      i.resource.critical = true;
    },
    expect: { action: 'await_approval', rule: 5, reason: /critical resource/ },
  },
  {
    name: 'rule 5: deleted resource (never recreated)',
    apply: (i) => {
      i.resource.deleted = true;
    },
    expect: { action: 'await_approval', rule: 5, reason: /never recreates a resource/ },
  },
];

function inputWith(...conditions: Condition[]): DecisionInput {
  const input = baseInput();
  for (const c of conditions) c.apply(input);
  return input;
}

function expectDecision(decision: Decision, expected: Condition['expect']): void {
  expect({ action: decision.action, rule: decision.rule }).toEqual({
    action: expected.action,
    rule: expected.rule,
  });
  expect(decision.reason).toMatch(expected.reason);
}

describe('decide', () => {
  it('rule 6: unauthorized drift outside any freeze is reverted', () => {
    const d = decide(baseInput());
    expect(d).toEqual({
      action: 'revert',
      rule: 6,
      reason: expect.stringMatching(/unauthorized drift outside any freeze/),
      flags: [],
    });
  });

  it('rule 6 says when the principal is unknown', () => {
    const input = baseInput();
    input.principal.class = 'unknown';
    const d = decide(input);
    expect(d.action).toBe('revert');
    expect(d.reason).toMatch(/principal unknown/);
  });

  describe('each row alone', () => {
    it.each(CONDITIONS.map((c) => [c.name, c] as const))('%s', (_name, condition) => {
      expectDecision(decide(inputWith(condition)), condition.expect);
    });
  });

  describe('precedence: when two rows hold, the earlier wins', () => {
    const pairs: [string, Condition, Condition][] = [];
    CONDITIONS.forEach((earlier, i) => {
      CONDITIONS.slice(i + 1).forEach((later) => {
        if (earlier.principal && later.principal) return; // one principal has one class
        pairs.push([`${earlier.name} beats ${later.name}`, earlier, later]);
      });
    });

    it('covers every compatible pair', () => {
      // 15 conditions, 3 of which set the principal class: C(15,2) - C(3,2) (iac/self/breakGlass).
      expect(pairs).toHaveLength(105 - 3);
    });

    it.each(pairs)('%s', (_name, earlier, later) => {
      // Apply in both orders: the patches are independent, the outcome must not depend on order.
      expectDecision(decide(inputWith(earlier, later)), earlier.expect);
      expectDecision(decide(inputWith(later, earlier)), earlier.expect);
    });
  });

  describe('rule 3 direction', () => {
    it('a change that widens exposure during a declared freeze is not backported; held while frozen', () => {
      const input = baseInput();
      input.freezeAtChange.declared = true;
      input.change.widensExposure = true;
      input.freezeNow = { frozen: true, sources: ['manual'] };
      const d = decide(input);
      expect(d.action).toBe('hold');
      expect(d.rule).toBe(4);
    });

    it('a widening change within lookback is not backported; after the freeze it goes through rules 5 and 6', () => {
      const input = baseInput();
      input.freezeAtChange.withinLookback = true;
      input.change.widensExposure = true;
      expect(decide(input)).toMatchObject({ action: 'revert', rule: 6 });
      input.revert.widensExposure = true;
      expect(decide(input)).toMatchObject({ action: 'await_approval', rule: 5 });
    });

    it('a break-glass principal is backported even when the change widens exposure', () => {
      const input = baseInput();
      input.principal.class = 'breakGlass';
      input.change.widensExposure = true;
      input.freezeNow = { frozen: true, sources: ['incident'] };
      const d = decide(input);
      expect(d).toMatchObject({ action: 'backport', rule: 3, flags: [] });
      expect(d.reason).not.toMatch(/does not widen exposure/);
    });

    it('a change made while the freeze state was unknown is not a declared freeze', () => {
      const input = baseInput();
      input.freezeAtChange.unknown = true;
      expect(decide(input)).toMatchObject({ action: 'revert', rule: 6 });
    });

    it('a deleted resource deleted during a declared freeze is backported', () => {
      const input = baseInput();
      input.resource.deleted = true;
      input.freezeAtChange.declared = true;
      const d = decide(input);
      expect(d).toMatchObject({ action: 'backport', rule: 3 });
      expect(d.reason).toMatch(/deletion is codified by the backport/);
    });

    it('names every cause that applies', () => {
      const input = baseInput();
      input.principal.class = 'breakGlass';
      input.freezeAtChange = { declared: true, unknown: false, withinLookback: true };
      const { reason } = decide(input);
      expect(reason).toMatch(/break-glass principal/);
      expect(reason).toMatch(/change made during a declared freeze/);
      expect(reason).toMatch(/within lookback before an incident/);
      expect(reason).toMatch(/does not widen exposure/);
    });
  });

  describe('reasons name the causes', () => {
    it('rule 4 names every freeze source once', () => {
      const input = baseInput();
      input.freezeNow = { frozen: true, sources: ['incident', 'manual', 'window', 'cooldown', 'manual'] };
      const { reason } = decide(input);
      expect(reason).toContain('frozen by a major incident, a manual freeze, a freeze window and an incident cooldown');
      expect(reason.match(/a manual freeze/g)).toHaveLength(1);
    });

    it('rule 4 says the state at change time must be re-decided when it was unknown', () => {
      const input = baseInput();
      input.freezeNow = { frozen: true, sources: ['unknown'] };
      input.freezeAtChange.unknown = true;
      expect(decide(input).reason).toMatch(/unknown when the change was made, decide again/);
    });

    it('rule 5 lists every guardrail that applies', () => {
      const input = baseInput();
      input.revert.widensExposure = true;
      input.resource.critical = true;
      input.resource.deleted = true;
      const { reason } = decide(input);
      expect(reason).toMatch(/reverting would widen exposure/);
      expect(reason).toMatch(/critical resource/);
      expect(reason).toMatch(/deleted/);
    });
  });

  describe('suspicious flag', () => {
    const cases: {
      name: string;
      patch: Patch;
      expected: { action: DecisionAction; suspicious: boolean };
    }[] = [
      {
        name: 'widening change by another principal while frozen now',
        patch: (i) => {
          i.change.widensExposure = true;
          i.freezeNow = { frozen: true, sources: ['incident'] };
        },
        expected: { action: 'hold', suspicious: true },
      },
      {
        name: 'widening change by an unknown principal during a declared freeze, still frozen',
        patch: (i) => {
          i.principal.class = 'unknown';
          i.change.widensExposure = true;
          i.freezeAtChange.declared = true;
          i.freezeNow = { frozen: true, sources: ['manual'] };
        },
        expected: { action: 'hold', suspicious: true },
      },
      {
        name: 'widening change while the state was unknown, still unknown',
        patch: (i) => {
          i.change.widensExposure = true;
          i.freezeAtChange.unknown = true;
          i.freezeNow = { frozen: true, sources: ['unknown'] };
        },
        expected: { action: 'hold', suspicious: true },
      },
      {
        name: 'narrowing change while frozen now (not during a declared freeze)',
        patch: (i) => {
          i.freezeNow = { frozen: true, sources: ['incident'] };
        },
        expected: { action: 'hold', suspicious: false },
      },
      {
        name: 'widening change by a break-glass principal while frozen (backported)',
        patch: (i) => {
          i.principal.class = 'breakGlass';
          i.change.widensExposure = true;
          i.freezeAtChange.declared = true;
          i.freezeNow = { frozen: true, sources: ['incident'] };
        },
        expected: { action: 'backport', suspicious: false },
      },
      {
        name: 'widening change during a declared freeze, re-decided after the freeze ended (revert)',
        patch: (i) => {
          i.change.widensExposure = true;
          i.freezeAtChange.declared = true;
        },
        expected: { action: 'revert', suspicious: true },
      },
      {
        name: 'widening change while the state was unknown, re-decided after (needs approval)',
        patch: (i) => {
          i.change.widensExposure = true;
          i.freezeAtChange.unknown = true;
          i.resource.critical = true;
        },
        expected: { action: 'await_approval', suspicious: true },
      },
      {
        name: 'widening change outside any freeze',
        patch: (i) => {
          i.change.widensExposure = true;
        },
        expected: { action: 'revert', suspicious: false },
      },
      {
        name: 'widening change within lookback only (before the incident, not during a freeze)',
        patch: (i) => {
          i.change.widensExposure = true;
          i.freezeAtChange.withinLookback = true;
        },
        expected: { action: 'revert', suspicious: false },
      },
      {
        name: 'widening change by the IaC pipeline while frozen',
        patch: (i) => {
          i.principal.class = 'iac';
          i.change.widensExposure = true;
          i.freezeNow = { frozen: true, sources: ['incident'] };
        },
        expected: { action: 'ignore', suspicious: false },
      },
      {
        name: 'widening change on an excepted resource while frozen',
        patch: (i) => {
          i.resource.exception = { reason: 'migration', until: '2030-01-01T00:00:00Z' };
          i.change.widensExposure = true;
          i.freezeNow = { frozen: true, sources: ['incident'] };
        },
        expected: { action: 'ignore', suspicious: false },
      },
    ];

    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const input = baseInput();
      c.patch(input);
      const d = decide(input);
      expect(d.action).toBe(c.expected.action);
      expect(d.flags).toEqual(c.expected.suspicious ? ['suspicious'] : []);
      if (c.expected.suspicious) expect(d.reason).toMatch(/suspicious/);
    });
  });

  describe('properties', () => {
    const inputArb: fc.Arbitrary<DecisionInput> = fc.record({
      resource: fc.record({
        supported: fc.boolean(),
        managed: fc.boolean(),
        deleted: fc.boolean(),
        critical: fc.boolean(),
        exception: fc.option(fc.record({ reason: fc.string({ minLength: 1 }), until: fc.constant('2030-01-01T00:00:00.000Z') }), {
          nil: null,
        }),
        ignoreTag: fc.boolean(),
      }),
      principal: fc.record({ class: fc.constantFrom(...PRINCIPAL_CLASSES) }),
      diff: fc.record({ equal: fc.boolean() }),
      change: fc.record({ widensExposure: fc.boolean() }),
      revert: fc.record({ widensExposure: fc.boolean() }),
      freezeNow: fc.record({
        frozen: fc.boolean(),
        sources: fc.subarray([...FREEZE_SOURCE_TYPES]),
      }),
      freezeAtChange: fc.record({
        declared: fc.boolean(),
        unknown: fc.boolean(),
        withinLookback: fc.boolean(),
      }),
    });

    it('always returns one of the six actions with a reason and only known flags', () => {
      fc.assert(
        fc.property(inputArb, (input) => {
          const d = decide(input);
          expect(DECISION_ACTIONS).toContain(d.action);
          expect(d.reason.length).toBeGreaterThan(0);
          for (const f of d.flags) expect(f).toBe('suspicious');
        }),
      );
    });

    it('ignores only under rule 1 or a pre-check, and a null rule only ignores', () => {
      fc.assert(
        fc.property(inputArb, (input) => {
          const d = decide(input);
          if (d.action === 'ignore') expect([1, null]).toContain(d.rule);
          if (d.rule === null || d.rule === 1) expect(d.action).toBe('ignore');
        }),
      );
    });

    it('maps each action to its rule', () => {
      const ruleOf: Record<DecisionAction, (DecisionRule | null)[]> = {
        ignore: [1, null],
        noop: [2],
        backport: [3],
        hold: [4],
        await_approval: [5],
        revert: [6],
        // Never answered by the table itself (a never-reverted kind's difference, see differences.ts).
        observe: [],
      };
      fc.assert(
        fc.property(inputArb, (input) => {
          const d = decide(input);
          expect(ruleOf[d.action]).toContain(d.rule);
        }),
      );
    });

    it('an IaC principal is always ignored', () => {
      fc.assert(
        fc.property(inputArb, (input) => {
          input.principal.class = 'iac';
          expect(decide(input)).toMatchObject({ action: 'ignore', rule: 1 });
        }),
      );
    });

    it('while frozen, anything that is not ignore, noop or backport is hold', () => {
      fc.assert(
        fc.property(inputArb, (input) => {
          input.freezeNow.frozen = true;
          const d = decide(input);
          if (!['ignore', 'noop', 'backport'].includes(d.action)) expect(d.action).toBe('hold');
          expect(d.action).not.toBe('revert');
          expect(d.action).not.toBe('await_approval');
        }),
      );
    });

    it('never reverts while frozen, when reverting widens exposure, or on a critical or deleted resource', () => {
      fc.assert(
        fc.property(inputArb, (input) => {
          const d = decide(input);
          if (input.freezeNow.frozen || input.revert.widensExposure || input.resource.critical || input.resource.deleted) {
            expect(d.action).not.toBe('revert');
          }
        }),
      );
    });

    it('backports a widening change only for a break-glass principal', () => {
      fc.assert(
        fc.property(inputArb, (input) => {
          const d = decide(input);
          if (d.action === 'backport' && input.change.widensExposure) {
            expect(input.principal.class).toBe('breakGlass');
          }
        }),
      );
    });

    it('flags suspicious only a widening change by a principal that is not break-glass', () => {
      fc.assert(
        fc.property(inputArb, (input) => {
          const d = decide(input);
          if (d.flags.includes('suspicious')) {
            expect(input.change.widensExposure).toBe(true);
            expect(input.principal.class).not.toBe('breakGlass');
            expect(['hold', 'await_approval', 'revert']).toContain(d.action);
          }
          if (d.action === 'hold' && input.change.widensExposure) {
            expect(d.flags).toEqual(['suspicious']);
          }
        }),
      );
    });

    it('is pure: does not mutate its input and gives the same answer twice', () => {
      fc.assert(
        fc.property(inputArb, (input) => {
          const before = structuredClone(input);
          const a = decide(deepFreeze(input));
          const b = decide(input);
          expect(input).toEqual(before);
          expect(a).toEqual(b);
        }),
      );
    });
  });
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
