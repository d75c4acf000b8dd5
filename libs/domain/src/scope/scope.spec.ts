import { Scope, ScopeTarget, isUnscoped, scopeCovers } from './scope';

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
