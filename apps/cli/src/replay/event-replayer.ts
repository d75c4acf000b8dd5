import { ApiError, type DriftwardenClient } from '../api-client';
import type { AcceptedEvent } from '../api.types';
import type { EventLine, RejectedLine } from './event-lines';

export interface ReplayTally {
  /** New events the controller accepted. */
  accepted: number;
  /** Events the controller had already seen (accepted, nothing new). */
  duplicates: number;
  rejected: RejectedLine[];
  /** Lines settled so far (accepted, duplicate or rejected by the API). */
  done: number;
}

export interface ReplayOutcome extends ReplayTally {
  /** Lines the API answered 202 for but left out of `accepted` (should not happen). */
  unacknowledged: number[];
  /** Lines never delivered because the replay stopped early. */
  notSent: number[];
  /** Why the replay stopped early: unreachable, token rejected, server failing… */
  aborted?: ApiError;
}

export interface ReplayerOptions {
  batchSize: number;
  /** Retries of a batch after a transient failure (timeout, 429, 502-504). */
  retries: number;
  sleep(ms: number): Promise<void>;
  onProgress?(tally: Readonly<ReplayTally>): void;
}

const MAX_BACKOFF_MS = 10_000;
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Posts events to `POST /v1/events` in batches. A batch refused with 400 is sent again line by
 * line, so only the bad lines are rejected (with the API's problems) and the good ones are not
 * lost; a batch refused as too large (413) is split in halves. Delivery is idempotent on the
 * controller (duplicates are reported as such), which makes retrying transient failures safe.
 * Any other failure stops the replay: the rest of the file is reported as not sent.
 */
export class EventReplayer {
  private tally: ReplayTally = { accepted: 0, duplicates: 0, rejected: [], done: 0 };
  private unacknowledged: number[] = [];
  private settled = new Set<number>();

  constructor(
    private readonly client: Pick<DriftwardenClient, 'postEvents'>,
    private readonly options: ReplayerOptions,
  ) {}

  async replay(lines: readonly EventLine[]): Promise<ReplayOutcome> {
    this.tally = { accepted: 0, duplicates: 0, rejected: [], done: 0 };
    this.unacknowledged = [];
    this.settled = new Set();
    const size = Math.max(1, this.options.batchSize);
    let aborted: ApiError | undefined;
    try {
      for (let start = 0; start < lines.length; start += size) {
        await this.deliver(lines.slice(start, start + size));
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      aborted = error;
    }
    const notSent = lines.map((l) => l.line).filter((line) => !this.settled.has(line));
    return { ...this.tally, unacknowledged: this.unacknowledged, notSent, aborted };
  }

  private async deliver(batch: readonly EventLine[]): Promise<void> {
    try {
      // A single line goes as one object, so the API's problem paths are relative to the event.
      const payload = batch.length === 1 ? batch[0].event : batch.map((l) => l.event);
      const response = await this.postWithRetry(payload);
      this.record(batch, response.accepted);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 400) {
        if (batch.length === 1) return this.reject(batch[0], problemsOf(error));
        for (const line of batch) await this.deliver([line]);
        return;
      }
      if (error.status === 413) {
        if (batch.length === 1) {
          return this.reject(batch[0], [
            { path: '', message: `the event is larger than the controller accepts (413 ${error.code}: ${error.message})` },
          ]);
        }
        const half = Math.ceil(batch.length / 2);
        await this.deliver(batch.slice(0, half));
        await this.deliver(batch.slice(half));
        return;
      }
      throw error;
    }
  }

  private async postWithRetry(payload: unknown): Promise<{ accepted: AcceptedEvent[] }> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.client.postEvents(payload);
      } catch (error) {
        if (!(error instanceof ApiError) || !error.transient || attempt >= this.options.retries) throw error;
        const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt);
        await this.options.sleep(Math.min(error.retryAfterMs ?? backoff, MAX_RETRY_AFTER_MS));
      }
    }
  }

  private record(batch: readonly EventLine[], accepted: readonly AcceptedEvent[]): void {
    batch.forEach((line, i) => {
      const result = accepted[i];
      if (result === undefined) this.unacknowledged.push(line.line);
      else if (result.duplicate) this.tally.duplicates += 1;
      else this.tally.accepted += 1;
      this.settle(line.line);
    });
    this.options.onProgress?.(this.tally);
  }

  private reject(line: EventLine, problems: RejectedLine['problems']): void {
    this.tally.rejected.push({ line: line.line, problems });
    this.settle(line.line);
    this.options.onProgress?.(this.tally);
  }

  private settle(line: number): void {
    this.settled.add(line);
    this.tally.done += 1;
  }
}

function problemsOf(error: ApiError): RejectedLine['problems'] {
  return error.problems.length > 0 ? error.problems : [{ path: '', message: `${error.code}: ${error.message}` }];
}
