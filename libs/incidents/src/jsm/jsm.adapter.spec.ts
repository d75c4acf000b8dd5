import { inspect } from 'node:util';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { JSM_DEFAULT_JQL } from '@driftwarden/config';
import { INCIDENT_ERROR_CODES } from '../incidents.errors';
import { JsmFake, type JsmFakeIssue } from '../testing/jsm.fake';
import { JsmIncidentAdapter, type JsmAdapterConfig } from './jsm.adapter';

const EMAIL = 'bot@acme.example';
const TOKEN = 'ATATT3x/SECRET+jsm-token==';

function adapterFor(fake: JsmFake, overrides: Partial<JsmAdapterConfig> = {}): JsmIncidentAdapter {
  return new JsmIncidentAdapter({
    apiUrl: fake.url,
    email: EMAIL,
    apiToken: TOKEN,
    jql: JSM_DEFAULT_JQL,
    scopeFields: ['components'],
    requestTimeoutMs: 1_500,
    ...overrides,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err: unknown) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${inspect(err)}`, { cause: err });
  }
  throw new Error('expected the call to fail');
}

function expectNoSecret(err: Error): void {
  const everything = `${err.message}\n${err.stack ?? ''}\n${inspect(err, { depth: 10 })}`;
  expect(everything).not.toContain(TOKEN);
  expect(everything).not.toContain(Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64'));
}

describe('JsmIncidentAdapter (jira.js against the Jira fake)', () => {
  let fake: JsmFake;

  beforeAll(async () => {
    fake = await new JsmFake({ email: EMAIL, apiToken: TOKEN, oauthToken: 'oauth-SECRET', basePath: '/jira' }).start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.reset().setIssues([]);
  });
  afterEach(() => {
    // Every request the adapter made is one Atlassian's OpenAPI description accepts.
    expect(fake.requests.flatMap((r) => r.problems)).toEqual([]);
  });

  it('lists open major incidents with the enhanced search (POST /rest/api/3/search/jql), under a path prefix', async () => {
    const created = '2026-11-20T10:00:00.000Z';
    fake.setIssues([
      { key: 'OPS-1', priority: 'Highest', created, components: ['Payments'] },
      { key: 'OPS-2', priority: 'High', statusCategory: 'new' },
      { key: 'OPS-3', priority: 'Medium' },
      { key: 'OPS-4', priority: 'Highest', statusCategory: 'done' },
      { key: 'OPS-5', priority: 'Highest', issueType: 'Service request' },
    ]);
    const open = await adapterFor(fake).listOpenMajorIncidents();
    expect(open.map((i) => i.id).sort()).toEqual(['OPS-1', 'OPS-2']);
    expect(open.find((i) => i.id === 'OPS-1')).toEqual({
      provider: 'jsm',
      id: 'OPS-1',
      title: 'Incident OPS-1',
      url: `${fake.url}/browse/OPS-1`,
      status: 'Investigating',
      priority: 'Highest',
      createdAt: created,
      scopeKeys: ['Payments'],
    });
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/jira/rest/api/3/search/jql' });
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`);
    expect(JSON.parse(request.bodyText)).toMatchObject({
      jql: `(${JSM_DEFAULT_JQL}) AND statusCategory != Done ORDER BY created DESC`,
      maxResults: 100,
    });
  });

  it('follows nextPageToken until the last page (never a partial list)', async () => {
    fake.setIssues(Array.from({ length: 230 }, (_, i): JsmFakeIssue => ({ key: `OPS-${i + 1}` })));
    const open = await adapterFor(fake).listOpenMajorIncidents();
    expect(new Set(open.map((i) => i.id)).size).toBe(230);
    expect(fake.requests).toHaveLength(3);
    expect(JSON.parse(fake.requests[1].bodyText).nextPageToken).toEqual(expect.any(String));
  });

  it('authenticates with an OAuth bearer instead of basic', async () => {
    fake.setIssues([{ key: 'OPS-9' }]);
    const adapter = adapterFor(fake, { email: undefined, apiToken: undefined, oauthToken: 'oauth-SECRET' });
    expect((await adapter.listOpenMajorIncidents()).map((i) => i.id)).toEqual(['OPS-9']);
    expect(fake.requests[0].headers.authorization).toBe('Bearer oauth-SECRET');
  });

  it('uses the configured JQL (a custom field by name, a project) and the configured scope fields', async () => {
    fake.setIssues([
      {
        key: 'OPS-1',
        priority: 'Low',
        customFields: { customfield_10070: { name: 'Major incident', value: [{ value: 'Major incident' }] } },
        labels: ['eu'],
      },
      { key: 'OPS-2', priority: 'Low', labels: ['eu'] },
      { key: 'SEC-1', priority: 'Highest', labels: ['us'] },
    ]);
    const adapter = adapterFor(fake, {
      jql: 'project = OPS AND (priority in (Highest, High) OR "Major incident" IS NOT EMPTY)',
      scopeFields: ['labels'],
    });
    expect(await adapter.listOpenMajorIncidents()).toEqual([expect.objectContaining({ id: 'OPS-1', scopeKeys: ['eu'] })]);
  });

  it('reads back the major incidents created since a time, with when done ones were resolved', async () => {
    const since = new Date('2026-11-20T10:00:00Z');
    fake.setIssues([
      { key: 'OPS-1', created: '2026-11-20T10:30:00Z', statusCategory: 'done', resolved: '2026-11-20T11:00:00Z' },
      { key: 'OPS-2', created: '2026-11-20T10:40:00Z' },
      // Within the JQL's one-day margin but before `since`: dropped by the adapter.
      { key: 'OPS-3', created: '2026-11-20T02:00:00Z', statusCategory: 'done' },
    ]);
    const recent = await adapterFor(fake).listRecentMajorIncidents(since);
    expect(recent.map((i) => [i.id, i.resolvedAt ?? null]).sort()).toEqual([
      ['OPS-1', '2026-11-20T11:00:00.000Z'],
      ['OPS-2', null],
    ]);
    expect(JSON.parse(fake.requests[0].bodyText).jql).toContain('created >= "2026/11/19 10:00"');
  });

  describe('reading one work item back (webhooks)', () => {
    it('found and open major, found and no longer major, gone', async () => {
      fake.setIssues([{ key: 'OPS-1' }, { key: 'OPS-2', priority: 'Low' }, { key: 'OPS-3', statusCategory: 'done' }]);
      const adapter = adapterFor(fake);
      expect(await adapter.observeIssue('OPS-1')).toEqual({
        kind: 'found',
        open: true,
        incident: expect.objectContaining({ id: 'OPS-1' }),
      });
      expect(await adapter.observeIssue(fake.idOf('OPS-2'))).toEqual({
        kind: 'found',
        open: false,
        incident: expect.objectContaining({ id: 'OPS-2' }),
      });
      expect(await adapter.observeIssue('OPS-3')).toEqual({
        kind: 'found',
        open: false,
        incident: expect.objectContaining({ id: 'OPS-3', resolvedAt: expect.any(String) }),
      });
      // Deleted: GET answers 404 and the JQL (which would be a 400 for a missing item) is not sent.
      const before = fake.requests.length;
      expect(await adapter.observeIssue('OPS-404')).toEqual({ kind: 'gone', key: 'OPS-404' });
      expect(fake.requests.slice(before).map((r) => [r.method, r.outcome])).toEqual([['GET', 404]]);
    });

    it('refuses what is not an id or a key (never put into a URL)', async () => {
      const err = await failureOf(adapterFor(fake).observeIssue('../../admin'));
      expect(err).toBeInstanceOf(PermanentError);
      expect(fake.requests).toHaveLength(0);
    });
  });

  it('adds a comment in Atlassian Document Format, one paragraph per line', async () => {
    fake.setIssues([{ key: 'OPS-7' }]);
    await adapterFor(fake).addComment('OPS-7', 'driftwarden held a change\nsg-1: opens tcp/22');
    expect(fake.comments('OPS-7').map((c) => c.text)).toEqual(['driftwarden held a change\nsg-1: opens tcp/22']);
    expect(fake.comments('OPS-7')[0].body).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'driftwarden held a change' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'sg-1: opens tcp/22' }] },
      ],
    });
  });

  describe('failures (never a partial list; credentials never in a message)', () => {
    it('401: permanent, the token was refused', async () => {
      const err = await failureOf(adapterFor(fake, { apiToken: 'wrong' }).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as PermanentError).code).toBe(INCIDENT_ERROR_CODES.auth);
      expect(err.message).toMatch(/answered 401: the API token was refused: Client must be authenticated/);
      fake.reset();
    });

    it('429 with Retry-After: transient, with when to come back', async () => {
      fake.failNext({ status: 429, headers: { 'Retry-After': '37' } });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.rateLimited, retryAfterMs: 37_000 });
      expectNoSecret(err);
    });

    it('5xx with an HTML body: transient, unavailable', async () => {
      fake.failNext({ status: 503, body: '<html><body>Service Unavailable</body></html>' });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toMatchObject({
        code: INCIDENT_ERROR_CODES.unavailable,
        message: expect.stringContaining('answered 503: body is not JSON'),
      });
    });

    it('a second page that fails fails the whole call', async () => {
      fake.setIssues(Array.from({ length: 150 }, (_, i): JsmFakeIssue => ({ key: `OPS-${i + 1}` })));
      void fake.nextRequest().then(() => fake.failNext({ status: 502 }));
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.unavailable });
    });

    it('no answer within requestTimeoutMs: transient timeout', async () => {
      fake.failNext('timeout');
      const err = await failureOf(adapterFor(fake, { requestTimeoutMs: 300 }).listOpenMajorIncidents());
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.timeout, message: expect.stringContaining('did not answer within 300 ms') });
      expectNoSecret(err);
    });

    it('connection reset: transient network error, with no credentials in its cause', async () => {
      fake.failNext('reset');
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.network, message: expect.stringContaining('ECONNRESET') });
      expectNoSecret(err);
    });

    it('a 200 that is not the documented shape: malformed, with the JSON path', async () => {
      fake.failNext('malformed');
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toMatchObject({
        code: INCIDENT_ERROR_CODES.malformed,
        message: expect.stringContaining('issues: expected an array, got object'),
      });
      fake.failNext({ status: 200, body: 'not json at all' });
      expect(await failureOf(adapterFor(fake).listOpenMajorIncidents())).toMatchObject({ code: INCIDENT_ERROR_CODES.malformed });
    });

    it("a JQL Jira refuses: permanent, with Jira's own message", async () => {
      const err = await failureOf(adapterFor(fake, { jql: 'nosuchfield = 1' }).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(PermanentError);
      expect(err.message).toMatch(/answered 400: Field 'nosuchfield' does not exist/);
      fake.reset();
    });

    it('a JQL that cannot be wrapped is refused when the adapter is built', () => {
      expect(() => adapterFor(fake, { jql: 'priority = "High' })).toThrow(PermanentError);
    });
  });
});
