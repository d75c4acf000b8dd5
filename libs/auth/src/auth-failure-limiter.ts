/**
 * Failed bearer authentications per client (its address), in memory: each replica counts its own
 * clients, so behind N replicas a client gets up to N times the limit before every replica
 * refuses it. That is enough to turn a flood of guesses into cheap 429s and to make it visible
 * (`driftwarden_auth_failures_total`); a shared count would cost a Redis round trip per failure.
 *
 * A fixed window per client, opened by its first failure: after `maxFailures` failures within
 * `windowMs`, the client is refused until the window ends.
 */
export interface AuthFailureLimiterOptions {
  maxFailures: number;
  windowMs: number;
  /** Milliseconds now; tests pass a fake clock. */
  now?: () => number;
  /** Clients remembered at most (the oldest are forgotten first); bounds memory. */
  maxClients?: number;
}

interface Window {
  failures: number;
  resetAt: number;
}

export class AuthFailureLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;
  private readonly maxClients: number;

  constructor(private readonly opts: AuthFailureLimiterOptions) {
    this.now = opts.now ?? Date.now;
    this.maxClients = opts.maxClients ?? 10_000;
  }

  /** Whole seconds until `client` may try again (at least 1), or 0 when it is not limited. */
  retryAfterSeconds(client: string): number {
    const w = this.current(client);
    if (!w || w.failures < this.opts.maxFailures) return 0;
    return Math.max(1, Math.ceil((w.resetAt - this.now()) / 1000));
  }

  /** Counts a failure; true when this one reached the limit (the client is limited from now on). */
  recordFailure(client: string): boolean {
    let w = this.current(client);
    if (!w) {
      this.makeRoom();
      w = { failures: 0, resetAt: this.now() + this.opts.windowMs };
      this.windows.set(client, w);
    }
    w.failures += 1;
    return w.failures === this.opts.maxFailures;
  }

  get size(): number {
    return this.windows.size;
  }

  private current(client: string): Window | undefined {
    const w = this.windows.get(client);
    if (w && w.resetAt <= this.now()) {
      this.windows.delete(client);
      return undefined;
    }
    return w;
  }

  private makeRoom(): void {
    if (this.windows.size < this.maxClients) return;
    const t = this.now();
    for (const [client, w] of this.windows) if (w.resetAt <= t) this.windows.delete(client);
    // Still full: forget the oldest windows (Map iteration is insertion order).
    for (const client of this.windows.keys()) {
      if (this.windows.size < this.maxClients) break;
      this.windows.delete(client);
    }
  }
}
