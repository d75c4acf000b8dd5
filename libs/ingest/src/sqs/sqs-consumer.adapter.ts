/**
 * Long-polls an SQS queue and hands each body to a handler. A message is deleted only once it is
 * accepted, or once it has been quarantined; nothing is dropped silently.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  type DeleteMessageBatchRequestEntry,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { PermanentError } from '@driftwarden/domain';
import { mapAwsError } from '@driftwarden/aws';
import type {
  HandleOutcome,
  IngestLogger,
  QuarantineFn,
  QuarantineReason,
  QuarantinedError,
  SqsMessageHandler,
  SqsMessageMeta,
} from './sqs-consumer.port';

export interface SqsConsumerOptions {
  queueUrl: string;
  /** Long-poll wait, 0–20 s (default 20). */
  waitTimeSeconds?: number;
  /** Messages per receive, 1–10 (default 10); they are handled concurrently. */
  maxNumberOfMessages?: number;
  /** Visibility timeout set on receive, 0–43 200 s (default: the queue's own). Must outlast the handler. */
  visibilityTimeoutSeconds?: number;
  /**
   * Deliveries a message may fail (throw) before it is quarantined, ≥ 1 (default 5). The attempt
   * whose `receiveCount` reaches this number is the last one, as with an SQS redrive policy of the
   * same `maxReceiveCount`.
   */
  maxReceiveCount?: number;
  /** Back-off after failed receives: doubles from `initialMs` (default 1 000) up to `maxMs` (default 60 000). */
  backoff?: { initialMs?: number; maxMs?: number };
}

export interface SqsConsumerDeps {
  handle: SqsMessageHandler;
  quarantine: QuarantineFn;
  logger: IngestLogger;
  /** Waits `ms` or until `signal` aborts (then resolves or rejects, either is fine). Injected in tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** [0, 1) source for jitter. Injected in tests. */
  random?: () => number;
}

/** Consecutive receive failures logged as warnings before they are logged as errors. */
const WARN_FAILURES = 4;
const DELETE_BATCH_LIMIT = 10;

type Disposition = 'delete' | 'keep';

