/**
 * An incremental reader of a Terraform state's JSON bytes (CONTRACTS.md §E1) that never holds
 * more than one resource (or one top-level value) at a time and materialises almost nothing:
 *
 * - every byte is checked against the JSON grammar (structure, strings and their escapes,
 *   numbers, literals), as strictly as `JSON.parse` checks it;
 * - of each element of `resources` only the address fields are decoded (`module`, `mode`,
 *   `type`, `name`, and per instance `index_key`, `deposed`, `attributes.id`,
 *   `attributes.arn`), into a small `ResourceOutline`; the element's byte range is handed on
 *   too, for the caller to `JSON.parse` the few resources whose attributes it keeps;
 * - of the other top-level members only `version`, `serial`, `lineage`, `terraform_version`
 *   (and a `resources` that is not an array) are decoded.
 *
 * Bytes arrive in chunks; a value cut by a chunk boundary is read again, whole, once enough
 * bytes have arrived (at least twice what was there before, so a huge resource is walked a
 * bounded number of times). Multi-byte UTF-8 never contains an ASCII byte, so the walk is on
 * bytes; strings are decoded as UTF-8 only where they are kept.
 *
 * Why not a streaming JSON parser from npm: measured on a 270 MiB state (100,000 resources),
 * stream-json 3.8's tokenizer alone took 2.2–2.6 s and @streamparser/json's 3.3 s, before any
 * value was assembled, against a goal of 2 s for the whole index; a token per key and value is
 * the cost. This walk allocates nothing for what it skips and leaves the kept resources to
 * V8's JSON.parse. read-state-stream.spec.ts holds it to JSON.parse's verdicts (generated
 * states in random chunks, every chunk boundary, mutations that break the JSON).
 */

/** A syntax problem, at a byte offset from the start of the input. */
export class StateJsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    /** `resources[12]`, `serial`, or undefined at the top level. */
    readonly where?: string,
    /**
     * `syntax`: not JSON; `truncated`: the input ended before the document did; `not_object`:
     * JSON, but not an object at the top; `too_large`: one value over `maxValueBytes`.
     */
    readonly reason: 'syntax' | 'truncated' | 'not_object' | 'too_large' = 'syntax',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StateJsonSyntaxError';
  }
}

/** The address fields of one instance, as decoded (absent keys are undefined). */
export interface InstanceOutline {
  index_key?: unknown;
  deposed?: unknown;
  /** `{id, arn}` (those present) when `attributes` is an object; else its value (null, or a wrong type). */
  attributes?: unknown;
}

/** The address fields of one resource, as decoded; anything of the wrong JSON type is kept as is, for the caller to report. */
export interface ResourceOutline {
  module?: unknown;
  mode?: unknown;
  type?: unknown;
  name?: unknown;
  /** An array of outlines (or, for an element that is not an object, its value); else the value of `instances`. */
  instances?: unknown;
}

export interface StateJsonHandlers {
  /** A top-level `version`, `serial`, `lineage`, `terraform_version`, or a `resources` that is not an array (already parsed). */
  member(key: string, value: unknown): void;
  /**
   * `resources[position]`: `whole`, the element parsed, when it is not an object or its type
   * is one `parsedWhole` accepted; else its outline (and its bytes `bytes[start, end)`, valid
   * JSON, for a caller that wants it whole after all).
   */
  resource(position: number, outline: ResourceOutline | undefined, whole: unknown, bytes: Buffer, start: number, end: number): void;
}

export interface StateJsonScannerOptions {
  /** A single value (one resource, one top-level member) larger than this is refused (default 256 MiB). */
  maxValueBytes?: number;
  /**
   * Resource types the caller will parse whole (it receives their bytes): once such a type is
   * seen, the rest of the resource is only delimited, and JSON.parse checks it.
   */
  parsedWhole?: (type: unknown) => boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_U = 0x75;

/** Returned by a reader that ran out of bytes before its value ended. */
const NEED_MORE = -1;
/** Deeper nesting is refused (a Terraform state nests a few dozen levels at most). */
const MAX_DEPTH = 512;

/** A problem at index `at` of the buffer being walked (the scanner makes the offset absolute). */
class WalkError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

/** Bytes allowed after a backslash (besides `u`). */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const ch of '"\\/bfnrt') SIMPLE_ESCAPE[ch.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const ch of '0123456789abcdefABCDEF') HEX[ch.charCodeAt(0)] = 1;

