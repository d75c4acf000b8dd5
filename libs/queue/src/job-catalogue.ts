/**
 * The one typed job catalogue: queue names, job names and each job's payload.
 * Producers (JobProducer) and processors import the same types.
 * Payloads carry ids and small values, never secrets or whole events.
 */
export const QueueName = {
  /** Decide on the latest pending item of one resource (coalesced per resource), or of each of several. */
  Evaluate: 'evaluate',
  /** Revert a drift after settle: fenced re-check, cloud calls, verify. */
  Remediate: 'remediate',
  /** Open or update a backport pull request (or issue) for a drift. */
  Backport: 'backport',
  /** Poll the incident providers into the shared snapshot (one poller for all replicas). */
  Incidents: 'incidents',
  /** Tell a human through an outgoing webhook (a revert awaiting approval, a failure, …). */
  Notify: 'notify',
  /** Post a note on an incident's timeline about a drift-record transition (`incidents.notes`). */
  IncidentNotes: 'incident-notes',
  /** The reconciling sweep: compare every managed resource with its live configuration (one replica per interval). */
  Reconcile: 'reconcile',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export interface EvaluateJob {
  /** `account/region/type/id` (see resourceKey). */
  resourceKey: string;
  /** Why the evaluation was asked for: a new item, a compliance change, a freeze that ended, … */
  trigger: 'item' | 'compliance' | 'freeze_ended' | 'exception_expired' | 'approval' | 'retry' | 'reconcile';
  correlationId: string;
}

/**
 * Evaluations of several resources in one job (an ingest batch's items): one job's queue work
 * instead of one per resource. Each resource's claim is exclusive while the job runs (its lock is
 * the claim's holder); a resource another run holds, or whose evaluation throws, is handed to a job
 * of its own (EvaluateJob, with its retries and failure record).
 */
export interface EvaluateBatchJob {
  resourceKeys: string[];
  /** Only triggers whose evaluation claims an item (an event's, the reconciling sweep's). */
  trigger: 'item' | 'reconcile';
  correlationId: string;
}

export function isEvaluateBatch(data: EvaluateJob | EvaluateBatchJob): data is EvaluateBatchJob {
  return 'resourceKeys' in data;
}

export interface RemediateJob {
  driftId: string;
  /** The item the decision was made on: a newer item supersedes the job. */
  eventId: string;
  /**
   * Distinguishes later decisions on the same item (a re-decision after a freeze, an
   * approval) from the first, whose job may already have run. Absent for the first decision.
   */
  round?: string;
  correlationId: string;
}

export interface BackportJob {
  driftId: string;
  eventId: string;
  round?: string;
  correlationId: string;
}

export interface IncidentsPollJob {
  /** `schedule` (the job scheduler) or `webhook` (a refresh asked for by a provider webhook). */
  reason: 'schedule' | 'webhook';
  correlationId?: string;
}

export interface NotifyJob {
  /** The audit entry the message is about (stream id); the message is built from it. */
  auditId: string;
  /** `awaiting_approval`, `suspicious`, `remediation_failed`, `freeze_unknown`. */
  kind: string;
  /** The webhook's configured name (its URL is a secret: never in a job). */
  webhook: string;
}

export interface IncidentNoteJob {
  driftId: string;
  /** `held`, `suspicious`, `backport_opened`, `backport_merged`, `reverted`. */
  transition: string;
  /** The audit entry of the transition (stream id): the note is written from it and the record. */
  auditId: string;
  /** The incident the record is linked to (`links.incident`). */
  provider: string;
  incidentId: string;
  /** What makes this transition one (see incident-notes rules): part of the job id. */
  key: string;
}

export interface ReconcileJob {
  /** `schedule` (the job scheduler, every `reconcile.intervalMinutes`) or `now` (asked for: CLI, tests, benchmark). */
  reason: 'schedule' | 'now';
  correlationId?: string;
}

/** Ties each queue to its job name and payload type. */
export interface JobCatalogue {
  [QueueName.Evaluate]: { name: 'evaluate' | typeof EVALUATE_BATCH_JOB; data: EvaluateJob | EvaluateBatchJob };
  [QueueName.Remediate]: { name: 'remediate'; data: RemediateJob };
  [QueueName.Backport]: { name: 'backport'; data: BackportJob };
  [QueueName.Incidents]: { name: 'poll'; data: IncidentsPollJob };
  [QueueName.Notify]: { name: 'notify'; data: NotifyJob };
  [QueueName.IncidentNotes]: { name: 'note'; data: IncidentNoteJob };
  [QueueName.Reconcile]: { name: 'sweep'; data: ReconcileJob };
}

export type JobData<Q extends QueueName> = JobCatalogue[Q]['data'];
export type JobName<Q extends QueueName> = JobCatalogue[Q]['name'];

export const JOB_NAMES: { [Q in QueueName]: JobName<Q> } = {
  evaluate: 'evaluate',
  remediate: 'remediate',
  backport: 'backport',
  incidents: 'poll',
  notify: 'notify',
  'incident-notes': 'note',
  reconcile: 'sweep',
};

/** The job name of EvaluateBatchJob (on the evaluate queue, beside JOB_NAMES.evaluate). */
export const EVALUATE_BATCH_JOB = 'evaluate-batch';

export const ALL_QUEUES: readonly QueueName[] = [
  QueueName.Evaluate,
  QueueName.Remediate,
  QueueName.Backport,
  QueueName.Incidents,
  QueueName.Notify,
  QueueName.IncidentNotes,
  QueueName.Reconcile,
];

/**
 * BullMQ job ids come from domain keys. They must not contain `:` (BullMQ's key separator)
 * and must not be pure integers (BullMQ's own counter ids).
 */
export function jobIdFrom(...parts: string[]): string {
  const id = parts.map((p) => p.replace(/[^A-Za-z0-9._-]/g, '_')).join('-');
  return /^\d+$/.test(id) ? `j-${id}` : id;
}
