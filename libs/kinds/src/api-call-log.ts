import type { ApiCallRecord, JsonObject } from '@driftwarden/domain';
import { ec2ErrorCode, ec2ErrorMessage, failureName } from '@driftwarden/ec2';

/** How a service's failures are read and mapped (each executor brings its own); `Context`: what a call may add for the message (a security group's rule). */
export interface ApiCallErrors<Context = never> {
  /** The code recorded in the evidence for any failure (an AWS code, else `TimeoutError`, `ECONNRESET`…). */
  recorded(err: unknown): { code: string; message: string };
  /** The AWS error code looked up among the tolerated ones; undefined when the failure has none. */
  code(err: unknown): string | undefined;
  /** The error to throw (a TransientError or PermanentError) for a failure not tolerated; `apiCalls`: the calls so far, the failed one included. */
  fail(err: unknown, operation: string, apiCalls: ApiCallRecord[], context?: Context): Error;
}

/** EC2's error shapes (also Auto Scaling's: the same query protocol): the executor maps the error. */
export function ec2CallErrors<Context = never>(fail: ApiCallErrors<Context>['fail']): ApiCallErrors<Context> {
  return { recorded: (err) => ({ code: failureName(err), message: ec2ErrorMessage(err) }), code: ec2ErrorCode, fail };
}

export type CallResult<O> = { ok: true; output: O } | { ok: false; outcome: string };

/**
 * The AWS calls one revert makes, recorded as they are made for the drift record's evidence
 * (DESIGN §4: the API calls made and their results): the request and the time it was issued,
 * then a summary of the response with its request id, or the error. Requests hold ids, CIDRs,
 * ports and flags only: nothing secret to redact.
 */
export class ApiCallLog<Operation extends string = string, Context = never> {
  readonly apiCalls: ApiCallRecord[] = [];

  constructor(
    private readonly service: string,
    private readonly clock: () => Date,
    private readonly errors: ApiCallErrors<Context>,
  ) {}

  /**
   * Sends one call and records it. An error whose code is in `tolerated` means "already done":
   * recorded with its outcome (e.g. `already_absent`) and answered `ok: false`, not thrown. Any
   * other error is thrown as `errors.fail` maps it (with `context`).
   */
  async call<O extends { $metadata?: { requestId?: string } }>(
    operation: Operation,
    input: object,
    send: () => Promise<O>,
    summarize: (output: O) => JsonObject,
    tolerated: Readonly<Record<string, string>> = {},
    context?: Context,
  ): Promise<CallResult<O>> {
    const record: ApiCallRecord = {
      service: this.service,
      operation,
      request: JSON.parse(JSON.stringify(input)) as JsonObject,
      at: this.clock().toISOString(),
    };
    this.apiCalls.push(record);
    try {
      const output = await send();
      const requestId = output.$metadata?.requestId;
      record.response = { ...summarize(output), ...(requestId ? { requestId } : {}) };
      return { ok: true, output };
    } catch (err) {
      record.error = this.errors.recorded(err);
      const code = this.errors.code(err);
      const outcome = code !== undefined && Object.hasOwn(tolerated, code) ? tolerated[code] : undefined;
      if (outcome !== undefined) {
        record.response = { outcome };
        return { ok: false, outcome };
      }
      throw this.errors.fail(err, operation, [...this.apiCalls], context);
    }
  }

  /** A call no failure of which is "already done": its output, or the mapped error thrown. */
  async send<O extends { $metadata?: { requestId?: string } }>(
    operation: Operation,
    input: object,
    send: () => Promise<O>,
    summarize: (output: O) => JsonObject,
  ): Promise<O> {
    const result = await this.call(operation, input, send, summarize);
    // Nothing is tolerated, so every failure was thrown above.
    if (!result.ok) throw new Error(`${operation}: unexpected tolerated outcome ${result.outcome}`);
    return result.output;
  }
}