function printable(c: number | undefined): string {
  if (c === undefined) return 'the end';
  return c >= 0x20 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

/** JSON whitespace. */
const WHITESPACE = new Uint8Array(256);
for (const c of [0x20, 0x0a, 0x0d, 0x09]) WHITESPACE[c] = 1;
/** Bytes that end a run of plain string content: the quote, the backslash, control characters. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[0x22] = 1;
STRING_STOP[0x5c] = 1;

function skipWhitespace(b: Buffer, i: number, n: number): number {
  while (i < n && WHITESPACE[b[i] as number] === 1) i++;
  return i;
}

/** Whether the last string `stringEnd` walked had an escape (keys are compared as bytes unless so). */
let lastStringEscaped = false;

/** `b[i]` is a quote: the index after the closing quote, NEED_MORE, or throws. */
function stringEnd(b: Buffer, i: number, n: number): number {
  lastStringEscaped = false;
  let j = i + 1;
  for (;;) {
    while (j < n && STRING_STOP[b[j] as number] === 0) j++;
    if (j >= n) return NEED_MORE;
    const c = b[j] as number;
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH) {
      lastStringEscaped = true;
      if (j + 1 >= n) return NEED_MORE;
      const e = b[j + 1] as number;
      if (e === LOWER_U) {
        if (j + 5 >= n) return NEED_MORE;
        for (let k = j + 2; k < j + 6; k++) if (!HEX[b[k] as number]) throw new WalkError('invalid \\u escape in a string', k);
        j += 6;
        continue;
      }
      if (!SIMPLE_ESCAPE[e]) throw new WalkError(`invalid escape \\${String.fromCharCode(e)} in a string`, j);
      j += 2;
      continue;
    }
    throw new WalkError('unescaped control character in a string', j);
  }
}

function digitsEnd(b: Buffer, i: number, n: number): number {
  while (i < n) {
    const c = b[i] as number;
    if (c < ZERO || c > NINE) break;
    i++;
  }
  return i;
}

/** A number starting at `i`: the index after it, NEED_MORE (it may go on), or throws. */
function numberEnd(b: Buffer, i: number, n: number): number {
  let j = i;
  if (b[j] === MINUS) j++;
  if (j >= n) return NEED_MORE;
  const first = b[j] as number;
  if (first === ZERO) j++;
  else if (first > ZERO && first <= NINE) j = digitsEnd(b, j + 1, n);
  else throw new WalkError(`invalid number: ${printable(first)} after "-"`, j);
  if (j >= n) return NEED_MORE;
  if (b[j] === DOT) {
    const k = digitsEnd(b, j + 1, n);
    if (k >= n) return NEED_MORE;
    if (k === j + 1) throw new WalkError('invalid number: no digit after "."', k);
    j = k;
  }
  if (b[j] === LOWER_E || b[j] === UPPER_E) {
    j++;
    if (j >= n) return NEED_MORE;
    if (b[j] === PLUS || b[j] === MINUS) j++;
    const k = digitsEnd(b, j, n);
    if (k >= n) return NEED_MORE;
    if (k === j) throw new WalkError('invalid number: no digit in the exponent', k);
    j = k;
  }
  return j;
}

const LITERALS: Record<number, Buffer> = { 0x74: Buffer.from('true'), 0x66: Buffer.from('false'), 0x6e: Buffer.from('null') };

/** Any JSON value at `i`: the index after it, NEED_MORE, or throws. */
function valueEnd(b: Buffer, i: number, n: number, depth: number): number {
  const c = b[i] as number;
  if (c === QUOTE) return stringEnd(b, i, n);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) return containerEnd(b, i, n, depth + 1);
  if (c === MINUS || (c >= ZERO && c <= NINE)) return numberEnd(b, i, n);
  return literalEnd(b, i, n, c);
}

function literalEnd(b: Buffer, i: number, n: number, c: number): number {
  const literal = LITERALS[c];
  if (literal) {
    for (let k = 1; k < literal.length; k++) {
      if (i + k >= n) return NEED_MORE;
      if (b[i + k] !== literal[k]) throw new WalkError(`invalid literal (expected ${literal.toString()})`, i + k);
    }
    return i + literal.length;
  }
  throw new WalkError(`expected a value, found ${printable(c)}`, i);
}

// What `containerEnd` expects next.
const X_VALUE = 0;
const X_VALUE_OR_CLOSE = 1;
const X_KEY = 2;
const X_KEY_OR_CLOSE = 3;
const X_COMMA_OR_CLOSE = 4;
/** Per open container of `containerEnd`: 1 object, 2 array. */
const OPEN_KINDS = new Uint8Array(MAX_DEPTH + 2);

