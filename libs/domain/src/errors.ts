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
  constructor(
    message: string,
    code: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, code, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
  readonly retryAfterMs?: number;
}

/** Retrying cannot help: bad input, missing permission, resource gone. */
export class PermanentError extends DriftwardenError {}

export function isTransient(err: unknown): err is TransientError {
  return err instanceof TransientError;
}
