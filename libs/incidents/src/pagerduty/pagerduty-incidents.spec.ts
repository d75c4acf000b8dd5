import fc from 'fast-check';
import type { PagerDutyMajorConfig } from '@driftwarden/config';
import { isPagerDutyMajor, readIncidentsPage, toPagerDutyIncidentRef, type PagerDutyOpenIncident } from './pagerduty-incidents';

function incident(overrides: Partial<PagerDutyOpenIncident> = {}): PagerDutyOpenIncident {
  return {
    id: 'PABC123',
    number: 7,
    title: 'Checkout down',
    url: 'https://acme.pagerduty.com/incidents/PABC123',
    status: 'triggered',
    urgency: 'high',
    priority: { name: 'P1', summary: 'P1' },
    serviceId: 'PSVC1',
    createdAt: '2026-03-04T09:00:00.000Z',
    ...overrides,
  };
}

describe('isPagerDutyMajor', () => {
  const cases: Array<[string, Partial<PagerDutyOpenIncident>, PagerDutyMajorConfig, boolean]> = [
    ['P1 against [P1, P2]', {}, { priorities: ['P1', 'P2'] }, true],
    ['P3 against [P1, P2]', { priority: { name: 'P3', summary: 'P3' } }, { priorities: ['P1', 'P2'] }, false],
    ['priority null against a priorities criterion', { priority: null }, { priorities: ['P1'] }, false],
    ['priority null without a priorities criterion', { priority: null }, { urgencies: ['high'] }, true],
    ['summary only (no include[]=priorities)', { priority: { summary: 'P2' } }, { priorities: ['P2'] }, true],
    ['name differs in case and spaces', { priority: { name: ' sev-1 ' } }, { priorities: ['SEV-1'] }, true],
    ['high urgency against [high]', {}, { urgencies: ['high'] }, true],
    ['low urgency against [high]', { urgency: 'low' }, { urgencies: ['high'] }, false],
    ['missing urgency against [high]', { urgency: undefined }, { urgencies: ['high'] }, false],
    ['service in list', {}, { services: ['PSVC1', 'PSVC2'] }, true],
    ['service not in list', { serviceId: 'PSVC9' }, { services: ['PSVC1'] }, false],
    ['every criterion matches', {}, { priorities: ['P1'], urgencies: ['high'], services: ['PSVC1'] }, true],
    ['one criterion of three fails', { urgency: 'low' }, { priorities: ['P1'], urgencies: ['high'], services: ['PSVC1'] }, false],
    ['no criteria: every open incident', { priority: null, urgency: 'low' }, {}, true],
    ['acknowledged is open', { status: 'acknowledged' }, {}, true],
    ['resolved never', { status: 'resolved' }, {}, false],
  ];

  it.each(cases)('%s', (_name, overrides, major, expected) => {
    expect(isPagerDutyMajor(incident(overrides), major)).toBe(expected);
  });

  const arbIncident = fc.record({
    status: fc.constantFrom('triggered', 'acknowledged'),
    urgency: fc.constantFrom('high', 'low'),
    priority: fc.option(fc.record({ name: fc.constantFrom('P1', 'P2', 'P3', 'P4', 'P5') }), { nil: null }),
    serviceId: fc.constantFrom('PSVC1', 'PSVC2', 'PSVC3'),
  });
  const arbMajor = fc.record(
    {
      priorities: fc.subarray(['P1', 'P2', 'P3', 'P4', 'P5'], { minLength: 1 }),
      urgencies: fc.subarray(['high', 'low'] as Array<'high' | 'low'>, { minLength: 1 }),
      services: fc.subarray(['PSVC1', 'PSVC2', 'PSVC3'], { minLength: 1 }),
    },
    { requiredKeys: [] },
  );

  it('is the conjunction of the configured criteria (property)', () => {
    fc.assert(
      fc.property(arbIncident, arbMajor, (fields, major) => {
        const subject = incident(fields);
        const expected =
          (!major.priorities || (fields.priority !== null && major.priorities.includes(fields.priority.name))) &&
          (!major.urgencies || major.urgencies.includes(fields.urgency)) &&
          (!major.services || major.services.includes(fields.serviceId));
        expect(isPagerDutyMajor(subject, major)).toBe(expected);
      }),
    );
  });

  it('never selects more incidents when a criterion is added (property)', () => {
    fc.assert(
      fc.property(arbIncident, arbMajor, fc.constantFrom('priorities', 'urgencies', 'services'), (fields, major, dropped) => {
        const looser: PagerDutyMajorConfig = { ...major };
        delete looser[dropped];
        if (isPagerDutyMajor(incident(fields), major)) expect(isPagerDutyMajor(incident(fields), looser)).toBe(true);
      }),
    );
  });
});