/**
 * The object or array at `b[i]` (nesting `depth` counts it): the index after it, NEED_MORE, or
 * throws. One loop with its own stack of open containers, not a call per value: most of a
 * state's bytes are read past here, and strings and whitespace go by in tight inner loops.
 */
function containerEnd(b: Buffer, i: number, n: number, depth: number): number {
  const base = depth - 1;
  let top = 0;
  let expect = X_VALUE;
  for (;;) {
    while (i < n && WHITESPACE[b[i] as number] === 1) i++;
    if (i >= n) return NEED_MORE;
    const c = b[i] as number;
    if (expect === X_COMMA_OR_CLOSE) {
      const open = OPEN_KINDS[top];
      if (c === COMMA) {
        expect = open === 1 ? X_KEY : X_VALUE;
        i++;
        continue;
      }
      if (c !== (open === 1 ? CLOSE_BRACE : CLOSE_BRACKET))
        throw new WalkError(
          `expected "," or "${open === 1 ? '}' : ']'}" in ${open === 1 ? 'an object' : 'an array'}, found ${printable(c)}`,
          i,
        );
      i++;
      if (--top === 0) return i;
      continue;
    }
    if (expect === X_KEY || expect === X_KEY_OR_CLOSE) {
      if (c === CLOSE_BRACE && expect === X_KEY_OR_CLOSE) {
        i++;
        if (--top === 0) return i;
        expect = X_COMMA_OR_CLOSE;
        continue;
      }
      if (c !== QUOTE) throw new WalkError(`expected a key, found ${printable(c)}`, i);
      i = stringEnd(b, i, n);
      if (i < 0) return NEED_MORE;
      while (i < n && WHITESPACE[b[i] as number] === 1) i++;
      if (i >= n) return NEED_MORE;
      if (b[i] !== COLON) throw new WalkError(`expected ":" after a key, found ${printable(b[i])}`, i);
      i++;
      expect = X_VALUE;
      continue;
    }
    if (expect === X_VALUE_OR_CLOSE && c === CLOSE_BRACKET) {
      i++;
      if (--top === 0) return i;
      expect = X_COMMA_OR_CLOSE;
      continue;
    }
    // A value.
    if (c === QUOTE) {
      i = stringEnd(b, i, n);
      if (i < 0) return NEED_MORE;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (base + top + 1 > MAX_DEPTH) throw new WalkError(`nested deeper than ${MAX_DEPTH} levels`, i);
      OPEN_KINDS[++top] = c === OPEN_BRACE ? 1 : 2;
      expect = c === OPEN_BRACE ? X_KEY_OR_CLOSE : X_VALUE_OR_CLOSE;
      i++;
      continue;
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      i = numberEnd(b, i, n);
      if (i < 0) return NEED_MORE;
    } else {
      i = literalEnd(b, i, n, c);
      if (i < 0) return NEED_MORE;
    }
    expect = X_COMMA_OR_CLOSE;
  }
}

/**
 * Decodes the value `b[start, end)` that `valueEnd` (or `stringEnd`) has just checked: a string
 * without escapes directly, anything else with JSON.parse.
 */
function decode(b: Buffer, start: number, end: number): unknown {
  if (b[start] === QUOTE && !lastStringEscaped) return b.toString('utf8', start + 1, end - 1);
  return JSON.parse(b.toString('utf8', start, end));
}

// Keys read from a resource, an instance and its attributes.
const K_MODULE = 1;
const K_MODE = 2;
const K_TYPE = 3;
const K_NAME = 4;
const K_INSTANCES = 5;
const K_INDEX_KEY = 6;
const K_DEPOSED = 7;
const K_ATTRIBUTES = 8;
const K_ID = 9;
const K_ARN = 10;

/** A few keys, recognised by comparing bytes (most keys of a state are none of them). */
class KeySet {
  private readonly byLength: Array<Array<{ bytes: Buffer; code: number }> | undefined> = [];

  constructor(private readonly codes: ReadonlyMap<string, number>) {
    for (const [name, code] of codes) (this.byLength[name.length] ??= []).push({ bytes: Buffer.from(name), code });
  }

