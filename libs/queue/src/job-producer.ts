import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  ALL_QUEUES,
  EVALUATE_BATCH_JOB,
  JOB_NAMES,
  QueueName,
  jobIdFrom,
  type BackportJob,
  type EvaluateBatchJob,
  type EvaluateJob,
  type IncidentNoteJob,
  type JobData,
  type NotifyJob,
  type RemediateJob,
} from './job-catalogue';

export interface JobProducerOptions {
  connection: Redis;
  /** BullMQ key prefix (RedisKeys.bullPrefix). */
  prefix: string;
  /** Debounce window for evaluations of one resource (ingest.coalesceMilliseconds). */
  coalesceMs: number;
  /** How many finished jobs are kept, and how long (config `retention.completedJobs`/`failedJobs`). */
  jobRetention?: JobRetention;
  /**
   * A queue's errors (its connection's, while Redis is unreachable). Without a listener BullMQ
   * prints them with console.error, outside the JSON log.
   */
  onError?: (err: Error, queue: QueueName) => void;
}

/** Finished jobs kept while both limits hold (BullMQ `KeepJobs`, checked as each job finishes). */
export interface JobRetention {
  completed: { ageSeconds: number; count: number };
  failed: { ageSeconds: number; count: number };
}

/**
 * Completed jobs of the id-deduplicated queues are kept long enough for deduplication by job id
 * to keep working (an evaluation that enqueued one can retry for about 35 minutes); failed ones
 * are kept by count (their drift record and audit entry are the record of the failure).
 */
export const DEFAULT_JOB_RETENTION: JobRetention = {
  completed: { ageSeconds: 24 * 3600, count: 50_000 },
  failed: { ageSeconds: 7 * 24 * 3600, count: 1_000 },
};

/**
 * Stack traces kept per job: the last three attempts' (BullMQ keeps one per attempt by default,
 * about 2.5 KB each: 14 of them made a failed evaluation about 38 KB).
 */
const STACK_TRACES_KEPT = 3;

/** Resources per evaluation batch job at most (an ingest delivery of EventBridge or SQS carries 10 to 100). */
export const EVALUATE_BATCH_SIZE = 100;

/** One table for every job option: ids, attempts, back-off, retention. */
function jobDefaults(retention: JobRetention): { [Q in QueueName]: JobsOptions } {
  const keepCompleted = { age: retention.completed.ageSeconds, count: retention.completed.count };
  const keepFailed = { age: retention.failed.ageSeconds, count: retention.failed.count };
  return {
    evaluate: {
      attempts: 14,
      backoff: { type: 'dw' },
      // Evaluations are deduplicated per resource by BullMQ deduplication, not by job id, and
      // their outcome is in the item ledger: nothing to keep once done.
      removeOnComplete: true,
      removeOnFail: keepFailed,
      stackTraceLimit: STACK_TRACES_KEPT,
    },
    remediate: {
      attempts: 8,
      backoff: { type: 'dw' },
      removeOnComplete: keepCompleted,
      removeOnFail: keepFailed,
      stackTraceLimit: STACK_TRACES_KEPT,
    },
    backport: {
      attempts: 8,
      backoff: { type: 'dw' },
      removeOnComplete: keepCompleted,
      removeOnFail: keepFailed,
      stackTraceLimit: STACK_TRACES_KEPT,
    },
    // A failed poll is not retried: the next interval polls again, and staleness freezes meanwhile.
    incidents: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 }, stackTraceLimit: 1 },
    // A receiver that is down for a while still gets the message (back-off 1 s doubling: about 8.5 min over 10 attempts).
    notify: {
      attempts: 10,
      backoff: { type: 'dw' },
      removeOnComplete: keepCompleted,
      removeOnFail: keepFailed,
      stackTraceLimit: STACK_TRACES_KEPT,
    },
    // One note per transition: the job id is the transition, and finished jobs are kept as long as
    // an incident can last (30 days, whatever the retention of the others), so a redelivered audit
    // entry or a second replica adds nothing.
    'incident-notes': {
      attempts: 8,
      backoff: { type: 'dw' },
      removeOnComplete: {
        age: Math.max(30 * 24 * 3600, retention.completed.ageSeconds),
        count: Math.max(100_000, retention.completed.count),
      },
      removeOnFail: keepFailed,
      stackTraceLimit: STACK_TRACES_KEPT,
    },
    // A failed sweep is not retried: the next interval sweeps again (and the failure is logged and in /readyz).
    reconcile: { attempts: 1, removeOnComplete: { count: 50 }, removeOnFail: { count: 50 }, stackTraceLimit: 1 },
  };
}