function validate(options: SqsConsumerOptions): Required<Omit<SqsConsumerOptions, 'visibilityTimeoutSeconds' | 'backoff'>> & {
  visibilityTimeoutSeconds: number | undefined;
  backoff: { initialMs: number; maxMs: number };
} {
  const checkInt = (name: string, value: number, min: number, max: number): number => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`SqsConsumer: ${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
    }
    return value;
  };
  if (!options.queueUrl) throw new RangeError('SqsConsumer: queueUrl must be a non-empty string');
  const initialMs = checkInt('backoff.initialMs', options.backoff?.initialMs ?? 1000, 1, 3_600_000);
  return {
    queueUrl: options.queueUrl,
    waitTimeSeconds: checkInt('waitTimeSeconds', options.waitTimeSeconds ?? 20, 0, 20),
    maxNumberOfMessages: checkInt('maxNumberOfMessages', options.maxNumberOfMessages ?? 10, 1, 10),
    visibilityTimeoutSeconds:
      options.visibilityTimeoutSeconds === undefined
        ? undefined
        : checkInt('visibilityTimeoutSeconds', options.visibilityTimeoutSeconds, 0, 43_200),
    maxReceiveCount: checkInt('maxReceiveCount', options.maxReceiveCount ?? 5, 1, 1000),
    backoff: { initialMs, maxMs: checkInt('backoff.maxMs', options.backoff?.maxMs ?? 60_000, initialMs, 3_600_000) },
  };
}

function abortError(): Error {
  return Object.assign(new Error('The SQS long poll was aborted'), { name: 'AbortError' });
}

async function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // aborted: the loop checks the signal itself
  }
}

function describeError(err: unknown): QuarantinedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? { name: err.name, message: err.message, code } : { name: err.name, message: err.message };
  }
  return { name: 'NonError', message: String(err) };
}

export class SqsConsumer {
  private readonly options: ReturnType<typeof validate>;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private abort: AbortController | null = null;
  private loopDone: Promise<void> | null = null;

  constructor(
    private readonly client: SQSClient,
    options: SqsConsumerOptions,
    private readonly deps: SqsConsumerDeps,
  ) {
    this.options = validate(options);
    this.sleep = deps.sleep ?? defaultSleep;
    this.random = deps.random ?? Math.random;
  }

  get running(): boolean {
    return this.loopDone !== null;
  }

  /** Starts polling in the background. Throws if already started. */
  start(): void {
    if (this.loopDone) throw new Error('SqsConsumer is already started');
    const abort = new AbortController();
    this.abort = abort;
    this.loopDone = this.loop(abort.signal);
  }

  /**
   * Aborts the long poll and resolves once the messages in flight have been handled and
   * deleted (or left for redelivery). Safe to call when not started or twice.
   */
  async stop(): Promise<void> {
    const done = this.loopDone;
    if (!done) return;
    this.abort?.abort();
    await done;
    if (this.loopDone === done) {
      this.loopDone = null;
      this.abort = null;
    }
  }

  /** The delay before the next receive after `failures` consecutive failures: capped doubling, equal jitter. */
  backoffMs(failures: number): number {
    const { initialMs, maxMs } = this.options.backoff;
    const capped = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 40));
    return Math.round(capped / 2 + (capped / 2) * this.random());
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        messages = await this.receive(signal);
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        const waitMs = this.backoffMs(failures);
        const mapped = mapAwsError(err, { service: 'sqs', operation: 'ReceiveMessage' });
        const log = { err, code: mapped.code, queueUrl: this.options.queueUrl, consecutiveFailures: failures, retryInMs: waitMs };
        if (mapped instanceof PermanentError || failures > WARN_FAILURES) this.deps.logger.error(log, 'SQS ReceiveMessage failed');
        else this.deps.logger.warn(log, 'SQS ReceiveMessage failed');
        await this.sleep(waitMs, signal);
        continue;
      }
      // Not tied to the signal: work already received is finished, even when stopping.
      if (messages.length === 0) continue;
      try {
        await this.processBatch(messages);
      } catch (err) {
        // processBatch handles its own failures; this only guards the loop against a throwing logger.
        this.deps.logger.error({ err, queueUrl: this.options.queueUrl }, 'unexpected failure while handling an SQS batch');
      }
    }
  }

  /** One long poll; rejects as soon as `signal` aborts, even if the client ignored the signal. */
  private async receive(signal: AbortSignal): Promise<Message[]> {
    if (signal.aborted) throw abortError();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError());
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const request = this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        WaitTimeSeconds: this.options.waitTimeSeconds,
        MaxNumberOfMessages: this.options.maxNumberOfMessages,
        VisibilityTimeout: this.options.visibilityTimeoutSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
      { abortSignal: signal },
    );
    request.catch(() => undefined); // if the abort wins the race, the request's own rejection is expected
    try {
      const output = await Promise.race([request, aborted]);
      return output.Messages ?? [];
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  private async processBatch(messages: Message[]): Promise<void> {
    const dispositions = await Promise.all(messages.map((m) => this.processMessage(m)));
    await this.deleteMessages(messages.filter((_, i) => dispositions[i] === 'delete'));
  }

  private async processMessage(message: Message): Promise<Disposition> {
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount);
    const meta: SqsMessageMeta = {
      messageId: message.MessageId ?? '(no MessageId)',
      receiveCount: Number.isInteger(receiveCount) && receiveCount > 0 ? receiveCount : 1,
    };
    if (!message.ReceiptHandle) {
      this.deps.logger.error({ messageId: meta.messageId }, 'SQS message without a ReceiptHandle cannot be deleted; skipped');
      return 'keep';
    }
    const body = message.Body ?? '';

    let outcome: HandleOutcome;
    try {
      outcome = await this.deps.handle(body, meta);
    } catch (err) {
      const { maxReceiveCount } = this.options;
      if (meta.receiveCount >= maxReceiveCount) {
        return this.quarantine(
          body,
          { kind: 'max_receives_exceeded', receiveCount: meta.receiveCount, maxReceiveCount, error: describeError(err) },
          meta,
        );
      }
      this.deps.logger.warn(
        { err, ...meta, maxReceiveCount },
        'SQS message handler failed; the message is left for redelivery after its visibility timeout',
      );
      return 'keep';
    }
    if (outcome.status === 'accepted') return 'delete';
    if (outcome.status === 'rejected') return this.quarantine(body, { kind: 'rejected', problems: outcome.problems }, meta);
    this.deps.logger.error({ ...meta, outcome }, 'SQS message handler returned an unknown status; the message is left for redelivery');
    return 'keep';
  }

  private async quarantine(body: string, reason: QuarantineReason, meta: SqsMessageMeta): Promise<Disposition> {
    try {
      await this.deps.quarantine(body, reason, meta);
      return 'delete';
    } catch (err) {
      this.deps.logger.error(
        { err, ...meta, reason: reason.kind },
        'quarantining an SQS message failed; the message is left for redelivery',
      );
      return 'keep';
    }
  }

  private async deleteMessages(messages: Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += DELETE_BATCH_LIMIT) {
      const chunk = messages.slice(start, start + DELETE_BATCH_LIMIT);
      const byId = new Map(chunk.map((m, i) => [`m${i}`, m]));
      let entries: DeleteMessageBatchRequestEntry[] = [...byId].map(([Id, m]) => ({ Id, ReceiptHandle: m.ReceiptHandle }));
      // One retry for entries that failed on the service side; sender faults (e.g. an expired receipt handle) are final.
      for (let attempt = 1; attempt <= 2 && entries.length > 0; attempt++) {
        let failed;
        try {
          const output = await this.client.send(new DeleteMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries }));
          failed = output.Failed ?? [];
        } catch (err) {
          this.deps.logger.error(
            { err, queueUrl: this.options.queueUrl, messageIds: entries.map((e) => byId.get(e.Id ?? '')?.MessageId) },
            'SQS DeleteMessageBatch failed; the messages will be redelivered and handled again',
          );
          return;
        }
        const retry = new Set<string>();
        for (const f of failed) {
          const id = f.Id ?? '';
          if (!f.SenderFault && attempt === 1) {
            retry.add(id);
            continue;
          }
          this.deps.logger.error(
            {
              messageId: byId.get(id)?.MessageId,
              code: f.Code,
              senderFault: f.SenderFault,
              detail: f.Message,
              queueUrl: this.options.queueUrl,
            },
            'SQS could not delete a handled message; it will be redelivered and handled again',
          );
        }
        entries = entries.filter((e) => retry.has(e.Id ?? ''));
      }
    }
  }
}
