/**
 * A small JQL interpreter for the Jira fake: enough of the language to select work items the way
 * Jira would for the queries driftwarden and its users write, and to refuse what Jira refuses.
 *
 * Supported: `AND`, `OR`, `NOT`, parentheses, `ORDER BY` (parsed, then ignored by the caller's
 * sort); operators `=`, `!=`, `>`, `>=`, `<`, `<=`, `in`, `not in`, `is [not] EMPTY|NULL`, `~`
 * (contains, case-insensitive); values as words, "double" or 'single' quoted strings, numbers,
 * lists `(a, b)`; dates as `yyyy/MM/dd [HH:mm]` or `yyyy-MM-dd [HH:mm]` (read in UTC: the fake's
 * API user lives in UTC). Fields are whatever the `resolve` callback knows (case-insensitive
 * names, `cf[10050]`); an unknown field is an error, as in Jira.
 */

export class JqlError extends Error {}

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'op'; text: string }
  | { kind: 'punct'; text: '(' | ')' | ',' };

export type JqlValue = string | number | null;

/** What a field holds for one work item: values (empty = EMPTY), and how to compare them. */
export interface FieldValues {
  values: JqlValue[];
  /** `date`: values are epoch ms and literals are parsed as JQL dates. */
  type: 'text' | 'date' | 'number';
}

export type Resolver<T> = (item: T, field: string) => FieldValues | undefined;

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; inner: Node }
  | { kind: 'clause'; field: string; op: string; values: JqlValue[] | 'EMPTY' };

export interface CompiledJql<T> {
  matches(item: T): boolean;
  /** `ORDER BY` terms, as written. */
  orderBy: Array<{ field: string; direction: 'ASC' | 'DESC' }>;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'empty', 'null', 'order', 'by']);

