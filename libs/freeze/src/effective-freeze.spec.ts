import { activeWindow, freezeAt, freezeEvidence, nextTimeDrivenStart, scopeMatchesQuery } from './effective-freeze';
import type { FreezeSettings, FreezeState, IncidentRecord } from './freeze.types';

const target: { account: string; region: string; type: string; tags: Record<string, string> } = {
  account: '111122223333',
  region: 'eu-west-1',
  type: 'AWS::EC2::SecurityGroup',
  tags: { team: 'payments' },
};
const other = { ...target, account: '444455556666' };
const T = (iso: string) => new Date(iso);

const settings = (over: Partial<FreezeSettings> = {}): FreezeSettings => ({
  windows: [],
  providers: [],
  cooldownMs: 30 * 60_000,
  lookbackMs: 15 * 60_000,
  maxStalenessMs: 90_000,
  ...over,
});
const state = (over: Partial<FreezeState> = {}): FreezeState => ({
  manual: [],
  overrides: [],
  incidents: [],
  providers: [],
  unknownIntervals: [],
  ...over,
});
const incident = (over: Partial<IncidentRecord> = {}): IncidentRecord => ({
  provider: 'pagerduty',
  id: 'Q1ABC2',
  number: 42,
  title: 'checkout 5xx',
  status: 'triggered',
  createdAt: '2025-03-04T10:00:00Z',
  ...over,
});
const types = (s: FreezeState, cfg: FreezeSettings, at: string, t = target, now = true) =>
  freezeAt(s, cfg, t, T(at), { now }).sources.map((x) => x.type);

