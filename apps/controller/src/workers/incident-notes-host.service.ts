import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { DRIFTWARDEN_CONFIG, DRIFTWARDEN_ROLES, type DriftwardenConfig, type Role } from '@driftwarden/config';
import { PermanentError, type IncidentNoteState, type IncidentNoteTransition, type IncidentProvider } from '@driftwarden/domain';
import type { IncidentSource } from '@driftwarden/freeze';
import { IncidentNoteLog, incidentNoteText, noteApplies, noteTransitionsFor, type FollowedEntry } from '@driftwarden/notifications';
import type { Logger } from '@driftwarden/observability';
import { JobProducer, QueueName, type IncidentNoteJob } from '@driftwarden/queue';
import { RedisConnectionMonitor, RedisKeys } from '@driftwarden/redis';
import { AuditLog, DriftStore } from '@driftwarden/store';
import { CLOCK, INCIDENT_SOURCES, LOGGER } from '../core/tokens';
import { AuditFedQueue } from './audit-fed-queue';

/** What can add a note to one of its incidents (PagerDuty, Opsgenie, JSM adapters). */
interface NotePoster {
  readonly name: IncidentProvider;
  postNote(incidentId: string, text: string): Promise<unknown>;
}

function isNotePoster(source: IncidentSource): source is IncidentSource & NotePoster {
  return typeof (source as Partial<NotePoster>).postNote === 'function';
}

/** The providers whose notes are on (`incidents.notes.<provider>: true`). */
export function notesEnabledFor(config: DriftwardenConfig): IncidentProvider[] {
  const notes = config.incidents.notes;
  if (!notes) return [];
  return (['pagerduty', 'opsgenie', 'jsm'] as const).filter((p) => notes[p] === true);
}

/**
 * Issue 14 §4: notes on the incident's timeline. Follows the audit log as its own Redis consumer
 * group (each entry looked at once across the replicas with role `worker`, like notifications),
 * turns each drift-record transition of a record linked to an incident (`links.incident`) into one
 * job of the `incident-notes` queue, whose id is the transition (one note per transition, across
 * replicas and redeliveries), and posts it with back-off. Nothing here is in the decision path:
 * a slow or failing provider delays a note, never a decision. A note that fails for good is
 * audited (`incident_note.failed`) and shown with the record (`incidentNotes`), as is a posted one.
 */
@Injectable()
export class IncidentNotesHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly fed: AuditFedQueue;
  private readonly posters = new Map<IncidentProvider, NotePoster>();
  private readonly enabled: Set<IncidentProvider>;

  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(DRIFTWARDEN_ROLES) private readonly roles: Role[],
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CLOCK) private readonly clock: () => Date,
    @Inject(INCIDENT_SOURCES) sources: IncidentSource[],
    keys: RedisKeys,
    private readonly audit: AuditLog,
    private readonly drifts: DriftStore,
    private readonly noteLog: IncidentNoteLog,
    private readonly producer: JobProducer,
    redisMonitor: RedisConnectionMonitor,
  ) {
    this.fed = new AuditFedQueue({ config, logger, keys, streamKey: audit.streamKey, redisMonitor });
    this.enabled = new Set(notesEnabledFor(config));
    for (const source of sources) if (isNotePoster(source) && this.enabled.has(source.name)) this.posters.set(source.name, source);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.enabled.size === 0 || !this.roles.includes('worker')) return;
    await this.fed.start({
      group: 'incident-notes',
      follow: 'notes-follow',
      queue: QueueName.IncidentNotes,
      concurrency: 2,
      enqueue: (batch) => this.enqueue(batch),
      process: (job) => this.deliver(job),
      purpose: 'incident notes',
    });
  }

  private async enqueue(batch: FollowedEntry[]): Promise<void> {
    const jobs: IncidentNoteJob[] = [];
    for (const { entry } of batch) {
      const transitions = noteTransitionsFor(entry);
      if (transitions.length === 0 || !entry.driftId) continue;
      const record = await this.drifts.get(entry.driftId);
      const incident = record?.links.incident;
      if (!record || !incident || !noteApplies(record) || !this.enabled.has(incident.provider)) continue;
      for (const t of transitions)
        jobs.push({
          driftId: record.id,
          transition: t.transition,
          auditId: entry.id,
          provider: incident.provider,
          incidentId: incident.id,
          key: t.key,
        });
    }
    await this.producer.incidentNotes(jobs);
  }

  private async deliver(job: Job<IncidentNoteJob>): Promise<string> {
    const { driftId, auditId, incidentId } = job.data;
    const provider = job.data.provider as IncidentProvider;
    const transition = job.data.transition as IncidentNoteTransition;
    const poster = this.posters.get(provider);
    if (!poster) return 'not_configured';
    const [entry, record] = await Promise.all([this.audit.get(auditId), this.drifts.get(driftId)]);
    if (!entry || !record) {
      this.logger.warn({ driftId, auditId, provider, transition }, 'incident note dropped: its audit entry or record is gone');
      return 'gone';
    }
    const base = this.config.notifications.linkBaseUrl?.replace(/\/+$/, '');
    const text = incidentNoteText({ transition, record, entry, ...(base ? { recordUrl: `${base}/v1/drifts/${record.id}` } : {}) });
    const attempts = job.attemptsMade + 1;
    try {
      const result = await poster.postNote(incidentId, text);
      const noteId =
        typeof result === 'object' && result !== null && typeof (result as { id?: unknown }).id === 'string'
          ? (result as { id: string }).id
          : undefined;
      await this.record(driftId, {
        transition,
        provider,
        incidentId,
        status: 'posted',
        at: this.clock().toISOString(),
        attempts,
        ...(noteId ? { noteId } : {}),
      });
      return 'posted';
    } catch (err) {
      const last = err instanceof PermanentError || attempts >= (job.opts.attempts ?? 1);
      if (last) {
        const reason = err instanceof Error ? err.message : String(err);
        await this.record(driftId, {
          transition,
          provider,
          incidentId,
          status: 'failed',
          at: this.clock().toISOString(),
          attempts,
          error: reason.slice(0, 500),
        });
      }
      throw err;
    }
  }

  /**
   * Shows the outcome with the record (`incidentNotes` of GET /v1/drifts/:id, kept beside it: the
   * record itself is never written here, so no decision races a note) and audits it.
   */
  private async record(driftId: string, state: IncidentNoteState): Promise<void> {
    await this.noteLog.record(driftId, state);
    await this.audit.append({
      at: state.at,
      type: state.status === 'posted' ? 'incident_note.posted' : 'incident_note.failed',
      actor: 'notes',
      driftId,
      reason:
        state.status === 'posted'
          ? `note on ${state.provider} incident ${state.incidentId}: ${state.transition}`
          : `could not add the ${state.transition} note to ${state.provider} incident ${state.incidentId} after ${state.attempts} attempt(s): ${state.error ?? 'error'}`,
      details: {
        provider: state.provider,
        incidentId: state.incidentId,
        transition: state.transition,
        attempts: state.attempts,
        ...(state.noteId ? { noteId: state.noteId } : {}),
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.fed.stop();
  }
}
