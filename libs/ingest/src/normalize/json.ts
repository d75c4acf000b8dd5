/**
 * JSON parsing that explains failures with a position. V8's own messages only sometimes carry a
 * position ("Unexpected token '}', ... is not valid JSON" does not), so on failure a small scanner
 * finds the first offending character itself.
 */

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; message: string };

export function parseJson(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: describeJsonError(text, err) };
  }
}

function describeJsonError(text: string, err: unknown): string {
  if (text.trim() === '') return 'expected a JSON document, got an empty string';
  const located = locateJsonError(text);
  if (located) {
    const { line, column } = lineColumn(text, located.position);
    return `invalid JSON at position ${located.position} (line ${line}, column ${column}): expected ${located.expected}, got ${located.found}`;
  }
  // The scanner accepted what JSON.parse rejected (should not happen): fall back to V8's message.
  return `invalid JSON: ${err instanceof Error ? err.message : String(err)}`;
}

function lineColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: position - lineStart + 1 };
}

interface JsonErrorLocation {
  position: number;
  expected: string;
  found: string;
}

class ScanError extends Error {
  constructor(readonly location: JsonErrorLocation) {
    super('scan error');
  }
}

/** Finds the first syntax error in `text` (RFC 8259), or null if it is valid JSON. */
export function locateJsonError(text: string): JsonErrorLocation | null {
  let i = 0;
  const n = text.length;

  const found = (): string => (i >= n ? 'end of input' : JSON.stringify(text[i]));
  const fail = (expected: string): never => {
    throw new ScanError({ position: i, expected, found: found() });
  };
  const ws = (): void => {
    while (i < n) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else break;
    }
  };
  const literal = (word: string): void => {
    for (let k = 0; k < word.length; k++) {
      if (text[i] !== word[k]) fail(`"${word}"`);
      i++;
    }
  };
  const digits = (): void => {
    if (i >= n || text[i] < '0' || text[i] > '9') fail('a digit');
    while (i < n && text[i] >= '0' && text[i] <= '9') i++;
  };
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= n) fail("a closing '\"'");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('an escaped control character');
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          i++;
          for (let k = 0; k < 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail('a hex digit');
            i++;
          }
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail('a valid escape sequence');
      } else i++;
    }
  };
  // Iterative over containers so that deeply nested input cannot overflow the stack.
  const value = (): void => {
    const stack: Array<'object' | 'array'> = [];
    for (;;) {
      ws();
      const c = text[i];
      if (c === '{') {
        i++;
        ws();
        if (text[i] === '}') i++;
        else {
          stack.push('object');
          if (text[i] !== '"') fail('a property name in double quotes');
          string();
          ws();
          if (text[i] !== ':') fail("':'");
          i++;
          continue;
        }
      } else if (c === '[') {
        i++;
        ws();
        if (text[i] === ']') i++;
        else {
          stack.push('array');
          continue;
        }
      } else if (c === '"') string();
      else if (c === 't') literal('true');
      else if (c === 'f') literal('false');
      else if (c === 'n') literal('null');
      else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
      else fail('a JSON value');
      // After a complete value: close containers or move to the next element.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) return;
        ws();
        if (text[i] === ',') {
          i++;
          if (top === 'object') {
            ws();
            if (text[i] !== '"') fail('a property name in double quotes');
            string();
            ws();
            if (text[i] !== ':') fail("':'");
            i++;
          }
          break; // parse the next value
        }
        if (top === 'object' && text[i] === '}') {
          i++;
          stack.pop();
          continue;
        }
        if (top === 'array' && text[i] === ']') {
          i++;
          stack.pop();
          continue;
        }
        fail(top === 'object' ? "',' or '}'" : "',' or ']'");
      }
    }
  };

  try {
    value();
    ws();
    if (i < n) fail('end of input');
    return null;
  } catch (err) {
    if (err instanceof ScanError) return err.location;
    throw err;
  }
}
