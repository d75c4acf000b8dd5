import type { IncidentRecord, ProviderSnapshot } from './freeze.types';
import { diffIncidentSnapshot, type IncidentHistory } from './incident-snapshot-diff';

const T = (s: number) => new Date(Date.UTC(2026, 10, 20, 10, 0, s)).toISOString();

const incident = (id: string, extra: Partial<IncidentRecord> = {}): IncidentRecord => ({
  provider: 'pagerduty',
  id,
  title: `incident ${id}`,
  status: 'triggered',
  priority: 'P1',
  createdAt: T(0),
  ...extra,
});

/** A history as Redis stores it: `provider:id` → JSON, with when the state was known. */
function history(...records: IncidentRecord[]): IncidentHistory {
  return Object.fromEntries(
    records.map((r) => [`${r.provider}:${r.id}`, JSON.stringify({ ...r, stateAt: T(5), stateFrom: 'poll' } satisfies IncidentRecord)]),
  );
}

/** A successful poll that started at 30 s and ended at 32 s. */
function poll(incidents: IncidentRecord[], extra: Partial<ProviderSnapshot> = {}): ProviderSnapshot {
  return { provider: 'pagerduty', ok: true, requestedAt: T(30), fetchedAt: T(32), attemptedAt: T(32), incidents, ...extra };
}

/** `kind field` for each change, in order. */
const summary = (snap: ProviderSnapshot, h: IncidentHistory) => diffIncidentSnapshot(snap, h).map((c) => `${c.kind} ${c.field}`);

describe('diffIncidentSnapshot: what a poll says about each incident, against the history read before it', () => {
  it('an incident new to the history, or resolved in it, opens; one open in both is unchanged or changed', () => {
    const h = history(incident('A'), incident('B', { resolvedAt: T(3) }), incident('C'));
    const snap = poll([incident('A'), incident('B'), incident('C', { title: 'checkout down, payments too' }), incident('D')]);
    expect(summary(snap, h)).toEqual(['unchanged pagerduty:A', 'opened pagerduty:B', 'changed pagerduty:C', 'opened pagerduty:D']);
  });

  it('an incident open in the history and missing from the poll closes, at the end of the poll', () => {
    const h = history(incident('A'), incident('B'));
    const [kept, closed, ...rest] = diffIncidentSnapshot(poll([incident('A')]), h);
    expect(rest).toEqual([]);
    expect(kept).toMatchObject({ kind: 'unchanged', field: 'pagerduty:A' });
    expect(closed).toEqual({
      kind: 'closed',
      field: 'pagerduty:B',
      read: h['pagerduty:B'],
      observation: { open: false, at: T(30), from: 'poll', incident: JSON.parse(h['pagerduty:B']) as IncidentRecord, resolvedAt: T(32) },
    });
  });

  it('opening observations are as of the poll start and carry the value read (the compare-and-set expects it)', () => {
    const h = history(incident('A'));
    const [known, fresh] = diffIncidentSnapshot(poll([incident('A'), incident('D')]), h);
    expect(known).toEqual({
      kind: 'unchanged',
      field: 'pagerduty:A',
      read: h['pagerduty:A'],
      observation: { open: true, at: T(30), from: 'poll', incident: incident('A') },
    });
    expect(fresh.read).toBeNull();
    expect(fresh.observation.at).toBe(T(30));
  });

  it('without requestedAt (an older snapshot) the poll is as of its fetch, then of its attempt', () => {
    const [a] = diffIncidentSnapshot(poll([incident('A')], { requestedAt: undefined }), {});
    expect(a.observation.at).toBe(T(32));
    const [b] = diffIncidentSnapshot(poll([], { requestedAt: null, fetchedAt: null, attemptedAt: T(40) }), history(incident('B')));
    expect(b.observation).toMatchObject({ open: false, at: T(40), resolvedAt: T(40) });
  });

  it('resolved incidents and other providers stay as they are', () => {
    const other: IncidentRecord = { ...incident('A'), provider: 'opsgenie' };
    const h = { ...history(incident('R', { resolvedAt: T(3) })), ...history(other) };
    expect(summary(poll([]), h)).toEqual([]);
  });

  it('a failed poll says nothing: an error is not "no incidents" (open incidents stay open)', () => {
    const h = history(incident('A'));
    expect(diffIncidentSnapshot(poll([], { ok: false, error: 'HTTP 503' }), h)).toEqual([]);
  });

  it('opening changes come first, in the poll order, then closing ones in the history order', () => {
    const h = history(incident('X'), incident('A'), incident('Y'));
    expect(summary(poll([incident('B'), incident('A')]), h)).toEqual([
      'opened pagerduty:B',
      'unchanged pagerduty:A',
      'closed pagerduty:X',
      'closed pagerduty:Y',
    ]);
  });
});
