import { dropPrefix, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { sgEvent } from '../support/events';

type Who = 'none' | 'bad' | 'viewer' | 'ingest' | 'operator' | 'admin';
const WHO: Who[] = ['none', 'bad', 'viewer', 'ingest', 'operator', 'admin'];

interface Row {
  method: string;
  path: string;
  body?: () => unknown;
  /** Expected status per caller. */
  expect: Record<Who, number>;
}

const viewerRead = (ok: number): Record<Who, number> => ({ none: 401, bad: 401, viewer: ok, ingest: 403, operator: ok, admin: ok });
const operatorWrite = (ok: number): Record<Who, number> => ({ none: 401, bad: 401, viewer: 403, ingest: 403, operator: ok, admin: ok });
const open = (ok: number): Record<Who, number> => ({ none: ok, bad: ok, viewer: ok, ingest: ok, operator: ok, admin: ok });

let n = 0;
const ROWS: Row[] = [
  {
    method: 'POST',
    path: '/v1/events',
    body: () => sgEvent({ groupId: `sg-0auth${String(n++).padStart(12, '0')}`, stateId: 1_745_000_000_000 + n }),
    expect: { none: 401, bad: 401, viewer: 403, ingest: 202, operator: 403, admin: 202 },
  },
  { method: 'GET', path: '/v1/drifts', expect: viewerRead(200) },
  { method: 'GET', path: '/v1/freeze', expect: viewerRead(200) },
  { method: 'POST', path: '/v1/freezes', body: () => ({ reason: 'matrix', ttl: '1m' }), expect: operatorWrite(201) },
  { method: 'DELETE', path: '/v1/freezes/frz_doesnotexist', expect: operatorWrite(404) },
  {
    method: 'POST',
    path: '/v1/freeze/overrides',
    body: () => ({ reason: 'matrix', ttl: '1m' }),
    expect: { none: 401, bad: 401, viewer: 403, ingest: 403, operator: 403, admin: 201 },
  },
  { method: 'POST', path: '/v1/drifts/drf_doesnotexist/approve', body: () => ({ comment: 'x' }), expect: operatorWrite(404) },
  { method: 'POST', path: '/v1/drifts/drf_doesnotexist/adopt', body: () => ({ comment: 'x' }), expect: operatorWrite(404) },
  { method: 'POST', path: '/v1/drifts/drf_doesnotexist/reject', body: () => ({ comment: 'x' }), expect: operatorWrite(404) },
  { method: 'GET', path: '/v1/exceptions', expect: viewerRead(200) },
  {
    method: 'POST',
    path: '/v1/exceptions',
    body: () => ({ resource: 'sg-0abc1234def567890', reason: 'matrix', ttl: '1m' }),
    expect: operatorWrite(201),
  },
  { method: 'DELETE', path: '/v1/exceptions/exc_doesnotexist', expect: operatorWrite(404) },
  { method: 'GET', path: '/v1/drifts/drf_doesnotexist', expect: viewerRead(404) },
  { method: 'GET', path: '/v1/audit', expect: viewerRead(200) },
  { method: 'GET', path: '/healthz', expect: open(200) },
  { method: 'GET', path: '/readyz', expect: open(200) },
  { method: 'GET', path: '/metrics', expect: open(200) },
  { method: 'GET', path: '/docs', expect: open(200) },
];

describe('auth matrix: role × endpoint', () => {
  let ctl: TestController;
  beforeAll(async () => {
    ctl = await startTestController();
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });

  const cases = ROWS.flatMap((row) => WHO.map((who) => [`${row.method} ${row.path}`, who, row] as const));
  it.each(cases)('%s as %s', async (_name, who, row) => {
    const token = who === 'none' ? undefined : who === 'bad' ? 'not-a-configured-token' : TOKENS[who];
    const res = await http<{ error?: { code: string; message: string } }>(ctl.url, row.method, row.path, { token, body: row.body?.() });
    expect(res.status).toBe(row.expect[who]);
    if (res.status === 401) {
      expect(res.body.error?.code).toBe('unauthorized');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    if (res.status === 403) {
      expect(res.body.error?.code).toBe('insufficient_role');
      expect(res.body.error?.message).toContain(`has ${who}`);
    }
  });

  it('rejects a malformed Authorization header as 401, not 500', async () => {
    for (const header of ['Bearer', 'Basic dXNlcjpwYXNz', 'Bearer a b', 'bearer\tx\ty']) {
      const res = await http(ctl.url, 'GET', '/v1/drifts', { headers: { authorization: header } });
      expect(res.status).toBe(401);
    }
  });

  it('records the token name, never the token, in the audit of a mutating call', async () => {
    await http(ctl.url, 'POST', '/v1/events', {
      token: TOKENS.ingest,
      body: sgEvent({ groupId: 'sg-0authaudit00000001', stateId: 1_745_100_000_000 }),
    });
    const audit = await http<{ items: { type: string; actor: string }[] }>(ctl.url, 'GET', '/v1/audit?type=api.events', {
      token: TOKENS.viewer,
    });
    const raw = JSON.stringify(audit.body);
    expect(audit.body.items.some((e) => e.actor === 'token:t-ingest')).toBe(true);
    for (const t of Object.values(TOKENS)) expect(raw).not.toContain(t);
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const res = await http<{ error: { code: string } }>(ctl.url, 'GET', '/v1/nope', { token: TOKENS.viewer });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
