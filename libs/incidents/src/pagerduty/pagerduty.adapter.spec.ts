import { inspect } from 'node:util';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { INCIDENT_ERROR_CODES } from '../incidents.errors';
import { PagerDutyFake, type PagerDutyFakeIncident } from '../testing/pagerduty.fake';
import { PagerDutyIncidentAdapter, type PagerDutyAdapterConfig } from './pagerduty.adapter';

const TOKEN = 'u+pd_SECRET-token-1234';
const NOW = new Date('2026-03-04T10:00:00Z');

function adapterFor(fake: PagerDutyFake, overrides: Partial<PagerDutyAdapterConfig> = {}): PagerDutyIncidentAdapter {
  return new PagerDutyIncidentAdapter({
    token: TOKEN,
    apiUrl: fake.url,
    major: {},
    requestTimeoutMs: 2_000,
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
  const everything = `${err.message}\n${err.stack ?? ''}\n${inspect(err, { depth: 10 })}\n${JSON.stringify(err)}`;
  expect(everything).not.toContain(TOKEN);
  expect(everything).not.toContain(encodeURIComponent(TOKEN));
}

describe('PagerDutyIncidentAdapter (against the PagerDuty fake)', () => {
  let fake: PagerDutyFake;

  beforeAll(async () => {
    fake = await new PagerDutyFake({ token: TOKEN, now: () => NOW }).start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.reset().setIncidents([]);
  });
  afterEach(() => {
    // Every request the adapter sent is one the real API accepts.
    expect(fake.requests.flatMap((r) => r.problems)).toEqual([]);
  });

  describe('major selection', () => {
    const incidents: PagerDutyFakeIncident[] = [
      { id: 'PMAJOR1', title: 'DB down', priority: 'P1', urgency: 'high', service: 'PSVC1', number: 11 },
      { id: 'PMINOR3', title: 'Slow page', priority: 'P3', urgency: 'high', service: 'PSVC1', number: 12 },
      { id: 'PLOWURG', title: 'Low urgency P1', priority: 'P1', urgency: 'low', service: 'PSVC1', number: 13 },
      { id: 'POTHERS', title: 'Other service', priority: 'P2', urgency: 'high', service: 'PSVC9', number: 14 },
      { id: 'PNOPRIO', title: 'No priority', priority: null, urgency: 'high', service: 'PSVC1', number: 15 },
      { id: 'PACKED1', title: 'Acknowledged', priority: 'P2', urgency: 'high', service: 'PSVC1', status: 'acknowledged', number: 16 },
      { id: 'PRESOLV', title: 'Resolved', priority: 'P1', urgency: 'high', service: 'PSVC1', status: 'resolved', number: 17 },
    ];

    beforeEach(() => {
      fake.setIncidents(incidents);
    });

    it('returns open incidents that match every configured criterion', async () => {
      const refs = await adapterFor(fake, {
        major: { priorities: ['P1', 'P2'], urgencies: ['high'], services: ['PSVC1'] },
      }).listOpenMajorIncidents();
      expect(refs.map((r) => r.id).sort()).toEqual(['PACKED1', 'PMAJOR1']);
    });

    it('ignores an omitted criterion (urgencies only, for accounts without priorities)', async () => {
      const refs = await adapterFor(fake, { major: { urgencies: ['high'] } }).listOpenMajorIncidents();
      expect(refs.map((r) => r.id).sort()).toEqual(['PACKED1', 'PMAJOR1', 'PMINOR3', 'PNOPRIO', 'POTHERS']);
    });

    it('never matches an incident without priority against a priorities criterion', async () => {
      const refs = await adapterFor(fake, { major: { priorities: ['P1', 'P2', 'P3', 'P4', 'P5'] } }).listOpenMajorIncidents();
      expect(refs.map((r) => r.id)).not.toContain('PNOPRIO');
      expect(refs.map((r) => r.id)).toContain('PMINOR3');
    });

    it('matches priorities by name, never by id', async () => {
      fake.setIncidents([
        { id: 'PNAMEP3', priority: { name: 'P3', id: 'P1' } },
        { id: 'PNAMEP1', priority: { name: 'P1', id: 'PXYZ123' } },
      ]);
      const refs = await adapterFor(fake, { major: { priorities: ['P1'] } }).listOpenMajorIncidents();
      expect(refs.map((r) => r.id)).toEqual(['PNAMEP1']);
    });

    it('lets the server narrow by urgency and service, and asks for what it needs', async () => {
      await adapterFor(fake, { major: { priorities: ['P1'], urgencies: ['high'], services: ['PSVC1', 'PSVC2'] } }).listOpenMajorIncidents();
      expect(fake.callCount).toBe(1);
      const { query, headers, path } = fake.requests[0];
      expect(path).toBe('/incidents');
      expect(query).toEqual({
        'statuses[]': ['triggered', 'acknowledged'],
        date_range: ['all'],
        'include[]': ['priorities'],
        limit: ['100'],
        offset: ['0'],
        'urgencies[]': ['high'],
        'service_ids[]': ['PSVC1', 'PSVC2'],
      });
      expect(headers.accept).toBe('application/vnd.pagerduty+json;version=2');
      expect(headers.authorization).toBe(`Token token=${TOKEN}`);
    });

    it('maps an incident to an IncidentRef with its scope key', async () => {
      fake.setIncidents([
        {
          id: 'PABC123',
          number: 4711,
          title: 'Checkout is down',
          priority: 'P1',
          urgency: 'high',
          service: { id: 'PSVC123', name: 'Checkout' },
          status: 'acknowledged',
          createdAt: '2026-03-04T09:15:00Z',
        },
      ]);
      const [ref] = await adapterFor(fake, { major: { priorities: ['P1'] } }).listOpenMajorIncidents();
      expect(ref).toEqual({
        provider: 'pagerduty',
        id: 'PABC123',
        number: 4711,
        title: 'Checkout is down',
        url: 'https://acme.pagerduty.com/incidents/PABC123',
        status: 'acknowledged',
        priority: 'P1',
        urgency: 'high',
        service: 'PSVC123',
        createdAt: '2026-03-04T09:15:00.000Z',
        scopeKeys: ['PSVC123'],
      });
    });
  });

  it('finds an open incident older than a month thanks to date_range=all', async () => {
    fake.setIncidents([{ id: 'POLD001', priority: 'P1', createdAt: new Date(NOW.getTime() - 90 * 24 * 3600 * 1000) }]);
    const refs = await adapterFor(fake, { major: { priorities: ['P1'] } }).listOpenMajorIncidents();
    expect(refs.map((r) => r.id)).toEqual(['POLD001']);
    expect(refs[0].createdAt).toBe(new Date(NOW.getTime() - 90 * 24 * 3600 * 1000).toISOString());
  });

  it('pages with offset while "more", across several pages', async () => {
    fake.setIncidents(
      Array.from({ length: 250 }, (_, i) => ({
        id: `P${String(i).padStart(6, '0')}`,
        priority: i % 2 === 0 ? 'P1' : 'P4',
        createdAt: new Date(NOW.getTime() - (250 - i) * 60_000),
      })),
    );
    const refs = await adapterFor(fake, { major: { priorities: ['P1'] } }).listOpenMajorIncidents();
    expect(refs).toHaveLength(125);
    expect(new Set(refs.map((r) => r.id)).size).toBe(125);
    expect(fake.requests.map((r) => r.query.offset)).toEqual([['0'], ['100'], ['200']]);
  });

  it('fails rather than return a partial list when a later page fails', async () => {
    fake.setIncidents(Array.from({ length: 150 }, () => ({ priority: 'P1' })));
    const adapter = adapterFor(fake, { major: { priorities: ['P1'] } });
    const first = fake.nextRequest();
    const result = failureOf(adapter.listOpenMajorIncidents());
    await first;
    fake.failNext({ status: 502 });
    const err = await result;
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.unavailable });
    expect(fake.callCount).toBe(2);
  });

  it('reports more open incidents than offset paging can reach instead of truncating', async () => {
    const big = await new PagerDutyFake({ token: TOKEN, now: () => NOW, validateResponses: false }).start();
    try {
      big.setIncidents(Array.from({ length: 10_001 }, () => ({ urgency: 'high' as const })));
      const err = await failureOf(adapterFor(big, { major: { urgencies: ['high'] } }).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.tooManyResults });
      expect(big.callCount).toBe(100);
      // It stopped at the last request the API allows (offset 9900 + limit 100), never beyond.
      expect(big.requests.at(-1)?.query.offset).toEqual(['9900']);
      expect(big.requests.every((r) => r.outcome === 200)).toBe(true);
    } finally {
      await big.stop();
    }
  });

  it('works against a custom or EU base URL with a path prefix', async () => {
    const eu = await new PagerDutyFake({ token: TOKEN, basePath: '/eu/pagerduty/', now: () => NOW }).start();
    try {
      eu.setIncidents([{ id: 'PEU0001', priority: 'P1' }]);
      const refs = await adapterFor(eu, { apiUrl: `${eu.url}/`, major: { priorities: ['P1'] } }).listOpenMajorIncidents();
      expect(refs.map((r) => r.id)).toEqual(['PEU0001']);
      expect(eu.requests[0].path).toBe('/eu/pagerduty/incidents');
      expect(eu.requests[0].problems).toEqual([]);
    } finally {
      await eu.stop();
    }
  });

  describe('failures', () => {
    beforeEach(() => {
      fake.setIncidents([{ priority: 'P1' }]);
    });

    it('times out (pdjs alone never would) with provider_timeout', async () => {
      fake.failNext('timeout');
      const err = await failureOf(adapterFor(fake, { requestTimeoutMs: 150 }).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.timeout });
      expect(err.message).toContain('150 ms');
      expectNoSecret(err);
    });

    it('maps 5xx to provider_unavailable', async () => {
      fake.failNext({ status: 503 });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.unavailable });
      expect(err.message).toContain('503');
      expectNoSecret(err);
    });

    it('wraps the non-Error pdjs rejects with when an error page is not JSON', async () => {
      fake.failNext({ status: 502, body: '<html><body>Bad gateway</body></html>' });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.unavailable });
      expect(err.message).toContain('not JSON');
    });

    it('treats a 2xx body that is not JSON as malformed', async () => {
      fake.failNext({ status: 200, body: 'incidents: none' });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.malformed });
    });

    it('honours ratelimit-reset on 429 without letting pdjs retry', async () => {
      fake.failNext({ status: 429, headers: { 'ratelimit-reset': '17' } });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.rateLimited, retryAfterMs: 17_000 });
      expect(fake.callCount).toBe(1);
      expectNoSecret(err);
    });

    it('reports a 429 without reset header with no retryAfterMs, still without retrying', async () => {
      fake.failNext({ status: 429 });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.rateLimited });
      expect((err as TransientError).retryAfterMs).toBeUndefined();
      expect(fake.callCount).toBe(1);
    });

    it('maps a body without the incidents array to provider_malformed', async () => {
      fake.failNext('malformed');
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.malformed });
      expect(err.message).toContain('incidents');
    });

    it('maps wrong types inside an incident to provider_malformed, naming the path', async () => {
      fake.failNext({
        status: 200,
        body: {
          incidents: [{ id: 'P1', status: 'triggered', created_at: 1741083328, service: { id: 'S', type: 'service_reference' } }],
          limit: 100,
          offset: 0,
          more: false,
        },
      });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.malformed });
      expect(err.message).toContain('incidents[0].created_at');
    });

    it('maps a refused token (the fake checks it) to PermanentError provider_auth', async () => {
      const err = await failureOf(adapterFor(fake, { token: 'wrong-token' }).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.auth });
      expect(fake.requests[0].outcome).toBe(401);
      expect(err.message).not.toContain('wrong-token');
      fake.reset(); // that request was refused on purpose
    });

    it('maps 403 to provider_auth', async () => {
      fake.failNext({ status: 403 });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.auth });
    });

    it('maps other 4xx (e.g. 402, a missing account ability) to provider_rejected', async () => {
      fake.failNext({ status: 402 });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.rejected });
    });

    it('does not follow a redirect (the token would go along)', async () => {
      const elsewhere = await new PagerDutyFake({ token: TOKEN }).start();
      try {
        fake.failNext({ status: 302, headers: { location: `${elsewhere.url}/incidents` }, body: '' });
        const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
        expect(err).toBeInstanceOf(PermanentError);
        expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.rejected });
        expect(elsewhere.callCount).toBe(0);
      } finally {
        await elsewhere.stop();
      }
    });

    it('maps a connection reset to provider_network', async () => {
      fake.failNext('reset');
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.network });
      expectNoSecret(err);
    });

    it('maps a refused connection to provider_network', async () => {
      const gone = await new PagerDutyFake({ token: TOKEN }).start();
      const url = gone.url;
      await gone.stop();
      const err = await failureOf(adapterFor(fake, { apiUrl: url }).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.network });
      expect(err.message).toContain('ECONNREFUSED');
    });

    it('stops when the caller aborts, before or during a request', async () => {
      const before = new AbortController();
      before.abort();
      const early = await failureOf(adapterFor(fake).listOpenMajorIncidents(before.signal));
      expect(early).toMatchObject({ code: INCIDENT_ERROR_CODES.aborted });
      expect(fake.callCount).toBe(0);

      fake.failNext('timeout');
      const during = new AbortController();
      const inFlight = fake.nextRequest();
      const result = failureOf(adapterFor(fake, { requestTimeoutMs: 60_000 }).listOpenMajorIncidents(during.signal));
      await inFlight;
      during.abort();
      const err = await result;
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.aborted });
    });

    it('never puts the token in an error, even when the provider echoes it', async () => {
      fake.failNext({ status: 401, body: { error: { message: `Token ${TOKEN} is not valid`, code: 2006 } } });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.auth });
      expect(err.message).toContain('[REDACTED]');
      expectNoSecret(err);
    });
  });
});