  /** The key `b[start, end)` (quotes included) just walked by `stringEnd`: its code, or 0. */
  of(b: Buffer, start: number, end: number): number {
    if (lastStringEscaped) return this.codes.get(JSON.parse(b.toString('utf8', start, end)) as string) ?? 0;
    const list = this.byLength[end - start - 2];
    if (!list) return 0;
    next: for (const { bytes, code } of list) {
      for (let k = 0; k < bytes.length; k++) if (b[start + 1 + k] !== bytes[k]) continue next;
      return code;
    }
    return 0;
  }
}

const RESOURCE_KEYS = new KeySet(
  new Map([
    ['module', K_MODULE],
    ['mode', K_MODE],
    ['type', K_TYPE],
    ['name', K_NAME],
    ['instances', K_INSTANCES],
  ]),
);
const INSTANCE_KEYS = new KeySet(
  new Map([
    ['index_key', K_INDEX_KEY],
    ['deposed', K_DEPOSED],
    ['attributes', K_ATTRIBUTES],
  ]),
);
const ATTRIBUTE_KEYS = new KeySet(
  new Map([
    ['id', K_ID],
    ['arn', K_ARN],
  ]),
);

/** Set by `memberValue`: the code of the key just read. */
let keyCode = 0;
/** Set by `nextMember`: the object closed (rather than a comma and another key followed). */
let objectClosed = false;

/** At a key (`b[i]`): reads it and its colon; the start of its value (`keyCode` set), NEED_MORE, or throws. */
function memberValue(b: Buffer, i: number, n: number, keys: KeySet): number {
  if (b[i] !== QUOTE) throw new WalkError(`expected a key, found ${printable(b[i])}`, i);
  const keyStart = i;
  i = stringEnd(b, i, n);
  if (i < 0) return NEED_MORE;
  keyCode = keys.of(b, keyStart, i);
  i = skipWhitespace(b, i, n);
  if (i >= n) return NEED_MORE;
  if (b[i] !== COLON) throw new WalkError(`expected ":" after a key, found ${printable(b[i])}`, i);
  i = skipWhitespace(b, i + 1, n);
  return i >= n ? NEED_MORE : i;
}

/** After a member's value: the next key's index, or the index after `}` (`objectClosed` set); NEED_MORE, or throws. */
function nextMember(b: Buffer, i: number, n: number): number {
  i = skipWhitespace(b, i, n);
  if (i >= n) return NEED_MORE;
  const c = b[i];
  if (c === CLOSE_BRACE) {
    objectClosed = true;
    return i + 1;
  }
  if (c !== COMMA) throw new WalkError(`expected "," or "}" in an object, found ${printable(c)}`, i);
  i = skipWhitespace(b, i + 1, n);
  objectClosed = false;
  return i >= n ? NEED_MORE : i;
}

/**
 * The end of the object `b[i…]` is inside of (nesting `depth`), found by strings and brackets
 * only: for a resource that will be given to JSON.parse, which checks it.
 */