function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < jql.length) {
    const ch = jql[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"' || ch === "'") {
      let text = '';
      i++;
      while (i < jql.length && jql[i] !== ch) {
        if (jql[i] === '\\' && i + 1 < jql.length) i++;
        text += jql[i++];
      }
      if (i >= jql.length) throw new JqlError(`Error in the JQL Query: The quoted string '${text.slice(0, 20)}' has not been completed.`);
      i++;
      tokens.push({ kind: 'string', text });
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', text: ch });
      i++;
    } else if (/[=!<>~]/.test(ch)) {
      const two = jql.slice(i, i + 2);
      const op = ['!=', '>=', '<=', '!~'].includes(two) ? two : ch;
      if (op === '!') throw new JqlError(`Error in the JQL Query: The character '!' is a reserved JQL character.`);
      tokens.push({ kind: 'op', text: op });
      i += op.length;
    } else {
      let text = '';
      // cf[10050] is one word.
      while (i < jql.length && !/[\s()=!<>~,"']/.test(jql[i])) text += jql[i++];
      tokens.push({ kind: 'word', text });
    }
  }
  return tokens;
}

/**
 * `checkValue` sees every literal of a clause at compile time and may throw a JqlError (Jira
 * refuses `issue = X` when there is no X).
 */
export function compileJql<T>(
  jql: string,
  resolve: Resolver<T>,
  knownField: (field: string) => boolean,
  checkValue: (field: string, value: JqlValue) => void = () => undefined,
): CompiledJql<T> {
  const tokens = tokenize(jql);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (t: Token | undefined, word: string) => t !== undefined && t.kind === 'word' && t.text.toLowerCase() === word;
  const expect = (what: string): never => {
    const t = peek();
    throw new JqlError(`Error in the JQL Query: Expecting ${what} but got '${t ? t.text : 'end of query'}'.`);
  };

  const value = (): JqlValue => {
    const t = tokens[pos];
    if (!t || t.kind === 'op' || (t.kind === 'punct' && t.text !== '(')) return expect('a value');
    if (t.kind === 'punct') return expect('a value');
    pos++;
    if (t.kind === 'word' && /^-?\d+(\.\d+)?$/.test(t.text)) return Number(t.text);
    // A function call such as now() or currentUser() is not supported by the fake.
    if (t.kind === 'word' && peek()?.text === '(')
      throw new JqlError(`Error in the JQL Query: the fake does not support the function ${t.text}().`);
    return t.text;
  };

  const clause = (): Node => {
    const f = tokens[pos];
    if (!f || (f.kind !== 'word' && f.kind !== 'string')) return expect('a field name');
    pos++;
    const field = f.text;
    if (!knownField(field)) throw new JqlError(`Field '${field}' does not exist or you do not have permission to view it.`);
    const t = peek();
    if (isWord(t, 'is')) {
      pos++;
      const negated = isWord(peek(), 'not');
      if (negated) pos++;
      if (!isWord(peek(), 'empty') && !isWord(peek(), 'null')) return expect("'EMPTY' or 'NULL'");
      pos++;
      return { kind: 'clause', field, op: negated ? 'is not' : 'is', values: 'EMPTY' };
    }
    if (isWord(t, 'in') || (isWord(t, 'not') && isWord(tokens[pos + 1], 'in'))) {
      const negated = isWord(t, 'not');
      pos += negated ? 2 : 1;
      if (peek()?.text !== '(') return expect("'('");
      pos++;
      const values: JqlValue[] = [value()];
      while (peek()?.text === ',') {
        pos++;
        values.push(value());
      }
      if (peek()?.text !== ')') return expect("')'");
      pos++;
      for (const v of values) checkValue(field, v);
      return { kind: 'clause', field, op: negated ? 'not in' : 'in', values };
    }
    if (!t || t.kind !== 'op') return expect('an operator');
    pos++;
    if (isWord(peek(), 'empty') || isWord(peek(), 'null')) {
      if (t.text !== '=' && t.text !== '!=') return expect('a value');
      pos++;
      return { kind: 'clause', field, op: t.text === '=' ? 'is' : 'is not', values: 'EMPTY' };
    }
    const v = value();
    checkValue(field, v);
    return { kind: 'clause', field, op: t.text, values: [v] };
  };

  const primary = (): Node => {
    if (peek()?.text === '(') {
      pos++;
      const inner = or();
      if (peek()?.text !== ')') return expect("')'");
      pos++;
      return inner;
    }
    if (isWord(peek(), 'not')) {
      pos++;
      return { kind: 'not', inner: primary() };
    }
    return clause();
  };
  const and = (): Node => {
    let left = primary();
    while (isWord(peek(), 'and')) {
      pos++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): Node => {
    let left = and();
    while (isWord(peek(), 'or')) {
      pos++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };

  if (tokens.length === 0 || isWord(tokens[0], 'order'))
    throw new JqlError('Unbounded JQL queries are not allowed here. Please add a search restriction to your query.');
  const root = or();
  const orderBy: CompiledJql<T>['orderBy'] = [];
  if (isWord(peek(), 'order')) {
    pos++;
    if (!isWord(peek(), 'by')) return expect("'by'");
    pos++;
    for (;;) {
      const f = tokens[pos];
      if (!f || (f.kind !== 'word' && f.kind !== 'string') || KEYWORDS.has(f.text.toLowerCase())) return expect('a field to order by');
      pos++;
      let direction: 'ASC' | 'DESC' = 'ASC';
      if (isWord(peek(), 'asc') || isWord(peek(), 'desc')) direction = tokens[pos++].text.toUpperCase() as 'ASC' | 'DESC';
      orderBy.push({ field: f.text, direction });
      if (peek()?.text !== ',') break;
      pos++;
    }
    if (orderBy.length > 7) throw new JqlError('Error in the JQL Query: the ORDER BY clause can contain at most 7 fields.');
  }
  if (pos < tokens.length) expect("'AND', 'OR' or 'ORDER BY'");

  const evaluate = (node: Node, item: T): boolean => {
    switch (node.kind) {
      case 'and':
        return evaluate(node.left, item) && evaluate(node.right, item);
      case 'or':
        return evaluate(node.left, item) || evaluate(node.right, item);
      case 'not':
        return !evaluate(node.inner, item);
      case 'clause':
        return matchClause(node, resolve(item, node.field));
    }
  };
  return { matches: (item) => evaluate(root, item), orderBy };
}

function matchClause(node: Extract<Node, { kind: 'clause' }>, field: FieldValues | undefined): boolean {
  const have = (field?.values ?? []).filter((v) => v !== null);
  if (node.values === 'EMPTY') return node.op === 'is' ? have.length === 0 : have.length > 0;
  const type = field?.type ?? 'text';
  const literal = (v: JqlValue): JqlValue =>
    type === 'date' ? parseJqlDate(v) : type === 'number' && typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  const wanted = node.values.map(literal);
  const eq = (a: JqlValue, b: JqlValue) =>
    typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : String(a) === String(b);
  switch (node.op) {
    case '=':
      return have.some((h) => eq(h, wanted[0]));
    case '!=':
      // Jira: `field != x` does not match items where the field is empty.
      return have.length > 0 && !have.some((h) => eq(h, wanted[0]));
    case 'in':
      return have.some((h) => wanted.some((w) => eq(h, w)));
    case 'not in':
      return have.length > 0 && !have.some((h) => wanted.some((w) => eq(h, w)));
    case '~':
      return have.some((h) => String(h).toLowerCase().includes(String(wanted[0]).toLowerCase()));
    case '!~':
      return !have.some((h) => String(h).toLowerCase().includes(String(wanted[0]).toLowerCase()));
    case '>':
    case '>=':
    case '<':
    case '<=': {
      const w = wanted[0];
      if (typeof w !== 'number')
        throw new JqlError(`Error in the JQL Query: the value '${String(node.values[0])}' cannot be compared with ${node.op}.`);
      return have.some(
        (h) => typeof h === 'number' && (node.op === '>' ? h > w : node.op === '>=' ? h >= w : node.op === '<' ? h < w : h <= w),
      );
    }
    default:
      throw new JqlError(`Error in the JQL Query: the operator '${node.op}' is not supported.`);
  }
}

/** `yyyy/MM/dd`, `yyyy-MM-dd`, optionally ` HH:mm`, as epoch ms in UTC; anything else is an error. */
export function parseJqlDate(value: JqlValue): number {
  const text = String(value);
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$/.exec(text);
  if (!m)
    throw new JqlError(
      `Date value '${text}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`,
    );
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0));
}
