import type { Redis } from 'ioredis';
import { FreezeService, FreezeStore } from '@driftwarden/freeze';
import { dropPrefix, eventually, startTestController, TOKENS, uniquePrefix, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { sgEvent } from '../support/events';
import { fakePorts } from '../support/pipeline-harness';
import { keyBase, testRedis } from '../support/redis';

interface Source {
  id: string;
  type: string;
  reason: string;
  since: string;
  until: string | null;
  actor: string;
  scope?: unknown;
}
interface FreezeView {
  frozen: boolean;
  sources: Source[];
}
interface ErrorBody {
  error: { code: string; message: string; problems?: { path: string; message: string }[] };
}

describe('freeze toggle API', () => {
  let ctl: TestController;
  beforeAll(async () => {
    ctl = await startTestController();
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });

  it('creates a manual freeze (201), shows it in GET /v1/freeze, lifts it with DELETE, and audits both with the token name', async () => {
    const created = await http<Source>(ctl.url, 'POST', '/v1/freezes', {
      token: TOKENS.operator,
      body: { reason: 'payments migration', ttl: '2h', scope: { accounts: ['111122223333'] } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'manual',
      reason: 'payments migration',
      actor: 'token:t-operator',
      scope: { accounts: ['111122223333'] },
    });
    expect(Date.parse(created.body.until as string) - Date.parse(created.body.since)).toBe(2 * 3600_000);

    const view = await http<FreezeView>(ctl.url, 'GET', '/v1/freeze?account=111122223333&region=eu-west-1', { token: TOKENS.viewer });
    expect(view.body.frozen).toBe(true);
    expect(view.body.sources.map((s) => s.id)).toContain(created.body.id);
    const elsewhere = await http<FreezeView>(ctl.url, 'GET', '/v1/freeze?account=444455556666', { token: TOKENS.viewer });
    expect(elsewhere.body.frozen).toBe(false);

    // DESIGN §7: every source carries `scope`; an unscoped one says null (it covers everything).
    const global = await http<Source>(ctl.url, 'POST', '/v1/freezes', {
      token: TOKENS.operator,
      body: { reason: 'everything', ttl: '1h' },
    });
    expect(global.body).toMatchObject({ type: 'manual', scope: null });
    const both = await http<FreezeView>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer });
    expect(both.body.sources.find((x) => x.id === global.body.id)).toMatchObject({ scope: null });
    expect(both.body.sources.find((x) => x.id === created.body.id)).toMatchObject({ scope: { accounts: ['111122223333'] } });
    expect((await http(ctl.url, 'DELETE', `/v1/freezes/${global.body.id}`, { token: TOKENS.operator })).status).toBe(200);

    const lifted = await http<Source>(ctl.url, 'DELETE', `/v1/freezes/${created.body.id}`, { token: TOKENS.operator });
    expect(lifted.status).toBe(200);
    const after = await http<FreezeView>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer });
    expect(after.body.frozen).toBe(false);

    const audit = await http<{ items: { type: string; actor: string }[] }>(ctl.url, 'GET', '/v1/audit?limit=1000', {
      token: TOKENS.viewer,
    });
    expect(audit.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'freeze.created', actor: 'token:t-operator' }),
        expect.objectContaining({ type: 'freeze.lifted', actor: 'token:t-operator' }),
      ]),
    );
  });

  it.each([
    [{ ttl: '2h' }, 'reason'],
    [{ reason: 'x' }, 'ttl'],
    [{ reason: 'x', ttl: '2 hours' }, 'ttl'],
    [{ reason: 'x', ttl: '30d' }, 'ttl'],
    [{ reason: 'x', ttl: '1h', scope: { accounts: ['12'] } }, 'scope.accounts[0]'],
    [{ reason: 'x', ttl: '1h', extra: true }, 'extra'],
  ])('rejects %j with 400 naming %s', async (body, path) => {
    const res = await http<ErrorBody>(ctl.url, 'POST', '/v1/freezes', { token: TOKENS.operator, body });
    expect(res.status).toBe(400);
    expect(res.body.error.problems?.map((p) => p.path)).toContain(path);
  });

  it.each([
    ['inc_pagerduty_Q1ABC2', 409, 'incident_freeze'],
    ['cool_pagerduty_Q1ABC2', 409, 'incident_freeze'],
    ['win_year-end_abc', 409, 'window_freeze'],
    ['unk_pagerduty', 409, 'unknown_freeze'],
    ['frz_doesnotexist', 404, 'not_found'],
  ])('DELETE /v1/freezes/%s answers %d %s', async (id, status, code) => {
    const res = await http<ErrorBody>(ctl.url, 'DELETE', `/v1/freezes/${id}`, { token: TOKENS.operator });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it('lets only an admin create an override, for at most 1h, with a reason', async () => {
    expect(
      (await http(ctl.url, 'POST', '/v1/freeze/overrides', { token: TOKENS.operator, body: { reason: 'x', ttl: '30m' } })).status,
    ).toBe(403);
    const tooLong = await http<ErrorBody>(ctl.url, 'POST', '/v1/freeze/overrides', {
      token: TOKENS.admin,
      body: { reason: 'x', ttl: '2h' },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.problems?.[0].message).toContain('at most 1h');
    const ok = await http<{ id: string; until: string; since: string }>(ctl.url, 'POST', '/v1/freeze/overrides', {
      token: TOKENS.admin,
      body: { reason: 'hotfix needs auto-heal', ttl: '30m' },
    });
    expect(ok.status).toBe(201);
    expect(Date.parse(ok.body.until) - Date.parse(ok.body.since)).toBe(30 * 60_000);
  });
});

describe('freeze across replicas and its end', () => {
  const prefix = uniquePrefix();
  let a: TestController;
  let b: TestController;
  let redis: Redis;
  const portsA = fakePorts();
  const portsB = fakePorts();
  // The real freeze store and fence on both replicas: drop the freeze fakes.
  for (const p of [portsA, portsB]) {
    delete (p.overrides as Record<string, unknown>)['freeze'];
    delete (p.overrides as Record<string, unknown>)['fence'];
  }

  beforeAll(async () => {
    a = await startTestController({ prefix, mode: 'enforce', overrides: portsA.overrides, settleSeconds: 1 });
    b = await startTestController({ prefix, mode: 'enforce', overrides: portsB.overrides, settleSeconds: 1, roles: ['api', 'worker'] });
    redis = testRedis();
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    redis.disconnect();
    await dropPrefix(prefix);
  });

  it('a freeze recorded through one replica is seen by the other at once (pub/sub)', async () => {
    const freezeB = b.app.get(FreezeService);
    const target = { account: '111122223333', region: 'eu-west-1', type: 'AWS::EC2::SecurityGroup', tags: {} };
    // Warm B's cache so that only the published message can make it see the new freeze in time.
    expect((await freezeB.effective(target, new Date())).frozen).toBe(false);
    const created = await http<Source>(a.url, 'POST', '/v1/freezes', { token: TOKENS.operator, body: { reason: 'replicas', ttl: '10m' } });
    await eventually(async () => (await freezeB.effective(target, new Date())).frozen, 'replica B to see the freeze', 900);
    await http(a.url, 'DELETE', `/v1/freezes/${created.body.id}`, { token: TOKENS.operator });
    await eventually(async () => !(await freezeB.effective(target, new Date())).frozen, 'replica B to see the lift', 900);
  });

  it('a drift held during a freeze is decided again when the freeze ends', async () => {
    const group = 'sg-0held000000000001';
    for (const p of [portsA, portsB]) p.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8']);
    const freeze = await http<Source>(a.url, 'POST', '/v1/freezes', {
      token: TOKENS.operator,
      body: { reason: 'hold everything', ttl: '10m' },
    });
    const res = await http<{ accepted: { eventId: string }[] }>(a.url, 'POST', '/v1/events', {
      token: TOKENS.ingest,
      body: sgEvent({ groupId: group, stateId: Date.now(), rules: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'] }),
    });
    const driftId = await eventually(async () => {
      const h = await redis.hgetall(`${keyBase(prefix)}:item:${res.body.accepted[0].eventId}`);
      return h.outcome === 'decided' ? h.driftId : undefined;
    }, 'the decision');
    const held = await http<{ status: string; decision: { action: string; rule: number } }>(a.url, 'GET', `/v1/drifts/${driftId}`, {
      token: TOKENS.viewer,
    });
    // Made during a declared freeze and it widened exposure: held (rule 4), flagged suspicious.
    expect(held.body).toMatchObject({ status: 'held', decision: { action: 'hold', rule: 4 }, flags: ['suspicious'] });

    await http(b.url, 'DELETE', `/v1/freezes/${freeze.body.id}`, { token: TOKENS.operator });
    const after = await eventually(
      async () => {
        const d = await http<{ status: string; decision: { action: string; rule: number } }>(a.url, 'GET', `/v1/drifts/${driftId}`, {
          token: TOKENS.viewer,
        });
        return d.body.status !== 'held' ? d.body : undefined;
      },
      'the re-evaluation after the freeze ended',
      15_000,
    );
    // The change widened exposure, so it is not codified: outside the freeze it is drift (rule 6).
    expect(after.decision).toMatchObject({ action: 'revert', rule: 6 });
    const audit = await http<{ items: { type: string; driftId?: string; details?: { trigger?: string } }[] }>(
      a.url,
      'GET',
      '/v1/audit?type=redecision&limit=100',
      { token: TOKENS.viewer },
    );
    expect(audit.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ driftId, details: expect.objectContaining({ trigger: 'freeze_ended' }) })]),
    );
  }, 30_000);

  it('FreezeStore records incidents from a provider snapshot: opened at created_at, resolved when gone, unknown when failing', async () => {
    const store = a.app.get(FreezeStore);
    const inc = {
      provider: 'pagerduty' as const,
      id: 'QSNAP1',
      number: 7,
      title: 'db down',
      status: 'triggered',
      createdAt: '2025-03-04T10:00:00Z',
    };
    const r1 = await store.recordSnapshot(
      { provider: 'pagerduty', ok: true, fetchedAt: '2025-03-04T10:01:00Z', attemptedAt: '2025-03-04T10:01:00Z', incidents: [inc] },
      'scheduler',
    );
    expect(r1.opened.map((i) => i.id)).toEqual(['QSNAP1']);
    const r2 = await store.recordSnapshot(
      { provider: 'pagerduty', ok: true, fetchedAt: '2025-03-04T10:02:00Z', attemptedAt: '2025-03-04T10:02:00Z', incidents: [inc] },
      'scheduler',
    );
    expect(r2).toEqual({ opened: [], resolved: [] });
    const r3 = await store.recordSnapshot(
      { provider: 'pagerduty', ok: true, fetchedAt: '2025-03-04T10:30:00Z', attemptedAt: '2025-03-04T10:30:00Z', incidents: [] },
      'scheduler',
    );
    expect(r3.resolved).toEqual([expect.objectContaining({ id: 'QSNAP1', resolvedAt: '2025-03-04T10:30:00Z' })]);
    const epoch = await store.epoch();
    await store.recordSnapshot(
      {
        provider: 'pagerduty',
        ok: false,
        fetchedAt: '2025-03-04T10:30:00Z',
        attemptedAt: '2025-03-04T10:31:00Z',
        error: 'HTTP 503',
        incidents: [],
      },
      'scheduler',
    );
    expect(Number(await store.epoch())).toBe(Number(epoch) + 1);
    const state = await store.load(['pagerduty']);
    expect(state.unknownIntervals[0]).toMatchObject({ provider: 'pagerduty', from: '2025-03-04T10:31:00Z', to: null });
  });
});
