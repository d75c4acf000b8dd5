/**
 * Error classes shared by every capability. Adapters map SDK and HTTP failures onto these,
 * so that the pipeline can decide retry (transient) vs record-and-stop (permanent).
 */
export class DriftwardenError extends Error {
  constructor(
    message: string,
    /** Stable machine-readable code, e.g. `provider_timeout`, `ec2_unauthorized`. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Retrying later may succeed: timeouts, 5xx, 429, connection resets. */
export class TransientError extends DriftwardenError {
  constructor(message: string, code: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, code, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
  readonly retryAfterMs?: number;
}

/**
 * Not a failure: the work must wait (a rate limit's window, CloudTrail's delivery lag, another
 * replica walking the same CloudTrail window). A queue job is delayed by `retryAfterMs` and comes
 * back with its attempts untouched: waiting never spends a retry (CONVENTIONS "Avoid").
 */
export class WaitError extends TransientError {
  constructor(message: string, code: string, options: { cause?: unknown; retryAfterMs: number }) {
    super(message, code, options);
  }
}

export function isWait(err: unknown): err is WaitError {
  return err instanceof WaitError;
}

/** Retrying cannot help: bad input, missing permission, resource gone. */
export class PermanentError extends DriftwardenError {}

export function isTransient(err: unknown): err is TransientError {
  return err instanceof TransientError;
}

/**
 * Parses a "come back in N seconds" header value (`ratelimit-reset`, `X-RateLimit-Period-In-Sec`,
 * `Retry-After` in seconds) into milliseconds, capped at one hour. Undefined when absent or junk.
 */
export function parseRetryAfterSeconds(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return undefined;
  const seconds = Number(trimmed);
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(Math.round(seconds * 1000), 3_600_000);
}
