import * as path from 'node:path';
import { applyPolicies, type PolicyAction } from '@driftwarden/domain';
import type { PolicyRequest } from '@driftwarden/pipeline';
import { CedarPolicies } from './cedar-policies';
import { PolicyLoadError } from './policy.errors';

const EXAMPLES = path.resolve(__dirname, '../../../examples/policies');
const ZONES = ['Europe/Berlin', 'America/New_York'];

function request(over: Partial<PolicyRequest> = {}, tags: Record<string, string> = {}): PolicyRequest {
  return {
    principal: { arn: 'arn:aws:sts::111122223333:assumed-role/dev/alice', class: 'other', session: 'alice' },
    resource: {
      type: 'AWS::EC2::SecurityGroup',
      kind: 'security-group',
      id: 'sg-0123456789abcdef0',
      account: '111122223333',
      region: 'eu-west-1',
      tags,
      critical: false,
      differences: [],
    },
    rule: 6,
    freeze: {
      now: { frozen: false, sources: [] },
      atChange: { declared: false, unknown: false, withinLookback: false, sources: [] },
    },
    incident: null,
    // Tuesday 10:00 in Berlin (09:00 UTC).
    at: new Date('2026-12-08T09:00:00Z'),
    dryRun: false,
    ...over,
  };
}

function load(text: string, file = 'p.cedar', zones = ZONES): CedarPolicies {
  return CedarPolicies.fromSources([{ file, text }], zones);
}

function loadError(text: string, file = 'p.cedar'): PolicyLoadError {
  try {
    load(text, file);
  } catch (err) {
    if (err instanceof PolicyLoadError) return err;
    throw err;
  }
  throw new Error('expected a PolicyLoadError');
}

const outcome = (p: CedarPolicies, action: PolicyAction, req: PolicyRequest) =>
  applyPolicies({ action, reason: 'table' }, (a) => p.check(req, a));

describe('CedarPolicies: the shipped examples', () => {
  const policies = CedarPolicies.load({
    files: ['production-approval.cedar', 'business-hours.cedar', 'more-examples.cedar'].map((f) => path.join(EXAMPLES, f)),
    timeZones: ZONES,
  });

  it('turns the revert of a production-tagged resource into await_approval, naming the policy and its line', () => {
    const gated = outcome(policies, 'revert', request({}, { env: 'production' }));
    expect(gated.action).toBe('await_approval');
    expect(gated.policy?.matched.map((m) => m.id)).toEqual(['production-needs-approval']);
    expect(gated.policy?.matched[0].source).toMatch(/production-approval\.cedar:11$/);
  });

  it('lets a revert in Berlin business hours through, and holds it back at 19:00 Berlin time or on a Saturday', () => {
    expect(outcome(policies, 'revert', request()).action).toBe('revert');
    expect(outcome(policies, 'revert', request({ at: new Date('2026-12-08T18:30:00Z') })).action).toBe('await_approval');
    expect(outcome(policies, 'revert', request({ at: new Date('2026-12-12T10:00:00Z') })).action).toBe('await_approval');
    // Summer time: 06:30 UTC is 08:30 in Berlin in July.
    expect(outcome(policies, 'revert', request({ at: new Date('2026-07-07T06:30:00Z') })).action).toBe('revert');
  });

  it('asks Cedar once for a question asked again (the differences of one change), never answering a changed one from before', () => {
    const p = CedarPolicies.load({
      files: ['production-approval.cedar', 'business-hours.cedar', 'more-examples.cedar'].map((f) => path.join(EXAMPLES, f)),
      timeZones: ZONES,
    });
    const first = p.check(request(), 'revert');
    const asked = p.asked;
    expect(p.check(request(), 'revert')).toEqual(first);
    expect(p.asked).toBe(asked);
    // Frozen: an answer handed out again cannot have been changed by an earlier caller.
    expect(Object.isFrozen(first) && Object.isFrozen(first.matched)).toBe(true);
    // Anything the policies read, changed, is a new question: 19:00 in Berlin, a production tag.
    expect(outcome(p, 'revert', request({ at: new Date('2026-12-08T18:30:00Z') })).action).toBe('await_approval');
    expect(outcome(p, 'revert', request({}, { env: 'production' })).policy?.matched.map((m) => m.id)).toEqual([
      'production-needs-approval',
    ]);
    expect(p.asked).toBeGreaterThan(asked + 1);
    expect(outcome(p, 'revert', request()).action).toBe('revert');
  });

  it('follows New York hours for a resource tagged team-zone=America/New_York', () => {
    // 19:00 in Berlin is 13:00 in New York.
    const late = request({ at: new Date('2026-12-08T18:00:00Z') }, { 'team-zone': 'America/New_York' });
    expect(outcome(policies, 'revert', late).action).toBe('revert');
  });

  it('opens a tracking issue instead of a backport PR for a PCI resource', () => {
    const gated = outcome(policies, 'backport', request({ rule: 3 }, { compliance: 'pci' }));
    expect(gated).toMatchObject({ action: 'backport', policy: { outcome: 'tracking_issue', matched: [{ id: 'pci-backports-by-hand' }] } });
  });

  it('holds everything in the payments account while an incident is open', () => {
    const incident = { provider: 'pagerduty', id: 'Q1', title: 'db down', open: true };
    const req = request({ incident, resource: { ...request().resource, account: '444455556666' } });
    expect(outcome(policies, 'revert', req).action).toBe('hold');
    expect(outcome(policies, 'await_approval', req).action).toBe('hold');
    expect(outcome(policies, 'revert', { ...req, incident: null }).action).toBe('revert');
    // Resolved (in cooldown): not open.
    expect(outcome(policies, 'revert', { ...req, incident: { ...incident, open: false } }).action).toBe('revert');
  });

  it('reads the difference being decided (capacity reverts that lower capacity)', () => {
    const difference = {
      id: 'desired',
      sentence: 'raised desired capacity 2 → 6',
      side: 'changed',
      direction: { axis: 'capacity' as const, change: 'raises' as const, revert: 'lowers' as const },
      madeBy: 'other' as const,
    };
    expect(outcome(policies, 'revert', request({ difference })).action).toBe('await_approval');
    expect(outcome(policies, 'revert', request()).action).toBe('revert');
  });

  it('uses the principal (unknown principals never reverted unattended)', () => {
    expect(outcome(policies, 'revert', request({ principal: { arn: null, class: 'unknown' } })).action).toBe('await_approval');
  });
});

