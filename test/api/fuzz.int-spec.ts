import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import fc from 'fast-check';
import { pagerDutyWebhookBody, signGenericWebhook, signPagerDutyBody, signSvix } from '@driftwarden/incidents';
import { sgEvent } from '../support/events';
import { ALICE_TOKEN, dropPrefix, startTestController, TOKENS, type TestController } from '../support/test-controller';

/**
 * Issue 11: thousands of generated requests against a real running controller (real sockets,
 * real Redis) find no 5xx on any route, and every error is JSON with a stable code.
 *
 * Deterministic: a fixed seed (FUZZ_SEED overrides it, FUZZ_RUNS scales the case counts); on a
 * failure fast-check prints the seed, the path to the case and the shrunk request.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 1_111_2025);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);

const SECRETS = {
  pagerduty: 'pd-fuzz-secret',
  opsgenie: 'og-fuzz-token',
  github: 'gh-fuzz-secret',
  generic: 'generic-fuzz-secret',
  incidentio: `whsec_${Buffer.from('incident.io fuzz secret 0000').toString('base64')}`,
};

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function send(port: number, r: FuzzRequest): Promise<FuzzResponse> {
  return new Promise((resolve, reject) => {
    const headers = { ...r.headers, ...(r.body ? { 'content-length': String(r.body.length) } : {}) };
    const req = request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers, agent, timeout: 10_000 }, (res) => {
      // A stream (GET /v1/freeze/stream) stays open by design: its answer is its status and headers.
      if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0) });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within 10 s to ${r.method} ${r.path.slice(0, 200)}`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

function describeRequest(r: FuzzRequest): string {
  const body = r.body ? `${r.body.length} bytes: ${JSON.stringify(r.body.toString('utf8').slice(0, 300))}` : 'no body';
  return `${r.method} ${r.path.slice(0, 300)} headers=${JSON.stringify(r.headers).slice(0, 400)} ${body}`;
}

/** The property every answer must have: no 5xx, and an error is JSON with a stable code. */
function check(r: FuzzRequest, res: FuzzResponse): void {
  const fail = (why: string) => {
    throw new Error(
      `${why}\n  request: ${describeRequest(r)}\n  answer: ${res.status} ${res.headers['content-type'] ?? ''} ${res.body.toString('utf8').slice(0, 400)}`,
    );
  };
  if (res.status >= 500 || res.status < 100) fail(`status ${res.status}`);
  if (res.status < 400 || r.method === 'HEAD') return;
  if (!/^application\/json/.test(String(res.headers['content-type'] ?? ''))) fail('an error that is not JSON');
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body.toString('utf8'));
  } catch {
    fail('an error body that does not parse');
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown } }).error;
  if (typeof error?.code !== 'string' || !/^[a-z][a-z0-9_]*$/.test(error.code)) fail('an error without a stable code');
  if (typeof error?.message !== 'string') fail('an error without a message');
  if (res.status === 429 && !res.headers['retry-after']) fail('a 429 without Retry-After');
}

function safeEncode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    // A lone surrogate: send its UTF-8 replacement bytes, percent-encoded.
    return encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const EDGE_STRINGS = [
  '',
  ' ',
  '..',
  '.',
  '%',
  '%ZZ',
  '%00',
  '%2e%2e',
  '%2F',
  '%E0%A4%A',
  '%C0%AE',
  '$$$',
  '====',
  '-1',
  '0',
  '1e999',
  '-0',
  'NaN',
  'null',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  'drf_doesnotexist',
  'frz_doesnotexist',
  'exc_doesnotexist',
  'inc_pagerduty_Q1',
  'cool_pagerduty_Q1',
  'win_x',
  'unk_state',
  'sg-0abc1234def567890',
  'sg-1/../x',
  '../../etc/passwd',
  '111122223333',
  'eu-west-1',
  'us-gov-west-1',
  'AWS::EC2::SecurityGroup',
  '🙂',
  '\u202e',
  'x'.repeat(3000),
  '1969-12-31T23:59:59Z',
  '0001-01-01',
  '2026-02-30',
  '9999-12-31T23:59:59Z',
  '275760-09-13',
  '2025-03-04T10:15:00+25:00',
  '999999999999999999999-0',
  Buffer.from('999999999999999999999-0').toString('base64url'),
  Buffer.from('18446744073709551615-18446744073709551615').toString('base64url'),
  Buffer.from('99999999999999999999').toString('base64url'),
];
const edgeString = fc.constantFrom(...EDGE_STRINGS);
const anyString = fc.oneof(
  edgeString,
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.bigInt().map(String),
  fc.double().map(String),
);

