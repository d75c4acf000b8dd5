import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { sgEvent } from '../support/events';

const sample = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../examples/events', name), 'utf8')) as Record<string, unknown>;

interface Accepted {
  accepted: { eventId: string; kind: string; resourceId: string; duplicate: boolean; status: string }[];
}
interface ApiErrorBody {
  error: { code: string; message: string; problems?: { path: string; message: string }[] };
}

describe('POST /v1/events over real HTTP and Redis', () => {
  let ctl: TestController;
  beforeAll(async () => {
    ctl = await startTestController();
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });
  const post = (body: unknown, raw?: string) =>
    http<Accepted & ApiErrorBody>(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body, raw });

  it.each([
    ['EventBridge config item', 'config-item-change.json', 'config_item'],
    ['oversized notification', 'config-item-oversized.json', 'config_item'],
    ['compliance change', 'config-rules-compliance-change.json', 'compliance'],
    ['CloudTrail API call', 'cloudtrail-authorize-ingress.json', 'cloudtrail'],
  ])('accepts a %s (202 with ids)', async (_name, file, kind) => {
    const res = await post(sample(file));
    expect(res.status).toBe(202);
    expect(res.body.accepted).toHaveLength(1);
    expect(res.body.accepted[0].kind).toBe(kind);
    expect(res.body.accepted[0].eventId).toMatch(/^(ci|cc|ct)_/);
  });

  it('accepts an SNS envelope whose Message is the JSON string of a bare notification', async () => {
    const ev = sgEvent({ groupId: 'sg-0sns00000000000001', stateId: 1_741_000_000_001 });
    const envelope = {
      Type: 'Notification',
      MessageId: '1c2b3a4d-0000-4000-8000-000000000001',
      TopicArn: 'arn:aws:sns:eu-west-1:111122223333:config',
      Subject: '[AWS Config:eu-west-1] AWS::EC2::SecurityGroup sg-0sns… Updated',
      Message: JSON.stringify(ev['detail']),
      Timestamp: '2025-03-04T10:15:31.000Z',
      SignatureVersion: '1',
      Signature: 'x',
      SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/cert.pem',
      UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
    };
    const res = await post(envelope);
    expect(res.status).toBe(202);
    expect(res.body.accepted[0]).toMatchObject({ kind: 'config_item', resourceId: 'sg-0sns00000000000001', duplicate: false });
  });

  it('answers the same item a second time as a duplicate, whatever the envelope', async () => {
    const ev = sgEvent({ groupId: 'sg-0dup00000000000001', stateId: 1_741_000_000_002 });
    const first = await post(ev);
    const again = await post({ ...ev, id: 'another-envelope-id' });
    expect(first.body.accepted[0].duplicate).toBe(false);
    expect(again.body.accepted[0]).toMatchObject({ eventId: first.body.accepted[0].eventId, duplicate: true });
  });

  it('records a compliance change once, however often it is delivered', async () => {
    const ev = sample('config-rules-compliance-change.json');
    // Another rule than the earlier test's, so this change is new to the ledger.
    const detail = { ...(ev['detail'] as Record<string, unknown>), configRuleName: 'restricted-rdp' };
    Object.assign(ev, { detail });
    const first = await post({ ...ev, id: 'cc-delivery-1' });
    const again = await post({ ...ev, id: 'cc-delivery-2' });
    expect(first.body.accepted[0]).toMatchObject({ kind: 'compliance', duplicate: false });
    expect(again.body.accepted[0]).toMatchObject({ kind: 'compliance', duplicate: true, eventId: first.body.accepted[0].eventId });
    const audit = await http<{ items: { eventId?: string }[] }>(ctl.url, 'GET', '/v1/audit?type=compliance.changed&limit=1000', {
      token: TOKENS.viewer,
    });
    expect(audit.body.items.filter((e) => e.eventId === first.body.accepted[0].eventId)).toHaveLength(1);
  });

  it('takes an array and answers in input order', async () => {
    const a = sgEvent({ groupId: 'sg-0arr00000000000001', stateId: 1_741_000_000_003 });
    const b = sample('cloudtrail-authorize-ingress.json');
    const res = await post([a, b]);
    expect(res.status).toBe(202);
    expect(res.body.accepted.map((x) => x.kind)).toEqual(['config_item', 'cloudtrail']);
  });

  it('rejects a malformed event with 400 and the JSON path of each problem; nothing is accepted', async () => {
    const good = sgEvent({ groupId: 'sg-0bad00000000000001', stateId: 1_741_000_000_004 });
    const bad = sgEvent({ groupId: 'sg-0bad00000000000002', stateId: 1_741_000_000_005 });
    ((bad['detail'] as Record<string, unknown>)['configurationItem'] as Record<string, unknown>)['resourceId'] = 42;
    const res = await post([good, bad]);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '[1].detail.configurationItem.resourceId', message: expect.stringContaining('expected string') }),
      ]),
    );
    // The good one was not half-accepted: posting it now is not a duplicate.
    const retry = await post(good);
    expect(retry.body.accepted[0].duplicate).toBe(false);
  });

  it.each([
    ['invalid JSON', '{"detail-type": ', 400, 'invalid_json'],
    ['a JSON number', '42', 400, 'validation_failed'],
    [
      'the legacy 2014 shape',
      JSON.stringify({ MessageVersion: '1.0', NotificationCreateTime: 'x', configurationItem: [] }),
      400,
      'validation_failed',
    ],
  ])('rejects %s', async (_n, raw, status, code) => {
    const res = await post(undefined, raw);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it('limits the number of events per request and says so', async () => {
    const many = Array.from({ length: 501 }, (_, i) =>
      sgEvent({ groupId: `sg-0many${String(i).padStart(12, '0')}`, stateId: 1_741_000_000_100 + i }),
    );
    const res = await post(many);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('too_many_events');
    expect(res.body.error.message).toContain('at most 500');
  });

  it('limits the body size and says so', async () => {
    const res = await post(undefined, JSON.stringify({ pad: 'x'.repeat(1_100_000) }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(res.body.error.message).toContain('limit is 1048576 bytes');
  });

  it('records a decision for every accepted item, including unknown types (ignored, with the reason)', async () => {
    const ev = sgEvent({ groupId: 'table-1', stateId: 1_741_000_000_200, resourceType: 'AWS::DynamoDB::Table' });
    const res = await post(ev);
    const { eventId } = res.body.accepted[0];
    const decision = await eventually(async () => {
      const audit = await http<{ items: { type: string; eventId?: string; reason?: string; driftId?: string }[] }>(
        ctl.url,
        'GET',
        '/v1/audit?type=decision&limit=1000',
        { token: TOKENS.viewer },
      );
      return audit.body.items.find((e) => e.eventId === eventId);
    }, 'the decision');
    expect(decision.reason).toContain('not supported');
    const drift = await http<{ status: string; decision: { action: string; rule: null } }>(
      ctl.url,
      'GET',
      `/v1/drifts/${decision.driftId}`,
      { token: TOKENS.viewer },
    );
    expect(drift.body).toMatchObject({ status: 'ignored', decision: { action: 'ignore', rule: null } });
  });
});
