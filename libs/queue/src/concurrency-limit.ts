/**
 * At most `limit` tasks run at once; the others wait their turn, first come first served. The
 * evaluate worker shares one between its batch jobs, so that a few batches of a hundred resources
 * run no more evaluations at once than `workers.concurrency` single jobs would.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`ConcurrencyLimit: limit must be a positive integer, got ${limit}`);
  }

  /** Evaluations running now, and waiting for a turn. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((turn) => this.waiting.push(turn));
    else this.running++;
    try {
      return await task();
    } finally {
      // The turn passes straight to the next waiter (running stays the same), else a slot frees up.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