const PARAMS = [
  'since',
  'cursor',
  'limit',
  'status',
  'resource',
  'account',
  'region',
  'type',
  'drift',
  'access_token',
  '__proto__',
  'constructor',
  'x',
];
const queryArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant('') },
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMS), fc.string({ maxLength: 10 })), anyString, fc.boolean()), { maxLength: 6 })
      .map(
        (pairs) =>
          `?${pairs.map(([k, v, raw]) => (raw && !/[\s#\u0000-\u001f\u007f-\uffff]/.test(v) ? `${safeEncode(k)}=${v}` : `${safeEncode(k)}=${safeEncode(v)}`)).join('&')}`,
      ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '?%ZZ=1',
      '?a=%',
      '?since[]=x',
      '?limit=1&limit=2',
      '?__proto__[x]=1',
      '?=',
      '?&&&',
      `?cursor=${'A'.repeat(5000)}`,
    ),
  },
);

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** Values for a documented query parameter: realistic ones, and ones just past what is valid. */
function valueFor(name: string): fc.Arbitrary<string> {
  switch (name) {
    case 'since':
      return fc.oneof(
        // Any year of four digits (a fifth of them before the Unix epoch), any month and day, valid or not.
        fc
          .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.boolean())
          .map(([y, m, d, time]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}${time ? 'T00:00:00Z' : ''}`),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        edgeString,
      );
    case 'cursor':
      return fc.oneof(
        fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 70n }), fc.bigInt({ min: 0n, max: 2n ** 70n })).map(([a, b]) => b64url(`${a}-${b}`)),
        fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }).map((n) => b64url(String(n))),
        fc.string({ maxLength: 12 }).map(b64url),
        edgeString,
      );
    case 'limit':
      return fc.oneof(fc.integer({ min: -10, max: 2_000 }).map(String), fc.double().map(String), edgeString);
    case 'status':
      return fc.oneof(fc.constantFrom('detected', 'held', 'active', 'expired', 'removed', 'all', 'failed'), edgeString);
    default:
      return anyString;
  }
}

/** A JSON body that is almost right: a valid request with one value replaced. */
function mutated(base: () => Record<string, unknown>) {
  return fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 }), fc.boolean()).map(([pick, value, drop]) => {
    const obj = base();
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]) => {
      paths.push(path);
      if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, Array.isArray(v) ? Number(k) : k]);
    };
    walk(obj, []);
    const path = paths[pick % paths.length];
    if (path.length === 0) return value;
    let cur = obj as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (drop) delete cur[last];
    else cur[last] = value;
    return obj;
  });
}

const BASES: (() => Record<string, unknown>)[] = [
  () => sgEvent({ groupId: 'sg-0f0220000000000001', stateId: 1_750_000_000_000 }),
  () => ({
    reason: 'fuzz',
    ttl: '1m',
    scope: { accounts: ['111122223333'], regions: ['eu-west-1'], resourceTypes: ['AWS::EC2::SecurityGroup'], tags: { team: 'x' } },
  }),
  () => ({ resource: 'sg-0abc1234def567890', reason: 'fuzz', ttl: '1h' }),
  () => ({
    resource: 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc1234def567890',
    reason: 'fuzz',
    until: '2030-01-01T00:00:00Z',
  }),
  () => ({ comment: 'fuzz' }),
  () => ({
    event: { id: 'E1', event_type: 'incident.resolved', occurred_at: '2025-03-04T10:00:00Z', data: { id: 'Q1', type: 'incident' } },
  }),
];

const jsonText = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.oneof(...BASES.map((b) => mutated(b))).map((v) => JSON.stringify(v) ?? 'null'),
  fc.integer({ min: 50, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 50, max: 5_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.constantFrom('1e999', '-1e999', '123456789012345678901234567890', '{"limit":1e400}', '"\\ud800"', '{"reason":"\\u0000","ttl":"1m"}'),
  fc.constantFrom(
    '{"__proto__":{"admin":true},"reason":"x","ttl":"1m"}',
    '{"reason":"x","ttl":"1m","scope":{"tags":{"__proto__":"team-x"}}}',
    '{"reason":"x","ttl":"1m","scope":{}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '[{"detail-type":"Config Configuration Item Change","detail":{"__proto__":{"messageType":"x"}}}]',
  ),
  fc.string({ maxLength: 100 }),
);

const bodyArb: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: jsonText.map((t) => Buffer.from(t, 'utf8')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
      Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
      Buffer.from('{"a":"\xed\xa0\x80"}', 'latin1'),
    ),
  },
);

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset=x-bogus',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/vnd.api+json',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'garbage',
  '',
  '/',
];

const authArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(TOKENS.viewer, TOKENS.ingest, TOKENS.operator, TOKENS.admin, ALICE_TOKEN).map((t) => `Bearer ${t}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'Bearer not-a-configured-token',
      'Bearer',
      'Basic dXNlcjpwYXNz',
      `Bearer ${TOKENS.admin} extra`,
      `bearer ${TOKENS.viewer}`,
      'Bearer \u00e9',
      `Bearer ${'x'.repeat(5000)}`,
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }).map((s) => `Bearer ${s}`) },
);

