import { isOpsgenieMajor, readOpsgeniePage, toOpsgenieIncidentRef, type OpsgenieOpenIncident } from './opsgenie-incidents';

const valid = {
  id: '70413a06-38d6-4c85-92b8-5ebc900d42e2',
  tinyId: '42',
  message: 'Checkout is down',
  status: 'open',
  priority: 'P1',
  createdAt: '2026-03-04T09:00:00.123Z',
  ownerTeam: 'team-a',
  responders: [
    { type: 'team', id: 'team-a' },
    { type: 'team', id: 'team-b' },
    { type: 'user', id: 'user-1' },
  ],
  impactedServices: ['svc-1', 'svc-2'],
};

function open(overrides: Partial<OpsgenieOpenIncident> = {}): OpsgenieOpenIncident {
  return {
    id: 'i',
    tinyId: '7',
    message: 'm',
    status: 'open',
    priority: 'P1',
    responderTeams: [],
    impactedServices: [],
    createdAt: '2026-03-04T09:00:00.000Z',
    ...overrides,
  };
}

describe('readOpsgeniePage', () => {
  it('reads incidents and paging.next', () => {
    const result = readOpsgeniePage({
      data: [valid],
      paging: { next: 'https://api.opsgenie.com/v1/incidents?offset=100' },
      took: 0.1,
      requestId: 'r',
    });
    expect(result).toEqual({
      ok: true,
      page: {
        next: 'https://api.opsgenie.com/v1/incidents?offset=100',
        incidents: [
          {
            id: valid.id,
            tinyId: '42',
            message: 'Checkout is down',
            status: 'open',
            priority: 'P1',
            ownerTeam: 'team-a',
            responderTeams: ['team-a', 'team-b'],
            impactedServices: ['svc-1', 'svc-2'],
            createdAt: '2026-03-04T09:00:00.123Z',
          },
        ],
      },
    });
  });

  it.each([
    ['data missing', { took: 1 }, 'data'],
    ['data an object', { data: { id: 'x' } }, 'data'],
    ['id missing (the one field the spec requires)', { data: [{ ...valid, id: undefined }] }, 'data[0].id'],
    ['createdAt missing (the freeze needs it)', { data: [{ ...valid, createdAt: undefined }] }, 'data[0].createdAt'],
    ['priority a number', { data: [{ ...valid, priority: 1 }] }, 'data[0].priority'],
    ['responders not an array', { data: [{ ...valid, responders: 'team-a' }] }, 'data[0].responders'],
    ['impactedServices with a number', { data: [{ ...valid, impactedServices: [1] }] }, 'data[0].impactedServices[0]'],
    ['paging not an object', { data: [], paging: 'next' }, 'paging'],
  ])('rejects a page whose %s', (_name, body, path) => {
    const result = readOpsgeniePage(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toContain(path);
  });
});

describe('isOpsgenieMajor', () => {
  it.each([
    ['P1 against [P1, P2]', open(), { priorities: ['P1', 'P2'] as Array<'P1' | 'P2'> }, true],
    ['P3 against [P1, P2]', open({ priority: 'P3' }), { priorities: ['P1', 'P2'] as Array<'P1' | 'P2'> }, false],
    ['resolved', open({ status: 'resolved' }), {}, false],
    ['closed', open({ status: 'closed' }), {}, false],
    ['no status in the data (the query asked for open ones)', open({ status: undefined }), {}, true],
    ['no criteria', open({ priority: 'P5' }), {}, true],
    ['teams only: rests on the server-side query', open({ priority: 'P5' }), { teams: ['Platform'] }, true],
  ])('%s', (_name, incident, major, expected) => {
    expect(isOpsgenieMajor(incident, major)).toBe(expected);
  });
});

describe('toOpsgenieIncidentRef', () => {
  it('maps the fields; numeric tinyId becomes the number; no url; first impacted service', () => {
    const result = readOpsgeniePage({ data: [valid] });
    if (!result.ok) throw new Error('fixture invalid');
    expect(toOpsgenieIncidentRef(result.page.incidents[0])).toEqual({
      provider: 'opsgenie',
      id: valid.id,
      number: 42,
      title: 'Checkout is down',
      status: 'open',
      priority: 'P1',
      service: 'svc-1',
      createdAt: '2026-03-04T09:00:00.123Z',
      scopeKeys: ['team-a', 'team-b', 'svc-1', 'svc-2'],
    });
  });

  it('leaves number out when tinyId is not numeric, and service when nothing is impacted', () => {
    const ref = toOpsgenieIncidentRef(open({ tinyId: 'A-12', impactedServices: [] }));
    expect(ref).not.toHaveProperty('number');
    expect(ref).not.toHaveProperty('service');
    expect(ref).not.toHaveProperty('url');
  });
});
