import { incidentTransition, type IncidentObservation } from './incident-order';
import type { IncidentRecord } from './freeze.types';

const T = (s: number) => new Date(Date.UTC(2026, 10, 20, 10, 0, s)).toISOString();

const incident: IncidentRecord = {
  provider: 'pagerduty',
  id: 'Q1',
  number: 7,
  title: 'checkout down',
  status: 'triggered',
  priority: 'P1',
  createdAt: T(0),
};
const open = (at: number, extra: Partial<IncidentRecord> = {}): IncidentRecord => ({
  ...incident,
  stateAt: T(at),
  stateFrom: 'poll',
  ...extra,
});
const resolved = (at: number, resolvedAt: number): IncidentRecord => ({
  ...incident,
  resolvedAt: T(resolvedAt),
  stateAt: T(at),
  stateFrom: 'webhook:pagerduty',
});
const obs = (isOpen: boolean, at: number, extra: Partial<IncidentObservation> = {}): IncidentObservation => ({
  open: isOpen,
  at: T(at),
  from: 'webhook:pagerduty',
  incident,
  ...extra,
});

describe('incidentTransition: webhooks and polls never move an incident backwards', () => {
  it.each([
    // [what, known, observation, kind]
    ['a resolution after the known open state resolves it', open(10), obs(false, 20), 'resolved'],
    [
      'a resolution older than the poll that saw it open is stale (issue 11: a late resolved flipped an open incident to cooldown)',
      open(20),
      obs(false, 10),
      'stale',
    ],
    ['a resolution at the same time as the known state is applied (ties are not stale)', open(20), obs(false, 20), 'resolved'],
    ['an opening after a resolution reopens', resolved(20, 20), obs(true, 30), 'opened'],
    ['a late opening (acknowledged) older than the resolution is stale: it does not reopen', resolved(30, 30), obs(true, 20), 'stale'],
    ['an opening of an unknown incident opens it', null, obs(true, 10), 'opened'],
    ['an opening of an open incident changes nothing but what is known', open(10), obs(true, 20), 'unchanged'],
    ['a resolution of an incident never known open changes nothing', null, obs(false, 10), 'unchanged'],
    ['a resolution of a resolved incident changes nothing', resolved(10, 10), obs(false, 20), 'unchanged'],
    ['a record written before ordering existed (no stateAt) is older than anything', { ...incident }, obs(false, 1), 'resolved'],
    ['an event older than the last poll (floor) is stale even for an unknown incident', null, obs(true, 10, { floor: T(20) }), 'stale'],
    ['an event newer than the last poll (floor) is applied', null, obs(true, 30, { floor: T(20) }), 'opened'],
    ['a newer record outweighs an older floor', open(40), obs(false, 30, { floor: T(20) }), 'stale'],
  ] as const)('%s', (_what, known, observation, kind) => {
    expect(incidentTransition(known as IncidentRecord | null, observation as IncidentObservation).kind).toBe(kind);
  });

  it('a stale observation says what is known, since when and from where', () => {
    const t = incidentTransition(open(20), obs(false, 10));
    expect(t).toEqual({
      kind: 'stale',
      knownAt: T(20),
      knownFrom: 'poll',
      reason: `pagerduty incident 7 (Q1): this resolution happened at ${T(10)}, before the state already known as of ${T(20)} (from poll); not applied`,
    });
    expect(incidentTransition(null, obs(true, 10, { floor: T(20) }))).toMatchObject({
      kind: 'stale',
      knownAt: T(20),
      knownFrom: 'the last poll',
    });
  });

  it('records what was applied and as of when; a resolution keeps the time it happened', () => {
    const r = incidentTransition(open(10), obs(false, 20, { resolvedAt: T(25) }));
    expect(r).toEqual({ kind: 'resolved', next: { ...incident, resolvedAt: T(25), stateAt: T(20), stateFrom: 'webhook:pagerduty' } });
    const o = incidentTransition(resolved(10, 10), obs(true, 20, { incident: { ...incident, priority: 'P2' } }));
    expect(o).toEqual({ kind: 'opened', next: { ...incident, priority: 'P2', stateAt: T(20), stateFrom: 'webhook:pagerduty' } });
    expect(o.kind === 'opened' && 'resolvedAt' in o.next).toBe(false);
    const u = incidentTransition(open(10), obs(true, 20, { incident: { ...incident, title: 'renamed' } }));
    expect(u).toMatchObject({ kind: 'unchanged', next: { title: 'renamed', stateAt: T(20) } });
    expect(incidentTransition(null, obs(false, 10))).toMatchObject({ kind: 'unchanged', next: null });
  });
});
