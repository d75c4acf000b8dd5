/**
 * The subset of Opsgenie's incident search language the fake understands
 * (https://support.atlassian.com/opsgenie/docs/search-syntax-for-incidents):
 *
 *   query   := orExpr | (empty: everything)
 *   orExpr  := andExpr ("OR" andExpr)*
 *   andExpr := unary ("AND" unary)*
 *   unary   := "NOT" unary | "(" orExpr ")" | field ":" terms | field ("<" | "<=" | ">" | ">=") number
 *   terms   := term | "(" term ("OR" term)* ")"
 *   term    := word | "double-quoted" (with \" and \\ escapes)
 *
 * Fields: status (open|resolved|closed), priority (P1..P5), teams, services, tag/tags, message,
 * tinyId, createdAt/updatedAt (epoch ms, comparisons). Anything else fails to parse; the fake
 * answers 422 with the reason, as the API does for a query it cannot process.
 */

export interface SearchableIncident {
  status: string;
  priority: string;
  message: string;
  tinyId: string;
  tags: string[];
  /** Team ids and names (owner team and responder teams). */
  teams: string[];
  /** Impacted service ids and names. */
  services: string[];
  createdAt: number;
  updatedAt: number;
}

export type SearchPredicate = (incident: SearchableIncident) => boolean;

export class SearchSyntaxError extends Error {}

type Token =
  | { kind: 'word'; value: string; position: number }
  | { kind: 'quoted'; value: string; position: number }
  | { kind: 'op'; value: '(' | ')' | ':' | '<' | '<=' | '>' | '>='; position: number };

