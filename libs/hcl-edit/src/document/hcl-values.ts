/**
 * HCL values as they are written in a file: literals are evaluated, everything else (references,
 * function calls, templates with interpolations, heredocs, conditionals, …) is kept as an opaque
 * expression with its source text. Spans are UTF-16 indices into the document text.
 */

export interface TextSpan {
  /** Inclusive start index into the text (a JS string index, i.e. UTF-16 code units). */
  start: number;
  /** Exclusive end index. */
  end: number;
}

/** What kind of non-literal expression a value is; used in the reasons given to humans. */
export type ExpressionForm =
  'reference' | 'function call' | 'template' | 'heredoc' | 'conditional' | 'operation' | 'for expression' | 'expression';

interface ValueBase {
  span: TextSpan;
}

export interface HclString extends ValueBase {
  kind: 'string';
  value: string;
}

export interface HclNumber extends ValueBase {
  kind: 'number';
  value: number;
}

export interface HclBool extends ValueBase {
  kind: 'bool';
  value: boolean;
}

export interface HclNull extends ValueBase {
  kind: 'null';
}

export interface HclTuple extends ValueBase {
  kind: 'tuple';
  items: HclValue[];
  /** The comma after each item, or null (the last item without a trailing comma). */
  commas: Array<TextSpan | null>;
}

export interface HclObjectEntry {
  key: string;
  keySpan: TextSpan;
  value: HclValue;
}

export interface HclObject extends ValueBase {
  kind: 'object';
  entries: HclObjectEntry[];
}

/** Any expression that is not a literal: its value is only known to Terraform. */
export interface HclExpression extends ValueBase {
  kind: 'expression';
  form: ExpressionForm;
  /** The source text, as written. */
  text: string;
}

export type HclValue = HclString | HclNumber | HclBool | HclNull | HclTuple | HclObject | HclExpression;

/** True when the value, and everything inside it, is a literal. */
export function isLiteral(value: HclValue): boolean {
  switch (value.kind) {
    case 'expression':
      return false;
    case 'tuple':
      return value.items.every(isLiteral);
    case 'object':
      return value.entries.every((entry) => isLiteral(entry.value));
    default:
      return true;
  }
}

/** The first non-literal expression inside a value, if any. */
export function firstNonLiteral(value: HclValue): HclExpression | undefined {
  switch (value.kind) {
    case 'expression':
      return value;
    case 'tuple':
      for (const item of value.items) {
        const found = firstNonLiteral(item);
        if (found) return found;
      }
      return undefined;
    case 'object':
      for (const entry of value.entries) {
        const found = firstNonLiteral(entry.value);
        if (found) return found;
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Decodes the inside of a quoted HCL string literal (without the quotes): `\n`, `\r`, `\t`,
 * `\"`, `\\`, `\uNNNN`, `\UNNNNNNNN`, and the template escapes `$${` and `%%{`.
 */
export function decodeStringLiteral(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i += 1) {
    const ch = raw[i];
    if (ch === '\\' && i + 1 < raw.length) {
      const next = raw[i + 1];
      switch (next) {
        case 'n':
          out += '\n';
          i += 1;
          continue;
        case 'r':
          out += '\r';
          i += 1;
          continue;
        case 't':
          out += '\t';
          i += 1;
          continue;
        case '"':
        case '\\':
          out += next;
          i += 1;
          continue;
        case 'u':
        case 'U': {
          const width = next === 'u' ? 4 : 8;
          const hex = raw.slice(i + 2, i + 2 + width);
          if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === width) {
            out += String.fromCodePoint(parseInt(hex, 16));
            i += 1 + width;
            continue;
          }
          break;
        }
        default:
          break;
      }
    }
    if ((ch === '$' || ch === '%') && raw[i + 1] === ch && raw[i + 2] === '{') {
      out += `${ch}{`;
      i += 2;
      continue;
    }
    out += ch;
  }
  return out;
}

/** HCL source for a quoted string literal holding `value` exactly. */
export function quoteString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i += 1) {
    const ch = value[i];
    if ((ch === '$' || ch === '%') && value[i + 1] === '{') {
      out += `${ch}${ch}`;
      continue;
    }
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        out += ch;
    }
  }
  return `${out}"`;
}
