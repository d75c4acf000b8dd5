/**
 * Progress of a long operation on stderr. On a terminal: one bar redrawn in place. Elsewhere
 * (CI logs, pipes): a plain line now and then, only when the operation runs long enough for
 * someone to wonder, so short runs print nothing at all.
 */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  /** `done` of `total` units are finished; `detail` is a short status ("12 accepted, 1 rejected"). */
  update(done: number, detail: string): void;
  /** Removes the bar (terminal) so the final report starts on a clean line. */
  finish(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  now: () => number;
  /** Minimum time between two redraws of the bar. */
  redrawMs?: number;
  /** Time between two plain lines when the stream is not a terminal. */
  plainIntervalMs?: number;
}

const BAR_WIDTH = 24;

export function createProgress(stream: ProgressStream, options: ProgressOptions): Progress {
  return stream.isTTY === true ? new BarProgress(stream, options) : new PlainProgress(stream, options);
}

function percent(done: number, total: number): number {
  return total === 0 ? 100 : Math.floor((done / total) * 100);
}

class BarProgress implements Progress {
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ProgressOptions,
  ) {}

  update(done: number, detail: string): void {
    const now = this.options.now();
    const complete = done >= this.options.total;
    if (!complete && now - this.lastDraw < (this.options.redrawMs ?? 100)) return;
    this.lastDraw = now;
    const { total, label } = this.options;
    const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
    const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled);
    let text = `${label} [${bar}] ${percent(done, total)}% ${done}/${total} ${detail}`;
    const columns = this.stream.columns ?? 80;
    if (text.length > columns - 1) text = text.slice(0, Math.max(0, columns - 1));
    this.stream.write(`\r\u001b[2K${text}`);
    this.drawn = true;
  }

  finish(): void {
    if (this.drawn) this.stream.write('\r\u001b[2K');
    this.drawn = false;
  }
}

class PlainProgress implements Progress {
  private lastLine: number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ProgressOptions,
  ) {
    this.lastLine = options.now();
  }

  update(done: number, detail: string): void {
    const now = this.options.now();
    if (done >= this.options.total) return; // the final report says it all
    if (now - this.lastLine < (this.options.plainIntervalMs ?? 10_000)) return;
    this.lastLine = now;
    const { total, label } = this.options;
    this.stream.write(`${label}: ${done}/${total} (${percent(done, total)}%), ${detail}\n`);
  }

  finish(): void {}
}
