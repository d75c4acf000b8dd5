/** The messages between the soak (soak.ts, the load generator) and its controller process (soak-child.ts). */

export interface SoakChildArgs {
  prefix: string;
  retention: Record<string, unknown>;
}

/** Parent → child. */
export type SoakToChild = { type: 'events'; events: Record<string, unknown>[] } | { type: 'sample' } | { type: 'live' } | { type: 'close' };

/** Child → parent. `sample`: the controller process's memory (bytes) and counters. */
export type SoakFromChild =
  | { type: 'ready' }
  | {
      type: 'sample';
      rss: number;
      heapUsed: number;
      heapTotal: number;
      external: number;
      decisions: number;
      inflight: number;
      failures: number;
      firstFailure: string | null;
    }
  /** After a full garbage collection at the end: the heap the controller still reaches, and its resident set then. */
  | { type: 'live'; heapUsed: number; rss: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };
