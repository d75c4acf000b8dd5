import { ConcurrencyLimit } from './concurrency-limit';

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` tasks at once, the rest in the order they came', async () => {
    const limit = new ConcurrencyLimit(2);
    const gates = new Map<number, () => void>();
    const started: number[] = [];
    let peak = 0;
    const runs = [0, 1, 2, 3, 4].map((i) =>
      limit.run(async () => {
        started.push(i);
        peak = Math.max(peak, limit.load.running);
        await new Promise<void>((r) => gates.set(i, r));
        return i * 10;
      }),
    );
    await new Promise(setImmediate);
    expect(started).toEqual([0, 1]);
    expect(limit.load).toEqual({ running: 2, waiting: 3 });
    gates.get(1)!();
    await new Promise(setImmediate);
    expect(started).toEqual([0, 1, 2]);
    // Each release lets the next waiter start, in order, never more than two at once.
    for (const [release, next] of [
      [0, 3],
      [2, 4],
    ]) {
      gates.get(release)!();
      await new Promise(setImmediate);
      expect(started.at(-1)).toBe(next);
    }
    gates.get(3)!();
    gates.get(4)!();
    expect(await Promise.all(runs)).toEqual([0, 10, 20, 30, 40]);
    expect(peak).toBe(2);
    expect(limit.load).toEqual({ running: 0, waiting: 0 });
  });

  it('frees the slot of a task that throws, and passes the error on', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limit.run(async () => 'next')).toBe('next');
    expect(limit.load).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow('limit must be a positive integer, got 0');
    expect(() => new ConcurrencyLimit(1.5)).toThrow(RangeError);
  });
});
