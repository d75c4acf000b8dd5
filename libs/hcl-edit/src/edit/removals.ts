/**
 * Deleting parts of a file while leaving the rest as it was: whole lines when the part has its
 * own lines (with the comment lines directly above it and a trailing comment on its last line),
 * one blank line less when the deletion would leave two in a row or one before a closing brace,
 * and list items with their separating comma.
 */
import type { HclAttribute, HclBlock, HclDocument } from '../document/hcl-document';
import type { HclTuple, TextSpan } from '../document/hcl-values';
import type { TextEdit } from './text-edits';

const TRAILING_COMMENT = /^[ \t]*((#|\/\/).*|\/\*.*\*\/[ \t]*)?$/;

/** Deletes a block or an attribute. */
export function removeConstruct(doc: HclDocument, span: TextSpan): TextEdit {
  const { lines, text } = doc;
  let start = span.start;
  let end = span.end;
  const endLine = lines.lineOf(end);
  const wholeLines = lines.startsLine(start) && TRAILING_COMMENT.test(text.slice(end, lines.contentEnd(endLine)));
  if (!wholeLines) {
    // Shares its line with other code: delete it and the spaces before it, nothing else.
    while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start -= 1;
    return { start, end, text: '' };
  }
  start = doc.leadingCommentStart(start);
  end = lines.nextLineStart(endLine);

  const above = lines.lineOf(start) - 1;
  const atEof = end >= text.length;
  const below = atEof ? -1 : lines.lineOf(end);
  const blankAbove = above >= 0 && lines.isBlank(above);
  const blankBelow = below >= 0 && lines.isBlank(below);
  const closeBelow = atEof || lines.lineText(below).trimStart().startsWith('}');
  const openAbove = above < 0 || lines.lineText(above).trimEnd().endsWith('{');
  if (blankAbove && blankBelow) end = lines.nextLineStart(below);
  else if (blankAbove && closeBelow) start = lines.lineStart(above);
  else if (openAbove && blankBelow) end = lines.nextLineStart(below);
  return { start, end, text: '' };
}

/**
 * Deletes some items of a list (not all of them). In a list written one item per line, the
 * items' lines go (with comment lines directly above them); otherwise each run of deleted items
 * goes with the comma that separates it from the items kept, so that `["a", "b", "c"]` minus "b"
 * is `["a", "c"]` and `["a", "b",]` minus "b" is `["a",]`.
 */
export function removeTupleItems(doc: HclDocument, tuple: HclTuple, removed: ReadonlySet<number>): TextEdit[] {
  const { lines, text } = doc;
  const items = tuple.items;
  const n = items.length;
  const ownLine = (i: number): boolean => {
    const item = items[i];
    const line = lines.lineOf(item.span.start);
    if (!lines.startsLine(item.span.start) || lines.lineOf(item.span.end) !== line) return false;
    const comma = tuple.commas[i];
    const after = comma && lines.lineOf(comma.start) === line ? comma.end : item.span.end;
    return TRAILING_COMMENT.test(text.slice(after, lines.contentEnd(line)));
  };
  const edits: TextEdit[] = [];
  if (items.every((_, i) => ownLine(i))) {
    for (const i of [...removed].sort((a, b) => a - b)) {
      const item = items[i];
      edits.push({
        start: doc.leadingCommentStart(item.span.start),
        end: lines.nextLineStart(lines.lineOf(item.span.end)),
        text: '',
      });
    }
    return edits;
  }
  for (let i = 0; i < n; i += 1) {
    if (!removed.has(i)) continue;
    let j = i;
    while (j + 1 < n && removed.has(j + 1)) j += 1;
    if (j < n - 1) edits.push({ start: items[i].span.start, end: items[j + 1].span.start, text: '' });
    else edits.push({ start: items[i - 1].span.end, end: items[j].span.end, text: '' });
    i = j;
  }
  return edits;
}

/**
 * After attributes are deleted from a block, re-aligns the `=` of the attributes that were aligned
 * with them, as `terraform fmt` would: a run of single-line attributes on consecutive lines whose
 * `=` all sat one space after the longest name is re-padded to the longest name left. Runs that
 * were not aligned that way (hand-formatted code) are left as they are.
 */
export function realignAttributes(doc: HclDocument, block: HclBlock, removed: ReadonlySet<HclAttribute>): TextEdit[] {
  const { lines, text } = doc;
  const lineOf = (attr: HclAttribute) => lines.lineOf(attr.span.start);
  const simple = (attr: HclAttribute) => lines.startsLine(attr.span.start) && lineOf(attr) === lines.lineOf(attr.span.end);
  const runs: HclAttribute[][] = [];
  let run: HclAttribute[] = [];
  for (const attr of [...block.attributes].sort((a, b) => a.span.start - b.span.start)) {
    if (!simple(attr)) {
      run = [];
      continue;
    }
    const last = run[run.length - 1];
    if (last && lineOf(attr) === lineOf(last) + 1) {
      run.push(attr);
    } else {
      run = [attr];
      runs.push(run);
    }
  }

  const edits: TextEdit[] = [];
  for (const members of runs) {
    if (!members.some((attr) => removed.has(attr))) continue;
    const kept = members.filter((attr) => !removed.has(attr));
    if (kept.length === 0) continue;
    const layout = members.map((attr) => {
      const nameEnd = attr.span.start + attr.name.length;
      const equals = text.indexOf('=', nameEnd);
      const gap = text.slice(nameEnd, equals);
      return /^ +$/.test(gap) ? { attr, nameEnd, equals, column: equals - lines.lineStart(lineOf(attr)) } : undefined;
    });
    if (layout.some((entry) => entry === undefined)) continue;
    const entries = layout.filter((entry): entry is NonNullable<typeof entry> => entry !== undefined);
    const indent = members[0].span.start - lines.lineStart(lineOf(members[0]));
    const width = Math.max(...members.map((attr) => attr.name.length));
    const aligned = entries.every(
      (entry) => entry.column === indent + width + 1 && entry.attr.span.start - lines.lineStart(lineOf(entry.attr)) === indent,
    );
    if (!aligned) continue;
    const newWidth = Math.max(...kept.map((attr) => attr.name.length));
    if (newWidth === width) continue;
    for (const entry of entries) {
      if (removed.has(entry.attr)) continue;
      edits.push({ start: entry.nameEnd, end: entry.equals, text: ' '.repeat(newWidth - entry.attr.name.length + 1) });
    }
  }
  return edits;
}