function quickObjectEnd(b: Buffer, i: number, n: number, depth: number): number {
  while (i < n) {
    const c = b[i] as number;
    if (c === QUOTE) {
      // (A byte loop: Buffer#indexOf costs a native call per string, more than most strings here.)
      let j = i + 1;
      for (;;) {
        if (j >= n) return NEED_MORE;
        const d = b[j];
        if (d === QUOTE) break;
        j += d === BACKSLASH ? 2 : 1;
      }
      i = j + 1;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return i + 1;
    i++;
  }
  return NEED_MORE;
}

/** Returned by `readResource` for a resource to parse whole; `keptFrom` is where its walk stopped. */
const KEPT = -2;
let keptFrom = 0;
/** Set by `wholeResource`: the resource parsed, and whether the indentation did not find its end. */
let wholeValue: unknown;
let hintMissed = false;
/** After this many misses a scanner stops looking for closing lines (each search may read to the end of its buffer). */
const HINT_MISSES = 8;

/** `\n` + the indentation + `}`, per indentation. */
const CLOSINGS: Buffer[] = [];

/**
 * Where a pretty-printed object that opens at `b[start]` closes: Terraform (like
 * JSON.stringify with an indent) puts the closing brace on a line of its own, indented like the
 * line the object opens on, and no line inside it starts so. 0 when `b[start]` does not open a
 * line or no such line follows.
 */
function closingByIndentation(b: Buffer, start: number, from: number): number {
  let k = start - 1;
  while (k >= 0 && b[k] === 0x20) k--;
  if (k < 0 || b[k] !== 0x0a) return 0;
  const indent = start - k - 1;
  const closing = (CLOSINGS[indent] ??= Buffer.from(`\n${' '.repeat(indent)}}`));
  const at = b.indexOf(closing, from);
  return at < 0 ? 0 : at + closing.length;
}

/**
 * Parses the resource at `b[start]` whole (its walk stopped at `from`, after its `type`): found
 * by its indentation when it has one (JSON.parse then proves the guess), else by strings and
 * brackets. Its end, NEED_MORE, or throws JSON.parse's SyntaxError.
 */
function wholeResource(b: Buffer, start: number, from: number, n: number, useHint: boolean): number {
  hintMissed = false;
  if (useHint) {
    const hinted = closingByIndentation(b, start, from);
    if (hinted > 0) {
      try {
        wholeValue = JSON.parse(b.toString('utf8', start, hinted));
        return hinted;
      } catch {
        // Not where the indentation said: find the end the slow way.
      }
    }
  }
  const end = quickObjectEnd(b, from, n, 1);
  if (end < 0) return NEED_MORE;
  // (A resource cut by the end of the buffer is no miss: its closing line had not arrived.)
  hintMissed = useHint;
  wholeValue = JSON.parse(b.toString('utf8', start, end));
  return end;
}

/**
 * Reads a resource object at `b[i]` into `outline`: the index after it, NEED_MORE, KEPT (its
 * `type` is one `kept` accepts: the caller parses it whole), or throws.
 */
function readResource(b: Buffer, i: number, n: number, outline: ResourceOutline, kept: ((type: unknown) => boolean) | undefined): number {
  i = skipWhitespace(b, i + 1, n);
  if (i >= n) return NEED_MORE;
  if (b[i] === CLOSE_BRACE) return i + 1;
  for (;;) {
    i = memberValue(b, i, n, RESOURCE_KEYS);
    if (i < 0) return NEED_MORE;
    const key = keyCode;
    let end: number;
    if (key === K_INSTANCES && b[i] === OPEN_BRACKET) {
      const instances: unknown[] = [];
      outline.instances = instances;
      end = readInstances(b, i, n, instances);
    } else {
      end = valueEnd(b, i, n, 2);
      if (end >= 0 && key !== 0) {
        const value = decode(b, i, end);
        if (key === K_MODULE) outline.module = value;
        else if (key === K_MODE) outline.mode = value;
        else if (key === K_TYPE) outline.type = value;
        else if (key === K_NAME) outline.name = value;
        else outline.instances = value;
      }
    }
    if (end < 0) return NEED_MORE;
    if (key === K_TYPE && kept?.(outline.type)) {
      keptFrom = end;
      return KEPT;
    }
    i = nextMember(b, end, n);
    if (i < 0 || objectClosed) return i;
  }
}

function readInstances(b: Buffer, i: number, n: number, instances: unknown[]): number {
  i = skipWhitespace(b, i + 1, n);
  if (i >= n) return NEED_MORE;
  if (b[i] === CLOSE_BRACKET) return i + 1;
  for (;;) {
    if (b[i] === OPEN_BRACE) {
      const instance: InstanceOutline = {};
      instances.push(instance);
      i = readInstance(b, i, n, instance);
    } else {
      const start = i;
      i = valueEnd(b, i, n, 3);
      if (i >= 0) instances.push(decode(b, start, i));
    }
    if (i < 0) return NEED_MORE;
    i = skipWhitespace(b, i, n);
    if (i >= n) return NEED_MORE;
    const c = b[i];
    if (c === CLOSE_BRACKET) return i + 1;
    if (c !== COMMA) throw new WalkError(`expected "," or "]" in an array, found ${printable(c)}`, i);
    i = skipWhitespace(b, i + 1, n);
    if (i >= n) return NEED_MORE;
  }
}

function readInstance(b: Buffer, i: number, n: number, instance: InstanceOutline): number {
  i = skipWhitespace(b, i + 1, n);
  if (i >= n) return NEED_MORE;
  if (b[i] === CLOSE_BRACE) return i + 1;
  for (;;) {
    i = memberValue(b, i, n, INSTANCE_KEYS);
    if (i < 0) return NEED_MORE;
    const key = keyCode;
    let end: number;
    if (key === K_ATTRIBUTES && b[i] === OPEN_BRACE) {
      const attributes: { id?: unknown; arn?: unknown } = {};
      instance.attributes = attributes;
      end = readAttributes(b, i, n, attributes);
    } else {
      end = valueEnd(b, i, n, 4);
      if (end >= 0 && key !== 0) {
        const value = decode(b, i, end);
        if (key === K_INDEX_KEY) instance.index_key = value;
        else if (key === K_DEPOSED) instance.deposed = value;
        else instance.attributes = value;
      }
    }
    if (end < 0) return NEED_MORE;
    i = nextMember(b, end, n);
    if (i < 0 || objectClosed) return i;
  }
}

/**
 * The attributes of an instance of a type no kind keeps: every member is checked, `id` and `arn`
 * decoded. (Most bytes of such a state are here: keys are matched inline, strings and nested
 * values read past without a call per member where possible.)
 */
function readAttributes(b: Buffer, i: number, n: number, attributes: { id?: unknown; arn?: unknown }): number {
  i = skipWhitespace(b, i + 1, n);
  if (i >= n) return NEED_MORE;
  if (b[i] === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (b[i] !== QUOTE) throw new WalkError(`expected a key, found ${printable(b[i])}`, i);
    const keyStart = i;
    i = stringEnd(b, i, n);
    if (i < 0) return NEED_MORE;
    const length = i - keyStart - 2;
    let key = 0;
    if (lastStringEscaped) key = ATTRIBUTE_KEYS.of(b, keyStart, i);
    else if (length === 2) key = b[keyStart + 1] === 0x69 && b[keyStart + 2] === 0x64 ? K_ID : 0;
    else if (length === 3) key = b[keyStart + 1] === 0x61 && b[keyStart + 2] === 0x72 && b[keyStart + 3] === 0x6e ? K_ARN : 0;
    while (i < n && WHITESPACE[b[i] as number] === 1) i++;
    if (i >= n) return NEED_MORE;
    if (b[i] !== COLON) throw new WalkError(`expected ":" after a key, found ${printable(b[i])}`, i);
    i++;
    while (i < n && WHITESPACE[b[i] as number] === 1) i++;
    if (i >= n) return NEED_MORE;
    const start = i;
    const c = b[i] as number;
    if (c === QUOTE) i = stringEnd(b, i, n);
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) i = containerEnd(b, i, n, 6);
    else if (c === MINUS || (c >= ZERO && c <= NINE)) i = numberEnd(b, i, n);
    else i = literalEnd(b, i, n, c);
    if (i < 0) return NEED_MORE;
    if (key === K_ID) attributes.id = decode(b, start, i);
    else if (key === K_ARN) attributes.arn = decode(b, start, i);
    while (i < n && WHITESPACE[b[i] as number] === 1) i++;
    if (i >= n) return NEED_MORE;
    const d = b[i];
    if (d === CLOSE_BRACE) return i + 1;
    if (d !== COMMA) throw new WalkError(`expected "," or "}" in an object, found ${printable(d)}`, i);
    i++;
    while (i < n && WHITESPACE[b[i] as number] === 1) i++;
    if (i >= n) return NEED_MORE;
  }
}

