import fc from 'fast-check';
import { applyPolicies, reachableFrom, strictness, type PolicyAction } from '@driftwarden/domain';
import type { PolicyRequest } from '@driftwarden/pipeline';
import { CedarPolicies } from './cedar-policies';
import { PolicyLoadError } from './policy.errors';

/**
 * Property (issue 16 §4 "Done when"): no policy set can make a decision looser. Random Cedar
 * policy sets (any actions, any conditions on the principal, resource, tags, freeze, incident and
 * time, including ones that fail at evaluation) are loaded by the real loader and evaluated by the
 * real Cedar engine; `hold` and `await_approval` never become `revert`, and no decision leaves
 * its own ladder.
 */

const ZONES = ['Europe/Berlin'];
const ACTIONS = ['revert', 'await_approval', 'backport', 'tracking_issue', 'hold'];

const condition = fc.constantFrom(
  'true',
  'false',
  'principal.class == "unknown"',
  'principal.class == "other"',
  'principal has arn && principal.arn like "*alice*"',
  'resource.hasTag("env") && resource.getTag("env") == "production"',
  'resource.critical',
  'resource.account == "111122223333"',
  'resource.kind == "security-group"',
  'context.freeze.frozen',
  'context.freeze.sources.contains("unknown")',
  'context.freeze.atChange.declared',
  'context.incident.open',
  'context.rule >= 5',
  'context.dryRun',
  'context.time.zones["Europe/Berlin"].hour < 9',
  'context.time.utc.weekend',
  'context has difference && context.difference.axis == "exposure"',
  'resource.differences.isEmpty()',
  // Read without an attribute: the uid alone (the entity may be left out), presence only (`has`).
  'principal == Principal::"unknown"',
  'context has difference',
  'context.time has utc && context.time.utc.hour > 3',
  // Fails at evaluation (overflow): the engine must count it as forbidding, never as allowing.
  'context.time.epochSeconds * 9223372036854775807 > 0',
);

const policy = fc
  .record({
    actions: fc.subarray(ACTIONS, { minLength: 0 }),
    when: fc.array(condition, { minLength: 0, maxLength: 3 }),
    unless: fc.option(condition, { nil: undefined }),
    negate: fc.boolean(),
  })
  .map(({ actions, when, unless, negate }) => {
    const scope =
      actions.length === 0
        ? 'action'
        : actions.length === 1
          ? `action == Action::"${actions[0]}"`
          : `action in [${actions.map((a) => `Action::"${a}"`).join(', ')}]`;
    const body = when.length ? `${negate ? '!' : ''}(${when.join(' && ')})` : 'true';
    return `forbid (principal, ${scope}, resource)\nwhen { ${body} }${unless ? `\nunless { ${unless} }` : ''};`;
  });

const request: fc.Arbitrary<PolicyRequest> = fc.record({
  principal: fc.record({
    arn: fc.option(fc.constantFrom('arn:aws:sts::111122223333:assumed-role/dev/alice', 'arn:aws:iam::111122223333:user/bob'), {
      nil: null,
    }),
    class: fc.constantFrom('iac', 'breakGlass', 'self', 'other', 'unknown' as const),
  }),
  resource: fc.record({
    type: fc.constant('AWS::EC2::SecurityGroup'),
    kind: fc.constantFrom('security-group', 'observed'),
    id: fc.constant('sg-0123456789abcdef0'),
    account: fc.constantFrom('111122223333', '444455556666'),
    region: fc.constant('eu-west-1'),
    tags: fc.dictionary(fc.constantFrom('env', 'team', 'aws:cloudformation:stack-name'), fc.constantFrom('production', 'x', '')),
    critical: fc.boolean(),
    differences: fc.constant([]),
  }),
  difference: fc.option(
    fc.record({
      id: fc.constant('d1'),
      sentence: fc.constant('opened tcp/22'),
      side: fc.constant('added'),
      direction: fc.record({
        axis: fc.constantFrom('exposure', 'capacity', 'protection' as const),
        change: fc.constantFrom('widens', 'narrows' as const),
        revert: fc.constantFrom('widens', 'narrows' as const),
      }),
      madeBy: fc.constantFrom('other', 'unknown' as const),
    }),
    { nil: undefined },
  ),
  rule: fc.option(fc.constantFrom(3, 4, 5, 6), { nil: null }),
  freeze: fc.record({
    now: fc.record({ frozen: fc.boolean(), sources: fc.constant([]) }),
    atChange: fc.record({ declared: fc.boolean(), unknown: fc.boolean(), withinLookback: fc.boolean(), sources: fc.constant([]) }),
  }),
  incident: fc.option(
    fc.record({ provider: fc.constant('pagerduty'), id: fc.constant('Q1'), title: fc.constant('t'), open: fc.boolean() }),
    {
      nil: null,
    },
  ),
  at: fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true }),
  dryRun: fc.boolean(),
});

