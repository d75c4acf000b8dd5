import type { Redis } from 'ioredis';

/** The log the monitor writes to (a pino logger fits). */
export interface RedisEventLog {
  error(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
}

interface Outage {
  since: number;
  /** Errors seen during the outage (every connection, every reconnect attempt). */
  errors: number;
  /** Distinct errors already logged (code or message). */
  logged: Set<string>;
  connections: Set<string>;
  lastSummary: number;
}

/**
 * Routes Redis connection trouble into the structured log. Without an `error` listener ioredis
 * prints "[ioredis] Unhandled error event" and a raw stack on stderr, and BullMQ prints what it
 * cannot emit with `console.error`: every connection is watched here instead, BullMQ's own too
 * (through the Queue and Worker `error` events).
 *
 * One outage is a handful of lines however many connections (about a dozen per process) and
 * reconnect attempts there are: each distinct error once, at most one summary per `summaryMs`
 * while it lasts, and one line when a connection is ready again. Messages and codes only: no
 * stacks, no URLs (a Redis URL may hold a password).
 */
export class RedisConnectionMonitor {
  private outage: Outage | null = null;

  constructor(
    private readonly log: RedisEventLog,
    private readonly summaryMs = 30_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Attaches the listeners to a client; `name` says which connection (`driftwarden:worker`). */
  watch<T extends Redis>(client: T, name: string): T {
    client.on('error', (err: unknown) => this.report(name, err));
    client.on('ready', () => this.ready(name));
    return client;
  }

  /** An error of a connection (or of a BullMQ Queue or Worker about its connection). */
  report(source: string, err: unknown): void {
    const now = this.now();
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (e as Error & { code?: unknown }).code;
    const key = typeof code === 'string' ? code : e.message.slice(0, 200);
    const outage = (this.outage ??= { since: now, errors: 0, logged: new Set(), connections: new Set(), lastSummary: now });
    outage.errors++;
    outage.connections.add(source);
    if (!outage.logged.has(key)) {
      outage.logged.add(key);
      const fields = { connection: source, err: { message: e.message.slice(0, 500), ...(typeof code === 'string' ? { code } : {}) } };
      if (outage.logged.size === 1)
        this.log.error(fields, 'Redis is unreachable: requests answer 503 redis_unavailable, work waits until it is back');
      else this.log.warn(fields, 'Redis connection error');
      return;
    }
    if (now - outage.lastSummary >= this.summaryMs) {
      outage.lastSummary = now;
      this.log.warn(
        { downMs: now - outage.since, errors: outage.errors, connections: outage.connections.size },
        'Redis is still unreachable',
      );
    }
  }

  private ready(name: string): void {
    const outage = this.outage;
    if (!outage) return;
    this.outage = null;
    this.log.info(
      { connection: name, downMs: this.now() - outage.since, errors: outage.errors, connections: outage.connections.size },
      'Redis is reachable again',
    );
  }
}