// Where the walk of the top level is.
const BEFORE_ROOT = 0;
const FIRST_KEY_OR_END = 1;
const KEY_NEXT = 2;
const COLON_NEXT = 3;
const VALUE_NEXT = 4;
const AFTER_MEMBER = 5;
const FIRST_RESOURCE_OR_END = 6;
const RESOURCE_NEXT = 7;
const AFTER_RESOURCE = 8;
const AFTER_ROOT = 9;

/** Top-level members that are decoded; the others are checked and dropped. */
const DECODED_MEMBERS: ReadonlySet<string> = new Set(['version', 'serial', 'lineage', 'terraform_version', 'resources']);

const EMPTY = Buffer.alloc(0);

/**
 * `parts` with each run of parts that follow one another in the same memory (the slices the
 * reader feeds of one chunk it read) joined into one view: bytes that are already contiguous
 * are not copied. Sound because a chunk handed to the scanner is never written to afterwards
 * (the scanner already reads on from views of the chunks it was given).
 */
function joinAdjacent(parts: Buffer[]): Buffer[] {
  if (parts.length < 2) return parts;
  const out: Buffer[] = [parts[0] as Buffer];
  for (let k = 1; k < parts.length; k++) {
    const part = parts[k] as Buffer;
    const last = out[out.length - 1] as Buffer;
    if (part.buffer === last.buffer && last.byteOffset + last.length === part.byteOffset)
      out[out.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + part.length);
    else out.push(part);
  }
  return out;
}