/**
 * The producer facade: business code asks for "evaluate this resource" or "remediate this
 * drift"; ids, deduplication and retry policy are decided here, once.
 */
export class JobProducer {
  private readonly queues: { [Q in QueueName]: Queue };
  private readonly defaults: { [Q in QueueName]: JobsOptions };

  constructor(private readonly options: JobProducerOptions) {
    this.defaults = jobDefaults(options.jobRetention ?? DEFAULT_JOB_RETENTION);
    const make = (name: QueueName) => {
      const queue = new Queue(name, { connection: options.connection, prefix: options.prefix });
      const onError = options.onError;
      if (onError) queue.on('error', (err: Error) => onError(err, name));
      return queue;
    };
    this.queues = {
      evaluate: make('evaluate'),
      remediate: make('remediate'),
      backport: make('backport'),
      incidents: make('incidents'),
      notify: make('notify'),
      'incident-notes': make('incident-notes'),
      reconcile: make('reconcile'),
    };
  }

  /**
   * Asks for evaluations. Requests of several resources for an item (an ingest batch, the
   * reconciling sweep) become batch jobs of up to EVALUATE_BATCH_SIZE resources: one job's queue
   * work (two BullMQ scripts, its events) is shared by all of them, and each resource's claim is
   * exclusive while the job runs (ClaimHolder). Any other request (one resource, a freeze that
   * ended, an approval, …; or `batch: false`) is a job of its own, coalesced per resource with
   * BullMQ deduplication: a delayed (debouncing) job is replaced, and while one is active the
   * latest request is kept and runs after it.
   */
  async evaluate(jobs: EvaluateJob[], options: { batch?: boolean } = {}): Promise<void> {
    if (jobs.length === 0) return;
    const single: EvaluateJob[] = [];
    const batches: EvaluateBatchJob[] = [];
    const groups = new Map<string, { trigger: EvaluateBatchJob['trigger']; correlationId: string; keys: Set<string> }>();
    for (const job of jobs) {
      if (options.batch === false || (job.trigger !== 'item' && job.trigger !== 'reconcile')) {
        single.push(job);
        continue;
      }
      const group = `${job.trigger}\n${job.correlationId}`;
      let known = groups.get(group);
      if (!known) groups.set(group, (known = { trigger: job.trigger, correlationId: job.correlationId, keys: new Set<string>() }));
      known.keys.add(job.resourceKey);
    }
    for (const { trigger, correlationId, keys } of groups.values()) {
      if (keys.size === 1) {
        single.push({ resourceKey: [...keys][0], trigger, correlationId });
        continue;
      }
      const all = [...keys];
      for (let i = 0; i < all.length; i += EVALUATE_BATCH_SIZE)
        batches.push({ resourceKeys: all.slice(i, i + EVALUATE_BATCH_SIZE), trigger, correlationId });
    }
    const entries = [
      ...single.map((data) => ({ name: JOB_NAMES.evaluate, data, opts: this.evaluateOptions(data) })),
      ...batches.map((data) => ({
        name: EVALUATE_BATCH_JOB,
        data,
        opts: { ...this.defaults.evaluate, delay: this.options.coalesceMs },
      })),
    ];
    // One job (an event on its own, the usual case outside bursts) is added without the
    // pipeline addBulk builds: the same addJob script and options, about a tenth less CPU per
    // event (ioredis copies every defined script onto each pipeline it makes).
    if (entries.length === 1) {
      await this.queues.evaluate.add(entries[0].name, entries[0].data, entries[0].opts);
      return;
    }
    await this.queues.evaluate.addBulk(entries);
  }

  evaluateOptions(data: EvaluateJob): JobsOptions {
    return {
      ...this.defaults.evaluate,
      delay: this.options.coalesceMs,
      deduplication: { id: jobIdFrom('res', data.resourceKey), replace: true, keepLastIfActive: true },
    };
  }

