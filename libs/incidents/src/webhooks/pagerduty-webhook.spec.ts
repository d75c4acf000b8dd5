import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { parsePagerDutyWebhook, signPagerDutyBody, verifyPagerDutySignature } from './pagerduty-webhook';

const SECRET = 'whsec-current-0123456789';
const OLD_SECRET = 'whsec-previous-9876543210';

// A v3 delivery as documented (PagerDuty/developer-docs docs/webhooks/01-Overview.md); ids made up.
const payload = {
  event: {
    id: '01DEN3QZQ3YHRZK2X3B5Z9KAS7',
    event_type: 'incident.triggered',
    resource_type: 'incident',
    occurred_at: '2026-03-04T10:15:30.123Z',
    agent: {
      html_url: 'https://acme.pagerduty.com/users/PLH1HKV',
      id: 'PLH1HKV',
      self: 'https://api.pagerduty.com/users/PLH1HKV',
      summary: 'Tenex Engineer',
      type: 'user_reference',
    },
    client: { name: 'PagerDuty' },
    data: {
      id: 'PGR0VU2',
      type: 'incident',
      self: 'https://api.pagerduty.com/incidents/PGR0VU2',
      html_url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
      number: 2,
      status: 'triggered',
      incident_key: 'd3640fbd41094207a1c11e58e46b1662',
      created_at: '2026-03-04T10:15:29Z',
      title: 'A little bump in the road',
      service: {
        html_url: 'https://acme.pagerduty.com/services/PF9KMXH',
        id: 'PF9KMXH',
        self: 'https://api.pagerduty.com/services/PF9KMXH',
        summary: 'API Service',
        type: 'service_reference',
      },
      assignees: [
        {
          html_url: 'https://acme.pagerduty.com/users/PTUXL6G',
          id: 'PTUXL6G',
          self: 'https://api.pagerduty.com/users/PTUXL6G',
          summary: 'User 123',
          type: 'user_reference',
        },
      ],
      escalation_policy: { id: 'PUS0KTE', type: 'escalation_policy_reference', summary: 'Default' },
      teams: [{ id: 'PFCVPS0', type: 'team_reference', summary: 'Engineering' }],
      priority: {
        html_url: 'https://acme.pagerduty.com/account/incident_priorities',
        id: 'PSO75BM',
        self: 'https://api.pagerduty.com/priorities/PSO75BM',
        summary: 'P1',
        type: 'priority_reference',
      },
      urgency: 'high',
      conference_bridge: null,
      resolve_reason: null,
    },
  },
};
const raw = Buffer.from(JSON.stringify(payload), 'utf8');

