import { epochToIso, parseOpsgenieWebhook, verifyOpsgenieToken } from './opsgenie-webhook';

const TOKEN = 'og-webhook-shared-secret-abcdef';

// The documented sample's shape (CONTRACTS.md §C2): createdAt in ms, updatedAt in ns.
const payload = {
  action: 'Create',
  integrationId: '7f3c1c8e-5b1d-4c52-9a55-0f3e6c1d2b00',
  integrationName: 'drift-service',
  source: { name: 'api', type: 'API' },
  alert: {
    alertId: '2a9d7c1e-0f4b-4d2b-8f8e-1b7d3e1f0c11-1741083330123',
    tinyId: '4711',
    alias: 'sg-0abc1234def567890-ssh',
    message: 'Security group opened to the world',
    entity: 'sg-0abc1234def567890',
    tags: ['aws', 'drift'],
    teams: ['platform'],
    username: 'System',
    userId: '6b2f0c7a',
    createdAt: 1741083330123,
    updatedAt: 1741083330123000000,
  },
};

describe('verifyOpsgenieToken', () => {
  it('accepts the configured token', () => {
    expect(verifyOpsgenieToken(TOKEN, TOKEN)).toBe(true);
  });

  it('rejects a wrong, truncated, extended or missing token', () => {
    expect(verifyOpsgenieToken('wrong', TOKEN)).toBe(false);
    expect(verifyOpsgenieToken(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(verifyOpsgenieToken(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(verifyOpsgenieToken(undefined, TOKEN)).toBe(false);
    expect(verifyOpsgenieToken('', TOKEN)).toBe(false);
  });

  it('never accepts anything when no token is configured', () => {
    expect(verifyOpsgenieToken('', '')).toBe(false);
    expect(verifyOpsgenieToken(undefined, '')).toBe(false);
  });
});

describe('parseOpsgenieWebhook', () => {
  it('reads the payload; createdAt from epoch ms and updatedAt from epoch ns give the same instant', () => {
    expect(parseOpsgenieWebhook(payload)).toEqual({
      ok: true,
      event: {
        action: 'Create',
        alertId: payload.alert.alertId,
        tinyId: '4711',
        alias: 'sg-0abc1234def567890-ssh',
        message: 'Security group opened to the world',
        entity: 'sg-0abc1234def567890',
        tags: ['aws', 'drift'],
        teams: ['platform'],
        createdAt: '2025-03-04T10:15:30.123Z',
        updatedAt: '2025-03-04T10:15:30.123Z',
        username: 'System',
        userId: '6b2f0c7a',
        source: { name: 'api', type: 'API' },
        integrationId: payload.integrationId,
        integrationName: 'drift-service',
      },
    });
  });

  it('keeps millisecond precision of nanosecond values given as strings (beyond 2^53)', () => {
    const result = parseOpsgenieWebhook({ ...payload, alert: { ...payload.alert, updatedAt: '1741083330987654321' } });
    expect(result.ok && result.event.updatedAt).toBe('2025-03-04T10:15:30.987Z');
  });

  it('does not mistake ns for ms (a ns value read as ms would be year 55 million)', () => {
    expect(epochToIso(1741083330123)).toBe('2025-03-04T10:15:30.123Z');
    expect(epochToIso(1741083330123000000)).toBe('2025-03-04T10:15:30.123Z');
    expect(epochToIso(1741083330123000)).toBe('2025-03-04T10:15:30.123Z');
    expect(epochToIso(1741083330)).toBe('2025-03-04T10:15:30.000Z');
    expect(epochToIso(-1)).toBeUndefined();
    expect(epochToIso('soon')).toBeUndefined();
  });

  it('accepts a payload without updatedAt, and a numeric tinyId', () => {
    const { updatedAt: _u, ...alert } = payload.alert;
    const result = parseOpsgenieWebhook({ ...payload, alert: { ...alert, tinyId: 4711 } });
    expect(result.ok && result.event).toMatchObject({ tinyId: '4711' });
    expect(result.ok && result.event).not.toHaveProperty('updatedAt');
  });

  it.each([
    ['not an object', null, '(body)'],
    ['no action', { ...payload, action: undefined }, 'action'],
    ['no alert', { ...payload, alert: undefined }, 'alert'],
    ['no alertId', { ...payload, alert: { ...payload.alert, alertId: undefined } }, 'alert.alertId'],
    ['createdAt an ISO string', { ...payload, alert: { ...payload.alert, createdAt: '2025-03-04T10:15:30Z' } }, 'alert.createdAt'],
    ['updatedAt negative', { ...payload, alert: { ...payload.alert, updatedAt: -5 } }, 'alert.updatedAt'],
    ['tags not strings', { ...payload, alert: { ...payload.alert, tags: [1] } }, 'alert.tags[0]'],
  ])('reports a body whose %s, with its path', (_name, body, path) => {
    const result = parseOpsgenieWebhook(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toContain(path);
  });
});
