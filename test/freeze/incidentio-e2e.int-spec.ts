import type { Redis } from 'ioredis';
import { FreezeStore, IncidentPoller, freezeAt, type FreezeSettings } from '@driftwarden/freeze';
import { IncidentioIncidentAdapter } from '@driftwarden/incidents';
import { AuditLog } from '@driftwarden/store';
import { IncidentioFake, INCIDENTIO_FAKE_API_KEY } from '@driftwarden/incidents/testing';
import { dropPrefix, eventually, startTestController, TOKENS, uniquePrefix, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { testKeys, testRedis } from '../support/redis';

interface FreezeView {
  frozen: boolean;
  sources: {
    id: string;
    type: string;
    since: string;
    scope?: unknown;
    incident?: { provider: string; id: string; number?: number; url?: string };
  }[];
  providers: Record<string, { ok: boolean; error?: string }>;
}
interface HookAnswer {
  duplicate?: boolean;
  applied?: boolean;
  stale?: boolean;
  refresh?: string;
  ignored?: string;
  error?: { code: string };
}

const SECRET = `whsec_${Buffer.from('incident.io signing secret 0001').toString('base64')}`;
const ROTATED = `whsec_${Buffer.from('incident.io signing secret 0002').toString('base64')}`;

/** The controller against the incident.io fake (its OpenAPI description), real Redis. */
describe('incident awareness end to end (incident.io)', () => {
  let iio: IncidentioFake;
  let ctl: TestController;

  beforeAll(async () => {
    iio = await new IncidentioFake().start();
    ctl = await startTestController({
      extra: {
        incidents: {
          pollIntervalSeconds: 1,
          maxStalenessSeconds: 3,
          cooldownMinutes: 0,
          incidentio: {
            apiKey: INCIDENTIO_FAKE_API_KEY,
            apiUrl: iio.url,
            webhookSecrets: [SECRET, ROTATED],
            major: { severities: ['Critical', 'Major'] },
            scopeFields: ['Affected team'],
            scopes: { Payments: { accounts: ['111122223333'] } },
            requestTimeoutMs: 1000,
          },
        },
      },
    });
  });
  afterAll(async () => {
    await ctl.close();
    await iio.stop();
    await dropPrefix(ctl.prefix);
  });
  beforeEach(() => {
    iio.reset().setIncidents([]);
  });
  afterEach(() => {
    expect(iio.requests.flatMap((r) => r.problems)).toEqual([]);
  });

  const freeze = async () => (await http<FreezeView>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body;
  const incident = (f: FreezeView, id: string) => f.sources.find((s) => s.type === 'incident' && s.incident?.id === id);
  const post = (d: { raw: string; headers: Record<string, string> }, extra: Record<string, string> = {}) =>
    http<HookAnswer>(ctl.url, 'POST', '/v1/webhooks/incidentio', {
      raw: d.raw,
      headers: { 'content-type': 'application/json', ...d.headers, ...extra },
    });
  const pollsFail = () => iio.failWhen((r) => r.path === '/v2/incidents', { status: 503 });

  it('a live Critical incident freezes within one poll, from its creation, scoped by its custom field; a Minor one does not', async () => {
    const createdAt = new Date(Date.now() - 90_000).toISOString();
    iio.setIncidents([
      { id: '01MAJOR', reference: 'INC-41', severity: 'Critical', createdAt, customFields: { 'Affected team': ['Payments'] } },
      { id: '01MINOR', severity: 'Minor' },
    ]);
    const view = await eventually(async () => {
      const f = await freeze();
      return incident(f, '01MAJOR') ? f : undefined;
    }, 'the incident.io freeze');
    expect(incident(view, '01MAJOR')).toMatchObject({
      since: createdAt,
      scope: { accounts: ['111122223333'] },
      incident: { provider: 'incidentio', number: 41, url: 'https://app.incident.io/acme/incidents/41' },
    });
    expect(incident(view, '01MINOR')).toBeUndefined();
    iio.updateIncident('01MAJOR', { statusCategory: 'learning' });
    await eventually(async () => !incident(await freeze(), '01MAJOR'), 'the freeze to end in post-incident');
  });

  it('fails closed: incident.io failing makes the state unknown, readiness stays up', async () => {
    iio.failNext('timeout', 1000);
    const view = await eventually(
      async () => {
        const f = await freeze();
        return f.sources.some((s) => s.id === 'unk_incidentio') ? f : undefined;
      },
      'the unknown freeze',
      10_000,
    );
    expect(view.providers['incidentio']).toMatchObject({ ok: false, error: expect.stringContaining('did not answer') });
    expect((await http(ctl.url, 'GET', '/readyz')).status).toBe(200);
    iio.reset();
    await eventually(async () => !(await freeze()).frozen, 'fresh data to unfreeze', 10_000);
  });

  it('a Svix-signed webhook is applied at once; forged, unsigned and stale ones are refused; a replayed webhook-id is a duplicate', async () => {
    pollsFail();
    // Events older than the last good poll are stale by design: wait until polls fail, then act.
    const failedBefore = iio.requests.length;
    await eventually(async () => iio.requests.slice(failedBefore).some((r) => r.outcome === 503), 'a failing poll');
    const t1 = Date.now();
    iio.setIncidents([{ id: '01HOOK', severity: 'Major', statusCategory: 'live', updatedAt: new Date(t1) }]);
    const d = iio.webhook('public_incident.incident_created_v2', '01HOOK', ROTATED);
    const forged = iio.webhook(
      'public_incident.incident_created_v2',
      '01HOOK',
      `whsec_${Buffer.from('attacker attacker attacker 00').toString('base64')}`,
    );
    expect((await post(forged)).body.error?.code).toBe('bad_signature');
    expect(
      (await post({ raw: d.raw, headers: { 'webhook-id': d.headers['webhook-id'], 'webhook-timestamp': d.headers['webhook-timestamp'] } }))
        .status,
    ).toBe(401);
    const stale = iio.webhook('public_incident.incident_created_v2', '01HOOK', SECRET, { at: new Date(Date.now() - 10 * 60_000) });
    expect((await post(stale)).body.error?.code).toBe('stale_timestamp');
    expect(incident(await freeze(), '01HOOK')).toBeUndefined();

    expect((await post(d)).body).toMatchObject({ duplicate: false, applied: true });
    expect(incident(await freeze(), '01HOOK')).toBeDefined();
    expect((await post(d)).body).toMatchObject({ duplicate: true });

    // The incident moves on; a delivery of the older state arriving late is stale.
    const older = iio.webhook('public_incident.incident_updated_v2', '01HOOK', SECRET);
    iio.updateIncident('01HOOK', { statusCategory: 'closed', updatedAt: new Date(t1 + 1) });
    expect((await post(iio.webhook('public_incident.incident_status_updated_v2', '01HOOK', SECRET))).body).toMatchObject({ applied: true });
    expect((await post(older)).body).toMatchObject({ applied: false, stale: true });
    expect(incident(await freeze(), '01HOOK')).toBeUndefined();

    const metrics = await http<string>(ctl.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="incidentio",reason="stale_timestamp"\} 1/);
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="incidentio",reason="unsigned"\} 1/);
  });

  it('a private incident event (only an id) polls again at once', async () => {
    iio.setIncidents([{ id: '01PRIV', severity: 'Critical' }]);
    await eventually(async () => iio.requests.some((r) => r.path === '/v2/incidents' && r.outcome === 200), 'a first poll');
    const before = iio.requests.length;
    const res = await post(iio.webhook('private_incident.incident_created_v2', '01PRIV', SECRET));
    expect(res.body).toMatchObject({ refresh: 'queued' });
    await eventually(async () => iio.requests.length > before, 'the refresh poll');
  });
});

