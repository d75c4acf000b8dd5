/**
 * What became of each note on an incident's timeline, per drift record (issue 14 §4: "a failure
 * is audited and shown on the record"). Kept beside the record, never in it: writing the record
 * would race the pipeline's compare-and-set saves, and a decision must never wait for, or be
 * retried because of, a note. `GET /v1/drifts/:id` shows it as the record's `incidentNotes`.
 */
import type { Redis } from 'ioredis';
import type { IncidentNoteState } from '@driftwarden/domain';
import type { RedisKeys } from '@driftwarden/redis';

/** The newest this many are kept per record. */
export const MAX_NOTES_PER_RECORD = 50;
/** As long as a record can be looked at after its incident (a month of history, then some). */
export const NOTE_LOG_TTL_SECONDS = 90 * 24 * 3600;

export class IncidentNoteLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private key(driftId: string): string {
    return this.keys.key('drift-notes', driftId);
  }

  async record(driftId: string, state: IncidentNoteState): Promise<void> {
    const key = this.key(driftId);
    await this.redis
      .multi()
      .rpush(key, JSON.stringify(state))
      .ltrim(key, -MAX_NOTES_PER_RECORD, -1)
      .expire(key, NOTE_LOG_TTL_SECONDS)
      .exec();
  }

  /** Oldest first; an entry that cannot be read is left out. */
  async list(driftId: string): Promise<IncidentNoteState[]> {
    const raw = await this.redis.lrange(this.key(driftId), 0, -1);
    const out: IncidentNoteState[] = [];
    for (const item of raw) {
      try {
        out.push(JSON.parse(item) as IncidentNoteState);
      } catch {
        // unreadable: skipped
      }
    }
    return out;
  }
}
