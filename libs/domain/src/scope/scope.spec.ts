import { Scope, ScopeTarget, isUnscoped, parseScope, scopeCovers } from './scope';

const sg: ScopeTarget = {
  account: '111122223333',
  region: 'eu-west-1',
  type: 'AWS::EC2::SecurityGroup',
  tags: { tier: 'critical', team: 'payments' },
};

describe('scopeCovers', () => {
  const cases: [string, Scope | undefined, boolean][] = [
    ['no scope covers everything', undefined, true],
    ['an empty scope covers everything', {}, true],
    ['empty lists cover everything', { accounts: [], regions: [], resourceTypes: [], tags: {} }, true],
    ['matching account', { accounts: ['444455556666', '111122223333'] }, true],
    ['other account', { accounts: ['444455556666'] }, false],
    ['matching region', { regions: ['eu-west-1'] }, true],
    ['other region', { regions: ['us-east-1'] }, false],
    ['matching resource type', { resourceTypes: ['AWS::EC2::SecurityGroup'] }, true],
    ['other resource type', { resourceTypes: ['AWS::S3::Bucket'] }, false],
    ['one matching tag', { tags: { tier: 'critical' } }, true],
    ['all tags matching', { tags: { tier: 'critical', team: 'payments' } }, true],
    ['one tag value differs', { tags: { tier: 'critical', team: 'search' } }, false],
    ['a required tag is absent', { tags: { env: 'prod' } }, false],
    ['tag values are case-sensitive', { tags: { tier: 'Critical' } }, false],
    [
      'every dimension matching',
      {
        accounts: ['111122223333'],
        regions: ['eu-west-1'],
        resourceTypes: ['AWS::EC2::SecurityGroup'],
        tags: { team: 'payments' },
      },
      true,
    ],
    ['all but one dimension matching', { accounts: ['111122223333'], regions: ['eu-central-1'] }, false],
  ];

  it.each(cases)('%s', (_name, scope, expected) => {
    expect(scopeCovers(scope, sg)).toBe(expected);
  });

  it('a tag inherited from Object.prototype does not satisfy a required tag', () => {
    expect(scopeCovers({ tags: { toString: 'x' } }, { ...sg, tags: {} })).toBe(false);
  });

  it('null scope covers everything', () => {
    expect(scopeCovers(null, sg)).toBe(true);
  });
});

describe('isUnscoped', () => {
  it.each([
    [undefined, true],
    [{}, true],
    [{ accounts: [], tags: {} }, true],
    [{ accounts: ['111122223333'] }, false],
    [{ tags: { a: 'b' } }, false],
  ] as [Scope | undefined, boolean][])('%j -> %s', (scope, expected) => {
    expect(isUnscoped(scope)).toBe(expected);
  });
});

describe('parseScope (a scope given through the API)', () => {
  const ok = (value: unknown) => {
    const r = parseScope(value);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    return r.scope;
  };
  const problems = (value: unknown) => {
    const r = parseScope(value);
    if (r.ok) throw new Error(`accepted ${JSON.stringify(value)}`);
    return r.problems;
  };

  it('keeps a valid scope exactly as given', () => {
    const given = {
      accounts: ['111122223333'],
      regions: ['us-gov-west-1', 'eu-west-1'],
      resourceTypes: ['AWS::EC2::SecurityGroup'],
      tags: { team: 'payments', 'aws:cloudformation:stack-name': 'net', hasOwnProperty: 'x' },
    };
    const scope = ok(JSON.parse(JSON.stringify(given)));
    expect(scope).toEqual(given);
    expect(JSON.parse(JSON.stringify(scope))).toEqual(given);
    expect(Object.keys(scope.tags ?? {})).toEqual(['team', 'aws:cloudformation:stack-name', 'hasOwnProperty']);
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses the tag key %s at its own path (it would vanish and widen the scope)',
    (key) => {
      // As JSON.parse builds it: an own property, not a prototype.
      const value = JSON.parse(`{"tags":{"${key}":"team-x"}}`) as unknown;
      expect(problems(value)).toEqual([{ path: ['tags', key], message: expect.stringContaining('reserved object key') }]);
    },
  );

  it('refuses an unknown key at its own path, __proto__ included', () => {
    expect(problems(JSON.parse('{"accounts":["111122223333"],"__proto__":{"accounts":[]},"account":"x"}'))).toEqual([
      { path: ['__proto__'], message: expect.stringContaining('unknown key') },
      { path: ['account'], message: expect.stringContaining('unknown key') },
    ]);
  });

  it.each([
    [{}, [], /empty scope would cover everything/],
    [{ tags: {} }, ['tags'], /expected 1 to 50 tags/],
    [{ accounts: [] }, ['accounts'], /expected 1 to 1000 items/],
    [null, [], /expected an object/],
    [[], [], /expected an object/],
    ['global', [], /expected an object/],
    [{ accounts: '111122223333' }, ['accounts'], /expected a list/],
    [{ accounts: ['not-an-account'] }, ['accounts', 0], /12-digit/],
    [{ accounts: ['111122223333', 111122223333] }, ['accounts', 1], /12-digit.*number/],
    [{ regions: ['../../etc/passwd'] }, ['regions', 0], /AWS region/],
    [{ resourceTypes: ['AWS::EC2::*'] }, ['resourceTypes', 0], /resource type/],
    [{ tags: { team: 42 } }, ['tags', 'team'], /string tag value/],
    [{ tags: { '': 'x' } }, ['tags', ''], /1 to 128 characters/],
    [{ tags: { team: 'a\nb' } }, ['tags', 'team'], /control characters/],
    [{ tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, ['tags'], /expected 1 to 50 tags/],
  ] as [unknown, (string | number)[], RegExp][])('refuses %j at %j', (value, path, message) => {
    expect(problems(value)).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
  });

  it('never returns a scope that covers more than the one given', () => {
    // Every accepted scope restricts something.
    for (const v of [{ accounts: ['111122223333'] }, { tags: { a: '' } }, { regions: ['eu-west-1'] }])
      expect(isUnscoped(ok(v))).toBe(false);
  });
});
