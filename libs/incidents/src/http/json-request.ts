/**
 * One JSON request to an incident provider over `fetch` (the adapters without an SDK: Opsgenie,
 * incident.io): bounded by the configured timeout and the caller's signal, never following a
 * redirect (the credential stays with the configured origin). A request that got no answer is a
 * TransientError named by its cause (aborted by the caller, no answer within the timeout, a
 * network failure); the credential never appears in a message or a cause.
 */
import { TransientError } from '@driftwarden/domain';
import {
  errorForStatus,
  INCIDENT_ERROR_CODES,
  isError,
  networkErrorCode,
  parseRetryAfterSeconds,
  safeCause,
  safeDetail,
  type ProviderLabel,
} from '../incidents.errors';
import { RequestSignal } from './request-signal';

/** An answer: its status and headers, and its body parsed as JSON (`parsed: false` when it is not JSON; an empty body is undefined). */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  parsed: boolean;
}

export interface JsonRequest {
  provider: ProviderLabel;
  /** `GET https://…` as the messages name it (describeUrl: no query secrets). */
  request: string;
  fetchFn: typeof fetch;
  url: URL;
  init: Pick<RequestInit, 'method' | 'headers' | 'body'>;
  timeoutMs: number;
  caller?: AbortSignal;
  /** Values never to show in a message (the credential). */
  secrets: readonly string[];
}

export async function fetchJson(o: JsonRequest): Promise<JsonAnswer> {
  if (o.caller?.aborted) throw abortedByCaller(o.provider, o.request);
  const requestSignal = new RequestSignal(o.timeoutMs, o.caller);
  let status: number;
  let headers: Headers;
  let text: string;
  try {
    const response = await o.fetchFn(o.url, { ...o.init, redirect: 'manual', signal: requestSignal.signal });
    status = response.status;
    headers = response.headers;
    text = await response.text();
  } catch (err: unknown) {
    const aborted = requestSignal.cause();
    if (aborted === 'caller') throw abortedByCaller(o.provider, o.request);
    if (aborted === 'timeout')
      throw new TransientError(
        `${o.provider} ${o.request} did not answer within ${requestSignal.timeoutMs} ms`,
        INCIDENT_ERROR_CODES.timeout,
      );
    const code = networkErrorCode(err);
    throw new TransientError(
      `${o.provider} ${o.request} failed: ${code ?? (isError(err) ? safeDetail(err.message, o.secrets) : 'unknown error')}`,
      INCIDENT_ERROR_CODES.network,
      { cause: safeCause(err, o.secrets) },
    );
  }
  try {
    return { status, headers, body: text.length > 0 ? JSON.parse(text) : undefined, parsed: true };
  } catch {
    return { status, headers, body: undefined, parsed: false };
  }
}

/**
 * The error for an answer outside 2xx (errorForStatus: refused credential, rate limit with the
 * wait read from the first of `retryAfterHeaders` given, not found, server error…); null for a 2xx.
 */
export function statusError(
  provider: ProviderLabel,
  request: string,
  answer: JsonAnswer,
  detail: string | undefined,
  retryAfterHeaders: readonly string[],
): Error | null {
  const { status, headers } = answer;
  if (status >= 200 && status <= 299) return null;
  const retryAfter = retryAfterHeaders.map((h) => headers.get(h)).find((v) => v !== null) ?? null;
  return errorForStatus({
    provider,
    request,
    status,
    detail,
    retryAfterMs: status === 429 ? parseRetryAfterSeconds(retryAfter) : undefined,
  });
}

function abortedByCaller(provider: ProviderLabel, request: string): TransientError {
  return new TransientError(`${provider} ${request} was aborted by the caller`, INCIDENT_ERROR_CODES.aborted);
}
