/**
 * Line arithmetic on a text that may use `\n` or `\r\n` line endings. All positions are JS string
 * indices. A line's "content end" excludes its terminator; its "next start" is just after it.
 */
export class TextLines {
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    let at = text.indexOf('\n');
    while (at !== -1) {
      starts.push(at + 1);
      at = text.indexOf('\n', at + 1);
    }
    this.starts = starts;
  }

  /** `\r\n` when the text's first line ending is CRLF, else `\n`. */
  get eol(): '\n' | '\r\n' {
    const at = this.text.indexOf('\n');
    return at > 0 && this.text[at - 1] === '\r' ? '\r\n' : '\n';
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** 0-based line of a position. */
  lineOf(pos: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  lineStart(line: number): number {
    return this.starts[line];
  }

  /** Start of the line after `line` (just after its `\n`), or the text length for the last line. */
  nextLineStart(line: number): number {
    return line + 1 < this.starts.length ? this.starts[line + 1] : this.text.length;
  }

  /** End of the line's content, before `\r\n` / `\n`. */
  contentEnd(line: number): number {
    let end = this.nextLineStart(line);
    if (end > 0 && this.text[end - 1] === '\n' && end > this.starts[line]) end -= 1;
    if (end > this.starts[line] && this.text[end - 1] === '\r') end -= 1;
    return end;
  }

  lineText(line: number): string {
    return this.text.slice(this.starts[line], this.contentEnd(line));
  }

  isBlank(line: number): boolean {
    return line >= 0 && line < this.starts.length && this.lineText(line).trim() === '';
  }

  /** True when only spaces and tabs precede `pos` on its line. */
  startsLine(pos: number): boolean {
    return isHorizontalSpace(this.text.slice(this.starts[this.lineOf(pos)], pos));
  }

  /** The leading spaces and tabs of a line. */
  indentOf(line: number): string {
    const text = this.lineText(line);
    return text.slice(0, text.length - text.trimStart().length);
  }
}

export function isHorizontalSpace(text: string): boolean {
  return /^[ \t]*$/.test(text);
}
