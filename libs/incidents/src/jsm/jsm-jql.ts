/**
 * The JQL driftwarden sends to Jira, built from `incidents.jsm.jql` (which work items are major
 * incidents, whatever their status; default JSM_DEFAULT_JQL):
 * - open:   `(<jql>) AND statusCategory != Done ORDER BY created DESC`
 * - recent: `(<jql>) AND created >= "yyyy/MM/dd HH:mm" ORDER BY created DESC` (the read-back of a gap)
 * - one:    `(<jql>) AND statusCategory != Done AND issue = <id>` (is this work item an open major incident?)
 *
 * The configured JQL is wrapped in parentheses so that its own `OR` cannot escape the added
 * clauses; an `ORDER BY` it ends with is dropped (it is not allowed inside parentheses).
 * JQL dates have no time zone: Jira reads them in the API user's zone, so `recent` starts a day
 * early (any zone is within ±14 h); reading a little more back is harmless.
 */
import { PermanentError } from '@driftwarden/domain';
import { INCIDENT_ERROR_CODES } from '../incidents.errors';

/** A day: covers any API user's time zone (UTC-12 … UTC+14). */
export const JQL_TIME_ZONE_MARGIN_MS = 24 * 3_600_000;

const ORDER_BY = /^order\s+by\b/i;

/**
 * The configured JQL without a trailing `ORDER BY …` (found outside quotes), trimmed. Throws a
 * PermanentError (config) for JQL that is empty, has unbalanced quotes or parentheses.
 */
export function majorIncidentClause(jql: string): string {
  let depth = 0;
  let quote: '"' | "'" | null = null;
  let cut = jql.length;
  for (let i = 0; i < jql.length; i++) {
    const ch = jql[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth < 0) throw configError(`incidents.jsm.jql: a ")" at position ${i + 1} closes nothing`);
    } else if (depth === 0 && (i === 0 || /\s/.test(jql[i - 1])) && ORDER_BY.test(jql.slice(i))) {
      cut = i;
      break;
    }
  }
  if (quote) throw configError(`incidents.jsm.jql: a ${quote} quote is never closed`);
  if (depth > 0) throw configError('incidents.jsm.jql: a "(" is never closed');
  const clause = jql.slice(0, cut).trim();
  if (clause.length === 0) throw configError('incidents.jsm.jql: expected a condition before ORDER BY, found none');
  return clause;
}

export function openIncidentsJql(jql: string): string {
  return `(${majorIncidentClause(jql)}) AND statusCategory != Done ORDER BY created DESC`;
}

export function recentIncidentsJql(jql: string, since: Date): string {
  return `(${majorIncidentClause(jql)}) AND created >= "${jqlDate(new Date(since.getTime() - JQL_TIME_ZONE_MARGIN_MS))}" ORDER BY created DESC`;
}

/** `issueId` is the numeric id Jira gives a work item (never a key: keys change when moved). */
export function openIssueJql(jql: string, issueId: string): string {
  if (!/^\d{1,18}$/.test(issueId))
    throw new PermanentError(`not a Jira work item id: "${issueId.slice(0, 40)}"`, INCIDENT_ERROR_CODES.rejected);
  return `(${majorIncidentClause(jql)}) AND statusCategory != Done AND issue = ${issueId}`;
}

/** `2026/11/20 17:05` (UTC fields): the JQL date-time form. */
export function jqlDate(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`;
}

function configError(message: string): PermanentError {
  return new PermanentError(message, INCIDENT_ERROR_CODES.config);
}
