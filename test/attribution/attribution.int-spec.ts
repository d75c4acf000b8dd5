import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { Redis } from 'ioredis';
import { CloudTrailAttribution, CloudTrailLookup, SharedRateLimiter } from '@driftwarden/attribution';
import { PrincipalClassifier, TransientError, type ConfigItemEvent } from '@driftwarden/domain';
import { RedisKeys } from '@driftwarden/redis';
import { CloudTrailStore } from '@driftwarden/store';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../support/test-controller';

const classifier = new PrincipalClassifier({
  iac: ['arn:aws:sts::*:assumed-role/terraform-apply/*'],
  breakGlass: ['arn:aws:sts::*:assumed-role/BreakGlass*/*'],
  self: ['arn:aws:sts::*:assumed-role/driftwarden/*'],
});
const record = (JSON.parse(readFileSync(join(__dirname, '../../examples/events/cloudtrail-authorize-ingress.json'), 'utf8')) as { detail: Record<string, unknown> }).detail;

const item = (captureTime: string): ConfigItemEvent => ({
  kind: 'config_item',
  eventId: 'ci_lookup',
  resource: { type: 'AWS::EC2::SecurityGroup', id: 'sg-0abc1234def567890', account: '111122223333', region: 'eu-west-1' },
  captureTime,
  order: Date.parse(captureTime),
  status: 'OK',
  changeType: 'UPDATE',
  tags: {},
  configuration: {},
  changedProperties: [],
  delivery: { transport: 'http', shape: 'eventbridge', receivedAt: captureTime },
});

describe('attribution fallbacks on real Redis', () => {
  const prefix = uniquePrefix();
  const keys = new RedisKeys(prefix);
  let a: Redis;
  let b: Redis;
  const ct = mockClient(CloudTrailClient);

  beforeAll(() => {
    a = new Redis(REDIS_URL);
    b = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    a.disconnect();
    b.disconnect();
    await dropPrefix(prefix);
  });
  beforeEach(() => ct.reset());

  it('limits LookupEvents to 2 calls per second per account and region across replicas', async () => {
    const second = Math.floor(Date.now() / 1000) * 1000 + 10_000; // a fixed, future second
    const la = new SharedRateLimiter(a, keys, 2, () => second + 100);
    const lb = new SharedRateLimiter(b, keys, 2, () => second + 200);
    const results = await Promise.allSettled([la.take('111122223333', 'eu-west-1'), lb.take('111122223333', 'eu-west-1'), la.take('111122223333', 'eu-west-1'), lb.take('111122223333', 'eu-west-1')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(2);
    expect(rejected[0].reason).toBeInstanceOf(TransientError);
    expect((rejected[0].reason as TransientError).retryAfterMs).toBeGreaterThan(0);
    // Another region has its own budget.
    await expect(la.take('111122223333', 'us-east-1')).resolves.toBeUndefined();
  });

  it('falls back to LookupEvents (the record is a JSON string) and names the break-glass human', async () => {
    const bg = { ...record, eventName: 'RevokeSecurityGroupIngress', eventTime: '2025-03-04T10:15:26Z' };
    ct.on(LookupEventsCommand).resolves({ Events: [{ EventId: 'c3e2d1f0-lookup', EventName: 'RevokeSecurityGroupIngress', EventTime: new Date('2025-03-04T10:15:26Z'), CloudTrailEvent: JSON.stringify(bg) }] });
    const store = new CloudTrailStore(a, keys);
    const lookup = new CloudTrailLookup(() => new CloudTrailClient({ region: 'eu-west-1' }), new SharedRateLimiter(a, keys, 1000));
    const attribution = new CloudTrailAttribution(store, classifier, { lookup });
    const result = await attribution.attribute(item('2025-03-04T10:15:28.502Z'));
    expect(result).toMatchObject({ principal: { class: 'breakGlass', session: 'alice@example.com' }, changedAt: '2025-03-04T10:15:26.000Z', source: 'cloudtrail-lookup' });
    const call = ct.commandCalls(LookupEventsCommand)[0].args[0].input;
    expect(call.LookupAttributes).toEqual([{ AttributeKey: 'ResourceName', AttributeValue: 'sg-0abc1234def567890' }]);
    // The looked-up events are kept: the next attribution needs no call.
    ct.reset();
    expect((await attribution.attribute(item('2025-03-04T10:15:28.502Z'))).source).toBe('cloudtrail-event');
    expect(ct.commandCalls(LookupEventsCommand)).toHaveLength(0);
  });

  it('waits for CloudTrail delivery lag before deciding "unknown", then gives up', async () => {
    ct.on(LookupEventsCommand).resolves({ Events: [] });
    const store = new CloudTrailStore(a, keys);
    const now = Date.parse('2025-03-05T12:00:00Z');
    const attribution = new CloudTrailAttribution(store, classifier, { waitForDeliveryMs: 300_000, now: () => now });
    await expect(attribution.attribute(item(new Date(now - 60_000).toISOString()))).rejects.toMatchObject({ code: 'attribution_pending' });
    await expect(attribution.attribute(item(new Date(now - 600_000).toISOString()))).resolves.toMatchObject({ principal: { class: 'unknown' }, source: 'none' });
  });

  it('maps LookupEvents throttling to a transient error', async () => {
    ct.on(LookupEventsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    const lookup = new CloudTrailLookup(() => new CloudTrailClient({ region: 'eu-west-1' }), new SharedRateLimiter(a, keys, 1000));
    await expect(lookup.eventsFor('111122223333', 'eu-west-1', 'sg-1', new Date(0), new Date())).rejects.toBeInstanceOf(TransientError);
  });
});