const FIELDS = new Set(['status', 'priority', 'teams', 'services', 'tag', 'tags', 'message', 'tinyid', 'createdat', 'updatedat']);
const STATUSES = new Set(['open', 'resolved', 'closed']);
const PRIORITIES = new Set(['P1', 'P2', 'P3', 'P4', 'P5']);

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ':') {
      tokens.push({ kind: 'op', value: ch, position: i });
      i++;
      continue;
    }
    if (ch === '<' || ch === '>') {
      const value = input[i + 1] === '=' ? (`${ch}=` as '<=' | '>=') : ch;
      tokens.push({ kind: 'op', value, position: i });
      i += value.length;
      continue;
    }
    if (ch === '"') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= input.length) throw new SearchSyntaxError(`unterminated quoted term starting at position ${start}`);
        const c = input[i];
        if (c === '\\') {
          const next = input[i + 1];
          if (next !== '"' && next !== '\\') throw new SearchSyntaxError(`invalid escape at position ${i}`);
          value += next;
          i += 2;
          continue;
        }
        if (c === '"') {
          i++;
          break;
        }
        value += c;
        i++;
      }
      tokens.push({ kind: 'quoted', value, position: start });
      continue;
    }
    const start = i;
    while (i < input.length && !/[\s():"<>]/.test(input[i])) i++;
    tokens.push({ kind: 'word', value: input.slice(start, i), position: start });
  }
  return tokens;
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): SearchPredicate {
    if (this.tokens.length === 0) return () => true;
    const predicate = this.orExpr();
    const rest = this.peek();
    if (rest) throw new SearchSyntaxError(`unexpected "${rest.value}" at position ${rest.position}`);
    return predicate;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(what: string): Token {
    const token = this.tokens[this.index++];
    if (!token) throw new SearchSyntaxError(`expected ${what}, found the end of the query`);
    return token;
  }

  private isKeyword(token: Token | undefined, keyword: string): boolean {
    return token?.kind === 'word' && token.value === keyword;
  }

  private isOp(token: Token | undefined, op: string): boolean {
    return token?.kind === 'op' && token.value === op;
  }

  private orExpr(): SearchPredicate {
    const parts = [this.andExpr()];
    while (this.isKeyword(this.peek(), 'OR')) {
      this.index++;
      parts.push(this.andExpr());
    }
    return parts.length === 1 ? parts[0] : (i) => parts.some((p) => p(i));
  }

  private andExpr(): SearchPredicate {
    const parts = [this.unary()];
    while (this.isKeyword(this.peek(), 'AND')) {
      this.index++;
      parts.push(this.unary());
    }
    return parts.length === 1 ? parts[0] : (i) => parts.every((p) => p(i));
  }

  private unary(): SearchPredicate {
    const token = this.next('a condition');
    if (this.isKeyword(token, 'NOT')) {
      const inner = this.unary();
      return (i) => !inner(i);
    }
    if (this.isOp(token, '(')) {
      const inner = this.orExpr();
      const close = this.next('")"');
      if (!this.isOp(close, ')')) throw new SearchSyntaxError(`expected ")" at position ${close.position}`);
      return inner;
    }
    if (token.kind !== 'word') throw new SearchSyntaxError(`expected a field name at position ${token.position}`);
    const field = token.value.toLowerCase();
    if (!FIELDS.has(field)) throw new SearchSyntaxError(`unknown field "${token.value}" at position ${token.position}`);
    const op = this.next('":" or a comparison');
    if (op.kind !== 'op' || op.value === '(' || op.value === ')') {
      throw new SearchSyntaxError(`expected ":" after "${token.value}" at position ${op.position}`);
    }
    if (op.value === ':') return this.match(field, this.terms());
    const value = this.next('a number');
    if (value.kind === 'op' || !/^\d+$/.test(value.value) || (field !== 'createdat' && field !== 'updatedat')) {
      throw new SearchSyntaxError(`"${op.value}" needs createdAt or updatedAt and epoch milliseconds (position ${op.position})`);
    }
    const limit = Number(value.value);
    const compare = op.value;
    return (i) => {
      const actual = field === 'createdat' ? i.createdAt : i.updatedAt;
      return compare === '<' ? actual < limit : compare === '<=' ? actual <= limit : compare === '>' ? actual > limit : actual >= limit;
    };
  }

  private terms(): string[] {
    const first = this.next('a value');
    if (first.kind === 'word' || first.kind === 'quoted') {
      if (first.kind === 'word' && (first.value === 'AND' || first.value === 'OR' || first.value === 'NOT')) {
        throw new SearchSyntaxError(`expected a value at position ${first.position}, found ${first.value}`);
      }
      return [first.value];
    }
    if (!this.isOp(first, '(')) throw new SearchSyntaxError(`expected a value at position ${first.position}`);
    const values: string[] = [];
    for (;;) {
      const term = this.next('a value');
      if (term.kind === 'op' || (term.kind === 'word' && ['AND', 'OR', 'NOT'].includes(term.value))) {
        throw new SearchSyntaxError(`expected a value at position ${term.position}`);
      }
      values.push(term.value);
      const after = this.next('"OR" or ")"');
      if (this.isOp(after, ')')) return values;
      if (!this.isKeyword(after, 'OR')) throw new SearchSyntaxError(`expected "OR" or ")" at position ${after.position}`);
    }
  }

  private match(field: string, values: string[]): SearchPredicate {
    const lower = values.map((v) => v.toLowerCase());
    switch (field) {
      case 'status':
        for (const v of lower) if (!STATUSES.has(v)) throw new SearchSyntaxError(`status must be open, resolved or closed, not "${v}"`);
        return (i) => lower.includes(i.status.toLowerCase());
      case 'priority':
        for (const v of values) if (!PRIORITIES.has(v.toUpperCase())) throw new SearchSyntaxError(`priority must be P1…P5, not "${v}"`);
        return (i) => values.some((v) => v.toUpperCase() === i.priority);
      case 'teams':
        return (i) => i.teams.some((t) => lower.includes(t.toLowerCase()));
      case 'services':
        return (i) => i.services.some((s) => lower.includes(s.toLowerCase()));
      case 'tag':
      case 'tags':
        return (i) => i.tags.some((t) => lower.includes(t.toLowerCase()));
      case 'message':
        return (i) => lower.some((v) => i.message.toLowerCase().includes(v));
      case 'tinyid':
        return (i) => values.includes(i.tinyId);
      default:
        throw new SearchSyntaxError(`field "${field}" takes a comparison, not ":"`);
    }
  }
}

/** Compiles a search query; throws SearchSyntaxError when the fake cannot parse it. */
export function compileIncidentSearch(query: string): SearchPredicate {
  return new Parser(tokenize(query)).parse();
}
