import fc from 'fast-check';
import { locateJsonError, parseJson } from './json';

describe('locateJsonError', () => {
  it.each([
    { text: '{"a":}', position: 5, expected: 'a JSON value', found: '"}"' },
    { text: '{"a":1', position: 6, expected: "',' or '}'", found: 'end of input' },
    { text: '[1,2,]', position: 5, expected: 'a JSON value', found: '"]"' },
    { text: '{"a":1}x', position: 7, expected: 'end of input', found: '"x"' },
    { text: '{a:1}', position: 1, expected: 'a property name in double quotes', found: '"a"' },
    { text: '"abc', position: 4, expected: "a closing '\"'", found: 'end of input' },
    { text: '01', position: 1, expected: 'end of input', found: '"1"' },
    { text: '1.', position: 2, expected: 'a digit', found: 'end of input' },
    { text: '"\\x"', position: 2, expected: 'a valid escape sequence', found: '"x"' },
    { text: '"a\nb"', position: 2, expected: 'an escaped control character', found: '"\\n"' },
    { text: '{"a" 1}', position: 5, expected: "':'", found: '"1"' },
  ])('$text → position $position', ({ text, position, expected, found }) => {
    expect(locateJsonError(text)).toEqual({ position, expected, found });
  });

  it('handles deep nesting without overflowing the stack', () => {
    expect(locateJsonError('['.repeat(200_000))).toEqual({ position: 200_000, expected: 'a JSON value', found: 'end of input' });
  });

  it('agrees with JSON.parse on what is valid', () => {
    const mutatedJson = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', '{', '}', '[', ']', ',', ':', '"', '\\', 'x', '1', '-', '.', 'e', ' '))
      .map(([json, at, insert]) => json.slice(0, at % (json.length + 1)) + insert + json.slice(at % (json.length + 1)));
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), mutatedJson), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(locateJsonError(text) === null).toBe(valid);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseJson', () => {
  it('parses valid JSON', () => {
    expect(parseJson('{"a":[1,null]}')).toEqual({ ok: true, value: { a: [1, null] } });
  });
  it('names line and column on a multi-line document', () => {
    expect(parseJson('{\n  "a": 1,\n  "b": }')).toEqual({
      ok: false,
      message: 'invalid JSON at position 19 (line 3, column 8): expected a JSON value, got "}"',
    });
  });
  it('says so for blank input', () => {
    expect(parseJson('  \n')).toEqual({ ok: false, message: 'expected a JSON document, got an empty string' });
  });
});
