import { PermanentError } from '../errors';
import {
  InvalidPrincipalPatternError,
  PrincipalClassifier,
  PrincipalPatterns,
  classifyPrincipal,
  globToRegExp,
  roleNameOf,
  sessionNameOf,
  userNameOf,
} from './classify';

const patterns: PrincipalPatterns = {
  iac: ['arn:aws:sts::*:assumed-role/terraform-apply/*'],
  breakGlass: ['arn:aws:sts::*:assumed-role/BreakGlass*/*'],
  self: ['arn:aws:sts::*:assumed-role/driftwarden/*'],
};

describe('PrincipalClassifier', () => {
  const classifier = new PrincipalClassifier(patterns);

  it.each([
    ['arn:aws:sts::111122223333:assumed-role/terraform-apply/gha-run-42', 'iac'],
    ['arn:aws:sts::111122223333:assumed-role/driftwarden/driftwarden-worker', 'self'],
    ['arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/alice', 'breakGlass'],
    ['arn:aws:sts::111122223333:assumed-role/BreakGlass/alice', 'breakGlass'],
    ['arn:aws:sts::111122223333:assumed-role/Developer/bob', 'other'],
    ['arn:aws:iam::111122223333:user/carol', 'other'],
    ['arn:aws:iam::111122223333:root', 'other'],
    // a pattern does not match a longer role name unless the glob allows it
    ['arn:aws:sts::111122223333:assumed-role/terraform-apply-evil/x', 'other'],
    ['arn:aws:sts::111122223333:assumed-role/driftwarden2/x', 'other'],
    // `*` spans `/` and `:`: the session part may be anything, the account part too
    ['arn:aws:sts::111122223333:assumed-role/terraform-apply/a/b', 'iac'],
    ['arn:aws:sts::111122223333:assumed-role/BreakGlass/Admin/alice', 'breakGlass'],
    // anchored at both ends
    ['xarn:aws:sts::111122223333:assumed-role/terraform-apply/x', 'other'],
    ['arn:aws:sts::111122223333:assumed-role/terraform-apply', 'other'],
    // case-sensitive
    ['arn:aws:sts::111122223333:assumed-role/breakglassadmin/alice', 'other'],
    // a different partition is not matched by an `arn:aws:` pattern
    ['arn:aws-cn:sts::111122223333:assumed-role/terraform-apply/x', 'other'],
  ] as const)('%s -> %s', (arn, expected) => {
    expect(classifier.classify(arn)).toBe(expected);
  });

  it.each([null, undefined, '', '   '])('%j -> unknown', (arn) => {
    expect(classifier.classify(arn)).toBe('unknown');
  });

  it('precedence is self > iac > breakGlass > other', () => {
    const arn = 'arn:aws:sts::111122223333:assumed-role/shared/x';
    const all = ['arn:aws:sts::*:assumed-role/shared/*'];
    expect(classifyPrincipal(arn, { self: all, iac: all, breakGlass: all })).toBe('self');
    expect(classifyPrincipal(arn, { self: [], iac: all, breakGlass: all })).toBe('iac');
    expect(classifyPrincipal(arn, { self: [], iac: [], breakGlass: all })).toBe('breakGlass');
    expect(classifyPrincipal(arn, { self: [], iac: [], breakGlass: [] })).toBe('other');
  });

  it('treats regex metacharacters in patterns literally', () => {
    const p: PrincipalPatterns = {
      iac: ['arn:aws:iam::123456789012:user/ci.bot+(deploy)'],
      breakGlass: ['arn:aws:sts::1:assumed-role/[a-z]/?'],
      self: ['arn:aws:sts::1:assumed-role/a|b/^$\\{1}'],
    };
    const c = new PrincipalClassifier(p);
    expect(c.classify('arn:aws:iam::123456789012:user/ci.bot+(deploy)')).toBe('iac');
    expect(c.classify('arn:aws:iam::123456789012:user/cixbot+(deploy)')).toBe('other');
    expect(c.classify('arn:aws:iam::123456789012:user/ci.bottt(deploy)')).toBe('other');
    expect(c.classify('arn:aws:sts::1:assumed-role/[a-z]/?')).toBe('breakGlass');
    expect(c.classify('arn:aws:sts::1:assumed-role/q/x')).toBe('other');
    expect(c.classify('arn:aws:sts::1:assumed-role/a|b/^$\\{1}')).toBe('self');
    expect(c.classify('arn:aws:sts::1:assumed-role/a')).toBe('other');
  });

  it('rejects an empty pattern naming where it is', () => {
    let caught: unknown;
    try {
      new PrincipalClassifier({ iac: ['arn:aws:sts::*:assumed-role/tf/*', ' '], breakGlass: [], self: [] });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidPrincipalPatternError);
    expect(caught).toBeInstanceOf(PermanentError);
    expect((caught as InvalidPrincipalPatternError).message).toMatch(/^principals\.iac\[1\]: /);
    expect((caught as InvalidPrincipalPatternError).code).toBe('invalid_principal_pattern');
  });
});

describe('globToRegExp', () => {
  it('matches any run of characters, including none, with *', () => {
    const re = globToRegExp('a*b');
    expect(re.test('ab')).toBe(true);
    expect(re.test('a/:\nb')).toBe(true);
    expect(re.test('a/b/c')).toBe(false);
  });

  it('escapes every ASCII punctuation character', () => {
    const punctuation = '!"#$%&\'()+,-./:;<=>?@[\\]^_`{|}~';
    for (const ch of punctuation) {
      const re = globToRegExp(`x${ch}y`);
      expect(re.test(`x${ch}y`)).toBe(true);
      expect(re.test('xzy')).toBe(false);
    }
  });
});

describe('ARN parts', () => {
  it('sessionNameOf returns the last segment of an assumed-role ARN', () => {
    expect(sessionNameOf('arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/alice@example.com')).toBe('alice@example.com');
    expect(sessionNameOf('arn:aws-us-gov:sts::111122223333:assumed-role/R/bob')).toBe('bob');
  });

  it.each([
    'arn:aws:iam::111122223333:user/alice',
    'arn:aws:iam::111122223333:role/BreakGlassAdmin',
    'arn:aws:sts::111122223333:assumed-role/NoSession',
    'arn:aws:sts::111122223333:federated-user/bob',
    '',
    null,
    undefined,
  ])('sessionNameOf(%j) is undefined', (arn) => {
    expect(sessionNameOf(arn)).toBeUndefined();
  });

  it('roleNameOf returns the role of an assumed-role ARN', () => {
    expect(roleNameOf('arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/alice')).toBe('BreakGlassAdmin');
    expect(roleNameOf('arn:aws:iam::111122223333:user/alice')).toBeUndefined();
  });

  it('userNameOf returns the user of an IAM user ARN, without its path', () => {
    expect(userNameOf('arn:aws:iam::111122223333:user/alice')).toBe('alice');
    expect(userNameOf('arn:aws:iam::111122223333:user/ops/admins/alice')).toBe('alice');
    expect(userNameOf('arn:aws:sts::111122223333:assumed-role/R/alice')).toBeUndefined();
    expect(userNameOf(null)).toBeUndefined();
  });
});