  /** Schedules a revert after the settle delay; one job per drift and item. */
  async remediate(data: RemediateJob, delayMs: number): Promise<void> {
    await this.queues.remediate.add(JOB_NAMES.remediate, data, {
      ...this.defaults.remediate,
      jobId: jobIdFrom('rem', data.driftId, data.eventId, ...(data.round ? [data.round] : [])),
      delay: Math.max(0, delayMs),
    });
  }

  /** Opens or updates the backport PR for a drift; one job per drift and item. */
  async backport(data: BackportJob): Promise<void> {
    await this.queues.backport.add(JOB_NAMES.backport, data, {
      ...this.defaults.backport,
      jobId: jobIdFrom('bp', data.driftId, data.eventId, ...(data.round ? [data.round] : [])),
    });
  }

  /** One delivery per audit entry, kind and webhook, however often it is asked for. */
  async notify(jobs: NotifyJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queues.notify.addBulk(
      jobs.map((data) => ({
        name: JOB_NAMES.notify,
        data,
        opts: { ...this.defaults.notify, jobId: jobIdFrom('ntf', data.auditId, data.kind, data.webhook) },
      })),
    );
  }

  /**
   * Notes on incident timelines: one job per drift, transition, incident and key, however often
   * (and by however many replicas) it is asked for.
   */
  async incidentNotes(jobs: IncidentNoteJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queues['incident-notes'].addBulk(
      jobs.map((data) => ({
        name: JOB_NAMES['incident-notes'],
        data,
        opts: {
          ...this.defaults['incident-notes'],
          jobId: jobIdFrom('note', data.driftId, data.transition, data.provider, data.incidentId, data.key),
        },
      })),
    );
  }

  /** Polls the providers every `everyMs`, one job per interval across all replicas. */
  async scheduleIncidentPolls(everyMs: number): Promise<void> {
    await this.queues.incidents.upsertJobScheduler(
      'poll-incidents',
      { every: everyMs },
      { name: JOB_NAMES.incidents, data: { reason: 'schedule' }, opts: this.defaults.incidents },
    );
  }

  /**
   * Sets the poll schedule up again when it is gone (a Redis restarted empty lost it with
   * everything else); true when it had to. One read when it is there: fine for every sweep.
   */
  async ensureIncidentPolls(everyMs: number): Promise<boolean> {
    if (await this.queues.incidents.getJobScheduler('poll-incidents')) return false;
    await this.scheduleIncidentPolls(everyMs);
    return true;
  }

  async removeIncidentPolls(): Promise<void> {
    await this.queues.incidents.removeJobScheduler('poll-incidents');
  }

  /** A refresh now (webhook): bursts of webhooks collapse into one poll per second. */
  async pollIncidentsNow(correlationId: string): Promise<void> {
    await this.queues.incidents.add(
      JOB_NAMES.incidents,
      { reason: 'webhook', correlationId },
      { ...this.defaults.incidents, deduplication: { id: 'poll-now', ttl: 1_000 } },
    );
  }

  /** The reconciling sweep, once per interval for all replicas (a BullMQ job scheduler; idempotent upsert). */
  async scheduleReconcile(everyMs: number): Promise<void> {
    await this.queues.reconcile.upsertJobScheduler(
      'reconcile',
      { every: everyMs },
      { name: JOB_NAMES.reconcile, data: { reason: 'schedule' }, opts: this.defaults.reconcile },
    );
  }

  /** Sets the sweep schedule up again when it is gone (Redis emptied); true when it had to. */
  async ensureReconcile(everyMs: number): Promise<boolean> {
    if (await this.queues.reconcile.getJobScheduler('reconcile')) return false;
    await this.scheduleReconcile(everyMs);
    return true;
  }

  async removeReconcile(): Promise<void> {
    await this.queues.reconcile.removeJobScheduler('reconcile');
  }

  /** A sweep now (CLI, tests, benchmark); requests while one waits collapse into it. */
  async reconcileNow(correlationId: string): Promise<void> {
    await this.queues.reconcile.add(
      JOB_NAMES.reconcile,
      { reason: 'now', correlationId },
      { ...this.defaults.reconcile, deduplication: { id: 'reconcile-now' } },
    );
  }

  queue<Q extends QueueName>(name: Q): Queue<JobData<Q>> {
    return this.queues[name] as unknown as Queue<JobData<Q>>;
  }

  async close(): Promise<void> {
    await Promise.all(ALL_QUEUES.map((q) => this.queues[q].close()));
  }
}
