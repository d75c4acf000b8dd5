import { closestMatch } from './suggest';

describe('closestMatch', () => {
  const keys = ['port', 'tokens', 'maxBodyBytes', 'maxEventsPerRequest'];
  it.each([
    ['tokns', 'tokens'],
    ['Tokens', 'tokens'],
    ['prot', 'port'],
    ['maxbodybytes', 'maxBodyBytes'],
    ['maxEventPerRequest', 'maxEventsPerRequest'],
    ['identity', undefined],
    ['x', undefined],
  ])('%s -> %s', (word, expected) => {
    expect(closestMatch(word, keys)).toBe(expected);
  });

  it('does not stretch short words', () => {
    expect(closestMatch('all', ['api', 'worker', 'scheduler'])).toBeUndefined();
  });
});
