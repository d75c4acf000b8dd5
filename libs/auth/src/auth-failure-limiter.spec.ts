import { AuthFailureLimiter } from './auth-failure-limiter';

describe('AuthFailureLimiter', () => {
  const setup = (maxClients?: number) => {
    let t = 1_000_000;
    const limiter = new AuthFailureLimiter({ maxFailures: 3, windowMs: 60_000, now: () => t, ...(maxClients ? { maxClients } : {}) });
    return { limiter, advance: (ms: number) => (t += ms) };
  };

  it('limits a client from its max-th failure until its window ends, and says when to come back', () => {
    const { limiter, advance } = setup();
    expect([limiter.recordFailure('a'), limiter.recordFailure('a')]).toEqual([false, false]);
    expect(limiter.retryAfterSeconds('a')).toBe(0);
    advance(10_500);
    expect(limiter.recordFailure('a')).toBe(true);
    expect(limiter.retryAfterSeconds('a')).toBe(50);
    expect(limiter.retryAfterSeconds('b')).toBe(0);
    advance(49_000);
    expect(limiter.retryAfterSeconds('a')).toBe(1);
    advance(500);
    // The window opened by the first failure is over: a fresh start.
    expect(limiter.retryAfterSeconds('a')).toBe(0);
    expect(limiter.recordFailure('a')).toBe(false);
  });

  it('reports reaching the limit once per window', () => {
    const { limiter } = setup();
    const reached = Array.from({ length: 6 }, () => limiter.recordFailure('a'));
    expect(reached).toEqual([false, false, true, false, false, false]);
  });

  it('remembers a bounded number of clients, forgetting expired then oldest windows', () => {
    const { limiter, advance } = setup(2);
    for (let i = 0; i < 3; i++) limiter.recordFailure('old');
    advance(30_000);
    limiter.recordFailure('b');
    limiter.recordFailure('c');
    expect(limiter.size).toBe(2);
    expect(limiter.retryAfterSeconds('old')).toBe(0);
    // Full again: the oldest window (b) goes; then, once b and c expired, both go.
    limiter.recordFailure('d');
    expect(limiter.size).toBe(2);
    // c kept its count: two more failures reach the limit of 3.
    expect([limiter.recordFailure('c'), limiter.recordFailure('c')]).toEqual([false, true]);
    advance(70_000);
    limiter.recordFailure('e');
    expect(limiter.size).toBe(1);
  });
});