/** A random policy set as the loader takes it, or null when the schema check refuses it (start-up would stop: nothing runs). */
function loadOrNull(texts: string[], opts: { prune?: boolean } = {}): CedarPolicies | null {
  try {
    return CedarPolicies.fromSources([{ file: 'random.cedar', text: texts.join('\n\n') }], ZONES, opts);
  } catch (err) {
    if (err instanceof PolicyLoadError) return null;
    throw err;
  }
}

/** Random policy sets, and questions to ask each (a decision of the table with its request). */
const setsAndQuestions = (actions: PolicyAction[], maxLength: number) =>
  [
    fc.array(policy, { minLength: 1, maxLength: 4 }),
    fc.array(fc.tuple(fc.constantFrom(...actions), request), { minLength: 1, maxLength }),
  ] as const;

describe('property: no Cedar policy set can make a decision looser (real loader, real engine)', () => {
  it('hold and await_approval never become revert; every decision stays on its own ladder', () => {
    let loaded = 0;
    fc.assert(
      fc.property(...setsAndQuestions(['revert', 'await_approval', 'backport', 'hold'], 6), (texts, decisions) => {
        const policies = loadOrNull(texts);
        if (!policies) return;
        loaded++;
        for (const [proposed, req] of decisions) {
          const gated = applyPolicies({ action: proposed, reason: 'table' }, (a) => policies.check(req, a));
          const outcome: PolicyAction = gated.policy?.outcome ?? proposed;
          expect(reachableFrom(proposed)).toContain(outcome);
          expect(strictness(outcome)).toBeGreaterThanOrEqual(strictness(proposed));
          if (proposed === 'hold' || proposed === 'await_approval') expect(gated.action).not.toBe('revert');
          if (proposed === 'hold') expect(gated.action).toBe('hold');
          if (proposed === 'backport') expect(['backport', 'hold']).toContain(gated.action);
        }
      }),
      { numRuns: 300 },
    );
    // The generator must mostly produce loadable sets, or the property would be vacuous.
    expect(loaded).toBeGreaterThan(150);
  });

  it('a permit can never be loaded (so no policy can allow what the table did not decide)', () => {
    fc.assert(
      fc.property(policy, (text) => {
        expect(() => CedarPolicies.fromSources([{ file: 'p.cedar', text: text.replace(/^forbid/, 'permit') }], ZONES)).toThrow(
          'only forbid policies are allowed',
        );
      }),
      { numRuns: 100 },
    );
  });

  it('leaving out what no policy reads (and skipping actions no policy applies to) changes no judgement', () => {
    fc.assert(
      fc.property(...setsAndQuestions(['revert', 'await_approval', 'backport', 'tracking_issue'], 4), (texts, asks) => {
        const pruned = loadOrNull(texts);
        if (!pruned) return;
        const full = loadOrNull(texts, { prune: false })!;
        for (const [action, req] of asks) {
          const a = pruned.check(req, action);
          const b = full.check(req, action);
          expect(a.forbidden).toBe(b.forbidden);
          expect(new Set(a.matched.map((m) => m.id))).toEqual(new Set(b.matched.map((m) => m.id)));
        }
      }),
      { numRuns: 200 },
    );
  });
});