describe('effective freeze', () => {
  it('is not frozen with no sources and no provider configured (no incident source)', () => {
    expect(freezeAt(state(), settings(), target, T('2025-03-04T10:00:00Z'), { now: true })).toEqual({ frozen: false, sources: [] });
  });

  it('while the state is being rebuilt (Redis was empty) everything is frozen now, as unknown, for every target and scope', () => {
    const s = state({ rebuild: { since: '2025-03-04T09:59:00Z' } });
    for (const t of [target, other]) {
      const f = freezeAt(s, settings(), t, T('2025-03-04T10:00:00Z'), { now: true });
      expect(f.frozen).toBe(true);
      expect(f.sources).toEqual([
        expect.objectContaining({ id: 'unk_state', type: 'unknown', since: '2025-03-04T09:59:00Z', until: null, actor: 'controller' }),
      ]);
    }
    // It says nothing about the past: a change's time is judged on the recorded history.
    expect(freezeAt(s, settings(), target, T('2025-03-04T09:00:00Z'), { now: false }).frozen).toBe(false);
  });

  it('a manual freeze lasts until its TTL, then expires; a lifted one ends when lifted', () => {
    const s = state({
      manual: [{ id: 'frz_1', reason: 'deploy', since: '2025-03-04T10:00:00Z', until: '2025-03-04T12:00:00Z', actor: 'token:oncall' }],
    });
    expect(types(s, settings(), '2025-03-04T11:59:59Z')).toEqual(['manual']);
    expect(types(s, settings(), '2025-03-04T12:00:00Z')).toEqual([]);
    s.manual[0].liftedAt = '2025-03-04T10:30:00Z';
    expect(types(s, settings(), '2025-03-04T10:29:59Z')).toEqual(['manual']);
    expect(types(s, settings(), '2025-03-04T10:30:00Z')).toEqual([]);
  });

  it('a scoped freeze covers only its scope; tags must all match', () => {
    const s = state({
      manual: [
        {
          id: 'frz_1',
          reason: 'r',
          scope: { accounts: ['111122223333'], tags: { team: 'payments' } },
          since: '2025-03-04T10:00:00Z',
          until: '2025-03-05T00:00:00Z',
          actor: 'a',
        },
      ],
    });
    expect(types(s, settings(), '2025-03-04T11:00:00Z')).toEqual(['manual']);
    expect(types(s, settings(), '2025-03-04T11:00:00Z', other)).toEqual([]);
    expect(types(s, settings(), '2025-03-04T11:00:00Z', { ...target, tags: {} as Record<string, string> })).toEqual([]);
  });

  it('an incident freezes from its provider created_at, then a cooldown follows its resolution', () => {
    const s = state({ incidents: [incident({ resolvedAt: '2025-03-04T11:00:00Z' })] });
    expect(types(s, settings(), '2025-03-04T09:59:59Z')).toEqual([]);
    expect(types(s, settings(), '2025-03-04T10:00:00Z')).toEqual(['incident']);
    expect(types(s, settings(), '2025-03-04T11:00:00Z')).toEqual(['cooldown']);
    expect(types(s, settings(), '2025-03-04T11:29:59Z')).toEqual(['cooldown']);
    expect(types(s, settings(), '2025-03-04T11:30:00Z')).toEqual([]);
  });

  it('an admin override suppresses incident and cooldown sources now, but not manual, window or unknown ones, and expires', () => {
    const s = state({
      incidents: [incident()],
      manual: [{ id: 'frz_1', reason: 'r', since: '2025-03-04T10:00:00Z', until: '2025-03-04T13:00:00Z', actor: 'a' }],
      overrides: [{ id: 'ovr_1', reason: 'hotfix', since: '2025-03-04T10:10:00Z', until: '2025-03-04T11:10:00Z', actor: 'token:admin' }],
    });
    expect(types(s, settings(), '2025-03-04T10:30:00Z')).toEqual(['manual']);
    expect(types(s, settings(), '2025-03-04T11:10:00Z')).toEqual(['manual', 'incident']);
    // History ignores overrides: the incident was open when a change was made.
    expect(types(s, settings(), '2025-03-04T10:30:00Z', target, false)).toEqual(['manual', 'incident']);
  });

  it.each([
    ['never polled', undefined, 'no data yet'],
    [
      'last poll failed',
      { ok: false, fetchedAt: '2025-03-04T10:00:00Z', attemptedAt: '2025-03-04T10:00:30Z', error: 'timeout' },
      'last poll failed: timeout',
    ],
    ['stale data', { ok: true, fetchedAt: '2025-03-04T09:58:00Z', attemptedAt: '2025-03-04T09:58:00Z' }, 'data is 120 s old (max 90 s)'],
  ])('fails closed: %s is unknown, which freezes', (_n, snap, why) => {
    const s = state({ providers: snap ? [{ provider: 'pagerduty', incidents: [], ...snap }] : [] });
    const f = freezeAt(s, settings({ providers: ['pagerduty'] }), target, T('2025-03-04T10:00:00Z'), { now: true });
    expect(f.frozen).toBe(true);
    expect(f.sources[0]).toMatchObject({ type: 'unknown', id: 'unk_pagerduty' });
    expect(f.sources[0].reason).toContain(why);
  });

  it('fresh successful data with no incident is not frozen', () => {
    const s = state({
      providers: [
        { provider: 'pagerduty', ok: true, fetchedAt: '2025-03-04T09:59:30Z', attemptedAt: '2025-03-04T09:59:30Z', incidents: [] },
      ],
    });
    expect(freezeAt(s, settings({ providers: ['pagerduty'] }), target, T('2025-03-04T10:00:00Z'), { now: true }).frozen).toBe(false);
  });
});

