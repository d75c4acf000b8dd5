/**
 * Notes on the incident's timeline (issue 14 §4): which audit entries are drift-record
 * transitions worth telling the responders where they are (held, flagged suspicious, backport PR
 * opened or merged, reverted), and the short note about each, in plain English. Pure: an audit
 * entry and the record in, a note out.
 *
 * "One note per transition": each transition has a key that makes it one (a drift is held once
 * per incident however often it is decided again; each newly suspicious difference set, each
 * pull request, each revert is its own); the key is part of the job id.
 */
import { createHash } from 'node:crypto';
import type { DriftRecord, IncidentNoteTransition } from '@driftwarden/domain';
import type { AuditEntry } from '@driftwarden/store';

export interface NoteTransition {
  transition: IncidentNoteTransition;
  /** What makes it one transition (with the drift, the transition and the incident). */
  key: string;
}

const DECISIONS = new Set(['decision', 'redecision']);
/** A note longer than this is cut (PagerDuty and Jira take far more; a timeline entry should be short). */
export const MAX_NOTE_LENGTH = 2_000;

function short(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

/** The transitions an audit entry records, if any is told on a timeline. */
export function noteTransitionsFor(entry: AuditEntry & { id: string }): NoteTransition[] {
  if (!entry.driftId) return [];
  const details = entry.details ?? {};
  if (DECISIONS.has(entry.type)) {
    if (details['dryRun'] === true) return [];
    const out: NoteTransition[] = [];
    if (details['action'] === 'hold') out.push({ transition: 'held', key: 'hold' });
    const fresh = details['newlySuspicious'];
    const flags = details['flags'];
    if (Array.isArray(fresh)) {
      if (fresh.length > 0) out.push({ transition: 'suspicious', key: short(fresh.map(String).sort().join('\n')) });
    } else if (Array.isArray(flags) && flags.includes('suspicious')) {
      out.push({ transition: 'suspicious', key: 'flag' });
    }
    return out;
  }
  switch (entry.type) {
    case 'backport.pull_request':
      return [{ transition: 'backport_opened', key: short(typeof details['url'] === 'string' ? details['url'] : 'pr') }];
    case 'backport.merged':
      return [{ transition: 'backport_merged', key: 'merged' }];
    case 'remediation.reverted':
      return [{ transition: 'reverted', key: entry.id }];
    default:
      return [];
  }
}

/**
 * Whether a record's transitions belong on an incident's timeline: it is linked to the incident
 * it happened in (`links.incident`: open when the change was made, else freezing the resource when
 * it was decided) and was not decided in dry-run. A revert is therefore told only for a drift
 * that was held under an incident (reverted after the freeze), never for an ordinary revert.
 */
export function noteApplies(record: DriftRecord): boolean {
  return Boolean(record.links.incident) && !record.dryRun;
}

function resourceOf(record: DriftRecord): string {
  const where = [record.resource.address, `${record.resource.account}, ${record.resource.region}`].filter(Boolean).join(', ');
  return `${record.resource.id} (${where})`;
}

/** The record's differences in the kind's own words (kind-neutral), else its differing attributes. */
function whatChanged(record: DriftRecord): string {
  const sentences = (record.differences ?? []).map((d) => d.sentence).filter((t) => t.length > 0);
  if (sentences.length > 0) return sentences.join('; ');
  const attributes = (record.diff.attributes ?? []).map((a) => `changes ${a.path}`);
  return attributes.length > 0 ? attributes.join('; ') : 'differs from the Terraform state';
}

function who(record: DriftRecord): string {
  const arn = record.principal.arn ?? 'an unknown principal';
  return record.principal.session && !arn.endsWith(`/${record.principal.session}`) ? `${arn} (${record.principal.session})` : arn;
}

/** The note: what driftwarden did, on which resource, what changed, who did it, and a link. */
export function incidentNoteText(input: {
  transition: IncidentNoteTransition;
  record: DriftRecord;
  entry: AuditEntry;
  recordUrl?: string;
}): string {
  const { transition, record, entry } = input;
  const resource = resourceOf(record);
  const details = entry.details ?? {};
  const pr = record.links.pullRequest?.url ?? (typeof details['url'] === 'string' ? details['url'] : undefined);
  let headline: string;
  let changed = whatChanged(record);
  switch (transition) {
    case 'held':
      headline = `driftwarden held a change on ${resource}: it is not reverted while auto-heal is frozen, and is decided again when the freeze ends.`;
      break;
    case 'suspicious': {
      headline = `driftwarden flagged a suspicious change on ${resource}: it widened exposure during the freeze and was not made by a break-glass principal. It stays held.`;
      const fresh = details['newlySuspicious'];
      if (Array.isArray(fresh) && fresh.length > 0) changed = fresh.map(String).join('; ');
      break;
    }
    case 'backport_opened':
      headline = `driftwarden opened a backport pull request for an emergency change on ${resource}: once merged, the Terraform code matches the live state. It will not revert the change.`;
      break;
    case 'backport_merged':
      headline = `The backport pull request for ${resource} was merged: the Terraform code now matches the emergency change.`;
      break;
    case 'reverted':
      headline = `driftwarden reverted a change on ${resource} after the freeze, and verified it.`;
      if (entry.reason) changed = entry.reason.replace(/^reverted and verified:?\s*/, '');
      break;
  }
  const lines = [headline, `What changed: ${changed}.`, `Changed by: ${who(record)}.`];
  if (pr && (transition === 'backport_opened' || transition === 'backport_merged')) lines.push(`Pull request: ${pr}`);
  lines.push(`Record: ${input.recordUrl ?? record.id}`);
  const text = lines.join('\n');
  return text.length > MAX_NOTE_LENGTH ? `${text.slice(0, MAX_NOTE_LENGTH - 1)}…` : text;
}
