import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  ALL_QUEUES,
  JOB_NAMES,
  QueueName,
  jobIdFrom,
  type BackportJob,
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
  /**
   * A queue's errors (its connection's, while Redis is unreachable). Without a listener BullMQ
   * prints them with console.error, outside the JSON log.
   */
  onError?: (err: Error, queue: QueueName) => void;
}

/** Retention keeps finished jobs long enough for id-based deduplication to keep working. */
const KEEP_COMPLETED = { age: 24 * 3600, count: 50_000 };
const KEEP_FAILED = { age: 7 * 24 * 3600 };

/** One table for every job option: ids, attempts, back-off, retention. */
const DEFAULTS: { [Q in QueueName]: JobsOptions } = {
  evaluate: {
    attempts: 14,
    backoff: { type: 'dw' },
    // Evaluations are deduplicated per resource by BullMQ deduplication, not by job id, and
    // their outcome is in the item ledger: nothing to keep once done.
    removeOnComplete: true,
    removeOnFail: KEEP_FAILED,
  },
  remediate: {
    attempts: 8,
    backoff: { type: 'dw' },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  },
  backport: {
    attempts: 8,
    backoff: { type: 'dw' },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  },
  // A failed poll is not retried: the next interval polls again, and staleness freezes meanwhile.
  incidents: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  // A receiver that is down for a while still gets the message (back-off 1 s doubling: about 8.5 min over 10 attempts).
  notify: { attempts: 10, backoff: { type: 'dw' }, removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED },
  // One note per transition: the job id is the transition, and finished jobs are kept as long as
  // an incident can last (30 days), so a redelivered audit entry or a second replica adds nothing.
  'incident-notes': { attempts: 8, backoff: { type: 'dw' }, removeOnComplete: { age: 30 * 24 * 3600, count: 100_000 }, removeOnFail: { age: 30 * 24 * 3600 } },
};

/**
 * The producer facade: business code asks for "evaluate this resource" or "remediate this
 * drift"; ids, deduplication and retry policy are decided here, once.
 */
export class JobProducer {
  private readonly queues: { [Q in QueueName]: Queue };

  constructor(private readonly options: JobProducerOptions) {
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
    };
  }

  /**
   * Asks for an evaluation of one resource. Bursts coalesce with BullMQ deduplication:
   * a delayed (debouncing) job is replaced, and while one is active the latest request is
   * kept and runs after it, so one resource is never evaluated twice at once.
   */
  async evaluate(jobs: EvaluateJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queues.evaluate.addBulk(jobs.map((data) => ({ name: JOB_NAMES.evaluate, data, opts: this.evaluateOptions(data) })));
  }

  evaluateOptions(data: EvaluateJob): JobsOptions {
    return {
      ...DEFAULTS.evaluate,
      delay: this.options.coalesceMs,
      deduplication: { id: jobIdFrom('res', data.resourceKey), replace: true, keepLastIfActive: true },
    };
  }

  /** Schedules a revert after the settle delay; one job per drift and item. */
  async remediate(data: RemediateJob, delayMs: number): Promise<void> {
    await this.queues.remediate.add(JOB_NAMES.remediate, data, {
      ...DEFAULTS.remediate,
      jobId: jobIdFrom('rem', data.driftId, data.eventId, ...(data.round ? [data.round] : [])),
      delay: Math.max(0, delayMs),
    });
  }

  /** Opens or updates the backport PR for a drift; one job per drift and item. */
  async backport(data: BackportJob): Promise<void> {
    await this.queues.backport.add(JOB_NAMES.backport, data, {
      ...DEFAULTS.backport,
      jobId: jobIdFrom('bp', data.driftId, data.eventId, ...(data.round ? [data.round] : [])),
    });
  }

  /** One delivery per audit entry, kind and webhook, however often it is asked for. */
  async notify(jobs: NotifyJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queues.notify.addBulk(
      jobs.map((data) => ({ name: JOB_NAMES.notify, data, opts: { ...DEFAULTS.notify, jobId: jobIdFrom('ntf', data.auditId, data.kind, data.webhook) } })),
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
        opts: { ...DEFAULTS['incident-notes'], jobId: jobIdFrom('note', data.driftId, data.transition, data.provider, data.incidentId, data.key) },
      })),
    );
  }

  /** Polls the providers every `everyMs`, one job per interval across all replicas. */
  async scheduleIncidentPolls(everyMs: number): Promise<void> {
    await this.queues.incidents.upsertJobScheduler('poll-incidents', { every: everyMs }, { name: JOB_NAMES.incidents, data: { reason: 'schedule' }, opts: DEFAULTS.incidents });
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
    await this.queues.incidents.add(JOB_NAMES.incidents, { reason: 'webhook', correlationId }, { ...DEFAULTS.incidents, deduplication: { id: 'poll-now', ttl: 1_000 } });
  }

  queue<Q extends QueueName>(name: Q): Queue<JobData<Q>> {
    return this.queues[name] as unknown as Queue<JobData<Q>>;
  }

  async close(): Promise<void> {
    await Promise.all(ALL_QUEUES.map((q) => this.queues[q].close()));
  }
}