describe('change windows', () => {
  // 18:00 local time on 20 December, for 14 days, Europe/Berlin (UTC+1 in winter).
  const yearEnd = { name: 'year-end', schedule: '0 18 20 12 *', durationMs: 14 * 24 * 3600_000, timeZone: 'Europe/Berlin' };

  it('starts at the local time of its time zone, not UTC', () => {
    expect(activeWindow(yearEnd, T('2025-12-20T16:59:59Z'))).toBeNull();
    expect(activeWindow(yearEnd, T('2025-12-20T17:00:00Z'))).toEqual({ start: T('2025-12-20T17:00:00Z'), end: T('2026-01-03T17:00:00Z') });
    expect(activeWindow(yearEnd, T('2026-01-03T16:59:59Z'))).not.toBeNull();
    expect(activeWindow(yearEnd, T('2026-01-03T17:00:00Z'))).toBeNull();
  });

  it('follows daylight saving time: 09:00 New York is 13:00 UTC in summer and 14:00 UTC in winter', () => {
    const daily = { name: 'morning', schedule: '0 9 * * *', durationMs: 3600_000, timeZone: 'America/New_York' };
    expect(activeWindow(daily, T('2025-07-01T13:30:00Z'))).not.toBeNull();
    expect(activeWindow(daily, T('2025-12-01T13:30:00Z'))).toBeNull();
    expect(activeWindow(daily, T('2025-12-01T14:30:00Z'))).not.toBeNull();
  });

  it('is a window source with since/until and its scope', () => {
    const f = freezeAt(
      state(),
      settings({ windows: [{ ...yearEnd, scope: { accounts: ['111122223333'] } }] }),
      target,
      T('2025-12-24T12:00:00Z'),
      { now: true },
    );
    expect(f.sources).toEqual([
      expect.objectContaining({ type: 'window', since: '2025-12-20T17:00:00.000Z', until: '2026-01-03T17:00:00.000Z' }),
    ]);
    expect(
      freezeAt(state(), settings({ windows: [{ ...yearEnd, scope: { accounts: ['111122223333'] } }] }), other, T('2025-12-24T12:00:00Z'), {
        now: true,
      }).frozen,
    ).toBe(false);
  });
});

describe('freeze at the time of a change (rule 3 evidence)', () => {
  it('a change shortly before an incident was declared is within lookback', () => {
    const s = state({ incidents: [incident({ createdAt: '2025-03-04T10:10:00Z' })] });
    const e = freezeEvidence(s, settings(), target, T('2025-03-04T10:00:00Z'), T('2025-03-04T10:20:00Z'));
    expect(e.atChange).toMatchObject({ declared: false, withinLookback: true });
    expect(freezeEvidence(s, settings(), target, T('2025-03-04T09:50:00Z'), T('2025-03-04T10:20:00Z')).atChange.withinLookback).toBe(false);
  });

  it('a change made during an incident that has since resolved counts as made during a declared freeze', () => {
    const s = state({ incidents: [incident({ resolvedAt: '2025-03-04T11:00:00Z' })] });
    const e = freezeEvidence(s, settings(), target, T('2025-03-04T10:30:00Z'), T('2025-03-04T13:00:00Z'));
    expect(e.atChange.declared).toBe(true);
    expect(e.now.frozen).toBe(false);
  });

  it('a change made while the provider was unknown is marked unknown, not declared', () => {
    const s = state({
      unknownIntervals: [{ provider: 'pagerduty', from: '2025-03-04T10:00:00Z', to: '2025-03-04T10:05:00Z', reason: 'timeout' }],
    });
    const e = freezeEvidence(s, settings(), target, T('2025-03-04T10:02:00Z'), T('2025-03-04T10:30:00Z'));
    expect(e.atChange).toMatchObject({ declared: false, unknown: true });
  });
});

describe('scopeMatchesQuery', () => {
  it('matches when every named dimension is allowed', () => {
    const m = scopeMatchesQuery({ account: '111122223333' });
    expect(m(undefined)).toBe(true);
    expect(m({ accounts: ['111122223333'], regions: ['us-east-1'] })).toBe(true);
    expect(m({ accounts: ['444455556666'] })).toBe(false);
  });
});

