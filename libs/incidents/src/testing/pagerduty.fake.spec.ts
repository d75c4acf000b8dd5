import { findContractsDir, loadPagerDutyContract, type PagerDutyContract } from './contracts.fake';
import { PagerDutyFake } from './pagerduty.fake';

const TOKEN = 'fake-spec-token';
const NOW = new Date('2026-03-04T10:00:00Z');
const HEADERS = {
  Authorization: `Token token=${TOKEN}`,
  Accept: 'application/vnd.pagerduty+json;version=2',
  'Content-Type': 'application/json',
};
const OPEN = 'statuses[]=triggered&statuses[]=acknowledged';

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

describe('PagerDutyFake', () => {
  let fake: PagerDutyFake;
  let contract: PagerDutyContract;

  async function get(query: string, headers: Record<string, string> = HEADERS, path = '/incidents'): Promise<Answer> {
    const response = await fetch(`${fake.url}${path}?${query}`, { headers });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, body, headers: response.headers };
  }

  function ids(answer: Answer): string[] {
    return (answer.body as { incidents: Array<{ id: string }> }).incidents.map((i) => i.id);
  }

  beforeAll(async () => {
    fake = await new PagerDutyFake({ token: TOKEN, now: () => NOW }).start();
    contract = await loadPagerDutyContract(findContractsDir());
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.reset().setIncidents([
      { id: 'PNEW001', priority: 'P1', urgency: 'high', service: 'PSVC1', createdAt: '2026-03-04T09:00:00Z' },
      { id: 'PLOW002', priority: null, urgency: 'low', service: 'PSVC2', status: 'acknowledged', assignees: ['PUSER1'] },
      { id: 'PRES003', priority: 'P2', status: 'resolved', createdAt: '2026-03-01T00:00:00Z' },
      { id: 'POLD004', priority: 'P1', createdAt: '2025-12-01T00:00:00Z' },
    ]);
  });

  describe('answers', () => {
    it('are valid against the OpenAPI description (checked here with openapi-backend)', async () => {
      for (const query of [`${OPEN}&date_range=all&include[]=priorities&limit=100`, 'date_range=all', 'limit=1&total=true']) {
        const answer = await get(query);
        expect(answer.status).toBe(200);
        expect(contract.validateListIncidentsResponse(answer.body)).toEqual([]);
      }
      expect(fake.requests.flatMap((r) => r.problems)).toEqual([]);
    });

    it('the validator is not vacuous: it rejects a wrong Incident', () => {
      const body = { incidents: [{ id: 'P1', status: 'open', urgency: 'urgent', service: { id: 'S' } }], more: false };
      const problems = contract.validateListIncidentsResponse(body);
      expect(problems.join('\n')).toMatch(/status/);
      expect(problems.join('\n')).toMatch(/urgency/);
      expect(contract.validateListIncidentsResponse({ more: false })).not.toEqual([]);
    });

    it('include priority names only with include[]=priorities', async () => {
      type Body = { incidents: Array<{ id: string; priority: Record<string, unknown> | null }> };
      const plain = (await get('date_range=all')).body as Body;
      const included = (await get('date_range=all&include[]=priorities')).body as Body;
      const p1 = plain.incidents.find((i) => i.id === 'PNEW001')?.priority;
      const p1Included = included.incidents.find((i) => i.id === 'PNEW001')?.priority;
      expect(p1).toMatchObject({ type: 'priority_reference', summary: 'P1' });
      expect(p1).not.toHaveProperty('name');
      expect(p1Included).toMatchObject({ type: 'priority', summary: 'P1', name: 'P1' });
      expect(plain.incidents.find((i) => i.id === 'PLOW002')?.priority).toBeNull();
    });
  });

  describe('filters', () => {
    it('returns only incidents of the last month without date_range=all, like the real API', async () => {
      expect(ids(await get(OPEN))).toEqual(['PNEW001', 'PLOW002']);
      expect(ids(await get(`${OPEN}&date_range=all`))).toEqual(['POLD004', 'PNEW001', 'PLOW002']);
      expect(ids(await get(`${OPEN}&since=2025-11-15T00:00:00Z&until=2025-12-15T00:00:00Z`))).toEqual(['POLD004']);
    });

    it('filters by status, urgency, service and assignee', async () => {
      expect(ids(await get('date_range=all&statuses[]=resolved'))).toEqual(['PRES003']);
      expect(ids(await get(`${OPEN}&date_range=all&urgencies[]=low`))).toEqual(['PLOW002']);
      expect(ids(await get(`date_range=all&service_ids[]=PSVC1&service_ids[]=PSVC2`))).toEqual(['PNEW001', 'PLOW002']);
      expect(ids(await get(`date_range=all&user_ids[]=PUSER1`))).toEqual(['PLOW002']);
    });

    it('pages with limit/offset/more, and total only on request', async () => {
      fake.setIncidents(Array.from({ length: 5 }, (_, i) => ({ id: `P${i}`, createdAt: new Date(Date.UTC(2026, 2, 1, i)) })));
      const first = (await get('limit=2')).body;
      expect(first).toMatchObject({ limit: 2, offset: 0, more: true, total: null });
      const last = (await get('limit=2&offset=4&total=true')).body;
      expect(last).toMatchObject({ limit: 2, offset: 4, more: false, total: 5, incidents: [{ id: 'P4' }] });
      const defaults = (await get('')).body;
      expect(defaults).toMatchObject({ limit: 25, offset: 0, more: false });
    });
  });

  describe('refuses what the real API refuses', () => {
    it.each([
      ['an unknown parameter (statuses without [])', 'statuses=triggered', /statuses/],
      ['an unknown status', 'statuses[]=open', /statuses/],
      ['an unknown urgency', 'urgencies[]=urgent', /urgencies/],
      ['an unknown include', 'include[]=everything', /include/],
      ['date_range other than all', 'date_range=week', /date_range/],
      ['limit above 100', 'limit=101', /limit must be between 1 and 100/],
      ['limit not a number', 'limit=ten', /limit/],
      ['offset + limit above 10 000', 'offset=9950&limit=100', /Offset \+ limit/],
      ['a range over 6 months', 'since=2025-01-01T00:00:00Z&until=2026-01-01T00:00:00Z', /6 months/],
    ])('400 for %s', async (_name, query, message) => {
      const answer = await get(query);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { message: 'Invalid Input Provided', code: 2001 } });
      expect(JSON.stringify(answer.body)).toMatch(message);
      expect(contract.validateErrorResponse(400, answer.body)).toEqual([]);
      expect(fake.requests[0].problems.join('\n')).toMatch(message);
    });

    it('400 without the Accept or Content-Type header the spec requires', async () => {
      const { Accept: _accept, ...noAccept } = HEADERS;
      expect((await get('', noAccept)).status).toBe(400);
      const { 'Content-Type': _type, ...noType } = HEADERS;
      expect((await get('', noType)).status).toBe(400);
      expect((await get('', { ...HEADERS, Accept: 'application/vnd.pagerduty+json;version=1' })).status).toBe(400);
      // pdjs sends `application/json; charset=utf-8` by default: the same media type.
      expect((await get('', { ...HEADERS, 'Content-Type': 'application/json; charset=utf-8' })).status).toBe(200);
    });

    it('401 without a valid `Token token=` or `Bearer` Authorization', async () => {
      for (const authorization of [undefined, TOKEN, `Token ${TOKEN}`, 'Token token=other', `GenieKey ${TOKEN}`]) {
        const headers: Record<string, string> = { ...HEADERS };
        if (authorization === undefined) delete headers.Authorization;
        else headers.Authorization = authorization;
        const answer = await get('', headers);
        expect(answer.status).toBe(401);
        expect(answer.body).toMatchObject({ error: { code: 2006 } });
      }
      expect((await get('', { ...HEADERS, Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    });

    it('404 for other endpoints', async () => {
      const answer = await get('', HEADERS, '/services');
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ error: { code: 2100 } });
    });
  });

  describe('scripted failures and the request log', () => {
    it('answers failNext in order, then normally; logs every request', async () => {
      fake
        .failNext({ status: 503 })
        .failNext({ status: 429, headers: { 'ratelimit-reset': '30' } })
        .failNext({ status: 200, body: 'not json' })
        .failNext('malformed');
      const statuses: number[] = [];
      const a = await get('date_range=all');
      statuses.push(a.status);
      expect(a.body).toMatchObject({ error: { message: 'Service Unavailable' } });
      const b = await get('date_range=all');
      statuses.push(b.status);
      expect(b.headers.get('ratelimit-reset')).toBe('30');
      const c = await get('date_range=all');
      expect(c.body).toBe('not json');
      const d = await get('date_range=all');
      expect(d.body).not.toHaveProperty('incidents');
      const e = await get('date_range=all');
      statuses.push(c.status, d.status, e.status);
      expect(statuses).toEqual([503, 429, 200, 200, 200]);
      expect(fake.callCount).toBe(5);
      expect(fake.requests.map((r) => r.outcome)).toEqual([503, 429, 200, 200, 200]);
      expect(fake.requests[0].query).toEqual({ date_range: ['all'] });
    });

    it("'reset' drops the connection and 'timeout' never answers", async () => {
      fake.failNext('reset');
      await expect(get('')).rejects.toThrow();
      fake.failNext('timeout');
      const error = await fetch(`${fake.url}/incidents`, { headers: HEADERS, signal: AbortSignal.timeout(100) }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(fake.requests.map((r) => r.outcome)).toEqual(['reset', 'timeout']);
    });
  });
});
