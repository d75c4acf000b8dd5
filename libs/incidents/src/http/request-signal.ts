/**
 * One AbortSignal per HTTP request that fires on the first of: the per-request timeout, the
 * caller's signal, or an internal abort (e.g. "stop, this is a 429"). Afterwards it tells which
 * one fired, so that the failure is classified by cause rather than by the error the HTTP client
 * happened to throw (node-fetch and undici throw different things, pdjs sometimes a non-Error).
 */
export type AbortCause = 'timeout' | 'caller' | 'internal';

export class RequestSignal {
  readonly signal: AbortSignal;
  private readonly timeoutSignal: AbortSignal;
  private readonly internal = new AbortController();

  constructor(
    readonly timeoutMs: number,
    private readonly caller?: AbortSignal,
  ) {
    this.timeoutSignal = AbortSignal.timeout(timeoutMs);
    const signals = [this.timeoutSignal, this.internal.signal];
    if (caller) signals.push(caller);
    this.signal = AbortSignal.any(signals);
  }

  /** Aborts the request from inside the adapter. */
  abortInternally(): void {
    this.internal.abort();
  }

  /** Which source aborted the request; undefined while none has. The caller wins ties. */
  cause(): AbortCause | undefined {
    if (this.caller?.aborted) return 'caller';
    if (this.internal.signal.aborted) return 'internal';
    if (this.timeoutSignal.aborted) return 'timeout';
    return undefined;
  }
}