export class StateJsonScanner {
  private state = BEFORE_ROOT;
  /** Unread bytes: `buffer[pos…]` is at absolute offset `base + pos`. */
  private buffer: Buffer = EMPTY;
  private pos = 0;
  private base = 0;
  /** Chunks received while waiting for `retryAt` bytes. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** After a copy (`absorb`): the last part copied, and where it starts in `buffer` (0: no copy). */
  private lastPart: Buffer = EMPTY;
  private copiedUpTo = 0;
  /** Do not walk again before this many unread bytes (a value cut short needs more than before). */
  private retryAt = 0;
  private received = 0;
  private key = '';
  private resourcePosition = 0;
  private resourcesSeen = false;
  /** Kept resources whose end their indentation did not give (see `closingByIndentation`). */
  private hintMisses = 0;
  private readonly maxValueBytes: number;
  private readonly parsedWhole: ((type: unknown) => boolean) | undefined;

  constructor(
    private readonly handlers: StateJsonHandlers,
    options: StateJsonScannerOptions = {},
  ) {
    this.maxValueBytes = options.maxValueBytes ?? 256 * 1024 * 1024;
    this.parsedWhole = options.parsedWhole;
  }

  /** Bytes received so far. */
  get offset(): number {
    return this.received;
  }

  /** Feeds the next bytes; handlers run synchronously for every value completed by them. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.received += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.buffer.length - this.pos + this.pendingBytes < this.retryAt) return;
    this.absorb();
    this.walk();
  }

  /** The input has ended: throws a truncation error unless the document is complete. */
  finish(): void {
    if (this.pendingBytes > 0) {
      this.absorb();
      this.walk();
    }
    if (this.state === AFTER_ROOT) return;
    const where = this.where();
    const inside =
      this.state === BEFORE_ROOT ? 'before any JSON value (the state is empty)' : where ? `inside ${where}` : 'inside the top-level object';
    throw new StateJsonSyntaxError(`truncated: the JSON ends after ${this.received} bytes, ${inside}`, this.received, where, 'truncated');
  }