describe('verifyPagerDutySignature', () => {
  it('accepts the documented signature: v1= + hex HMAC-SHA256 of the raw body', () => {
    const header = `v1=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
    expect(signPagerDutyBody(raw, SECRET)).toBe(header);
    expect(verifyPagerDutySignature(raw, header, [SECRET])).toBe(true);
  });

  it('accepts during rotation: two v1 values, or two configured secrets, in any order', () => {
    const both = `${signPagerDutyBody(raw, OLD_SECRET)}, ${signPagerDutyBody(raw, SECRET)}`;
    expect(verifyPagerDutySignature(raw, both, [SECRET])).toBe(true);
    expect(verifyPagerDutySignature(raw, both, [OLD_SECRET])).toBe(true);
    expect(verifyPagerDutySignature(raw, signPagerDutyBody(raw, OLD_SECRET), [SECRET, OLD_SECRET])).toBe(true);
    expect(verifyPagerDutySignature(raw, signPagerDutyBody(raw, SECRET), [OLD_SECRET, SECRET])).toBe(true);
  });

  it('rejects a forged signature, another secret, or a modified body', () => {
    expect(verifyPagerDutySignature(raw, signPagerDutyBody(raw, 'attacker-secret'), [SECRET])).toBe(false);
    expect(verifyPagerDutySignature(Buffer.concat([raw, Buffer.from(' ')]), signPagerDutyBody(raw, SECRET), [SECRET])).toBe(false);
    expect(verifyPagerDutySignature(raw, `v1=${'0'.repeat(64)}`, [SECRET])).toBe(false);
  });

  it('rejects a missing or empty header, and no configured secret', () => {
    expect(verifyPagerDutySignature(raw, undefined, [SECRET])).toBe(false);
    expect(verifyPagerDutySignature(raw, '', [SECRET])).toBe(false);
    expect(verifyPagerDutySignature(raw, signPagerDutyBody(raw, SECRET), [])).toBe(false);
    expect(verifyPagerDutySignature(raw, signPagerDutyBody(raw, ''), [''])).toBe(false);
  });

  it('rejects a wrong prefix', () => {
    const hex = signPagerDutyBody(raw, SECRET).slice(3);
    for (const header of [hex, `v0=${hex}`, `V1=${hex}`, `sha256=${hex}`, `v2=${hex}`]) {
      expect(verifyPagerDutySignature(raw, header, [SECRET])).toBe(false);
    }
  });

  it('rejects a truncated, extended or non-hex signature', () => {
    const good = signPagerDutyBody(raw, SECRET);
    expect(verifyPagerDutySignature(raw, good.slice(0, -1), [SECRET])).toBe(false);
    expect(verifyPagerDutySignature(raw, good.slice(0, 35), [SECRET])).toBe(false);
    expect(verifyPagerDutySignature(raw, 'v1=', [SECRET])).toBe(false);
    expect(verifyPagerDutySignature(raw, `${good}00`, [SECRET])).toBe(false);
    expect(verifyPagerDutySignature(raw, `${good.slice(0, -1)}g`, [SECRET])).toBe(false);
  });

  it('accepts uppercase hex and surrounding spaces', () => {
    const good = signPagerDutyBody(raw, SECRET);
    expect(verifyPagerDutySignature(raw, ` v1=${good.slice(3).toUpperCase()} `, [SECRET])).toBe(true);
  });

  it('accepts exactly the bodies signed with a configured secret (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        (bytes, signer, configured) => {
          const body = Buffer.from(bytes);
          expect(verifyPagerDutySignature(body, signPagerDutyBody(body, signer), [configured])).toBe(signer === configured);
        },
      ),
    );
  });
});

describe('parsePagerDutyWebhook', () => {
  it('reads the webhook incident shape (number, assignees, priority.summary), not the REST one', () => {
    expect(parsePagerDutyWebhook(JSON.parse(raw.toString('utf8')))).toEqual({
      ok: true,
      event: {
        eventId: '01DEN3QZQ3YHRZK2X3B5Z9KAS7',
        eventType: 'incident.triggered',
        resourceType: 'incident',
        occurredAt: '2026-03-04T10:15:30.123Z',
        agent: { id: 'PLH1HKV', type: 'user_reference', summary: 'Tenex Engineer' },
        incidentId: 'PGR0VU2',
        incident: {
          provider: 'pagerduty',
          id: 'PGR0VU2',
          number: 2,
          title: 'A little bump in the road',
          url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
          status: 'triggered',
          priority: 'P1',
          urgency: 'high',
          service: 'PF9KMXH',
          serviceSummary: 'API Service',
          createdAt: '2026-03-04T10:15:29.000Z',
          assignees: [{ id: 'PTUXL6G', summary: 'User 123' }],
          incidentKey: 'd3640fbd41094207a1c11e58e46b1662',
          teams: ['PFCVPS0'],
        },
      },
    });
  });

  it('accepts priority null and events about something other than the incident itself', () => {
    const noPriority = parsePagerDutyWebhook({ event: { ...payload.event, data: { ...payload.event.data, priority: null } } });
    expect(noPriority.ok && noPriority.event.incident).not.toHaveProperty('priority');

    const note = parsePagerDutyWebhook({
      event: {
        ...payload.event,
        event_type: 'incident.annotated',
        data: { id: 'Q0NOTE', type: 'incident_note', content: 'note', incident: { id: 'PGR0VU2', type: 'incident_reference' } },
      },
    });
    expect(note).toMatchObject({ ok: true, event: { eventType: 'incident.annotated', incidentId: 'PGR0VU2' } });
    expect(note.ok && note.event.incident).toBeUndefined();
  });

  it.each([
    ['not an object', 'hello', '(body)'],
    ['no event', { data: {} }, 'event'],
    ['event id missing', { event: { ...payload.event, id: undefined } }, 'event.id'],
    ['occurred_at not a date', { event: { ...payload.event, occurred_at: 'now' } }, 'event.occurred_at'],
    ['data missing', { event: { ...payload.event, data: undefined } }, 'event.data'],
    ['number a string', { event: { ...payload.event, data: { ...payload.event.data, number: '2' } } }, 'event.data.number'],
    ['assignees not an array', { event: { ...payload.event, data: { ...payload.event.data, assignees: 'me' } } }, 'event.data.assignees'],
    ['priority a string', { event: { ...payload.event, data: { ...payload.event.data, priority: 'P1' } } }, 'event.data.priority'],
  ])('reports a body whose %s, with its path', (_name, body, path) => {
    const result = parsePagerDutyWebhook(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toContain(path);
  });

  it('says so when it gets the REST shape (incident_number instead of number)', () => {
    const { number: _n, ...rest } = payload.event.data;
    const result = parsePagerDutyWebhook({ event: { ...payload.event, data: { ...rest, incident_number: 2 } } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0].message).toMatch(/incident_number/);
  });
});
