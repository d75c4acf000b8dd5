import { signGenericWebhook } from '@driftwarden/incidents';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';

interface FreezeView {
  frozen: boolean;
  sources: {
    id: string;
    type: string;
    since: string;
    reason: string;
    scope?: unknown;
    incident?: { provider: string; id: string; url?: string };
  }[];
  providers: Record<string, { ok: boolean; fetchedAt: string | null }>;
}
interface HookAnswer {
  duplicate?: boolean;
  applied?: boolean;
  stale?: boolean;
  heartbeat?: boolean;
  backfilled?: boolean;
  ignored?: string;
  error?: { code: string; message: string; problems?: { path: string }[] };
}
interface Ready {
  providers: Record<string, { ok: boolean; fresh: boolean; push?: boolean; error?: string; maxStalenessSeconds?: number }>;
}

const SECRETS = ['fh-old-secret', 'fh-new-secret'];
const PROVIDER = 'webhook.firehydrant';

/**
 * The signed generic incident webhook (issue 14 §2) against a running controller on real Redis:
 * a push-only source (no list to poll) that stays fresh by its messages and heartbeats.
 */
describe('incident awareness end to end (signed generic webhook)', () => {
  let ctl: TestController;

  beforeAll(async () => {
    ctl = await startTestController({
      extra: {
        incidents: {
          pollIntervalSeconds: 1,
          maxStalenessSeconds: 3,
          cooldownMinutes: 0,
          webhook: {
            sources: {
              firehydrant: {
                secrets: SECRETS,
                major: { severities: ['SEV1', 'SEV2'] },
                scopes: { payments: { accounts: ['111122223333'] } },
                maxStalenessSeconds: 4,
              },
            },
          },
        },
      },
    });
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });

  const freeze = async () => (await http<FreezeView>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body;
  const ready = async () => (await http<Ready>(ctl.url, 'GET', '/readyz')).body.providers[PROVIDER];
  const incident = (f: FreezeView, id: string) => f.sources.find((s) => s.type === 'incident' && s.incident?.id === id);
  const unknown = (f: FreezeView) => f.sources.find((s) => s.id === `unk_${PROVIDER}`);
  const send = (body: unknown, opts: { secrets?: string[]; at?: Date; headers?: Record<string, string>; source?: string } = {}) => {
    const raw = JSON.stringify(body);
    const headers = { ...signGenericWebhook(raw, opts.at ?? new Date(), ...(opts.secrets ?? [SECRETS[1]])), ...(opts.headers ?? {}) };
    return {
      raw,
      headers,
      post: () =>
        http<HookAnswer>(ctl.url, 'POST', `/v1/webhooks/incidents/${opts.source ?? 'firehydrant'}`, {
          raw,
          headers: { 'content-type': 'application/json', ...headers },
        }),
    };
  };
  const open = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    title: `incident ${id}`,
    status: 'open',
    severity: 'SEV1',
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    ...extra,
  });

  it('a source that never sent anything is unknown (frozen) until its first message; a heartbeat makes it fresh', async () => {
    const before = await freeze();
    expect(unknown(before)).toMatchObject({ type: 'unknown', reason: expect.stringContaining('no data yet') });
    expect(await ready()).toMatchObject({ ok: false, fresh: false, push: true, error: 'no_data_yet', maxStalenessSeconds: 4 });
    const beat = await send({ type: 'heartbeat' }).post();
    expect(beat.status).toBe(202);
    expect(beat.body).toMatchObject({ heartbeat: true, duplicate: false });
    expect(unknown(await freeze())).toBeUndefined();
    expect(await ready()).toMatchObject({ ok: true, fresh: true });
  });

  it('an open major incident freezes at once, from its start, scoped by its scope key; a minor one does not', async () => {
    const startedAt = new Date(Date.now() - 120_000).toISOString();
    const major = await send(
      open('FH-1', { startedAt, scopeKeys: ['payments'], link: 'https://app.firehydrant.io/incidents/FH-1' }),
    ).post();
    expect(major.body).toMatchObject({ applied: true });
    const minor = await send(open('FH-2', { severity: 'SEV4' })).post();
    expect(minor.body).toMatchObject({ applied: false });
    const view = await freeze();
    expect(incident(view, 'FH-1')).toMatchObject({
      since: startedAt,
      scope: { accounts: ['111122223333'] },
      incident: { provider: PROVIDER, url: 'https://app.firehydrant.io/incidents/FH-1' },
    });
    expect(incident(view, 'FH-2')).toBeUndefined();
    expect((await send({ ...open('FH-1'), status: 'resolved', resolvedAt: new Date().toISOString() }).post()).body).toMatchObject({
      applied: true,
    });
    expect(incident(await freeze(), 'FH-1')).toBeUndefined();
  });

  it('refuses unsigned, forged, tampered and stale-timestamp deliveries; a replay is a duplicate; the rotated secret works', async () => {
    const body = open('FH-3');
    const good = send(body);
    const post = (raw: string, headers: Record<string, string>) =>
      http<HookAnswer>(ctl.url, 'POST', '/v1/webhooks/incidents/firehydrant', {
        raw,
        headers: { 'content-type': 'application/json', ...headers },
      });
    expect((await post(good.raw, {})).status).toBe(401);
    const forged = send(body, { secrets: ['attacker'] });
    expect((await forged.post()).body.error?.code).toBe('bad_signature');
    expect((await post(good.raw.replace('SEV1', 'SEV2'), good.headers)).status).toBe(401);
    const stale = send(body, { at: new Date(Date.now() - 6 * 60_000) });
    const staleAnswer = await stale.post();
    expect(staleAnswer.status).toBe(401);
    expect(staleAnswer.body.error).toMatchObject({ code: 'stale_timestamp', message: expect.stringContaining('at most 300 s') });
    expect(incident(await freeze(), 'FH-3')).toBeUndefined();

    expect((await good.post()).body).toMatchObject({ duplicate: false, applied: true });
    expect((await good.post()).body).toMatchObject({ duplicate: true });
    const rotated = send({ ...body, updatedAt: new Date().toISOString() }, { secrets: ['unknown', SECRETS[0]] });
    expect((await rotated.post()).body).toMatchObject({ duplicate: false, applied: false });
    expect((await send({ type: 'heartbeat' }, { source: 'not-configured' }).post()).status).toBe(404);

    const metrics = await http<string>(ctl.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="webhook.firehydrant",reason="unsigned"\} 1/);
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="webhook.firehydrant",reason="stale_timestamp"\} 1/);
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="webhook.firehydrant",reason="duplicate"\} 1/);
    await send({
      ...body,
      status: 'resolved',
      resolvedAt: new Date().toISOString(),
      updatedAt: new Date(Date.now() + 1).toISOString(),
    }).post();
  });

  it('messages are applied in the order their states held: a late "open" cannot reopen a resolved incident', async () => {
    const t0 = Date.now() - 10_000;
    expect((await send(open('FH-4', { updatedAt: new Date(t0).toISOString() })).post()).body).toMatchObject({ applied: true });
    expect(
      (
        await send({
          ...open('FH-4'),
          status: 'resolved',
          resolvedAt: new Date(t0 + 2_000).toISOString(),
          updatedAt: new Date(t0 + 2_000).toISOString(),
        }).post()
      ).body,
    ).toMatchObject({ applied: true });
    const late = await send(open('FH-4', { updatedAt: new Date(t0 + 1_000).toISOString() })).post();
    expect(late.body).toMatchObject({ applied: false, stale: true });
    expect(incident(await freeze(), 'FH-4')).toBeUndefined();
  });

  it('after maxStalenessSeconds of silence the source is stale: unknown (frozen), its open incident kept open, /readyz says stale; a heartbeat ends it', async () => {
    expect((await send(open('FH-5')).post()).body).toMatchObject({ applied: true });
    const stale = await eventually(
      async () => {
        const f = await freeze();
        return unknown(f) ? f : undefined;
      },
      'the source to go stale',
      15_000,
    );
    expect(unknown(stale)?.reason).toMatch(/s old \(max 4 s\)/);
    // Silence never resolves an incident: fail closed.
    expect(incident(stale, 'FH-5')).toBeDefined();
    expect(await ready()).toMatchObject({ ok: true, fresh: false, error: 'stale' });
    expect((await http(ctl.url, 'GET', '/readyz')).status).toBe(200);

    expect((await send({ type: 'heartbeat' }).post()).body).toMatchObject({ heartbeat: true });
    const back = await freeze();
    expect(unknown(back)).toBeUndefined();
    expect(incident(back, 'FH-5')).toBeDefined();
    // The silence is in the freeze history as unknown (a change made then is decided again).
    const audit = await http<{ items: { type: string; actor: string; details?: { from?: string; to?: string } }[] }>(
      ctl.url,
      'GET',
      '/v1/audit?type=freeze.unknown&limit=50',
      { token: TOKENS.viewer },
    );
    expect(audit.body.items.filter((e) => e.actor === `provider:${PROVIDER}` && e.details?.to)).not.toHaveLength(0);
    await send({ ...open('FH-5'), status: 'resolved', resolvedAt: new Date().toISOString(), updatedAt: new Date().toISOString() }).post();
  });

  it('back-fill: a resolved major incident never seen open (it opened and closed while nothing reached us) goes into the history', async () => {
    const startedAt = new Date(Date.now() - 10 * 60_000).toISOString();
    const resolvedAt = new Date(Date.now() - 5 * 60_000).toISOString();
    const late = await send({ id: 'FH-6', title: 'db failover', status: 'resolved', severity: 'SEV2', startedAt, resolvedAt }).post();
    expect(late.body).toMatchObject({ applied: true, backfilled: true });
    const audit = await http<{ items: { type: string; details?: { id?: string; createdAt?: string; resolvedAt?: string } }[] }>(
      ctl.url,
      'GET',
      '/v1/audit?type=freeze.incident_recovered&limit=50',
      { token: TOKENS.viewer },
    );
    expect(audit.body.items).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ id: 'FH-6', createdAt: startedAt, resolvedAt }) }),
    ]);
    // A minor one is not.
    expect((await send({ id: 'FH-7', title: 'x', status: 'resolved', severity: 'SEV4', startedAt, resolvedAt }).post()).body).toMatchObject(
      { applied: false },
    );
  });

  it('a signed body that is not the documented shape is a 400 naming each path', async () => {
    const res = await send({ id: 'FH-8', title: 'x', status: 'ongoing', severity: 'SEV1', startedAt: 'now', owner: 'me' }).post();
    expect(res.status).toBe(400);
    expect(res.body.error?.problems?.map((p) => p.path)).toEqual(['owner', 'status', 'startedAt']);
  });
});
