import { formatLineRanges, parseEventLines } from './event-lines';

describe('parseEventLines', () => {
  it('numbers lines from 1 across CRLF, a BOM, blank lines and comments', () => {
    const parsed = parseEventLines('\uFEFF# header\r\n{"id":"a"}\r\n\r\n  {"id":"b"}  \r\n#{"id":"c"}\r\n');

    expect(parsed.events).toEqual([
      { line: 2, event: { id: 'a' } },
      { line: 4, event: { id: 'b' } },
    ]);
    expect(parsed.skipped).toBe(3);
    expect(parsed.invalid).toEqual([]);
  });

  it('refuses lines that are not one JSON object', () => {
    const parsed = parseEventLines('{"id":\n"text"\nnull\n42\n');

    expect(parsed.invalid.map((r) => [r.line, r.problems[0].message.replace(/:.*$/, '')])).toEqual([
      [1, 'invalid JSON'],
      [2, 'expected one event (a JSON object) per line, got a string'],
      [3, 'expected one event (a JSON object) per line, got null'],
      [4, 'expected one event (a JSON object) per line, got a number'],
    ]);
    expect(parsed.events).toEqual([]);
  });
});

describe('formatLineRanges', () => {
  it('collapses runs of consecutive lines', () => {
    expect(formatLineRanges([9, 3, 4, 5, 12, 13])).toBe('3-5, 9, 12-13');
    expect(formatLineRanges([7])).toBe('7');
    expect(formatLineRanges([])).toBe('');
  });
});