describe('nextTimeDrivenStart (the instant the fence refuses calls without anything recorded)', () => {
  const now = T('2025-03-04T10:00:00Z');
  const override = { id: 'ovr_1', reason: 'fix under way', since: '2025-03-04T09:50:00Z', until: '2025-03-04T10:20:00Z', actor: 'admin' };
  const window = { name: 'nightly', schedule: '0 22 * * *', durationMs: 3_600_000, timeZone: 'UTC' };

  it('is null when time alone can start no freeze', () => {
    expect(nextTimeDrivenStart(state(), settings(), target, now)).toBeNull();
  });

  it('is the end of an override covering the target: the incidents it set aside freeze again then', () => {
    const s = state({ overrides: [override], incidents: [incident({ createdAt: '2025-03-04T09:40:00Z' })] });
    expect(nextTimeDrivenStart(s, settings(), target, now)).toEqual({ at: T('2025-03-04T10:20:00Z'), reason: 'override ovr_1 ends' });
    // ...and the freeze does come back at that instant (the two functions agree).
    expect(freezeAt(s, settings(), target, T('2025-03-04T10:19:59.999Z'), { now: true }).frozen).toBe(false);
    expect(freezeAt(s, settings(), target, T('2025-03-04T10:20:00Z'), { now: true }).frozen).toBe(true);
  });

  it('ignores overrides for other scopes and overrides already ended', () => {
    const scoped = { ...override, scope: { accounts: [other.account] } };
    const ended = { ...override, until: '2025-03-04T09:55:00Z' };
    expect(nextTimeDrivenStart(state({ overrides: [scoped, ended] }), settings(), target, now)).toBeNull();
    // With no target (any resource), a scoped override counts.
    expect(nextTimeDrivenStart(state({ overrides: [scoped] }), settings(), null, now)?.reason).toBe('override ovr_1 ends');
  });

  it("is the next opening of a window covering the target, in the window's time zone", () => {
    expect(nextTimeDrivenStart(state(), settings({ windows: [window] }), target, now)).toEqual({
      at: T('2025-03-04T22:00:00Z'),
      reason: 'change window nightly opens',
    });
    const berlin = { ...window, timeZone: 'Europe/Berlin' };
    expect(nextTimeDrivenStart(state(), settings({ windows: [berlin] }), target, now)?.at).toEqual(T('2025-03-04T21:00:00Z'));
    const elsewhere = { ...window, scope: { accounts: [other.account] } };
    expect(nextTimeDrivenStart(state(), settings({ windows: [elsewhere] }), target, now)).toBeNull();
  });

  it("is the instant a provider's data goes stale (fail closed), and freezeAt agrees", () => {
    const snap = {
      provider: 'pagerduty' as const,
      ok: true,
      fetchedAt: '2025-03-04T09:59:30Z',
      attemptedAt: '2025-03-04T09:59:30Z',
      incidents: [],
    };
    const s = state({ providers: [snap] });
    const cfg = settings({ providers: ['pagerduty'] });
    const next = nextTimeDrivenStart(s, cfg, target, now);
    expect(next).toEqual({ at: T('2025-03-04T10:01:00.001Z'), reason: 'pagerduty data goes stale' });
    expect(freezeAt(s, cfg, target, T('2025-03-04T10:01:00Z'), { now: true }).frozen).toBe(false);
    expect(freezeAt(s, cfg, target, next!.at, { now: true }).frozen).toBe(true);
  });

  it('takes the earliest of all candidates', () => {
    const snap = {
      provider: 'pagerduty' as const,
      ok: true,
      fetchedAt: '2025-03-04T09:59:30Z',
      attemptedAt: '2025-03-04T09:59:30Z',
      incidents: [],
    };
    const s = state({ overrides: [override], providers: [snap] });
    expect(nextTimeDrivenStart(s, settings({ providers: ['pagerduty'], windows: [window] }), target, now)?.reason).toBe(
      'pagerduty data goes stale',
    );
  });
});
