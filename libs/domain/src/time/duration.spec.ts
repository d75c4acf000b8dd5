import fc from 'fast-check';
import { PermanentError } from '../errors';
import { InvalidDurationError, formatDuration, parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['14d', 1_209_600_000],
    ['0s', 0],
    [' 15m ', 900_000],
  ])('%j -> %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '90', 's', '1.5h', '-5m', '2 h', '2H', '1w', '1h30m', '500ms', 'PT1H', 'abc', '9'.repeat(20) + 'd'])(
    'rejects %j with a clear message',
    (text) => {
      expect(() => parseDuration(text)).toThrow(`expected a duration like 90s, 30m, 2h or 1d, got ${JSON.stringify(text)}`);
    },
  );

  it('throws a permanent error with a stable code', () => {
    let caught: unknown;
    try {
      parseDuration('soon');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidDurationError);
    expect(caught).toBeInstanceOf(PermanentError);
    expect((caught as InvalidDurationError).code).toBe('invalid_duration');
    expect((caught as InvalidDurationError).message).toBe('expected a duration like 90s, 30m, 2h or 1d, got "soon"');
  });

  it('names a value that is not a string', () => {
    expect(() => parseDuration(3600 as unknown as string)).toThrow('expected a duration like 90s, 30m, 2h or 1d, got number 3600');
    expect(() => parseDuration(undefined as unknown as string)).toThrow('got nothing');
    expect(() => parseDuration(null as unknown as string)).toThrow('got null');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [90_000, '90s'],
    [60_000, '1m'],
    [1_800_000, '30m'],
    [5_400_000, '90m'],
    [7_200_000, '2h'],
    [86_400_000, '1d'],
    [90_000_000, '25h'],
    [1_209_600_000, '14d'],
    [3_723_000, '3723s'],
    [1, '1s'],
    [59_001, '1m'],
    [89_500, '90s'],
  ])('%d ms -> %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects %d', (ms) => {
    expect(() => formatDuration(ms)).toThrow(RangeError);
  });

  it('round-trips whole seconds through parseDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400 }), (seconds) => {
        expect(parseDuration(formatDuration(seconds * 1000))).toBe(seconds * 1000);
      }),
    );
  });

  it('round-trips parsed strings to an equivalent duration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom('s', 'm', 'h', 'd'), (n, unit) => {
        const ms = parseDuration(`${n}${unit}`);
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});
