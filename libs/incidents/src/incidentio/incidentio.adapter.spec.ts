import { inspect } from 'node:util';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { INCIDENT_ERROR_CODES } from '../incidents.errors';
import { IncidentioFake, type IncidentioFakeIncident } from '../testing/incidentio.fake';
import { IncidentioIncidentAdapter, type IncidentioAdapterConfig } from './incidentio.adapter';

const KEY = 'inc_live_SECRET/key+123';

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err: unknown) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${inspect(err)}`, { cause: err });
  }
  throw new Error('expected the call to fail');
}

describe('IncidentioIncidentAdapter (against the incident.io fake)', () => {
  let fake: IncidentioFake;
  const adapterFor = (overrides: Partial<IncidentioAdapterConfig> = {}, clock?: () => number) =>
    new IncidentioIncidentAdapter(
      {
        apiKey: KEY,
        apiUrl: fake.url,
        major: { severities: ['Critical', 'major'] },
        statusCategories: ['live'],
        scopeFields: ['Affected team'],
        requestTimeoutMs: 1_500,
        ...overrides,
      },
      fetch,
      clock,
    );

  beforeAll(async () => {
    fake = await new IncidentioFake({ apiKey: KEY, basePath: '/incidentio' }).start();
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

  it('lists live incidents of the configured severities, filtered by the API and checked again', async () => {
    const createdAt = '2026-11-20T10:00:00.000Z';
    fake.setIncidents([
      {
        id: '01A',
        reference: 'INC-7',
        name: 'checkout down',
        severity: 'Critical',
        createdAt,
        customFields: { 'Affected team': ['Payments'] },
      },
      { id: '01B', severity: 'Major' },
      { id: '01C', severity: 'Minor' },
      { id: '01D', severity: 'Critical', statusCategory: 'closed' },
      { id: '01E', severity: null },
    ]);
    const open = await adapterFor().listOpenMajorIncidents();
    expect(open.map((i) => i.id).sort()).toEqual(['01A', '01B']);
    expect(open.find((i) => i.id === '01A')).toEqual({
      provider: 'incidentio',
      id: '01A',
      number: 7,
      title: 'checkout down',
      url: 'https://app.incident.io/acme/incidents/7',
      status: 'Investigating',
      priority: 'Critical',
      createdAt,
      scopeKeys: ['Production Outage', 'Payments'],
    });
    const list = fake.requests.find((r) => r.path === '/incidentio/v2/incidents');
    expect(list?.query).toEqual({
      page_size: ['250'],
      'status_category[one_of]': ['live'],
      'severity[one_of]': [fake.severityId('Critical'), fake.severityId('Major')],
    });
    expect(list?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('reads the severities once and keeps them (one call per poll afterwards)', async () => {
    let now = 0;
    const adapter = adapterFor({}, () => now);
    await adapter.listOpenMajorIncidents();
    await adapter.listOpenMajorIncidents();
    expect(fake.requests.map((r) => r.path.replace('/incidentio', ''))).toEqual(['/v1/severities', '/v2/incidents', '/v2/incidents']);
    now = 3_600_001;
    await adapter.listOpenMajorIncidents();
    expect(fake.requests.filter((r) => r.path.endsWith('/v1/severities'))).toHaveLength(2);
  });

  it('without severities configured, every live incident; no severities call', async () => {
    fake.setIncidents([
      { id: '01A', severity: 'Minor' },
      { id: '01B', severity: null },
    ]);
    expect((await adapterFor({ major: {} }).listOpenMajorIncidents()).map((i) => i.id).sort()).toEqual(['01A', '01B']);
    expect(fake.requests.map((r) => r.path.replace('/incidentio', ''))).toEqual(['/v2/incidents']);
  });

  it('pages with after until pagination_meta has none (never a partial list)', async () => {
    fake.setIncidents(Array.from({ length: 600 }, (_, i): IncidentioFakeIncident => ({ id: `01P${String(i).padStart(4, '0')}` })));
    const open = await adapterFor({ major: {} }).listOpenMajorIncidents();
    expect(new Set(open.map((i) => i.id)).size).toBe(600);
    expect(fake.requests.map((r) => r.query.after?.[0] ?? null)).toEqual([null, expect.any(String), expect.any(String)]);
  });

  it('a severity name the account does not have is a config error naming what it has', async () => {
    const err = await failureOf(adapterFor({ major: { severities: ['SEV1'] } }).listOpenMajorIncidents());
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toBe(
      'incidents.incidentio.major.severities: incident.io has no severity named "SEV1"; it has "Minor", "Major", "Critical"',
    );
  });

  it('reads back the major incidents of a gap, ended ones resolved at their "Resolved at"', async () => {
    const since = new Date('2026-11-20T10:00:00Z');
    fake.setIncidents([
      {
        id: '01R',
        severity: 'Critical',
        statusCategory: 'learning',
        createdAt: '2026-11-20T10:10:00Z',
        resolvedAt: '2026-11-20T10:40:00Z',
        updatedAt: '2026-11-20T11:00:00Z',
      },
      { id: '01S', severity: 'Critical', statusCategory: 'closed', createdAt: '2026-11-20T10:20:00Z', updatedAt: '2026-11-20T11:30:00Z' },
      { id: '01T', severity: 'Critical', statusCategory: 'declined', createdAt: '2026-11-20T10:30:00Z' },
      { id: '01U', severity: 'Critical', statusCategory: 'closed', createdAt: '2026-11-19T23:00:00Z' },
    ]);
    const recent = await adapterFor().listRecentMajorIncidents(since);
    expect(recent.map((i) => [i.id, i.resolvedAt])).toEqual([
      ['01S', '2026-11-20T11:30:00.000Z'],
      ['01R', '2026-11-20T10:40:00.000Z'],
    ]);
    expect(fake.requests.find((r) => r.path.endsWith('/v2/incidents'))?.query['created_at[gte]']).toEqual(['2026-11-19']);
  });

  describe('failures (fail closed; the key never in a message)', () => {
    const expectNoKey = (err: Error) => expect(`${err.message}\n${inspect(err, { depth: 10 })}`).not.toContain(KEY);

    it('401: permanent', async () => {
      const err = await failureOf(adapterFor({ apiKey: 'wrong' }).listOpenMajorIncidents());
      expect(err).toMatchObject({
        code: INCIDENT_ERROR_CODES.auth,
        message: expect.stringContaining('authentication_error: The API key provided is not valid'),
      });
      fake.reset();
    });

    it('429 with Retry-After, 5xx, timeout, reset, malformed: transient, each with its code', async () => {
      const adapter = adapterFor({ major: {}, requestTimeoutMs: 300 });
      fake.failNext({ status: 429, headers: { 'Retry-After': '12' } });
      expect(await failureOf(adapter.listOpenMajorIncidents())).toMatchObject({
        code: INCIDENT_ERROR_CODES.rateLimited,
        retryAfterMs: 12_000,
      });
      fake.failNext({ status: 502, body: '<html>bad gateway</html>' });
      expect(await failureOf(adapter.listOpenMajorIncidents())).toMatchObject({
        code: INCIDENT_ERROR_CODES.unavailable,
        message: expect.stringContaining('body is not JSON'),
      });
      fake.failNext('timeout');
      expect(await failureOf(adapter.listOpenMajorIncidents())).toMatchObject({ code: INCIDENT_ERROR_CODES.timeout });
      fake.failNext('reset');
      const reset = await failureOf(adapter.listOpenMajorIncidents());
      expect(reset).toBeInstanceOf(TransientError);
      expect(reset).toMatchObject({ code: INCIDENT_ERROR_CODES.network });
      expectNoKey(reset);
      fake.failNext('malformed');
      expect(await failureOf(adapter.listOpenMajorIncidents())).toMatchObject({
        code: INCIDENT_ERROR_CODES.malformed,
        message: expect.stringContaining('incidents: expected an array, got string'),
      });
    });
  });
});
