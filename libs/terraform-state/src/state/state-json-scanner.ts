/**
 * An incremental reader of a Terraform state's JSON bytes that never holds more than one
 * top-level value or one element of `resources` at a time: it walks the top-level object
 * itself (keys, colons, commas, the `resources` array's brackets and commas, strictly) and
 * hands each value — each top-level member, each resource — to `JSON.parse` as soon as its
 * last byte has arrived. V8's parser then checks that value completely, so the document as a
 * whole is checked as strictly as `JSON.parse` would check it, at a fraction of its memory.
 *
 * Finding where a value ends only needs strings (with their escapes) and bracket depth:
 * multi-byte UTF-8 never contains an ASCII byte, so the scan works on bytes and a value split
 * across chunks is joined before it is decoded. A mismatched bracket or a broken literal
 * inside a value makes that value's `JSON.parse` fail.
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

export interface StateJsonHandlers {
  /** A top-level member (already parsed); `resources` only when it is not an array. */
  member(key: string, value: unknown): void;
  /** `resources[position]` (already parsed). */
  resource(value: unknown, position: number): void;
}

export interface StateJsonScannerOptions {
  /** A single value (one resource, one top-level member) larger than this is refused (default 256 MiB). */
  maxValueBytes?: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

// Where the walk of the top level is.
const BEFORE_ROOT = 0;
const FIRST_KEY_OR_END = 1;
const KEY = 2; // inside a key string
const COLON_NEXT = 3;
const VALUE_NEXT = 4;
const VALUE = 5; // inside a member's value, or a resource
const AFTER_MEMBER = 6;
const KEY_NEXT = 7;
const FIRST_RESOURCE_OR_END = 8;
const RESOURCE_NEXT = 9;
const AFTER_RESOURCE = 10;
const AFTER_ROOT = 11;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isScalarEnd(c: number): boolean {
  return c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isWhitespace(c);
}

function printable(c: number): string {
  return c >= 0x20 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

export class StateJsonScanner {
  private state = BEFORE_ROOT;
  /** Bytes consumed before the current chunk. */
  private consumed = 0;
  /** Pieces of the key or value being collected, from earlier chunks (copied). */
  private pieces: Buffer[] = [];
  private piecesBytes = 0;
  private key = '';
  /** Inside the current value: nesting depth, inside a string, the next byte is escaped. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The current value is a scalar (number, literal) that ends at a delimiter. */
  private scalar = false;
  private valueStart = 0;
  private resourcePosition = 0;
  /** The current value is an element of `resources`. */
  private inResources = false;
  private resourcesSeen = false;
  private readonly maxValueBytes: number;

  constructor(
    private readonly handlers: StateJsonHandlers,
    options: StateJsonScannerOptions = {},
  ) {
    this.maxValueBytes = options.maxValueBytes ?? 256 * 1024 * 1024;
  }

  /** Bytes read so far. */
  get offset(): number {
    return this.consumed;
  }

  /** Feeds the next bytes; handlers run synchronously for every value completed in them. */
  push(chunk: Buffer): void {
    const len = chunk.length;
    let i = 0;
    // Continue a key or value that began in an earlier chunk.
    let start = 0;
    while (i < len) {
      const state = this.state;
      if (state === VALUE) {
        const end = this.scanValue(chunk, i);
        if (end < 0) {
          this.keep(chunk, start, len);
          i = len;
          break;
        }
        this.finishValue(chunk, start, end);
        i = end;
        continue;
      }
      if (state === KEY) {
        const end = this.scanString(chunk, i);
        if (end < 0) {
          this.keep(chunk, start, len);
          i = len;
          break;
        }
        this.key = String(this.decode(this.take(chunk, start, end), 'a key'));
        this.state = COLON_NEXT;
        i = end;
        continue;
      }
      const c = chunk[i] as number;
      if (isWhitespace(c)) {
        i++;
        continue;
      }
      switch (state) {
        case BEFORE_ROOT:
          if (c !== OPEN_BRACE) {
            const json = c === OPEN_BRACKET || c === QUOTE || c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e;
            if (json) throw new StateJsonSyntaxError('the top-level value is not an object', this.consumed + i, undefined, 'not_object');
            throw this.error(`unexpected ${printable(c)} at the start`, i);
          }
          this.state = FIRST_KEY_OR_END;
          break;
        case FIRST_KEY_OR_END:
        case KEY_NEXT:
          if (c === CLOSE_BRACE && state === FIRST_KEY_OR_END) {
            this.state = AFTER_ROOT;
            break;
          }
          if (c !== QUOTE) throw this.error(`expected a key${state === FIRST_KEY_OR_END ? ' or "}"' : ''}, found ${printable(c)}`, i);
          this.beginKey(i);
          start = i;
          this.state = KEY;
          break;
        case COLON_NEXT:
          if (c !== COLON) throw this.error(`expected ":" after the key "${this.key}", found ${printable(c)}`, i);
          this.state = VALUE_NEXT;
          break;
        case VALUE_NEXT:
          if (this.key === 'resources') {
            // JSON.parse would keep the last; a streaming reader has indexed the first already.
            if (this.resourcesSeen) throw this.error('the key "resources" appears twice in the top-level object', i);
            this.resourcesSeen = true;
          }
          if (this.key === 'resources' && c === OPEN_BRACKET) {
            this.state = FIRST_RESOURCE_OR_END;
            break;
          }
          this.beginValue(chunk, i);
          start = i;
          continue; // scanValue reads the value from its first byte
        case AFTER_MEMBER:
          if (c === COMMA) this.state = KEY_NEXT;
          else if (c === CLOSE_BRACE) this.state = AFTER_ROOT;
          else throw this.error(`expected "," or "}" after the value of "${this.key}", found ${printable(c)}`, i);
          break;
        case FIRST_RESOURCE_OR_END:
        case RESOURCE_NEXT:
          if (c === CLOSE_BRACKET && state === FIRST_RESOURCE_OR_END) {
            this.state = AFTER_MEMBER;
            break;
          }
          this.beginValue(chunk, i);
          start = i;
          continue; // scanValue reads the value from its first byte
        case AFTER_RESOURCE:
          if (c === COMMA) this.state = RESOURCE_NEXT;
          else if (c === CLOSE_BRACKET) this.state = AFTER_MEMBER;
          else throw this.error(`expected "," or "]" after resources[${this.resourcePosition - 1}], found ${printable(c)}`, i);
          break;
        case AFTER_ROOT:
          throw this.error(`unexpected ${printable(c)} after the end of the top-level object`, i);
      }
      i++;
    }
    this.consumed += len;
  }

  /** The input has ended: throws a truncation error unless the document is complete. */
  finish(): void {
    if (this.state === AFTER_ROOT) return;
    const where = this.where();
    const inside = this.state === BEFORE_ROOT ? 'before any JSON value (the state is empty)' : where ? `inside ${where}` : 'inside the top-level object';
    throw new StateJsonSyntaxError(`truncated: the JSON ends after ${this.consumed} bytes, ${inside}`, this.consumed, where, 'truncated');
  }

  private where(): string | undefined {
    switch (this.state) {
      case VALUE:
        return this.inResources ? `resources[${this.resourcePosition}]` : this.key;
      case FIRST_RESOURCE_OR_END:
      case RESOURCE_NEXT:
      case AFTER_RESOURCE:
        return 'resources';
      case COLON_NEXT:
      case VALUE_NEXT:
        return this.key;
      default:
        return undefined;
    }
  }

  private error(message: string, index: number): StateJsonSyntaxError {
    return new StateJsonSyntaxError(`${message} (byte ${this.consumed + index})`, this.consumed + index, this.where());
  }

  private beginKey(i: number): void {
    this.inString = true;
    this.escaped = false;
    this.valueStart = this.consumed + i;
  }

  private beginValue(chunk: Buffer, i: number): void {
    this.inResources = this.state === FIRST_RESOURCE_OR_END || this.state === RESOURCE_NEXT;
    this.state = VALUE;
    this.valueStart = this.consumed + i;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    const c = chunk[i] as number;
    this.scalar = c !== OPEN_BRACE && c !== OPEN_BRACKET && c !== QUOTE;
  }

  /**
   * Scans a string from `i` (after its opening quote, or at the start of a chunk continuing
   * one): the index after its closing quote, or -1 when the chunk ends first.
   */
  private scanString(chunk: Buffer, i: number): number {
    const len = chunk.length;
    if (this.escaped) {
      if (i >= len) return -1;
      this.escaped = false;
      i++;
    }
    for (;;) {
      const q = chunk.indexOf(QUOTE, i);
      if (q < 0) {
        // Does the chunk end with an odd run of backslashes (escaping the next chunk's first byte)?
        let b = len - 1;
        while (b >= i && chunk[b] === BACKSLASH) b--;
        this.escaped = (len - 1 - b) % 2 === 1;
        return -1;
      }
      let b = q - 1;
      while (b >= i && chunk[b] === BACKSLASH) b--;
      if ((q - 1 - b) % 2 === 0) {
        this.inString = false;
        return q + 1;
      }
      i = q + 1;
    }
  }

  /** Scans the current value from `i`: the index just after it, or -1 when the chunk ends first. */
  private scanValue(chunk: Buffer, i: number): number {
    const len = chunk.length;
    if (this.scalar) {
      // A number or a literal (or junk, which JSON.parse will name): up to a delimiter.
      while (i < len) {
        if (isScalarEnd(chunk[i] as number)) return i;
        i++;
      }
      return -1;
    }
    let depth = this.depth;
    if (this.inString) {
      const end = this.scanString(chunk, i);
      if (end < 0) return -1;
      if (depth === 0) return end;
      i = end;
    }
    while (i < len) {
      const c = chunk[i] as number;
      if (c === QUOTE) {
        this.inString = true;
        this.escaped = false;
        const end = this.scanString(chunk, i + 1);
        if (end < 0) {
          this.depth = depth;
          return -1;
        }
        if (depth === 0) return end;
        i = end;
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          this.depth = 0;
          return i + 1;
        }
      }
      i++;
    }
    this.depth = depth;
    return -1;
  }

  private finishValue(chunk: Buffer, start: number, end: number): void {
    const bytes = this.take(chunk, start, end);
    if (this.inResources) {
      const position = this.resourcePosition++;
      const value = this.decode(bytes, `resources[${position}]`);
      this.state = AFTER_RESOURCE;
      this.handlers.resource(value, position);
      return;
    }
    const value = this.decode(bytes, this.key);
    this.state = AFTER_MEMBER;
    this.handlers.member(this.key, value);
  }

  /** Keeps the tail of a chunk that ends inside a key or value (copied: the stream may reuse its buffers). */
  private keep(chunk: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.piecesBytes += end - start;
    if (this.piecesBytes > this.maxValueBytes) {
      const where = this.where() ?? 'a top-level value';
      throw new StateJsonSyntaxError(
        `${where} alone is larger than ${Math.round(this.maxValueBytes / 1024 / 1024)} MiB, the most one resource or top-level value can be`,
        this.valueStart,
        this.where(),
        'too_large',
      );
    }
    this.pieces.push(Buffer.from(chunk.subarray(start, end)));
  }

  /** The bytes of the key or value ending at `end` in this chunk. */
  private take(chunk: Buffer, start: number, end: number): Buffer {
    const tail = chunk.subarray(start, end);
    if (this.pieces.length === 0) return tail;
    const whole = Buffer.concat([...this.pieces, tail], this.piecesBytes + tail.length);
    this.pieces = [];
    this.piecesBytes = 0;
    return whole;
  }

  private decode(bytes: Buffer, where: string): unknown {
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new StateJsonSyntaxError(`${where} (from byte ${this.valueStart}): ${reason}`, this.valueStart, where, 'syntax', { cause: err });
    }
  }
}