  /** Appends the pending chunks to the unread bytes (one copy per walk, not per chunk). */
  private absorb(): void {
    const unread = this.buffer.length - this.pos;
    if (unread > this.maxValueBytes) {
      const where = this.where() ?? 'a top-level value';
      throw new StateJsonSyntaxError(
        `${where} alone is larger than ${Math.round(this.maxValueBytes / 1024 / 1024)} MiB, the most one resource or top-level value can be`,
        this.base + this.pos,
        this.where(),
        'too_large',
      );
    }
    const parts = joinAdjacent(unread > 0 ? [this.buffer.subarray(this.pos), ...this.pending] : this.pending);
    this.base += this.pos;
    if (parts.length === 1) {
      this.buffer = parts[0] as Buffer;
      this.copiedUpTo = 0;
    } else {
      this.buffer = Buffer.concat(parts, unread + this.pendingBytes);
      this.lastPart = parts[parts.length - 1] as Buffer;
      this.copiedUpTo = this.buffer.length - this.lastPart.length;
    }
    this.pos = 0;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /**
   * Once the walk is past the bytes copied in front of the last part, the unread bytes are all
   * in that part: read on from it (a view), so that the next chunk, when it continues the same
   * memory, is joined without a copy.
   */
  private uncopy(): void {
    if (this.copiedUpTo === 0 || this.pos < this.copiedUpTo) return;
    this.base += this.copiedUpTo;
    this.pos -= this.copiedUpTo;
    this.buffer = this.lastPart;
    this.lastPart = EMPTY;
    this.copiedUpTo = 0;
  }

  private where(): string | undefined {
    switch (this.state) {
      case FIRST_RESOURCE_OR_END:
      case RESOURCE_NEXT:
        return `resources[${this.resourcePosition}]`;
      case AFTER_RESOURCE:
        return 'resources';
      case COLON_NEXT:
      case VALUE_NEXT:
        return this.key;
      default:
        return undefined;
    }
  }

  private fail(message: string, at: number, cause?: unknown): StateJsonSyntaxError {
    const offset = this.base + at;
    return new StateJsonSyntaxError(
      `${this.where() ? `${this.where()}: ` : ''}${message} (byte ${offset})`,
      offset,
      this.where(),
      'syntax',
      { cause },
    );
  }

  /** Walks the buffer from `pos` as far as complete values go; the rest waits for more bytes. */
  private walk(): void {
    const b = this.buffer;
    const n = b.length;
    let i = this.pos;
    try {
      for (;;) {
        i = skipWhitespace(b, i, n);
        this.pos = i;
        if (i >= n) break;
        const c = b[i] as number;
        const state = this.state;
        if (state === BEFORE_ROOT) {
          if (c !== OPEN_BRACE) {
            if (c === OPEN_BRACKET || c === QUOTE || c === MINUS || (c >= ZERO && c <= NINE) || LITERALS[c]) {
              throw new StateJsonSyntaxError('the top-level value is not an object', this.base + i, undefined, 'not_object');
            }
            throw new WalkError(`unexpected ${printable(c)} at the start`, i);
          }
          this.state = FIRST_KEY_OR_END;
          i++;
        } else if (state === FIRST_KEY_OR_END || state === KEY_NEXT) {
          if (c === CLOSE_BRACE && state === FIRST_KEY_OR_END) {
            this.state = AFTER_ROOT;
            i++;
            continue;
          }
          if (c !== QUOTE) throw new WalkError(`expected a key${state === FIRST_KEY_OR_END ? ' or "}"' : ''}, found ${printable(c)}`, i);
          const end = stringEnd(b, i, n);
          if (end < 0) break;
          this.key = decode(b, i, end) as string;
          this.state = COLON_NEXT;
          i = end;
        } else if (state === COLON_NEXT) {
          if (c !== COLON) throw new WalkError(`expected ":" after the key "${this.key}", found ${printable(c)}`, i);
          this.state = VALUE_NEXT;
          i++;
        } else if (state === VALUE_NEXT) {
          if (this.key === 'resources') {
            // JSON.parse would keep the last; a streaming reader has indexed the first already.
            if (this.resourcesSeen) throw new WalkError('the key "resources" appears twice in the top-level object', i);
            if (c === OPEN_BRACKET) {
              this.resourcesSeen = true;
              this.state = FIRST_RESOURCE_OR_END;
              i++;
              continue;
            }
          }
          const end = valueEnd(b, i, n, 1);
          if (end < 0) break;
          if (this.key === 'resources') this.resourcesSeen = true;
          if (DECODED_MEMBERS.has(this.key)) this.handlers.member(this.key, decode(b, i, end));
          this.state = AFTER_MEMBER;
          i = end;
        } else if (state === AFTER_MEMBER) {
          if (c === COMMA) this.state = KEY_NEXT;
          else if (c === CLOSE_BRACE) this.state = AFTER_ROOT;
          else throw new WalkError(`expected "," or "}" after the value of "${this.key}", found ${printable(c)}`, i);
          i++;
        } else if (state === FIRST_RESOURCE_OR_END || state === RESOURCE_NEXT) {
          if (c === CLOSE_BRACKET && state === FIRST_RESOURCE_OR_END) {
            this.state = AFTER_MEMBER;
            i++;
            continue;
          }
          let end: number;
          let outline: ResourceOutline | undefined;
          let whole: unknown;
          if (c === OPEN_BRACE) {
            outline = {};
            end = readResource(b, i, n, outline, this.parsedWhole);
            if (end === KEPT) {
              end = wholeResource(b, i, keptFrom, n, this.hintMisses < HINT_MISSES);
              if (hintMissed) this.hintMisses++;
              whole = wholeValue;
              wholeValue = undefined;
            }
          } else {
            end = valueEnd(b, i, n, 2);
            if (end >= 0) whole = decode(b, i, end);
          }
          if (end < 0) break;
          // (A handler's SyntaxError, from parsing the resource whole, is reported at resources[position].)
          this.handlers.resource(this.resourcePosition, whole === undefined ? outline : undefined, whole, b, i, end);
          this.resourcePosition++;
          this.state = AFTER_RESOURCE;
          i = end;
        } else if (state === AFTER_RESOURCE) {
          if (c === COMMA) this.state = RESOURCE_NEXT;
          else if (c === CLOSE_BRACKET) this.state = AFTER_MEMBER;
          else throw new WalkError(`expected "," or "]" after resources[${this.resourcePosition - 1}], found ${printable(c)}`, i);
          i++;
        } else {
          throw new WalkError(`unexpected ${printable(c)} after the end of the top-level object`, i);
        }
      }
    } catch (err) {
      if (err instanceof WalkError) throw this.fail(err.message, err.at, err);
      if (err instanceof SyntaxError) throw this.fail(err.message, i, err);
      throw err;
    }
    // A value cut short: walk it again when it has at least twice the bytes.
    this.retryAt = this.pos < n ? 2 * (n - this.pos) : 0;
    this.uncopy();
  }
}
