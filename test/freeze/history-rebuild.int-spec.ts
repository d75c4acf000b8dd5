import { OpsgenieFake, OPSGENIE_FAKE_DEFAULT_KEY, PagerDutyFake } from '@driftwarden/incidents/testing';
import { http } from '../support/http';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';

interface FreezeView {
  frozen: boolean;
  sources: { id: string; type: string; since: string; until: string | null; incident?: { provider: string; id: string } }[];
}
interface AuditPage {
  items: { type: string; reason?: string; details?: Record<string, unknown> }[];
}

const minutesAgo = (m: number, now: number) => new Date(Math.floor((now - m * 60_000) / 1000) * 1000);

/**
 * DESIGN §9 with the incident providers as the source of truth: when Redis comes up empty the
 * controller reads back the major incidents resolved in the last days, so a cooldown that was
 * running when Redis was lost still holds (and a late change made during one is judged so).
 * Real HTTP fakes of PagerDuty and Opsgenie that accept only what the real APIs accept.
 */
describe('after a Redis loss, recently resolved incidents come back into the freeze history', () => {
  let pd: PagerDutyFake;
  let og: OpsgenieFake;
  let ctl: TestController | null = null;

  const start = async () => {
    ctl = await startTestController({
      extra: {
        incidents: {
          pollIntervalSeconds: 1,
          maxStalenessSeconds: 30,
          cooldownMinutes: 30,
          pagerduty: {
            token: 'pd-fake-token',
            apiUrl: pd.url,
            webhookSecrets: ['s'],
            major: { priorities: ['P1'] },
            requestTimeoutMs: 1000,
          },
          opsgenie: { apiKey: OPSGENIE_FAKE_DEFAULT_KEY, apiUrl: og.url, major: { priorities: ['P1'] }, requestTimeoutMs: 1000 },
        },
      },
    });
    return ctl;
  };
  const stop = async () => {
    if (!ctl) return;
    await ctl.close();
    await dropPrefix(ctl.prefix);
    ctl = null;
  };
  const freeze = async (c: TestController) => (await http<FreezeView>(c.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body;
  const audit = async (c: TestController, type: string) =>
    (await http<AuditPage>(c.url, 'GET', `/v1/audit?type=${type}&limit=100`, { token: TOKENS.viewer })).body.items;

  beforeAll(async () => {
    pd = await new PagerDutyFake().start();
    og = await new OpsgenieFake().start();
  });
  // One clock reading per test: the assertions compare against the very times the fakes were given.
  let now = 0;
  const ago = (m: number) => minutesAgo(m, now);
  beforeEach(() => {
    now = Date.now();
    pd.reset();
    og.reset();
    pd.setIncidents([
      // Resolved 5 minutes ago: its 30-minute cooldown is still running.
      { id: 'QCOOL1', priority: 'P1', status: 'resolved', createdAt: ago(40), resolvedAt: ago(5) },
      { id: 'QMINOR', priority: 'P3', status: 'resolved', createdAt: ago(40), resolvedAt: ago(5) },
      // Created long before the window: not read back (and long over anyway).
      { id: 'QOLD01', priority: 'P1', status: 'resolved', createdAt: ago(60 * 24 * 20), resolvedAt: ago(60 * 24 * 19) },
    ]);
    og.setIncidents([
      { id: 'og-cool', priority: 'P1', status: 'resolved', message: 'payments down', createdAt: ago(30), updatedAt: ago(3) },
    ]);
  });
  afterEach(stop);
  afterAll(async () => {
    await pd.stop();
    await og.stop();
  });

  it('restores the cooldowns of major incidents resolved while the state was gone, with requests the real APIs accept', async () => {
    const c = await start();
    const view = await eventually(async () => {
      const f = await freeze(c);
      return f.sources.some((s) => s.type === 'cooldown') && !f.sources.some((s) => s.type === 'unknown') ? f : undefined;
    }, 'the recovered cooldowns');
    const cooldowns = view.sources.filter((s) => s.type === 'cooldown');
    expect(cooldowns.map((s) => s.id).sort()).toEqual(['cool_opsgenie_og-cool', 'cool_pagerduty_QCOOL1']);
    const pdCool = cooldowns.find((s) => s.id === 'cool_pagerduty_QCOOL1');
    expect(Date.parse(pdCool?.since ?? '')).toBe(ago(5).getTime());
    expect(Date.parse(pdCool?.until ?? '')).toBe(ago(5).getTime() + 30 * 60_000);
    // Opsgenie has no resolution time: updatedAt, never earlier than the real one.
    expect(Date.parse(cooldowns.find((s) => s.id === 'cool_opsgenie_og-cool')?.since ?? '')).toBe(ago(3).getTime());

    const recovered = await audit(c, 'freeze.incident_recovered');
    expect(recovered.map((a) => a.details?.id).sort()).toEqual(['QCOOL1', 'og-cool']);
    expect((await audit(c, 'state.rebuilt'))[0].details).toMatchObject({ incidents: 2 });
    expect(pd.requests.filter((r) => r.problems.length > 0)).toEqual([]);
    expect(og.requests.filter((r) => r.problems.length > 0)).toEqual([]);
    // The history read asked for every status in a bounded window (PagerDuty) and by creation time (Opsgenie).
    expect(pd.requests.some((r) => (r.query['statuses[]'] ?? []).includes('resolved') && r.query.since !== undefined)).toBe(true);
    expect(og.requests.some((r) => /createdAt > \d+/.test((r.query.query ?? [])[0] ?? ''))).toBe(true);
  });

  it('Redis emptied under a running controller (a restart without persistence): frozen, rebuilt by the scheduler, polls resume, unfrozen', async () => {
    pd.setIncidents([]);
    og.setIncidents([]);
    const c = await start();
    await eventually(async () => !(await freeze(c)).frozen, 'the first polls');
    await dropPrefix(c.prefix);
    // The freeze is unknown at once (no rebuilt mark, no provider data), then comes back by itself.
    await eventually(async () => (await freeze(c)).sources.some((s) => s.id === 'unk_state'), 'the state freeze after the loss', 10_000);
    await eventually(async () => !(await freeze(c)).frozen, 'the rebuild and the polls to resume', 20_000);
    expect(await audit(c, 'state.rebuilt')).toHaveLength(1);
  }, 40_000);

  it('a provider that cannot be read keeps the state unknown (frozen) until a retry succeeds', async () => {
    pd.failNext({ status: 503 }, 1);
    const c = await start();
    expect((await freeze(c)).sources.map((s) => s.id)).toContain('unk_state');
    expect(await audit(c, 'state.rebuild_failed')).toHaveLength(1);
    await eventually(async () => !(await freeze(c)).sources.some((s) => s.id === 'unk_state'), 'the rebuild to succeed on a retry', 20_000);
    expect((await freeze(c)).sources.map((s) => s.id)).toContain('cool_pagerduty_QCOOL1');
  }, 30_000);
});
