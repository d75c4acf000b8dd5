/**
 * What the SQS consumer drives: a handler for each message body, a durable quarantine for poison
 * messages, and a logger. Implemented by the application (e.g. normalise + enqueue, a store).
 */
import type { Problem } from '@driftwarden/domain';

export interface SqsMessageMeta {
  messageId: string;
  /** `ApproximateReceiveCount`: 1 on the first delivery. */
  receiveCount: number;
}

export type HandleOutcome = { status: 'accepted' } | { status: 'rejected'; problems: Problem[] };

/**
 * Handles one message body. `accepted`: the message is deleted. `rejected`: the body can never be
 * handled (bad input); it is quarantined, then deleted. Throwing means "try again later": the
 * message stays on the queue and comes back after its visibility timeout.
 */
export type SqsMessageHandler = (body: string, meta: SqsMessageMeta) => Promise<HandleOutcome>;

export interface QuarantinedError {
  name: string;
  message: string;
  code?: string;
}

export type QuarantineReason =
  | { kind: 'rejected'; problems: Problem[] }
  | { kind: 'max_receives_exceeded'; receiveCount: number; maxReceiveCount: number; error: QuarantinedError };

/**
 * Records a poison message durably. Must resolve only once it is recorded: the message is deleted
 * right after. Should be idempotent on `meta.messageId` (a failed delete means a second delivery).
 */
export type QuarantineFn = (body: string, reason: QuarantineReason, meta: SqsMessageMeta) => Promise<void>;

/** The slice of a structured logger the consumer needs (pino's `warn(obj, msg)` fits). */
export interface IngestLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}
