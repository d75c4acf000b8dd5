/**
 * Which audit entries a human must hear about (DESIGN §4 rule 5: "notify; revert only after
 * approval"), and what to tell them, in plain English. Pure: an audit entry in, a message out.
 */
import type { NOTIFICATION_EVENTS } from '@driftwarden/config';
import type { AuditEntry } from '@driftwarden/store';

/**
 * - `awaiting_approval`: a revert waits for a human (rule 5: it would widen exposure, or the
 *   resource is critical), also when a closed backport PR sends the drift back for approval;
 * - `suspicious`: a change that widened exposure during a freeze, not by a break-glass principal
 *   (told once per difference: when it is first flagged, not on every later decision);
 * - `widens_exposure`: a break-glass change that widens exposure is being backported (trusted,
 *   but the on-call must know: DESIGN §4);
 * - `remediation_failed`: a revert, a backport or an evaluation that failed for good;
 * - `freeze_unknown`: an incident provider cannot be read, so auto-heal is frozen (fail closed);
 * - `backport_overdue`: an emergency patch's backport pull request is still open `backport.expiryDays`
 *   after it was opened (told once per period, until it is merged or closed);
 * - `tracking_issue`: a change made by hand to a Terraform-managed resource that no kind models
 *   (observed, never reverted) opened or updated its tracking issue: someone must codify it or undo it.
 */
export type NotificationKind = (typeof NOTIFICATION_EVENTS)[number];

export interface Notification {
  kind: NotificationKind;
  /** One line a person can act on. */
  title: string;
  /** Why, from the audit entry. */
  reason: string;
  driftId?: string;
  resourceKey?: string;
  /** The audit entry it comes from (stream id): the idempotency key of the delivery. */
  auditId: string;
  at: string;
}

const DECISIONS = new Set(['decision', 'redecision']);

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function resourceOf(entry: AuditEntry): string {
  // account/region/type/id → "sg-… (account, region)"
  const parts = entry.resourceKey?.split('/');
  return parts && parts.length === 4 ? `${parts[3]} (${parts[0]}, ${parts[1]})` : (entry.resourceKey ?? 'a resource');
}

/** What an audit entry means for a human, or null when it is not worth a message. */
export function notificationsFor(entry: AuditEntry & { id: string }): Notification[] {
  const base = {
    reason: entry.reason ?? '',
    auditId: entry.id,
    at: entry.at,
    ...(entry.driftId ? { driftId: entry.driftId } : {}),
    ...(entry.resourceKey ? { resourceKey: entry.resourceKey } : {}),
  };
  const details = entry.details ?? {};
  const out: Notification[] = [];
  if (DECISIONS.has(entry.type)) {
    const principal = str(details['principal']) ?? 'an unknown principal';
    if (details['action'] === 'await_approval' && details['dryRun'] !== true) {
      out.push({
        ...base,
        kind: 'awaiting_approval',
        title: `Approval needed: reverting the change by ${principal} on ${resourceOf(entry)}`,
      });
    }
    const fresh = details['newlySuspicious'];
    const flags = details['flags'];
    if (Array.isArray(fresh)) {
      // Decided difference by difference: tell each suspicious difference once, naming who made it.
      if (fresh.length > 0)
        out.push({
          ...base,
          kind: 'suspicious',
          title: `Suspicious change on ${resourceOf(entry)}: ${fresh.map(String).join('; ')} — widened exposure during a freeze`,
        });
    } else if (Array.isArray(flags) && flags.includes('suspicious')) {
      out.push({
        ...base,
        kind: 'suspicious',
        title: `Suspicious change on ${resourceOf(entry)}: ${principal} widened exposure during a freeze`,
      });
    }
    const widening = details['widensExposure'];
    if (Array.isArray(widening) && widening.length > 0 && details['dryRun'] !== true) {
      out.push({
        ...base,
        kind: 'widens_exposure',
        title: `Break-glass change widens exposure on ${resourceOf(entry)}: ${widening.map(String).join('; ')} — backported, not reverted`,
      });
    }
    return out;
  }
  switch (entry.type) {
    case 'backport.closed':
      out.push({ ...base, kind: 'awaiting_approval', title: `Approval needed: the backport for ${resourceOf(entry)} was closed unmerged` });
      break;
    case 'tracking.not_planned':
      if (details['status'] === 'awaiting_approval')
        out.push({
          ...base,
          kind: 'awaiting_approval',
          title: `Approval needed: the tracking issue for ${resourceOf(entry)} was closed as not planned`,
        });
      break;
    case 'backport.overdue': {
      const pr = str(details['pullRequest']);
      const days = typeof details['openDays'] === 'number' ? details['openDays'] : undefined;
      out.push({
        ...base,
        kind: 'backport_overdue',
        title: `Backport overdue for ${resourceOf(entry)}: ${pr ?? 'its pull request'} is not merged${days !== undefined ? ` after ${days} days` : ''} — merge it or close it`,
      });
      break;
    }
    case 'remediation.failed':
      out.push({ ...base, kind: 'remediation_failed', title: `Revert failed on ${resourceOf(entry)}` });
      break;
    case 'backport.issue': {
      if (details['tracking'] !== true) break;
      const changes = Array.isArray(details['changes']) ? details['changes'].map(String) : [];
      const url = str(details['url']);
      out.push({
        ...base,
        kind: 'tracking_issue',
        title: `Changed by hand on ${resourceOf(entry)} (Terraform-managed, never reverted)${changes.length ? `: ${changes.join('; ')}` : ''} — ${details['opened'] === true ? 'tracking issue opened' : 'tracking issue updated'}${url ? ` ${url}` : ''}: codify it or undo it by hand`,
      });
      break;
    }
    case 'backport.failed':
      out.push({ ...base, kind: 'remediation_failed', title: `Backport failed for ${resourceOf(entry)}` });
      break;
    case 'evaluation.failed':
      out.push({
        ...base,
        kind: 'remediation_failed',
        title: `Not decided: the evaluation of ${resourceOf(entry)} failed for good (replay it with driftwarden replay --failed)`,
      });
      break;
    case 'freeze.unknown':
      out.push({ ...base, kind: 'freeze_unknown', title: 'Auto-heal frozen: the incident state cannot be read' });
      break;
    default:
      break;
  }
  return out;
}
