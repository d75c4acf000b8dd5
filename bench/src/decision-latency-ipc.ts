/** The messages between the decision-latency benchmark (decision-latency.ts) and its controller process (decision-latency-child.ts). */

export interface ChildArgs {
  prefix: string;
  policies: { files: string[]; timeZones: string[] } | null;
}

/** The shared clock, ms. */
export const sharedNow = (): number => performance.timeOrigin + performance.now();

/** Parent → child. */
export type ToChild =
  | { type: 'ping'; sentAt: number }
  | { type: 'phase'; name: string; events: number }
  | { type: 'event'; key: string; sentAt: number; event: Record<string, unknown> }
  | { type: 'sample'; key: string }
  | { type: 'close' };

/** One decision of a phase, ms on the shared clock. */
export interface DecisionTimes {
  sentAt: number;
  handedAt: number;
  recordedAt: number;
}

export interface PhaseReport {
  name: string;
  decisions: DecisionTimes[];
  /** Ingest calls that failed (e.g. a Redis command timeout on an overloaded machine), with the first message. */
  failed: number;
  firstFailure: string | null;
  /** This process's CPU time (user + system, every thread) from the phase's start to its last decision, µs. */
  cpuUs: number;
  /** GC pauses of this process during the phase, [start, end] on the shared clock. */
  gcs: [number, number][];
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** Child → parent. */
export type FromChild =
  | { type: 'ready'; startMs: number; readyMs: number }
  | { type: 'pong'; sentAt: number; childAt: number }
  | { type: 'progress'; phase: string; settled: number; expected: number; failed: number }
  | { type: 'phase-done'; report: PhaseReport }
  | { type: 'sample'; policyIds: string[]; action: string | null }
  | { type: 'error'; message: string };
