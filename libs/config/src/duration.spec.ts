import { InvalidDurationError, parseDuration, tryParseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['14d', 1_209_600_000],
    ['0s', 0],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['', 'an empty string'],
    ['14x', '"14x"'],
    ['1h30m', '"1h30m"'],
    ['1.5h', '"1.5h"'],
    ['-1h', '"-1h"'],
    [' 1h', '" 1h"'],
    ['1H', '"1H"'],
    ['h', '"h"'],
    ['99999999999999999d', '"99999999999999999d"'],
  ])('rejects %j with a clear error', (text, shown) => {
    expect(() => parseDuration(text)).toThrow(InvalidDurationError);
    expect(() => parseDuration(text)).toThrow(
      `expected a duration like 90s, 30m, 2h or 14d (a whole number and one unit: s, m, h, d), found ${shown}`,
    );
  });

  it('rejects a value that is not a string, whatever the static type says', () => {
    expect(() => parseDuration(5 as unknown as string)).toThrow('found a number');
  });

  it('tryParseDuration answers undefined instead of throwing', () => {
    expect(tryParseDuration('2h')).toBe(7_200_000);
    expect(tryParseDuration('2 hours')).toBeUndefined();
  });
});
