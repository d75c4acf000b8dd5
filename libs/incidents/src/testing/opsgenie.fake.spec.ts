import { findContractsDir, loadOpsgenieContract, type OpsgenieContract } from './contracts.fake';
import { OpsgenieFake } from './opsgenie.fake';
import { compileIncidentSearch, SearchSyntaxError, type SearchableIncident } from './opsgenie-search.fake';

const KEY = 'og-spec-key';
const HEADERS = { Authorization: `GenieKey ${KEY}` };

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

describe('OpsgenieFake', () => {
  let fake: OpsgenieFake;
  let contract: OpsgenieContract;

  async function get(
    search: string | Record<string, string>,
    headers: Record<string, string> = HEADERS,
    path = '/v1/incidents',
  ): Promise<Answer> {
    const query = typeof search === 'string' ? search : new URLSearchParams(search).toString();
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

  function tinyIds(answer: Answer): string[] {
    return (answer.body as { data: Array<{ tinyId: string }> }).data.map((i) => i.tinyId);
  }

  beforeAll(async () => {
    fake = await new OpsgenieFake({ apiKey: KEY, teamNames: { 'team-1': 'Platform' } }).start();
    contract = loadOpsgenieContract(findContractsDir());
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.reset().setIncidents([
      { tinyId: '1', priority: 'P1', ownerTeam: 'team-1', createdAt: '2026-03-01T00:00:00Z', tags: ['db'] },
      { tinyId: '2', priority: 'P2', createdAt: '2026-03-02T00:00:00Z' },
      { tinyId: '3', priority: 'P3', createdAt: '2026-03-03T00:00:00Z' },
      { tinyId: '4', priority: 'P1', status: 'resolved', createdAt: '2026-03-04T00:00:00Z' },
    ]);
  });

  it('answers a valid search with a schema-valid ListIncidentsResponse, newest first by default', async () => {
    const answer = await get({ query: 'status: open AND priority: (P1 OR P2)', limit: '100' });
    expect(answer.status).toBe(200);
    expect(tinyIds(answer)).toEqual(['2', '1']);
    expect(contract.validateListIncidentsResponse(answer.body)).toEqual([]);
    expect(answer.headers.get('x-request-id')).toBeTruthy();
    expect(fake.requests[0].problems).toEqual([]);
  });

  it('the response validator is not vacuous', () => {
    expect(contract.validateListIncidentsResponse({ data: [] })).not.toEqual([]); // took and requestId are required
    expect(contract.validateListIncidentsResponse({ data: [{ tinyId: '1' }], took: 0, requestId: 'r' })).not.toEqual([]);
  });

  it('serves the spec path with a trailing slash too', async () => {
    const answer = await get({ query: 'status: open' }, HEADERS, '/v1/incidents/');
    expect(answer.status).toBe(200);
    expect(tinyIds(answer)).toEqual(['3', '2', '1']);
  });

  it('sorts and orders as asked', async () => {
    expect(tinyIds(await get({ query: '', sort: 'tinyId', order: 'asc' }))).toEqual(['1', '2', '3', '4']);
  });

  it('pages with absolute paging links (and X-Paging-* headers)', async () => {
    const first = await get({ query: 'status: open', limit: '2' });
    const paging = (first.body as { paging: { next?: string; first?: string; last?: string } }).paging;
    expect(tinyIds(first)).toEqual(['3', '2']);
    expect(paging.next).toMatch(new RegExp(`^${fake.url}/v1/incidents\\?`));
    expect(first.headers.get('x-paging-next')).toBe(paging.next);
    const second = await fetch(String(paging.next), { headers: HEADERS });
    const body = (await second.json()) as { data: Array<{ tinyId: string }>; paging: { next?: string } };
    expect(body.data.map((i) => i.tinyId)).toEqual(['1']);
    expect(body.paging.next).toBeUndefined();
  });

  it('matches teams by id or by name, and tags', async () => {
    expect(tinyIds(await get({ query: 'teams: "Platform"' }))).toEqual(['1']);
    expect(tinyIds(await get({ query: 'teams: team-1' }))).toEqual(['1']);
    expect(tinyIds(await get({ query: 'tag: db OR priority: P3' }))).toEqual(['3', '1']);
  });

  describe('refuses what the real API refuses (422 {message, took, requestId})', () => {
    it.each([
      ['a missing query (required by the spec)', {}, /query/],
      ['limit above 100', { query: 'status: open', limit: '101' }, /limit/],
      ['limit 0', { query: 'status: open', limit: '0' }, /limit/],
      ['a negative offset', { query: 'status: open', offset: '-1' }, /offset/],
      ['an unknown sort field', { query: 'status: open', sort: 'priority' }, /sort/],
      ['an unknown order', { query: 'status: open', order: 'up' }, /order/],
      ['an unknown parameter', { query: 'status: open', expand: 'all' }, /expand/],
      ['an unparsable query', { query: 'status: (open' }, /Could not parse/],
      ['an unknown field', { query: 'colour: red' }, /unknown field/],
      ['an unknown status', { query: 'status: pending' }, /status/],
      ['an unknown priority', { query: 'priority: P9' }, /priority/],
    ])('%s', async (_name, search, message) => {
      const answer = await get(search);
      expect(answer.status).toBe(422);
      expect(contract.validateErrorResponse(answer.body)).toEqual([]);
      expect((answer.body as { message: string }).message).toMatch(message);
      expect(fake.requests[0].problems.join('\n')).toMatch(message);
    });

    it('401 without `GenieKey <key>`', async () => {
      for (const authorization of [undefined, KEY, `Bearer ${KEY}`, 'GenieKey other', `geniekey ${KEY}`]) {
        const headers: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization };
        const answer = await get({ query: 'status: open' }, headers);
        expect(answer.status).toBe(401);
        expect(contract.validateErrorResponse(answer.body)).toEqual([]);
      }
    });

    it('404 for other endpoints', async () => {
      expect((await get({ query: 'x' }, HEADERS, '/v2/alerts')).status).toBe(404);
    });
  });

  it('plays scripted failures in order and logs them', async () => {
    fake.failNext({ status: 429, headers: { 'X-RateLimit-Period-In-Sec': '5' } }).failNext('malformed');
    const limited = await get({ query: 'status: open' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-period-in-sec')).toBe('5');
    expect(contract.validateErrorResponse(limited.body)).toEqual([]);
    const malformed = await get({ query: 'status: open' });
    expect(malformed.status).toBe(200);
    expect(contract.validateListIncidentsResponse(malformed.body)).not.toEqual([]);
    expect((await get({ query: 'status: open' })).status).toBe(200);
    expect(fake.requests.map((r) => r.outcome)).toEqual([429, 200, 200]);
  });
});

describe('compileIncidentSearch (the fake search language)', () => {
  const incident: SearchableIncident = {
    status: 'open',
    priority: 'P2',
    message: 'Checkout latency',
    tinyId: '12',
    tags: ['web'],
    teams: ['t-1', 'Platform Team'],
    services: ['svc-1'],
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
  };

  it.each([
    ['status: open', true],
    ['status: resolved', false],
    ['status: open AND priority: (P1 OR P2)', true],
    ['status: open AND priority: P1', false],
    ['priority: P1 OR teams: "Platform Team"', true],
    ['NOT priority: P2', false],
    ['(priority: P1 OR priority: P2) AND services: svc-1', true],
    ['message: latency', true],
    ['tinyId: 12', true],
    ['createdAt > 1600000000000', true],
    ['createdAt < 1600000000000', false],
    ['', true],
  ])('%s -> %s', (query, expected) => {
    expect(compileIncidentSearch(query)(incident)).toBe(expected);
  });

  it.each([
    'status:',
    'status: open AND',
    'priority: (P1 OR',
    '(status: open',
    '"unterminated',
    'status open',
    'status: open priority: P1',
    'teams: "a\\q"',
  ])('cannot parse %s', (query) => {
    expect(() => compileIncidentSearch(query)).toThrow(SearchSyntaxError);
  });
});