function headersArb(): fc.Arbitrary<Record<string, string>> {
  return (
    fc
      .record(
        {
          authorization: authArb,
          'content-type': fc.constantFrom(...CONTENT_TYPES),
          'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown'),
          'x-request-id': fc.oneof(fc.string({ maxLength: 200 }), fc.constant('ok-id_1')),
          'x-forwarded-for': fc.constantFrom('203.0.113.9', 'garbage, 10.0.0.1'),
          'x-pagerduty-signature': fc.constantFrom('v1=00', 'v1=', 'garbage'),
          'x-opsgenie-token': fc.constantFrom(SECRETS.opsgenie, 'wrong'),
          'x-hub-signature-256': fc.constantFrom('sha256=00', 'sha256='),
          'x-github-event': fc.constantFrom('pull_request', 'ping', ''),
          'x-github-delivery': fc.uuid(),
          accept: fc.constantFrom('application/json', 'text/html', '*/*'),
        },
        { requiredKeys: [] },
      )
      // Header values are what a client can send: no control characters.
      .map((h) =>
        Object.fromEntries(Object.entries(h).filter(([, v]) => typeof v === 'string' && /^[\t\u0020-\u007e\u0080-\u00ff]*$/.test(v))),
      )
  );
}

/** Statuses seen per property: each must reach past authentication, or the fuzzing is shallow. */
class Seen {
  readonly statuses = new Map<number, number>();
  add(status: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }
  expectAll(expected: number[]): void {
    expect([...this.statuses.keys()].sort()).toEqual(expect.arrayContaining(expected));
  }
}

