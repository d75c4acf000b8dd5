import type { TextSpan } from '../document/hcl-values';

/** Where the output differs from the input: `start`/`end` in the output, `original` in the input. */
export interface EditSpan extends TextSpan {
  original: TextSpan;
}

/** Replace `[start, end)` of the input with `text` (an insertion when start === end). */
export interface TextEdit extends TextSpan {
  text: string;
}

export class OverlappingEditsError extends Error {}

/**
 * Applies edits to a text. Deletions that overlap or touch are merged first (their union is
 * deleted); any other overlap is refused. Returns the output and, for each edit, its span in the
 * output and in the input.
 */
export function applyEdits(input: string, edits: readonly TextEdit[]): { text: string; spans: EditSpan[] } {
  const sorted = mergeDeletions([...edits].sort((a, b) => a.start - b.start || a.end - b.end));
  let out = '';
  let at = 0;
  const spans: EditSpan[] = [];
  for (const edit of sorted) {
    if (edit.start < at) throw new OverlappingEditsError(`edits overlap at index ${edit.start}`);
    out += input.slice(at, edit.start);
    const start = out.length;
    out += edit.text;
    spans.push({ start, end: out.length, original: { start: edit.start, end: edit.end } });
    at = edit.end;
  }
  out += input.slice(at);
  return { text: out, spans };
}

function mergeDeletions(edits: TextEdit[]): TextEdit[] {
  const merged: TextEdit[] = [];
  for (const edit of edits) {
    const last = merged[merged.length - 1];
    if (last && last.text === '' && edit.text === '' && edit.start <= last.end) {
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, edit.end), text: '' };
    } else {
      merged.push(edit);
    }
  }
  return merged;
}