/** Back-fill: incidents that opened and ended while incident.io could not be read are read back. */
describe('incident.io incidents of a gap are read back before the unknown state ends', () => {
  const prefix = uniquePrefix();
  const keys = testKeys(prefix);
  const settings: FreezeSettings = {
    windows: [],
    providers: ['incidentio'],
    cooldownMs: 30 * 60_000,
    lookbackMs: 15 * 60_000,
    maxStalenessMs: 90_000,
  };
  const target = { account: '111122223333', region: 'eu-west-1', type: 'AWS::EC2::SecurityGroup', tags: {} };
  let iio: IncidentioFake;
  let redis: Redis;
  let store: FreezeStore;
  const adapter = () =>
    new IncidentioIncidentAdapter({
      apiKey: INCIDENTIO_FAKE_API_KEY,
      apiUrl: iio.url,
      major: { severities: ['Critical'] },
      statusCategories: ['live'],
      scopeFields: [],
      requestTimeoutMs: 2_000,
    });

  beforeAll(async () => {
    iio = await new IncidentioFake().start();
    redis = testRedis();
    store = new FreezeStore(redis, keys, new AuditLog(redis, keys));
    await store.markRebuilt(new Date(), {});
  });
  afterAll(async () => {
    redis.disconnect();
    await iio.stop();
    await dropPrefix(prefix);
  });

  it('the first good poll after an outage imports the ended incident: a change made during it counts as made during a freeze', async () => {
    const poller = new IncidentPoller([adapter()], store, {}, () => new Date());
    await poller.pollAll();
    iio.failNext({ status: 500 });
    expect((await poller.pollAll())[0]).toMatchObject({ ok: false });
    const createdAt = new Date();
    const resolvedAt = new Date(createdAt.getTime() + 1);
    iio.setIncidents([{ id: '01GAP', severity: 'Critical', statusCategory: 'closed', createdAt, resolvedAt }]);
    expect((await poller.pollAll())[0]).toMatchObject({ ok: true });
    const state = await store.load(['incidentio']);
    expect(state.incidents).toEqual([
      expect.objectContaining({ provider: 'incidentio', id: '01GAP', resolvedAt: resolvedAt.toISOString() }),
    ]);
    expect(freezeAt(state, settings, target, createdAt, { now: false }).sources.map((s) => s.id)).toContain('inc_incidentio_01GAP');
    expect(iio.requests.flatMap((r) => r.problems)).toEqual([]);
  });
});