describe('fuzz: no 5xx on any route, JSON errors with a stable code', () => {
  let ctl: TestController;
  let routes: { method: string; template: string; params: string[] }[] = [];

  beforeAll(async () => {
    // Every route of the v1 API live, webhooks included (providers configured; role api only,
    // so nothing polls or evaluates: the HTTP edge is what is fuzzed).
    ctl = await startTestController({
      roles: ['api'],
      extra: {
        incidents: {
          pagerduty: { token: 'pd-token', apiUrl: 'http://127.0.0.1:9', webhookSecrets: [SECRETS.pagerduty] },
          opsgenie: { apiKey: 'og-key', apiUrl: 'http://127.0.0.1:9', webhookToken: SECRETS.opsgenie },
          incidentio: { apiKey: 'iio-key', apiUrl: 'http://127.0.0.1:9', webhookSecrets: [SECRETS.incidentio] },
          webhook: { sources: { fuzz: { secrets: [SECRETS.generic] } } },
        },
        github: { apiUrl: 'http://127.0.0.1:9', token: 'gh-token', webhookSecret: SECRETS.github },
      },
    });
    const doc = (await (await fetch(`${ctl.url}/docs`)).json()) as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    routes = Object.entries(doc.paths).flatMap(([template, item]) =>
      Object.entries(item).map(([method, op]) => ({
        method: method.toUpperCase(),
        template,
        params: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      })),
    );
  });
  afterAll(async () => {
    agent.destroy();
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });

  const pathArb = () =>
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .tuple(
            fc.nat(),
            fc.oneof(
              edgeString.map((s) => (/^[\x21-\x7e]*$/.test(s) && !/[?#]/.test(s) ? s : safeEncode(s))),
              anyString.map(safeEncode),
            ),
            fc.constantFrom('', '', '', '/', '//', '/..', '/%2e%2e'),
          )
          .map(([i, param, suffix]) => routes[i % routes.length].template.replace(/\{[^}]+\}/g, param) + suffix),
      },
      { weight: 1, arbitrary: fc.array(anyString.map(safeEncode), { minLength: 1, maxLength: 4 }).map((segs) => `/${segs.join('/')}`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '/v1',
          '/v1/',
          '/v1/freeze/',
          '/v1/drifts/%',
          '/v1/drifts/%E0%A4%A',
          '/v1/exceptions/%00',
          '//v1//drifts',
          '/docs/../v1/drifts',
          '/metrics?x=%',
        ),
      },
    );

  it(`any method, route, query, headers and body, as every kind of caller (seed ${SEED})`, async () => {
    const methodArb = fc.oneof(
      { weight: 3, arbitrary: fc.nat().map((i) => routes[i % routes.length].method) },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') },
    );
    const seen = new Seen();
    await fc.assert(
      fc.asyncProperty(methodArb, pathArb(), queryArb, headersArb(), bodyArb, async (method, path, query, headers, body) => {
        const r: FuzzRequest = {
          method,
          path: `${path}${path.includes('?') ? '' : query}`,
          headers,
          ...(body && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
        };
        const res = await send(ctl.port, r);
        seen.add(res.status);
        check(r, res);
      }),
      { seed: SEED, numRuns: Math.round(3_000 * SCALE) },
    );
    seen.expectAll([200, 400, 401, 403, 404]);
  }, 300_000);

  it(`the documented query parameters of every GET route, with values near and past their limits, as a viewer (seed ${SEED})`, async () => {
    const gets = () => routes.filter((r) => r.method === 'GET');
    // Documented parameters only (an unknown one is refused before anything is read), one or two at a time.
    const queryFor = (params: string[]) =>
      params.length === 0
        ? queryArb
        : fc
            .uniqueArray(fc.constantFrom(...params), { minLength: 1, maxLength: 2 })
            .chain((names) => fc.tuple(...names.map((n) => valueFor(n).map((v) => `${safeEncode(n)}=${safeEncode(v)}`))))
            .map((pairs) => `?${pairs.join('&')}`);
    const seen = new Seen();
    const requestArb = fc
      .tuple(fc.nat(), fc.oneof(edgeString.map(safeEncode), fc.string({ maxLength: 20 }).map(safeEncode)))
      .chain(([i, param]) => {
        const route = gets()[i % gets().length];
        return fc.tuple(fc.constant(route.template.replace(/\{[^}]+\}/g, param)), queryFor(route.params));
      });
    await fc.assert(
      fc.asyncProperty(requestArb, async ([path, query]) => {
        const r: FuzzRequest = { method: 'GET', path: `${path}${query}`, headers: { authorization: `Bearer ${TOKENS.viewer}` } };
        const res = await send(ctl.port, r);
        seen.add(res.status);
        check(r, res);
      }),
      { seed: SEED + 3, numRuns: Math.round(2_000 * SCALE) },
    );
    seen.expectAll([200, 400, 404]);
  }, 300_000);

  it(`almost-valid JSON bodies on every write route, with a token of the route's role (seed ${SEED})`, async () => {
    const writes = () => routes.filter((r) => r.method === 'POST' || r.method === 'DELETE');
    const seen = new Seen();
    const tokenFor = (template: string) =>
      template === '/v1/events' ? TOKENS.ingest : template === '/v1/freeze/overrides' ? TOKENS.admin : TOKENS.operator;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.oneof(...BASES.map((b) => mutated(b))),
        fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8'),
        async (i, value, contentType) => {
          const route = writes()[i % writes().length];
          const r: FuzzRequest = {
            method: route.method,
            path: route.template.replace(/\{[^}]+\}/g, 'drf_doesnotexist'),
            headers: { authorization: `Bearer ${tokenFor(route.template)}`, 'content-type': contentType },
            body: Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'),
          };
          const res = await send(ctl.port, r);
          seen.add(res.status);
          check(r, res);
        },
      ),
      { seed: SEED + 1, numRuns: Math.round(2_000 * SCALE) },
    );
    seen.expectAll([201, 202, 400, 404]);
  }, 300_000);

  it(`correctly signed webhooks with any body (seed ${SEED})`, async () => {
    const seen = new Seen();
    const signedFor: Record<string, (raw: Buffer) => Record<string, string>> = {
      '/v1/webhooks/pagerduty': (raw) => ({ 'x-pagerduty-signature': signPagerDutyBody(raw, SECRETS.pagerduty) }),
      '/v1/webhooks/opsgenie': () => ({ 'x-opsgenie-token': SECRETS.opsgenie }),
      '/v1/webhooks/github': (raw) => ({
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRETS.github).update(raw).digest('hex')}`,
      }),
      '/v1/webhooks/incidents/fuzz': (raw) => signGenericWebhook(raw, new Date(), SECRETS.generic),
      '/v1/webhooks/incidentio': (raw) => {
        const id = `msg_${createHmac('sha256', 'id').update(raw).digest('hex').slice(0, 20)}`;
        const ts = Math.floor(Date.now() / 1000);
        return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signSvix(id, ts, raw, SECRETS.incidentio) };
      },
    };
    // A real PagerDuty event (one value replaced, or none), random JSON, or bytes.
    const pagerDuty = () =>
      pagerDutyWebhookBody({
        eventId: 'EFUZZ1',
        type: 'incident.triggered',
        incidentId: 'QFUZZ1',
        number: 1,
        status: 'triggered',
        createdAt: '2025-03-04T10:00:00Z',
        occurredAt: new Date().toISOString(),
      });
    // A generic incident as a source sends it (one value replaced, or none).
    const generic = () => ({
      id: 'FUZZ-1',
      title: 'fuzzed',
      status: 'open',
      severity: 'SEV1',
      startedAt: '2025-03-04T10:00:00Z',
      scopeKeys: ['a'],
    });
    const bodies = fc.oneof(
      fc.oneof(fc.constant(pagerDuty()), mutated(pagerDuty)).map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8')),
      fc
        .oneof(fc.constant(generic()), mutated(generic), fc.constant({ type: 'heartbeat' }))
        .map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8')),
      jsonText.map((t) => Buffer.from(t, 'utf8')),
      fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(signedFor)),
        bodies,
        fc.uuid(),
        fc.constantFrom('pull_request', 'ping'),
        async (path, body, delivery, event) => {
          const headers = {
            'content-type': 'application/json',
            'x-github-delivery': delivery,
            'x-github-event': event,
            ...signedFor[path](body),
          };
          const r: FuzzRequest = { method: 'POST', path, headers, body };
          const res = await send(ctl.port, r);
          seen.add(res.status);
          check(r, res);
        },
      ),
      { seed: SEED + 2, numRuns: Math.round(600 * SCALE) },
    );
    seen.expectAll([202, 400]);
  }, 300_000);
});
