/**
 * A quick scan of a Terraform file's top level: where each block starts and ends, with its type
 * and labels, skipping comments, quoted strings (with their `${…}` / `%{…}` templates) and
 * heredocs. It lets the tree-sitter parse skip the blocks an edit does not need, which is most
 * of a large stack file.
 *
 * It only has to be right about where blocks end; when anything looks unexpected (a top-level
 * attribute, an unterminated string, unbalanced braces) it gives up and the whole file is parsed.
 * An error here cannot produce a wrong edit either: the check compares HashiCorp's reading of the
 * whole file with the editor's.
 */
import { decodeStringLiteral } from './hcl-values';

export interface ScannedBlock {
  type: string;
  labels: string[];
  /** Start of the block type. */
  start: number;
  openBrace: number;
  closeBrace: number;
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_-]*/y;
const HEREDOC = /<<-?([A-Za-z_][A-Za-z0-9_-]*)\r?\n/y;

/** The top-level blocks, or undefined when the scan is not sure. */
export function scanTopLevel(text: string): ScannedBlock[] | undefined {
  const blocks: ScannedBlock[] = [];
  let i = skipTrivia(text, 0);
  while (i < text.length) {
    if (i < 0) return undefined;
    const start = i;
    const type = identifierAt(text, i);
    if (!type) return undefined;
    i = skipTrivia(text, i + type.length);
    const labels: string[] = [];
    while (i >= 0 && i < text.length && text[i] !== '{') {
      if (text[i] === '"') {
        const end = skipQuoted(text, i);
        if (end < 0) return undefined;
        labels.push(decodeStringLiteral(text.slice(i + 1, end - 1)));
        i = skipTrivia(text, end);
      } else {
        const label = identifierAt(text, i);
        if (!label) return undefined;
        labels.push(label);
        i = skipTrivia(text, i + label.length);
      }
    }
    if (i < 0 || text[i] !== '{') return undefined;
    const openBrace = i;
    const closeBrace = skipBraces(text, i + 1);
    if (closeBrace < 0) return undefined;
    blocks.push({ type, labels, start, openBrace, closeBrace });
    i = skipTrivia(text, closeBrace + 1);
  }
  return blocks;
}

function identifierAt(text: string, i: number): string | undefined {
  IDENTIFIER.lastIndex = i;
  return IDENTIFIER.exec(text)?.[0];
}

/** Skips whitespace and comments; -1 on an unterminated block comment. */
function skipTrivia(text: string, i: number): number {
  while (i < text.length) {
    const ch = text[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i += 1;
    } else if (ch === '#' || (ch === '/' && text[i + 1] === '/')) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol + 1;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 2;
    } else {
      break;
    }
  }
  return i;
}

/** From just inside a `{` (or a template's `${`), the index of the matching `}`; -1 if there is none. */
function skipBraces(text: string, i: number): number {
  let depth = 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '#' || (ch === '/' && (text[i + 1] === '/' || text[i + 1] === '*'))) {
      i = skipTrivia(text, i);
      if (i < 0) return -1;
      continue;
    }
    if (ch === '"') {
      i = skipQuoted(text, i);
      if (i < 0) return -1;
      continue;
    }
    if (ch === '<' && text[i + 1] === '<') {
      HEREDOC.lastIndex = i;
      const heredoc = HEREDOC.exec(text);
      if (heredoc) {
        i = skipHeredoc(text, i + heredoc[0].length, heredoc[1]);
        if (i < 0) return -1;
        continue;
      }
    }
    if (ch === '{') depth += 1;
    else if (ch === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
    i += 1;
  }
  return -1;
}

/** From an opening `"`, the index just after the closing one; -1 if the string does not close on its line. */
function skipQuoted(text: string, i: number): number {
  i += 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') {
      i += 2;
    } else if (ch === '"') {
      return i + 1;
    } else if (ch === '\n') {
      return -1;
    } else if ((ch === '$' || ch === '%') && text[i + 1] === ch && text[i + 2] === '{') {
      i += 3;
    } else if ((ch === '$' || ch === '%') && text[i + 1] === '{') {
      const end = skipBraces(text, i + 2);
      if (end < 0) return -1;
      i = end + 1;
    } else {
      i += 1;
    }
  }
  return -1;
}

/** From the first line of a heredoc's content, the index just after its closing marker; -1 if none. */
function skipHeredoc(text: string, i: number, marker: string): number {
  while (i < text.length) {
    const eol = text.indexOf('\n', i);
    const lineEnd = eol < 0 ? text.length : eol;
    if (text.slice(i, lineEnd).trim() === marker) return lineEnd;
    if (eol < 0) return -1;
    i = eol + 1;
  }
  return -1;
}
