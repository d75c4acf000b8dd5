import { ShapeReader } from '../shape';
import { readJsmIssue, readJsmSearchPage, scopeValues, toJsmIncidentRef } from './jsm-issues';

function issue(fields: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '10001',
    key: 'OPS-1',
    fields: {
      summary: 'checkout returns 5xx',
      status: { name: 'Investigating', statusCategory: { key: 'indeterminate', name: 'In Progress' } },
      priority: { name: 'Highest' },
      issuetype: { name: 'Incident' },
      created: '2026-11-20T10:00:00.000+0000',
      updated: '2026-11-20T10:05:00.000+0100',
      ...fields,
    },
    ...top,
  };
}

describe('reading Jira work items', () => {
  it('reads a page, with Jira date offsets without a colon normalised to UTC', () => {
    const result = readJsmSearchPage({ issues: [issue()], isLast: true }, ['components']);
    expect(result).toEqual({
      ok: true,
      page: {
        isLast: true,
        issues: [
          {
            id: '10001',
            key: 'OPS-1',
            title: 'checkout returns 5xx',
            status: 'Investigating',
            statusCategory: 'indeterminate',
            priority: 'Highest',
            issueType: 'Incident',
            createdAt: '2026-11-20T10:00:00.000Z',
            updatedAt: '2026-11-20T09:05:00.000Z',
            scopeKeys: [],
          },
        ],
      },
    });
  });

  it('pages on nextPageToken; isLast false without a token is malformed', () => {
    expect(readJsmSearchPage({ issues: [], isLast: false, nextPageToken: 'abc' }, [])).toEqual({
      ok: true,
      page: { issues: [], isLast: false, nextPageToken: 'abc' },
    });
    expect(readJsmSearchPage({ issues: [] }, [])).toMatchObject({ ok: true, page: { isLast: true } });
    expect(readJsmSearchPage({ issues: [], isLast: false }, [])).toEqual({
      ok: false,
      problems: [{ path: 'nextPageToken', message: 'expected a token: isLast is false' }],
    });
  });

  it('names the JSON path of every problem and rejects the whole page', () => {
    const result = readJsmSearchPage({ issues: [issue({ created: 'yesterday', status: { name: 'Open' } }), 'x'], isLast: 'yes' }, []);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path)).toEqual([
      'issues[0].fields.created',
      'issues[0].fields.status.statusCategory',
      'issues[1]',
      'isLast',
    ]);
    expect(readJsmSearchPage('<html>', [])).toEqual({
      ok: false,
      problems: [{ path: '(body)', message: 'expected an object, got string' }],
    });
    expect(readJsmIssue(issue({}, { id: 'OPS-1' }), []).ok).toBe(false);
  });

  it('a done item is resolved at its resolution date, else when it moved to done', () => {
    const done = { status: { name: 'Resolved', statusCategory: { key: 'done' } } };
    const a = readJsmIssue(
      issue({ ...done, resolutiondate: '2026-11-20T11:00:00.000+0000', statuscategorychangedate: '2026-11-20T12:00:00.000+0000' }),
      [],
    );
    const b = readJsmIssue(issue({ ...done, resolutiondate: null, statuscategorychangedate: '2026-11-20T12:00:00.000+0000' }), []);
    expect(a.ok && a.issue.resolvedAt).toBe('2026-11-20T11:00:00.000Z');
    expect(b.ok && b.issue.resolvedAt).toBe('2026-11-20T12:00:00.000Z');
    const open = readJsmIssue(issue({ resolutiondate: null }), []);
    expect(open.ok && open.issue.resolvedAt).toBeUndefined();
  });
});

describe('scope fields', () => {
  it('components, labels and custom fields give their values, in the configured field order', () => {
    const read = readJsmIssue(
      issue({
        components: [
          { id: '1', name: 'Payments' },
          { id: '2', name: 'Checkout' },
        ],
        labels: ['eu', 'payments'],
        customfield_10050: { id: '3', value: 'Team Platform' },
        customfield_10051: { value: 'Europe', child: { value: 'eu-west-1' } },
      }),
      ['customfield_10050', 'components', 'labels', 'customfield_10051', 'customfield_10099'],
    );
    expect(read.ok && read.issue.scopeKeys).toEqual(['Team Platform', 'Payments', 'Checkout', 'eu', 'payments', 'Europe', 'eu-west-1']);
  });

  it('a value of an unexpected shape is a problem at its path (never silently global)', () => {
    const reader = new ShapeReader();
    expect(scopeValues([{ id: 7 }], 'fields.customfield_1', reader)).toEqual([]);
    expect(reader.problems).toEqual([{ path: 'fields.customfield_1[0]', message: expect.stringContaining('an option ({value})') }]);
    expect(scopeValues(null, 'x', reader)).toEqual([]);
    expect(scopeValues(42, 'x', reader)).toEqual(['42']);
  });

  it('maps a work item to an incident linked to the site', () => {
    const read = readJsmIssue(issue({ components: [{ name: 'Payments' }] }), ['components']);
    if (!read.ok) throw new Error('unreadable');
    expect(toJsmIncidentRef(read.issue, 'https://acme.atlassian.net/')).toEqual({
      provider: 'jsm',
      id: 'OPS-1',
      title: 'checkout returns 5xx',
      url: 'https://acme.atlassian.net/browse/OPS-1',
      status: 'Investigating',
      priority: 'Highest',
      createdAt: '2026-11-20T10:00:00.000Z',
      scopeKeys: ['Payments'],
    });
  });
});
