/**
 * Builds the Opsgenie incident search query for "open major incidents" from the `major` config,
 * e.g. `status: open AND priority: (P1 OR P2) AND teams: ("Platform" OR "SRE")`
 * (syntax: https://support.atlassian.com/opsgenie/docs/search-syntax-for-incidents, CONTRACTS.md
 * §C1). Priorities are validated enum values (`P1`…`P5`) and go in bare; team and service names
 * are always double-quoted with `\` and `"` escaped, so no name can change the query's structure.
 */
import type { OpsgenieMajorConfig } from '@driftwarden/config';
import { PermanentError } from '@driftwarden/domain';
import { INCIDENT_ERROR_CODES } from '../incidents.errors';

const PRIORITY = /^P[1-5]$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `"Platform \"Core\""`: a double-quoted search term. */
export function quoteOpsgenieTerm(value: string, path = 'value'): string {
  if (value.trim().length === 0) {
    throw new PermanentError(`opsgenie ${path}: expected a name, found an empty string`, INCIDENT_ERROR_CODES.config);
  }
  if (CONTROL.test(value)) {
    throw new PermanentError(`opsgenie ${path}: a name cannot contain control characters`, INCIDENT_ERROR_CODES.config);
  }
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function anyOf(field: string, terms: string[]): string {
  return terms.length === 1 ? `${field}: ${terms[0]}` : `${field}: (${terms.join(' OR ')})`;
}

/**
 * `createdAfter`: every status, created after that time (the history read after a state rebuild)
 * instead of the open ones.
 */
export function buildOpsgenieMajorQuery(major: OpsgenieMajorConfig, options: { createdAfter?: Date } = {}): string {
  const clauses = [options.createdAfter ? `createdAt > ${options.createdAfter.getTime()}` : 'status: open'];
  if (major.priorities) {
    const priorities = [...new Set(major.priorities)];
    for (const p of priorities) {
      if (!PRIORITY.test(p)) {
        throw new PermanentError(`opsgenie major.priorities: expected P1…P5, found "${p}"`, INCIDENT_ERROR_CODES.config);
      }
    }
    clauses.push(anyOf('priority', priorities));
  }
  if (major.teams) {
    clauses.push(
      anyOf(
        'teams',
        [...new Set(major.teams)].map((t, i) => quoteOpsgenieTerm(t, `major.teams[${i}]`)),
      ),
    );
  }
  if (major.services) {
    clauses.push(
      anyOf(
        'services',
        [...new Set(major.services)].map((s, i) => quoteOpsgenieTerm(s, `major.services[${i}]`)),
      ),
    );
  }
  return clauses.join(' AND ');
}