describe('CedarPolicies: loading fails with the file and line of the problem', () => {
  it('a syntax error: file, line and column', () => {
    const err = loadError(
      '// ok\n@id("a")\nforbid (principal, action, resource)\nwhen { resource.account == };\n',
      'policies/broken.cedar',
    );
    expect(err.message).toContain('policies/broken.cedar:4:28');
    expect(err.problems).toEqual([expect.objectContaining({ file: 'policies/broken.cedar', line: 4, column: 28 })]);
  });

  it('a permit policy (policies only make decisions stricter)', () => {
    const err = loadError('\n\npermit (principal, action, resource);');
    expect(err.problems).toEqual([
      { file: 'p.cedar', line: 3, message: expect.stringContaining('only forbid policies are allowed') as string },
    ]);
  });

  it('a misspelt attribute, caught by the schema check, on its own line', () => {
    const err = loadError('@id("x")\nforbid (principal, action == Action::"revert", resource)\nwhen {\n  resource.tag == "x"\n};');
    expect(err.problems).toEqual([
      {
        file: 'p.cedar',
        line: 4,
        column: 3,
        message: expect.stringMatching(/attribute `tag` on entity type `Resource` not found/) as string,
      },
    ]);
  });

  it('an unknown action, and a time zone that policies.timeZones does not list', () => {
    expect(loadError('forbid (principal, action == Action::"delete", resource);').message).toMatch(/p\.cedar:1.*delete/s);
    const err = loadError('forbid (principal, action, resource) when { context.time.zones["Asia/Tokyo"].hour < 9 };');
    expect(err.message).toMatch(/p\.cedar:1:\d+: .*Asia\/Tokyo/);
  });

  it('duplicate ids across files name both places', () => {
    expect(() =>
      CedarPolicies.fromSources(
        [
          { file: 'a.cedar', text: '@id("same") forbid (principal, action, resource);' },
          { file: 'b.cedar', text: '\n@id("same") forbid (principal, action, resource);' },
        ],
        [],
      ),
    ).toThrow('b.cedar:2: duplicate policy id "same" (first at a.cedar:1)');
  });

  it('a missing file, named by its config key', () => {
    expect(() => CedarPolicies.load({ files: ['/nonexistent/x.cedar'], timeZones: [] })).toThrow(
      'cannot read the policy file named by policies.files[0]: it does not exist',
    );
  });

  it('counts a line after non-ASCII text correctly (Cedar reports byte offsets)', () => {
    const err = loadError('// Prüfung – «ä»\nforbid (principal, action, resource) when { 1 + };');
    expect(err.problems[0]).toMatchObject({ line: 2, column: 49 });
  });
});

describe('CedarPolicies: evaluation', () => {
  it('an empty policy set forbids nothing', () => {
    const p = load('');
    expect(p.size).toBe(0);
    expect(p.check(request(), 'revert')).toEqual({ forbidden: false, matched: [] });
  });

  it('ids default to file:line; every matching forbid is named', () => {
    const p = load(
      'forbid (principal, action == Action::"revert", resource);\n\nforbid (principal, action, resource) when { resource.critical == false };',
    );
    expect(p.check(request(), 'revert')).toEqual({
      forbidden: true,
      matched: expect.arrayContaining([
        { id: 'p.cedar:1', source: 'p.cedar:1' },
        { id: 'p.cedar:3', source: 'p.cedar:3' },
      ]) as unknown[],
    });
    expect(p.check(request(), 'await_approval').matched).toEqual([{ id: 'p.cedar:3', source: 'p.cedar:3' }]);
  });

  it('a policy that fails while evaluating forbids (fail closed) and says why', () => {
    // Long overflow is a runtime error the validator cannot see.
    const p = load('@id("overflow") forbid (principal, action, resource) when { context.time.epochSeconds * 9223372036854775807 > 0 };');
    const judgement = p.check(request(), 'revert');
    expect(judgement.forbidden).toBe(true);
    expect(judgement.matched).toEqual([{ id: 'overflow', source: 'p.cedar:1', error: expect.stringMatching(/overflow/) as string }]);
  });

  it('two loaded sets in one process do not see each other', () => {
    const a = load('forbid (principal, action == Action::"revert", resource);');
    const b = load('forbid (principal, action == Action::"backport", resource);');
    expect(a.check(request(), 'revert').forbidden).toBe(true);
    expect(b.check(request(), 'revert').forbidden).toBe(false);
  });
});
