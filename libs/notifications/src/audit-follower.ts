/**
 * Reads the audit stream as a Redis consumer group: every entry appended from now on is handed
 * to exactly one replica, and stays pending until it is acknowledged. Entries left pending by a
 * replica that died are claimed by another after `claimIdleMs` (XAUTOCLAIM), so a crash loses
 * no notification (delivery is at least once; the delivery id lets receivers drop a repeat).
 * A stream or group lost with Redis is created again.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { parseFields, type AuditEntry } from '@driftwarden/store';

export interface FollowedEntry {
  id: string;
  entry: AuditEntry & { id: string };
}

export interface AuditFollowerOptions {
  group: string;
  consumer?: string;
  /** How long one read waits for new entries. */
  blockMs?: number;
  /** An entry pending this long on another consumer is taken over. */
  claimIdleMs?: number;
  count?: number;
  /** Create the group at the start of the retained stream (history is handed out too), not at its end. */
  fromStart?: boolean;
}

export class AuditFollower {
  private readonly consumer: string;
  private groupReady = false;
  /** The newest entry handed out; a group created again resumes after it. */
  private lastId: string | null = null;
  private nextClaimAt = 0;

  constructor(
    /** A connection of its own: XREADGROUP BLOCK holds it. */
    private readonly redis: Redis,
    private readonly streamKey: string,
    private readonly options: AuditFollowerOptions,
  ) {
    this.consumer = options.consumer ?? `${hostname()}-${process.pid}`;
  }

  /**
   * Creates the group at the end of the stream (history is not replayed). Created again after
   * a loss, it starts after the last entry this follower saw: a stream emptied with Redis has
   * only newer ids (they are times), so nothing appended since is missed.
   */
  async ensureGroup(): Promise<void> {
    try {
      await this.redis.xgroup(
        'CREATE',
        this.streamKey,
        this.options.group,
        this.lastId ?? (this.options.fromStart ? '0' : '$'),
        'MKSTREAM',
      );
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
    }
    if (this.lastId === null && this.options.fromStart) this.lastId = '0-0';
    if (this.lastId === null) {
      // Nothing seen yet: "now" on the server's clock (stream ids are its times), less one
      // millisecond, so an entry appended in this very millisecond is not taken as already seen.
      const [seconds, micros] = await this.redis.time();
      this.lastId = `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - 1}-0`;
    }
    this.groupReady = true;
  }

  /** Pending entries of dead consumers first, then new ones (waits up to `blockMs`). */
  async next(): Promise<FollowedEntry[]> {
    if (!this.groupReady) await this.ensureGroup();
    const count = this.options.count ?? 100;
    try {
      const claimed = await this.claimStale(count);
      if (claimed.length > 0) return this.seen(claimed);
      const res = (await this.redis.xreadgroup(
        'GROUP',
        this.options.group,
        this.consumer,
        'COUNT',
        count,
        'BLOCK',
        this.options.blockMs ?? 5000,
        'STREAMS',
        this.streamKey,
        '>',
      )) as [string, [string, string[]][]][] | null;
      return this.seen(res ? parseEntries(res[0]?.[1] ?? []) : []);
    } catch (err) {
      // The stream or the group went away (Redis lost, or the key deleted): start again.
      if (err instanceof Error && err.message.includes('NOGROUP')) {
        this.groupReady = false;
        return [];
      }
      throw err;
    }
  }

  private seen(entries: FollowedEntry[]): FollowedEntry[] {
    for (const e of entries) if (this.lastId === null || compareIds(e.id, this.lastId) > 0) this.lastId = e.id;
    return entries;
  }

  async ack(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.xack(this.streamKey, this.options.group, ...ids);
  }

  /**
   * Follows until `stopped()`: each batch is handed to `handle` and acknowledged after it returns.
   * A failure (of the read, the handler or the acknowledgement) is reported to `onError` and
   * retried with back-off (200 ms doubling, at most 5 s); the batch stays pending, so it is handed
   * out again (at least once).
   */
  async run(
    handle: (batch: FollowedEntry[]) => Promise<void>,
    opts: { stopped: () => boolean; onError: (err: unknown, failures: number) => void },
  ): Promise<void> {
    let failures = 0;
    while (!opts.stopped()) {
      try {
        const batch = await this.next();
        await handle(batch);
        await this.ack(batch.map((b) => b.id));
        failures = 0;
      } catch (err) {
        if (opts.stopped()) break;
        failures++;
        opts.onError(err, failures);
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** failures, 5_000)));
      }
    }
  }

  /**
   * A dead consumer's entries become claimable only after `claimIdleMs`: looking every half of
   * that is enough (not on every read), and again at once while there were some to take.
   */
  private async claimStale(count: number): Promise<FollowedEntry[]> {
    const idleMs = this.options.claimIdleMs ?? 60_000;
    if (Date.now() < this.nextClaimAt) return [];
    const reply = (await this.redis.xautoclaim(this.streamKey, this.options.group, this.consumer, idleMs, '0-0', 'COUNT', count)) as [
      string,
      ([string, string[]] | null)[],
      string[]?,
    ];
    const claimed = parseEntries((reply[1] ?? []).filter((e): e is [string, string[]] => e !== null));
    this.nextClaimAt = claimed.length > 0 ? 0 : Date.now() + idleMs / 2;
    return claimed;
  }
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

function parseEntries(raw: [string, string[]][]): FollowedEntry[] {
  // An entry that cannot be read is still handed out (and acknowledged): never stuck on it.
  return raw.map(([id, fields]) => ({ id, entry: { ...(parseFields(id, fields) ?? { at: '', type: 'unreadable', actor: '' }), id } }));
}
