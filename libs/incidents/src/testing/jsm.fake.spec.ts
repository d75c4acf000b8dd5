import { JsmFake, JSM_FAKE_API_TOKEN, JSM_FAKE_EMAIL } from './jsm.fake';

const BASIC = `Basic ${Buffer.from(`${JSM_FAKE_EMAIL}:${JSM_FAKE_API_TOKEN}`).toString('base64')}`;

/** The fake refuses what Atlassian's OpenAPI description (and Jira) refuses. */
describe('JsmFake', () => {
  let fake: JsmFake;
  beforeAll(async () => {
    fake = await new JsmFake().start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.reset().setIssues([
      { key: 'OPS-1', components: ['Payments'] },
      { key: 'OPS-2', statusCategory: 'done' },
    ]);
  });

  const search = (body: unknown, headers: Record<string, string> = { authorization: BASIC }) =>
    fetch(`${fake.url}/rest/api/3/search/jql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers a valid search with the asked-for fields only, and ids only by default', async () => {
    const res = await search({ jql: 'project = OPS AND statusCategory != Done', fields: ['summary', 'components'] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      issues: Array<{ key: string; fields: Record<string, unknown> }>;
      isLast: boolean;
      nextPageToken?: string;
    };
    expect(body.isLast).toBe(true);
    expect(body).not.toHaveProperty('nextPageToken');
    expect(body.issues.map((i) => i.key)).toEqual(['OPS-1']);
    expect(Object.keys(body.issues[0].fields).sort()).toEqual(['components', 'summary']);
    const idsOnly = (await (await search({ jql: 'project = OPS' })).json()) as { issues: Array<{ fields: object }> };
    expect(idsOnly.issues.every((i) => Object.keys(i.fields).length === 0)).toBe(true);
    expect(fake.requests.flatMap((r) => r.problems)).toEqual([]);
  });

  it.each([
    ['an unknown body key', { jql: 'project = OPS', startAt: 0 }, /startAt/],
    ['a wrong type', { jql: 'project = OPS', maxResults: '100' }, /maxResults/],
    ['an unbounded JQL', { jql: 'ORDER BY created' }, /Unbounded/],
    ['no JQL at all', {}, /Unbounded/],
    ['an unknown field', { jql: 'nosuch = 1' }, /does not exist/],
    ['a work item that does not exist', { jql: 'issue = 99999' }, /does not exist/],
    [
      'a token from another query',
      { jql: 'project = OPS', nextPageToken: Buffer.from('{"o":1,"q":"x"}').toString('base64url') },
      /Token was not issued/i,
    ],
  ])("refuses %s with 400 in Jira's error shape", async (_what, body, problem) => {
    const res = await search(body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { errorMessages: string[]; errors: object };
    expect(answer).toEqual({ errorMessages: [expect.any(String)], errors: {} });
    expect(fake.requests[0].problems.join('\n')).toMatch(problem);
  });

  it('refuses a body that is not JSON, and requests without credentials', async () => {
    expect((await search('{')).status).toBe(400);
    expect((await search({ jql: 'project = OPS' }, {})).status).toBe(401);
    expect((await search({ jql: 'project = OPS' }, { authorization: 'Basic d3Jvbmc6d3Jvbmc=' })).status).toBe(401);
  });

  it('GET a work item: all fields by default, 404 for one that does not exist', async () => {
    const res = await fetch(`${fake.url}/rest/api/3/issue/OPS-1`, { headers: { authorization: BASIC } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { key: string; fields: Record<string, unknown> };
    expect(body.key).toBe('OPS-1');
    expect(body.fields).toHaveProperty('status');
    expect((await fetch(`${fake.url}/rest/api/3/issue/OPS-77`, { headers: { authorization: BASIC } })).status).toBe(404);
  });

  it('a comment must be Atlassian Document Format', async () => {
    const post = (body: unknown) =>
      fetch(`${fake.url}/rest/api/3/issue/OPS-1/comment`, {
        method: 'POST',
        headers: { authorization: BASIC, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ body: 'plain text is API v2, not v3' })).status).toBe(400);
    expect(
      (await post({ body: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }] } })).status,
    ).toBe(400);
    const ok = await post({
      body: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'hello' }] }] },
    });
    expect(ok.status).toBe(201);
    expect(fake.comments('OPS-1').map((c) => c.text)).toEqual(['hello']);
  });
});
