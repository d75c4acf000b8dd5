import { FreezeStore } from '@driftwarden/freeze';
import { ActiveLimitError, AuditLog } from '@driftwarden/store';
import { http } from '../support/http';
import { dropPrefix, startTestController, TOKENS, uniquePrefix, type TestController } from '../support/test-controller';
import { keyBase, testKeys, testRedis } from '../support/redis';

interface ErrorBody {
  error: { code: string; message: string; problems?: { path: string; message: string }[] };
}
interface FreezeView {
  sources: { id: string; scope: unknown }[];
  overrides: { id: string; scope?: unknown }[];
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

/**
 * Issue 11 §3: bad input is a 4xx naming what is wrong, never a 500, an empty page or a scope
 * wider than the one given.
 */
describe('bad input is a 4xx, never a 500 or a widened scope', () => {
  let ctl: TestController;
  const get = (path: string) => http<ErrorBody>(ctl.url, 'GET', path, { token: TOKENS.viewer });
  const post = <T = ErrorBody>(path: string, token: string, body?: unknown, raw?: string) =>
    http<T>(ctl.url, 'POST', path, { token, body, raw });

  beforeAll(async () => {
    ctl = await startTestController({
      roles: ['api'],
      extra: {
        freeze: { maxActive: 2, maxActiveOverrides: 1 },
        guardrails: { settleSeconds: 0, critical: { tags: { tier: 'critical' } }, maxActiveExceptions: 2 },
      },
    });
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });

  describe('time and cursor parameters are range-checked', () => {
    it.each(['1969-12-31T23:59:59Z', '1900-01-01', '0001-01-01', '0001-01-01T00:00:00Z'])(
      'GET /v1/audit?since=%s is a 400 naming since (the log starts at the Unix epoch)',
      async (since) => {
        const res = await get(`/v1/audit?since=${encodeURIComponent(since)}`);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({
          code: 'validation_failed',
          problems: [{ path: 'query.since', message: expect.stringContaining('1970-01-01T00:00:00Z') }],
        });
      },
    );

    it.each([
      '2026-02-30',
      '2026-02-29T10:00:00Z',
      '2025-13-01',
      '2025-04-31T00:00:00Z',
      '2025-01-01T24:00:00Z',
      '2025-01-01T10:60:00Z',
      '2025-01-01T10:00:00',
      '2025-01-01T10:00:00+25:00',
      '2025-01-01x',
    ])('GET /v1/audit?since=%s is a 400: an impossible or ambiguous time is invalid, not normalised', async (since) => {
      const res = await get(`/v1/audit?since=${encodeURIComponent(since)}`);
      expect(res.status).toBe(400);
      expect(res.body.error.problems).toEqual([{ path: 'query.since', message: expect.stringContaining('expected an ISO 8601') }]);
    });

    it.each(['1970-01-01T00:00:00Z', '2024-02-29', '2025-03-04T10:15:00.123+02:00', '9999-12-31T23:59:59Z'])(
      'GET /v1/audit?since=%s is fine',
      async (since) => {
        expect((await get(`/v1/audit?since=${encodeURIComponent(since)}`)).status).toBe(200);
      },
    );

    it.each([
      ['a stream id beyond 64 bits', b64('999999999999999999999-0')],
      ['a sequence beyond 64 bits', b64('1-18446744073709551616')],
      ['the largest stream id (nothing can follow it)', b64('18446744073709551615-18446744073709551615')],
      ['a negative time', b64('-1-0')],
      ['not base64url', '$$$'],
      ['empty after decoding', '===='],
    ])('GET /v1/audit?cursor= %s is a 400 naming cursor', async (_name, cursor) => {
      const res = await get(`/v1/audit?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect(res.body.error.problems).toEqual([
        { path: 'query.cursor', message: expect.stringContaining('pass the "next" value of the previous page unchanged') },
      ]);
    });

    it.each([
      ['not base64url', '$$$'],
      ['base64 of nothing', ''.padEnd(4, '=')],
      ['base64 of a word', b64('abc')],
      ['base64 of a negative number', b64('-1')],
      ['base64 of a fraction', b64('1.5')],
      ['base64 of a number beyond 2^53', b64('99999999999999999999')],
      ['a non-canonical encoding', `${b64('12')}=`],
    ])('GET /v1/drifts?cursor= %s is a 400, not an empty page', async (_name, cursor) => {
      const res = await get(`/v1/drifts?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect(res.body.error.problems).toEqual([
        { path: 'query.cursor', message: expect.stringContaining('pass the "next" value of the previous page unchanged') },
      ]);
    });
  });

  describe('a freeze or override scope is exactly the one given', () => {
    const raw = (scope: string) => `{"reason":"x","ttl":"1m","scope":${scope}}`;

    it.each([
      ['/v1/freeze/overrides', TOKENS.admin],
      ['/v1/freezes', TOKENS.operator],
    ])('%s refuses a __proto__ tag key (it vanished: an override of every incident freeze)', async (path, token) => {
      const res = await post(path, token, undefined, raw('{"tags":{"__proto__":"team-x"}}'));
      expect(res.status).toBe(400);
      expect(res.body.error.problems).toEqual([{ path: 'scope.tags.__proto__', message: expect.stringContaining('reserved object key') }]);
      const view = await http<FreezeView>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer });
      expect(view.body.overrides).toEqual([]);
      expect(view.body.sources.filter((x) => !x.id.startsWith('unk_'))).toEqual([]);
    });

    it.each([
      ['an empty scope (global in disguise)', '{}', 'scope', /empty scope would cover everything/],
      ['an empty tag map', '{"tags":{}}', 'scope.tags', /expected 1 to 50 tags/],
      ['null', 'null', 'scope', /expected an object/],
      ['a constructor tag key', '{"tags":{"constructor":"x"}}', 'scope.tags.constructor', /reserved object key/],
      ['a prototype tag key', '{"tags":{"prototype":"x"}}', 'scope.tags.prototype', /reserved object key/],
      [
        'an unknown key',
        '{"account":["111122223333"]}',
        'scope.account',
        /unknown key; a scope takes accounts, regions, resourceTypes, tags/,
      ],
      ['a __proto__ key in the scope', '{"accounts":["111122223333"],"__proto__":{"accounts":[]}}', 'scope.__proto__', /unknown key/],
      ['an account that is not 12 digits', '{"accounts":["11112222333"]}', 'scope.accounts[0]', /12-digit/],
      ['a region that is a path', '{"regions":["../../etc/passwd"]}', 'scope.regions[0]', /AWS region/],
      [
        'a resource type pattern',
        '{"resourceTypes":["AWS::EC2::*"]}',
        'scope.resourceTypes[0]',
        /resource type such as AWS::EC2::SecurityGroup/,
      ],
      ['a tag value that is not a string', '{"tags":{"team":1}}', 'scope.tags.team', /string tag value/],
    ])('POST /v1/freeze/overrides refuses %s at %s', async (_name, scope, path, message) => {
      const res = await post(`/v1/freeze/overrides`, TOKENS.admin, undefined, raw(scope));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.problems).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
    });

    it('an unknown key of the body, __proto__ included, is reported at its own path', async () => {
      const res = await post('/v1/freezes', TOKENS.operator, undefined, '{"reason":"x","ttl":"1m","__proto__":{"scope":{}},"extra":1}');
      expect(res.status).toBe(400);
      expect(res.body.error.problems).toEqual([
        { path: '__proto__', message: expect.stringContaining('unknown key') },
        { path: 'extra', message: expect.stringContaining('unknown key') },
      ]);
    });

    it('stores and shows a valid scope exactly as given (regions of every partition, tag keys with any characters)', async () => {
      const scope = {
        accounts: ['111122223333'],
        regions: ['us-gov-west-1', 'eusc-de-east-1'],
        resourceTypes: ['AWS::EC2::SecurityGroup'],
        tags: { 'team:name': 'x', hasOwnProperty: 'y', toString: 'z' },
      };
      const created = await post<{ id: string; scope: unknown }>('/v1/freeze/overrides', TOKENS.admin, {
        reason: 'scoped',
        ttl: '1m',
        scope,
      });
      expect(created.status).toBe(201);
      expect(created.body.scope).toEqual(scope);
      const view = await http<FreezeView>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer });
      expect(view.body.overrides.find((o) => o.id === created.body.id)?.scope).toEqual(scope);
    });
  });

  describe('exceptions and active freezes are capped', () => {
    it('an exception lasts at most guardrails.maxExceptionDays (30 by default)', async () => {
      for (const body of [
        { resource: 'sg-0abc1234def567890', reason: 'forever', until: '9999-12-31T00:00:00Z' },
        { resource: 'sg-0abc1234def567890', reason: 'forever', ttl: '31d' },
      ]) {
        const res = await post('/v1/exceptions', TOKENS.operator, body);
        expect(res.status).toBe(400);
        expect(res.body.error.problems).toEqual([
          { path: 'until' in body ? 'until' : 'ttl', message: expect.stringContaining('at most 30 days (guardrails.maxExceptionDays)') },
        ]);
      }
    });

    it.each([
      ['an ARN with a path in it', 'arn:aws:ec2:eu-west-1:111122223333:security-group/../sg-0abc1234def567890'],
      ['an ARN with a newline', 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc1234def567890\n'],
      ['an ARN with a bad region', 'arn:aws:ec2:eu/west:111122223333:security-group/sg-0abc1234def567890'],
    ])('an exception for %s is a 400 naming resource', async (_name, resource) => {
      const res = await post('/v1/exceptions', TOKENS.operator, { resource, reason: 'x', ttl: '1h' });
      expect(res.status).toBe(400);
      expect(res.body.error.problems?.map((p) => p.path)).toEqual(['resource']);
    });

    it('active exceptions are capped (409 active_limit_reached); removing one frees a place', async () => {
      const ids: string[] = [];
      for (const n of [1, 2]) {
        const res = await post<{ id: string }>('/v1/exceptions', TOKENS.operator, {
          resource: `sg-0ca${n}0000000000000`,
          reason: 'cap',
          ttl: '30d',
        });
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
      const third = await post('/v1/exceptions', TOKENS.operator, { resource: 'sg-0ca30000000000000', reason: 'cap', ttl: '1h' });
      expect(third.status).toBe(409);
      expect(third.body.error).toMatchObject({
        code: 'active_limit_reached',
        message: expect.stringContaining('guardrails.maxActiveExceptions (2)'),
      });
      expect((await http(ctl.url, 'DELETE', `/v1/exceptions/${ids[0]}`, { token: TOKENS.operator })).status).toBe(200);
      expect((await post('/v1/exceptions', TOKENS.operator, { resource: 'sg-0ca30000000000000', reason: 'cap', ttl: '1h' })).status).toBe(
        201,
      );
    });

    it('active manual freezes are capped (409); lifting one frees a place', async () => {
      const ids: string[] = [];
      for (const n of [1, 2]) {
        const res = await post<{ id: string }>('/v1/freezes', TOKENS.operator, { reason: `cap ${n}`, ttl: '10m' });
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
      const third = await post('/v1/freezes', TOKENS.operator, { reason: 'cap 3', ttl: '10m' });
      expect(third.status).toBe(409);
      expect(third.body.error).toMatchObject({ code: 'active_limit_reached', message: expect.stringContaining('freeze.maxActive (2)') });
      expect((await http(ctl.url, 'DELETE', `/v1/freezes/${ids[0]}`, { token: TOKENS.operator })).status).toBe(200);
      expect((await post('/v1/freezes', TOKENS.operator, { reason: 'cap 3', ttl: '10m' })).status).toBe(201);
    });

    it('active overrides are capped (409)', async () => {
      const view = await http<FreezeView>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer });
      if (view.body.overrides.length === 0)
        expect((await post('/v1/freeze/overrides', TOKENS.admin, { reason: 'first', ttl: '1m' })).status).toBe(201);
      const res = await post('/v1/freeze/overrides', TOKENS.admin, { reason: 'second', ttl: '1m' });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({
        code: 'active_limit_reached',
        message: expect.stringContaining('freeze.maxActiveOverrides (1)'),
      });
    });
  });
});

describe('the active-record cap holds under concurrent creates (one atomic check in Redis)', () => {
  const prefix = uniquePrefix();
  const redis = testRedis();
  const keys = testKeys(prefix);
  const store = new FreezeStore(redis, keys, new AuditLog(redis, keys));
  afterAll(async () => {
    redis.disconnect();
    await dropPrefix(prefix);
  });

  it('ten creates at once with a cap of three: exactly three are recorded; lifted and expired ones do not count', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const expired = await store.createManual({ reason: 'old', ttlMs: 60_000, actor: 't', now: new Date(now.getTime() - 120_000) });
    const lifted = await store.createManual({ reason: 'lifted', ttlMs: 3_600_000, actor: 't', now });
    await store.liftManual(lifted.id, 't', now);
    expect(expired.id).toBeDefined();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.createManual({ reason: `r${i}`, ttlMs: 60_000, actor: 't', now, maxActive: 3 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(7);
    for (const r of refused) expect(r.reason).toBeInstanceOf(ActiveLimitError);
    expect(await redis.hlen(`${keyBase(prefix)}:freeze:manual`)).toBe(5);
  });
});
