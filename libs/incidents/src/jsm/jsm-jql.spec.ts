import { PermanentError } from '@driftwarden/domain';
import { JSM_DEFAULT_JQL } from '@driftwarden/config';
import { compileJql } from '../testing/jql.fake';
import { jqlDate, majorIncidentClause, openIncidentsJql, openIssueJql, recentIncidentsJql } from './jsm-jql';

describe('the JQL sent to Jira', () => {
  it('open: the configured JQL in parentheses, not done, newest first', () => {
    expect(openIncidentsJql(JSM_DEFAULT_JQL)).toBe(
      '(issuetype = Incident AND priority in (Highest, High)) AND statusCategory != Done ORDER BY created DESC',
    );
  });

  it('keeps a configured OR inside the parentheses, so it cannot take in done items', () => {
    const jql = openIncidentsJql('priority = Highest OR "Major incident" IS NOT EMPTY');
    expect(jql).toBe('(priority = Highest OR "Major incident" IS NOT EMPTY) AND statusCategory != Done ORDER BY created DESC');
    // Evaluated the way Jira does: a done Highest item does not match.
    const fields: Record<string, (i: { p: string; done: boolean }) => string[]> = {
      priority: (i) => [i.p],
      'major incident': () => [],
      statuscategory: (i) => [i.done ? 'Done' : 'In Progress'],
    };
    const compiled = compileJql<{ p: string; done: boolean }>(
      jql,
      (i, f) => ({ values: fields[f.toLowerCase()](i), type: 'text' }),
      (f) => f.toLowerCase() in fields,
    );
    expect(compiled.matches({ p: 'Highest', done: true })).toBe(false);
    expect(compiled.matches({ p: 'Highest', done: false })).toBe(true);
  });

  it('drops a trailing ORDER BY of the configured JQL (not allowed inside parentheses), but not one inside a quoted value', () => {
    expect(majorIncidentClause('project = OPS ORDER BY priority DESC')).toBe('project = OPS');
    expect(majorIncidentClause('summary ~ "order by mistake" order  by created')).toBe('summary ~ "order by mistake"');
    expect(majorIncidentClause("labels = 'x ORDER BY y'")).toBe("labels = 'x ORDER BY y'");
    expect(majorIncidentClause('(a = 1 ORDER BY b)')).toBe('(a = 1 ORDER BY b)');
  });

  it('refuses a configured JQL that cannot be wrapped, as a config error', () => {
    for (const bad of ['', '   ', 'ORDER BY created', 'priority = "High', 'a = (1', 'a = 1)']) {
      expect(() => majorIncidentClause(bad)).toThrow(PermanentError);
    }
    expect(() => majorIncidentClause('a = 1)')).toThrow(/closes nothing/);
    expect(() => majorIncidentClause('priority = "High')).toThrow(/never closed/);
  });

  it('recent: created since the start of the gap, a day early for the API user time zone', () => {
    expect(recentIncidentsJql('project = OPS', new Date('2026-11-20T17:05:59Z'))).toBe(
      '(project = OPS) AND created >= "2026/11/19 17:05" ORDER BY created DESC',
    );
  });

  it('one work item: by its numeric id only (keys change when an item moves)', () => {
    expect(openIssueJql('project = OPS', '10042')).toBe('(project = OPS) AND statusCategory != Done AND issue = 10042');
    expect(() => openIssueJql('project = OPS', 'OPS-1 OR project = X')).toThrow(PermanentError);
  });

  it('formats dates in UTC with zero padding', () => {
    expect(jqlDate(new Date('2026-01-02T03:04:05Z'))).toBe('2026/01/02 03:04');
  });
});
