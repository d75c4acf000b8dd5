import { sgEvent } from '../support/events';
import { http } from '../support/http';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';

interface Page<T> {
  items: T[];
  next: string | null;
}
interface AuditItem {
  type: string;
  resourceKey?: string;
}
interface ExceptionItem {
  id: string;
  resource: string;
  deletedAt?: string;
}
interface ErrorBody {
  error: { code: string; problems?: { path: string; message: string }[] };
}

/**
 * DESIGN §7: lists take `?status=&resource=&account=&limit=&cursor=` where they apply, and bad
 * input gets a clear 400. A parameter an endpoint does not take is bad input too: answering
 * `?resource=sg-1` with the unfiltered list would mislead whoever asked.
 */
describe('list filters and unknown query parameters', () => {
  let ctl: TestController;
  const get = <T>(path: string) => http<T>(ctl.url, 'GET', path, { token: TOKENS.viewer });
  const A = '111122223333';
  const B = '444455556666';

  beforeAll(async () => {
    ctl = await startTestController();
    // Decisions about three groups in two accounts (unmanaged here: decided and audited all the same).
    const events = [
      sgEvent({ groupId: 'sg-0aaa0000000000001', stateId: 1_749_000_001_000, rules: ['tcp/22/0.0.0.0/0'], account: A }),
      sgEvent({ groupId: 'sg-0aaa0000000000002', stateId: 1_749_000_002_000, rules: ['tcp/22/0.0.0.0/0'], account: A }),
      sgEvent({ groupId: 'sg-0bbb0000000000003', stateId: 1_749_000_003_000, rules: ['tcp/22/0.0.0.0/0'], account: B }),
    ];
    for (const body of events) expect((await http(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body })).status).toBe(202);
    await eventually(
      async () => ((await get<Page<AuditItem>>('/v1/audit?type=decision')).body.items.length === 3 ? true : undefined),
      'three decisions',
    );
    const exceptions = [
      { resource: 'sg-0aaa0000000000001', reason: 'vendor appliance', ttl: '1h' },
      { resource: `arn:aws:ec2:eu-west-1:${A}:security-group/sg-0aaa0000000000002`, reason: 'migration', ttl: '1h' },
      { resource: `arn:aws:ec2:eu-west-1:${B}:security-group/sg-0bbb0000000000003`, reason: 'load test', ttl: '1h' },
    ];
    for (const body of exceptions)
      expect((await http(ctl.url, 'POST', '/v1/exceptions', { token: TOKENS.operator, body })).status).toBe(201);
  }, 30_000);
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });

  it.each(['/v1/audit?bogus=1', '/v1/drifts?resourceId=sg-1', '/v1/exceptions?state=active', '/v1/freeze?acount=111122223333'])(
    '%s: 400 naming the parameter and what the endpoint takes',
    async (path) => {
      const res = await get<ErrorBody>(path);
      expect(res.status).toBe(400);
      const name = new URL(path, 'http://x').searchParams.keys().next().value as string;
      expect(res.body.error.problems).toEqual([
        { path: `query.${name}`, message: expect.stringMatching(/^unknown parameter; this endpoint takes \w+/) },
      ]);
    },
  );

  it('the audit log filters by resource (id or key) and by account', async () => {
    const byId = (await get<Page<AuditItem>>('/v1/audit?type=decision&resource=sg-0aaa0000000000002')).body.items;
    expect(byId.map((e) => e.resourceKey)).toEqual([`${A}/eu-west-1/AWS::EC2::SecurityGroup/sg-0aaa0000000000002`]);
    const key = encodeURIComponent(`${B}/eu-west-1/AWS::EC2::SecurityGroup/sg-0bbb0000000000003`);
    expect((await get<Page<AuditItem>>(`/v1/audit?type=decision&resource=${key}`)).body.items).toHaveLength(1);
    const inA = (await get<Page<AuditItem>>(`/v1/audit?account=${A}`)).body.items;
    expect(inA.length).toBeGreaterThanOrEqual(2);
    expect(inA.every((e) => e.resourceKey?.startsWith(`${A}/`))).toBe(true);
    // A partial id is not a match.
    expect((await get<Page<AuditItem>>('/v1/audit?resource=0000000000002')).body.items).toEqual([]);
    expect((await get<ErrorBody>('/v1/audit?account=12')).status).toBe(400);
  });

  it('exceptions filter by resource, account and status, and page with a cursor', async () => {
    const all = (await get<Page<ExceptionItem>>('/v1/exceptions')).body;
    expect(all.items).toHaveLength(3);
    expect(all.next).toBeNull();
    expect((await get<Page<ExceptionItem>>('/v1/exceptions?resource=sg-0aaa0000000000002')).body.items.map((e) => e.resource)).toEqual([
      `arn:aws:ec2:eu-west-1:${A}:security-group/sg-0aaa0000000000002`,
    ]);
    expect((await get<Page<ExceptionItem>>('/v1/exceptions?resource=sg-0aaa0000000000001')).body.items.map((e) => e.resource)).toEqual([
      'sg-0aaa0000000000001',
    ]);
    // Only an ARN names its account.
    expect((await get<Page<ExceptionItem>>(`/v1/exceptions?account=${B}`)).body.items.map((e) => e.resource)).toEqual([
      `arn:aws:ec2:eu-west-1:${B}:security-group/sg-0bbb0000000000003`,
    ]);

    const first = (await get<Page<ExceptionItem>>('/v1/exceptions?limit=2')).body;
    expect(first.items).toHaveLength(2);
    expect(first.next).toBe(first.items[1].id);
    const second = (await get<Page<ExceptionItem>>(`/v1/exceptions?limit=2&cursor=${first.next}`)).body;
    expect(second.items).toHaveLength(1);
    expect(second.next).toBeNull();
    expect(new Set([...first.items, ...second.items].map((e) => e.id)).size).toBe(3);
    expect((await get<ErrorBody>('/v1/exceptions?cursor=exc_nosuch')).status).toBe(400);

    // Removed ones leave the default (active) listing and show under status=removed.
    const gone = all.items[0];
    expect((await http(ctl.url, 'DELETE', `/v1/exceptions/${gone.id}`, { token: TOKENS.operator })).status).toBe(200);
    expect((await get<Page<ExceptionItem>>('/v1/exceptions')).body.items.map((e) => e.id)).not.toContain(gone.id);
    expect((await get<Page<ExceptionItem>>('/v1/exceptions?status=removed')).body.items.map((e) => e.id)).toEqual([gone.id]);
    expect((await get<Page<ExceptionItem>>('/v1/exceptions?status=all')).body.items).toHaveLength(3);
    expect((await get<Page<ExceptionItem>>('/v1/exceptions?status=expired')).body.items).toEqual([]);
    expect((await get<ErrorBody>('/v1/exceptions?status=lapsed')).status).toBe(400);
  });
});
