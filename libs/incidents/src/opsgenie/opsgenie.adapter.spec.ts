import { inspect } from 'node:util';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { INCIDENT_ERROR_CODES } from '../incidents.errors';
import { OpsgenieFake, type OpsgenieFakeIncident } from '../testing/opsgenie.fake';
import { OpsgenieIncidentAdapter, type OpsgenieAdapterConfig } from './opsgenie.adapter';

const KEY = 'eb24+og/SECRET-key-5678';

function adapterFor(fake: OpsgenieFake, overrides: Partial<OpsgenieAdapterConfig> = {}): OpsgenieIncidentAdapter {
  return new OpsgenieIncidentAdapter({ apiKey: KEY, apiUrl: fake.url, major: {}, requestTimeoutMs: 2_000, ...overrides });
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
  expect(everything).not.toContain(KEY);
  expect(everything).not.toContain(encodeURIComponent(KEY));
}

describe('OpsgenieIncidentAdapter (against the Opsgenie fake)', () => {
  let fake: OpsgenieFake;

  beforeAll(async () => {
    fake = await new OpsgenieFake({
      apiKey: KEY,
      teamNames: { 'team-platform': 'Platform', 'team-web': 'Web' },
      serviceNames: { 'svc-checkout': 'Checkout' },
    }).start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.reset().setIncidents([]);
  });
  afterEach(() => {
    expect(fake.requests.flatMap((r) => r.problems)).toEqual([]);
  });

  describe('major selection', () => {
    const incidents: OpsgenieFakeIncident[] = [
      { id: 'og-p1', tinyId: '1', priority: 'P1', ownerTeam: 'team-platform', impactedServices: ['svc-checkout'] },
      { id: 'og-p2', tinyId: '2', priority: 'P2', ownerTeam: 'team-web' },
      { id: 'og-p3', tinyId: '3', priority: 'P3', ownerTeam: 'team-platform' },
      { id: 'og-p1-resolved', tinyId: '4', priority: 'P1', status: 'resolved', ownerTeam: 'team-platform' },
      { id: 'og-p1-closed', tinyId: '5', priority: 'P1', status: 'closed' },
    ];
    beforeEach(() => {
      fake.setIncidents(incidents);
    });

    it('returns open P1/P2 incidents, not P3 or resolved ones', async () => {
      const adapter = adapterFor(fake, { major: { priorities: ['P1', 'P2'] } });
      const refs = await adapter.listOpenMajorIncidents();
      expect(refs.map((r) => r.id).sort()).toEqual(['og-p1', 'og-p2']);
      expect(adapter.query).toBe('status: open AND priority: (P1 OR P2)');
    });

    it('narrows by team name and by service name', async () => {
      const byTeam = await adapterFor(fake, { major: { priorities: ['P1', 'P2', 'P3'], teams: ['Platform'] } }).listOpenMajorIncidents();
      expect(byTeam.map((r) => r.id).sort()).toEqual(['og-p1', 'og-p3']);
      const byService = await adapterFor(fake, { major: { services: ['Checkout'] } }).listOpenMajorIncidents();
      expect(byService.map((r) => r.id)).toEqual(['og-p1']);
    });

    it('sends the documented request', async () => {
      await adapterFor(fake, { major: { priorities: ['P1', 'P2'] } }).listOpenMajorIncidents();
      const [request] = fake.requests;
      expect(request.path).toBe('/v1/incidents');
      expect(request.query).toEqual({
        query: ['status: open AND priority: (P1 OR P2)'],
        offset: ['0'],
        limit: ['100'],
        sort: ['createdAt'],
        order: ['desc'],
      });
      expect(request.headers.authorization).toBe(`GenieKey ${KEY}`);
    });

    it('maps an incident to an IncidentRef (no url, tinyId as number, scope keys)', async () => {
      fake.setIncidents([
        {
          id: 'og-1',
          tinyId: '4711',
          message: 'Checkout down',
          priority: 'P1',
          ownerTeam: 'team-platform',
          responderTeams: ['team-web'],
          impactedServices: ['svc-checkout'],
          createdAt: '2026-03-04T09:15:00.000Z',
        },
      ]);
      const [ref] = await adapterFor(fake, { major: { priorities: ['P1'] } }).listOpenMajorIncidents();
      expect(ref).toEqual({
        provider: 'opsgenie',
        id: 'og-1',
        number: 4711,
        title: 'Checkout down',
        status: 'open',
        priority: 'P1',
        service: 'svc-checkout',
        createdAt: '2026-03-04T09:15:00.000Z',
        scopeKeys: ['team-platform', 'team-web', 'svc-checkout'],
      });
    });
  });

  it('follows paging.next across several pages', async () => {
    fake.setIncidents(
      Array.from({ length: 230 }, (_, i) => ({
        priority: i % 2 === 0 ? ('P1' as const) : ('P4' as const),
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)),
      })),
    );
    const refs = await adapterFor(fake, { major: { priorities: ['P1', 'P4'] } }).listOpenMajorIncidents();
    expect(refs).toHaveLength(230);
    expect(new Set(refs.map((r) => r.id)).size).toBe(230);
    expect(fake.requests.map((r) => r.query.offset)).toEqual([['0'], ['100'], ['200']]);
  });

  it('does not send the key to a paging.next on another origin, and fails instead of truncating', async () => {
    const elsewhere = await new OpsgenieFake({ apiKey: KEY }).start();
    const pointing = await new OpsgenieFake({ apiKey: KEY, pagingBaseUrl: elsewhere.url }).start();
    try {
      pointing.setIncidents(Array.from({ length: 150 }, () => ({ priority: 'P1' as const })));
      const err = await failureOf(adapterFor(pointing, { major: { priorities: ['P1'] } }).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.malformed });
      expect(err.message).toContain('another origin');
      expect(pointing.callCount).toBe(1);
      expect(elsewhere.callCount).toBe(0);
    } finally {
      await pointing.stop();
      await elsewhere.stop();
    }
  });

  it('works against an EU or custom base URL with a path prefix', async () => {
    const eu = await new OpsgenieFake({ apiKey: KEY, basePath: '/eu/opsgenie' }).start();
    try {
      eu.setIncidents(Array.from({ length: 120 }, () => ({ priority: 'P2' as const })));
      const refs = await adapterFor(eu, { apiUrl: `${eu.url}/`, major: { priorities: ['P2'] } }).listOpenMajorIncidents();
      expect(refs).toHaveLength(120);
      expect(eu.requests.map((r) => r.path)).toEqual(['/eu/opsgenie/v1/incidents', '/eu/opsgenie/v1/incidents']);
      expect(eu.requests.flatMap((r) => r.problems)).toEqual([]);
    } finally {
      await eu.stop();
    }
  });

  describe('failures', () => {
    beforeEach(() => {
      fake.setIncidents([{ priority: 'P1' }]);
    });

    it('times out with provider_timeout', async () => {
      fake.failNext('timeout');
      const err = await failureOf(adapterFor(fake, { requestTimeoutMs: 150 }).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.timeout });
      expectNoSecret(err);
    });

    it('times out when the answer comes later than requestTimeoutMs', async () => {
      fake.failNext({ status: 200, body: { data: [] }, delayMs: 5_000 });
      const err = await failureOf(adapterFor(fake, { requestTimeoutMs: 150 }).listOpenMajorIncidents());
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.timeout });
    });

    it('maps 5xx to provider_unavailable, keeping the requestId', async () => {
      fake.failNext({ status: 500, body: { message: 'Internal error', took: 0.1, requestId: 'req-123' } });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.unavailable });
      expect(err.message).toContain('req-123');
    });

    it('maps 429 with X-RateLimit-Period-In-Sec to provider_rate_limited with retryAfterMs', async () => {
      fake.failNext({ status: 429, headers: { 'X-RateLimit-State': 'THROTTLED', 'X-RateLimit-Period-In-Sec': '12' } });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.rateLimited, retryAfterMs: 12_000 });
      expect(fake.callCount).toBe(1);
    });

    it('maps 429 without the header to provider_rate_limited without retryAfterMs', async () => {
      fake.failNext({ status: 429 });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.rateLimited });
      expect((err as TransientError).retryAfterMs).toBeUndefined();
    });

    it('maps a malformed body to provider_malformed', async () => {
      fake.failNext('malformed');
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.malformed });
      expect(err.message).toContain('data');
    });

    it('maps a 2xx body that is not JSON to provider_malformed', async () => {
      fake.failNext({ status: 200, body: '<html>maintenance</html>' });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.malformed });
    });

    it('maps a refused key (the fake checks it) to PermanentError provider_auth', async () => {
      const err = await failureOf(adapterFor(fake, { apiKey: 'not-the-key' }).listOpenMajorIncidents());
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: INCIDENT_ERROR_CODES.auth });
      expect(err.message).not.toContain('not-the-key');
      expect(fake.requests[0].outcome).toBe(401);
      fake.reset(); // refused on purpose
    });

    it('maps 403 to provider_auth and 422 to provider_rejected', async () => {
      fake.failNext({ status: 403 }).failNext({ status: 422 });
      expect(await failureOf(adapterFor(fake).listOpenMajorIncidents())).toMatchObject({ code: INCIDENT_ERROR_CODES.auth });
      const rejected = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(rejected).toBeInstanceOf(PermanentError);
      expect(rejected).toMatchObject({ code: INCIDENT_ERROR_CODES.rejected });
    });

    it('does not follow a redirect (the key would go along)', async () => {
      const elsewhere = await new OpsgenieFake({ apiKey: KEY }).start();
      try {
        fake.failNext({ status: 302, headers: { location: `${elsewhere.url}/v1/incidents` }, body: '' });
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

    it('stops when the caller aborts during a request', async () => {
      fake.failNext('timeout');
      const controller = new AbortController();
      const inFlight = fake.nextRequest();
      const result = failureOf(adapterFor(fake, { requestTimeoutMs: 60_000 }).listOpenMajorIncidents(controller.signal));
      await inFlight;
      controller.abort();
      expect(await result).toMatchObject({ code: INCIDENT_ERROR_CODES.aborted });
    });

    it('never puts the key in an error, even when the provider echoes it', async () => {
      fake.failNext({ status: 401, body: { message: `Key GenieKey ${KEY} is invalid`, took: 0, requestId: 'r' } });
      const err = await failureOf(adapterFor(fake).listOpenMajorIncidents());
      expect(err.message).toContain('[REDACTED]');
      expectNoSecret(err);
    });
  });
});