describe('readIncidentsPage', () => {
  const valid = {
    id: 'PABC123',
    type: 'incident',
    incident_number: 42,
    title: 'DB down',
    created_at: '2026-03-04T10:15:00+02:00',
    status: 'triggered',
    urgency: 'high',
    html_url: 'https://acme.pagerduty.com/incidents/PABC123',
    service: { id: 'PSVC1', type: 'service_reference' },
    priority: { id: 'PPRIO1', type: 'priority', summary: 'P1', name: 'P1' },
  };

  it('reads a valid page and normalises created_at to UTC', () => {
    const result = readIncidentsPage({ incidents: [valid], limit: 100, offset: 0, more: true, total: null });
    expect(result).toEqual({
      ok: true,
      page: {
        more: true,
        incidents: [
          {
            id: 'PABC123',
            number: 42,
            title: 'DB down',
            url: 'https://acme.pagerduty.com/incidents/PABC123',
            status: 'triggered',
            urgency: 'high',
            priority: { name: 'P1', summary: 'P1' },
            serviceId: 'PSVC1',
            createdAt: '2026-03-04T08:15:00.000Z',
          },
        ],
      },
    });
  });

  it.each([
    ['not an object', [], '(body)'],
    ['incidents missing', { more: false }, 'incidents'],
    ['more missing', { incidents: [] }, 'more'],
    ['incident not an object', { incidents: ['x'], more: false }, 'incidents[0]'],
    ['id missing', { incidents: [{ ...valid, id: undefined }], more: false }, 'incidents[0].id'],
    ['created_at not a date', { incidents: [{ ...valid, created_at: 'yesterday' }], more: false }, 'incidents[0].created_at'],
    ['created_at without zone', { incidents: [{ ...valid, created_at: '2026-03-04T10:15:00' }], more: false }, 'incidents[0].created_at'],
    ['incident_number a string', { incidents: [{ ...valid, incident_number: '42' }], more: false }, 'incidents[0].incident_number'],
    ['priority a string', { incidents: [{ ...valid, priority: 'P1' }], more: false }, 'incidents[0].priority'],
    ['priority name a number', { incidents: [{ ...valid, priority: { name: 1 } }], more: false }, 'incidents[0].priority.name'],
    ['service missing', { incidents: [{ ...valid, service: undefined }], more: false }, 'incidents[0].service'],
    ['urgency a number', { incidents: [{ ...valid, urgency: 2 }], more: false }, 'incidents[0].urgency'],
  ])('rejects a page whose %s', (_name, body, path) => {
    const result = readIncidentsPage(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toContain(path);
  });

  it('accepts priority null and a missing title (falls back to summary)', () => {
    const result = readIncidentsPage({
      incidents: [{ ...valid, priority: null, title: undefined, summary: '[#42] DB down' }],
      more: false,
    });
    expect(result.ok && result.page.incidents[0]).toMatchObject({ priority: null, title: '[#42] DB down' });
  });
});

describe('toPagerDutyIncidentRef', () => {
  it('uses the priority name, else its summary', () => {
    expect(toPagerDutyIncidentRef(incident({ priority: { summary: 'P2' } })).priority).toBe('P2');
    expect(toPagerDutyIncidentRef(incident({ priority: null }))).not.toHaveProperty('priority');
  });

  it('takes the service id as service and scope key', () => {
    expect(toPagerDutyIncidentRef(incident({ serviceId: 'PSVC7' }))).toMatchObject({ service: 'PSVC7', scopeKeys: ['PSVC7'] });
  });
});
