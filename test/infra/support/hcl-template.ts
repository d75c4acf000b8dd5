/**
 * hcl2json (`@cdktf/hcl2json`) turns every attribute that is not a static value into a
 * string: literal text is *unescaped*, except `$${` / `%%{` which stay escaped, and every
 * `${...}` / `%{...}` keeps the expression's source text verbatim, e.g.
 *
 *   event_pattern = jsonencode({ source = ["aws.config"] })
 *   -> "${jsonencode({ source = [\"aws.config\"] })}"
 *
 *   description = "say \"hi\" to ${join(", ", var.names)}"
 *   -> "say \"hi\" to ${join(\", \", var.names)}"           (JSON-escaped here)
 *
 * To hand such a value back to HashiCorp's parser (getExpressionAst) it must become a
 * quoted HCL template again: literal runs are re-escaped, interpolation sources are kept
 * as they are. The only hard part is finding where an interpolation ends: braces and
 * string literals (with their own nested interpolations) and comments inside it are
 * skipped. The parser then checks the result; nothing here evaluates anything.
 */

export class HclTemplateError extends Error {}

/** Returns HCL source for a quoted template equal to the hcl2json string `value`. */
export function toQuotedTemplate(value: string): string {
  let out = '"';
  let i = 0;
  while (i < value.length) {
    if (value.startsWith('$${', i) || value.startsWith('%%{', i)) {
      out += value.slice(i, i + 3);
      i += 3;
    } else if (value.startsWith('${', i) || value.startsWith('%{', i)) {
      const end = endOfSequence(value, i + 2);
      out += value.slice(i, end);
      i = end;
    } else {
      out += escapeLiteralChar(value[i]);
      i += 1;
    }
  }
  return out + '"';
}

/** True when the hcl2json string holds any interpolation or directive. */
export function hasTemplateSequence(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    if (value.startsWith('$${', i) || value.startsWith('%%{', i)) {
      i += 2;
    } else if (value.startsWith('${', i) || value.startsWith('%{', i)) {
      return true;
    }
  }
  return false;
}

/** Unescapes `$${` and `%%{` in a string that has no template sequence. */
export function literalText(value: string): string {
  return value.replaceAll('$${', '${').replaceAll('%%{', '%{');
}

function escapeLiteralChar(ch: string): string {
  switch (ch) {
    case '\\':
      return '\\\\';
    case '"':
      return '\\"';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return ch;
  }
}

/**
 * `start` is just after the opening `${` or `%{`; returns the index just after the
 * matching `}`.
 */
function endOfSequence(src: string, start: number): number {
  let depth = 1;
  let i = start;
  while (i < src.length) {
    const ch = src[i];
    if (ch === '"') {
      i = endOfQuoted(src, i + 1);
    } else if (src.startsWith('<<', i)) {
      throw new HclTemplateError(`heredoc inside an interpolation is not supported: ${excerpt(src, i)}`);
    } else if (ch === '#' || src.startsWith('//', i)) {
      const nl = src.indexOf('\n', i);
      i = nl === -1 ? src.length : nl + 1;
    } else if (src.startsWith('/*', i)) {
      const close = src.indexOf('*/', i + 2);
      if (close === -1) throw new HclTemplateError(`unterminated comment: ${excerpt(src, i)}`);
      i = close + 2;
    } else if (ch === '{') {
      depth += 1;
      i += 1;
    } else if (ch === '}') {
      depth -= 1;
      i += 1;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  throw new HclTemplateError(`unterminated interpolation: ${excerpt(src, start - 2)}`);
}

/** `start` is just after an opening quote inside an interpolation (source text). */
function endOfQuoted(src: string, start: number): number {
  let i = start;
  while (i < src.length) {
    if (src[i] === '\\') {
      i += 2;
    } else if (src.startsWith('$${', i) || src.startsWith('%%{', i)) {
      i += 3;
    } else if (src.startsWith('${', i) || src.startsWith('%{', i)) {
      i = endOfSequence(src, i + 2);
    } else if (src[i] === '"') {
      return i + 1;
    } else {
      i += 1;
    }
  }
  throw new HclTemplateError(`unterminated string: ${excerpt(src, start - 1)}`);
}

function excerpt(src: string, at: number): string {
  return JSON.stringify(src.slice(Math.max(0, at - 20), at + 40));
}

/**
 * The wasm bridge reports a string literal inside a quoted template by its *source* text
 * (`say \"hi\"`, `$${x}`), not its value: decode HCL's quoted-template escapes
 * (hclsyntax: \n \r \t \" \\ \uNNNN \UNNNNNNNN, and $${ / %%{ for literal ${ / %{).
 */
export function decodeQuotedLiteral(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    if (src[i] === '\\') {
      const next = src[i + 1];
      const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
      if (next !== undefined && Object.hasOwn(simple, next)) {
        out += simple[next];
        i += 2;
      } else if (next === 'u' || next === 'U') {
        const len = next === 'u' ? 4 : 8;
        const hex = src.slice(i + 2, i + 2 + len);
        if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) throw new HclTemplateError(`bad \\${next} escape: ${excerpt(src, i)}`);
        out += String.fromCodePoint(parseInt(hex, 16));
        i += 2 + len;
      } else {
        throw new HclTemplateError(`invalid escape \\${next ?? ''}: ${excerpt(src, i)}`);
      }
    } else if (src.startsWith('$${', i) || src.startsWith('%%{', i)) {
      out += `${src[i]}{`;
      i += 3;
    } else {
      out += src[i];
      i += 1;
    }
  }
  return out;
}
