import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import type { Redis } from 'ioredis';
import { CloudTrailAttribution, CloudTrailWindowWalker, SharedRateLimiter } from '@driftwarden/attribution';
import { SECURITY_GROUP_CALLS } from '@driftwarden/kinds/security-group';

const SG_MUTATIONS: ReadonlySet<string> = new Set(SECURITY_GROUP_CALLS);
import { PrincipalClassifier, WaitError, type ConfigItemEvent } from '@driftwarden/domain';
import { CloudTrailStore } from '@driftwarden/store';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropPrefix, uniquePrefix } from '../support/test-controller';
import { testKeys, testRedis } from '../support/redis';

const classifier = new PrincipalClassifier({
  iac: ['arn:aws:sts::*:assumed-role/terraform-apply/*'],
  breakGlass: ['arn:aws:sts::*:assumed-role/BreakGlass*/*'],
  self: ['arn:aws:sts::*:assumed-role/driftwarden/*'],
});
const record = (
  JSON.parse(readFileSync(join(__dirname, '../../examples/events/cloudtrail-authorize-ingress.json'), 'utf8')) as {
    detail: Record<string, unknown>;
  }
).detail;

const item = (captureTime: string, id = 'sg-0abc1234def567890'): ConfigItemEvent => ({
  kind: 'config_item',
  eventId: `ci_lookup_${id}`,
  resource: { type: 'AWS::EC2::SecurityGroup', id, account: '111122223333', region: 'eu-west-1' },
  captureTime,
  order: Date.parse(captureTime),
  status: 'OK',
  changeType: 'UPDATE',
  tags: {},
  configuration: {},
  changedProperties: [],
  delivery: { transport: 'http', shape: 'eventbridge', receivedAt: captureTime },
});

/** A LookupEvents record (its CloudTrailEvent is a JSON string) of a break-glass revoke on a group. */
const lookedUp = (groupId: string, at: string, eventId: string) => {
  const detail = {
    ...record,
    eventID: eventId,
    eventName: 'RevokeSecurityGroupIngress',
    eventTime: at,
    requestParameters: { ...(record.requestParameters as Record<string, unknown>), groupId },
  };
  return { EventId: eventId, EventName: 'RevokeSecurityGroupIngress', EventTime: new Date(at), CloudTrailEvent: JSON.stringify(detail) };
};

describe('attribution fallbacks on real Redis', () => {
  const prefix = uniquePrefix();
  const keys = testKeys(prefix);
  let a: Redis;
  let b: Redis;
  const ct = mockClient(CloudTrailClient);

  beforeAll(() => {
    a = testRedis();
    b = testRedis();
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
    const results = await Promise.allSettled([
      la.take('111122223333', 'eu-west-1'),
      lb.take('111122223333', 'eu-west-1'),
      la.take('111122223333', 'eu-west-1'),
      lb.take('111122223333', 'eu-west-1'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(2);
    // A wait, not a failure: a queue job is delayed by it without spending an attempt.
    expect(rejected[0].reason).toBeInstanceOf(WaitError);
    expect((rejected[0].reason as WaitError).retryAfterMs).toBeGreaterThan(0);
    // Another region has its own budget.
    await expect(la.take('111122223333', 'us-east-1')).resolves.toBeUndefined();
  });

  const walker = (
    redis: Redis,
    store: CloudTrailStore,
    opts: { lagMs?: number; now?: () => number; rewalkMs?: number; maxPages?: number } = {},
  ) =>
    new CloudTrailWindowWalker(
      redis,
      keys,
      () => new CloudTrailClient({ region: 'eu-west-1' }),
      new SharedRateLimiter(redis, keys, 1000),
      store,
      (e) => SG_MUTATIONS.has(e.eventName),
      { lagMs: opts.lagMs ?? 0, ...opts },
    );

  it('falls back to one LookupEvents walk of the window (ReadOnly=false, the record a JSON string) and names the break-glass human', async () => {
    ct.on(LookupEventsCommand).resolves({ Events: [lookedUp('sg-0abc1234def567890', '2025-03-04T10:15:26Z', 'c3e2d1f0-lookup')] });
    const store = new CloudTrailStore(a, keys);
    const attribution = new CloudTrailAttribution(store, classifier, { walker: walker(a, store) });
    const result = await attribution.attribute(item('2025-03-04T10:15:28.502Z'));
    expect(result).toMatchObject({
      principal: { class: 'breakGlass', session: 'alice@example.com' },
      changedAt: '2025-03-04T10:15:26.000Z',
      source: 'cloudtrail-lookup',
    });
    const call = ct.commandCalls(LookupEventsCommand)[0].args[0].input;
    expect(call.LookupAttributes).toEqual([{ AttributeKey: 'ReadOnly', AttributeValue: 'false' }]);
    // The walked window is kept: the next attribution needs no call.
    ct.reset();
    expect((await attribution.attribute(item('2025-03-04T10:15:28.502Z'))).principal.class).toBe('breakGlass');
    expect(ct.commandCalls(LookupEventsCommand)).toHaveLength(0);
  });

  it('one walk serves every pending item of the account-region and window (not one call per item)', async () => {
    const groups = Array.from({ length: 25 }, (_, i) => `sg-0bbb${String(i).padStart(13, '0')}`);
    const at = '2025-03-06T08:00:10Z';
    ct.on(LookupEventsCommand).resolves({ Events: groups.filter((_, i) => i % 2 === 0).map((g, i) => lookedUp(g, at, `walk-${i}`)) });
    const store = new CloudTrailStore(a, keys);
    const attribution = new CloudTrailAttribution(store, classifier, { walker: walker(a, store) });
    const results = await Promise.all(
      groups.map((g) => attribution.attribute(item('2025-03-06T08:00:12.000Z', g)).catch((e: unknown) => e)),
    );
    const retried = await Promise.all(
      groups.map((g, i) => (results[i] instanceof WaitError ? attribution.attribute(item('2025-03-06T08:00:12.000Z', g)) : results[i])),
    );
    expect(retried.map((r) => (r as { principal: { class: string } }).principal.class)).toEqual(
      groups.map((_, i) => (i % 2 === 0 ? 'breakGlass' : 'unknown')),
    );
    // One walk of the window (the other replicas' attempts met the lock, or found it walked).
    expect(ct.commandCalls(LookupEventsCommand)).toHaveLength(1);
  });

  it('waits for CloudTrail delivery lag (a wait, not a failure) before deciding "unknown"; a window walked before the lag passed is walked again', async () => {
    ct.on(LookupEventsCommand).resolves({ Events: [] });
    const store = new CloudTrailStore(a, keys);
    let now = Date.parse('2025-03-05T12:00:00Z');
    const clock = () => now;
    const attribution = new CloudTrailAttribution(store, classifier, {
      waitForDeliveryMs: 300_000,
      now: clock,
      walker: walker(a, store, { lagMs: 300_000, now: clock, rewalkMs: 30_000 }),
    });
    const young = item(new Date(now - 60_000).toISOString(), 'sg-0ccc0000000000001');
    const wait = await attribution.attribute(young).catch((e: unknown) => e);
    expect(wait).toBeInstanceOf(WaitError);
    expect(wait).toMatchObject({ code: 'attribution_pending' });
    expect(ct.commandCalls(LookupEventsCommand)).toHaveLength(1);
    // Moments later: walked too recently to walk again.
    now += 5_000;
    await expect(attribution.attribute(young)).rejects.toBeInstanceOf(WaitError);
    expect(ct.commandCalls(LookupEventsCommand)).toHaveLength(1);
    // After the delivery wait: walked once more (now final) and decided with what is known.
    now += 400_000;
    await expect(attribution.attribute(young)).resolves.toMatchObject({ principal: { class: 'unknown' }, source: 'none' });
    expect(ct.commandCalls(LookupEventsCommand)).toHaveLength(2);
    // Final: no further walk for that window.
    await attribution.attribute(young);
    expect(ct.commandCalls(LookupEventsCommand)).toHaveLength(2);
  });

  it('LookupEvents throttled or down: waits while the change is young, then decides with what is known and says so once', async () => {
    ct.on(LookupEventsCommand).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
    );
    const store = new CloudTrailStore(a, keys);
    const now = Date.parse('2025-03-07T12:00:00Z');
    const said: string[] = [];
    const attribution = new CloudTrailAttribution(store, classifier, {
      waitForDeliveryMs: 300_000,
      now: () => now,
      walker: walker(a, store, { now: () => now }),
      onLookupUnavailable: (e) => said.push(e.message),
    });
    await expect(attribution.attribute(item(new Date(now - 60_000).toISOString(), 'sg-0ddd0000000000001'))).rejects.toMatchObject({
      code: 'cloudtrail_lookup_unavailable',
    });
    await expect(attribution.attribute(item(new Date(now - 600_000).toISOString(), 'sg-0ddd0000000000002'))).resolves.toMatchObject({
      principal: { class: 'unknown' },
    });
    expect(said).toHaveLength(1);
  });

  it('no credentials or access denied: LookupEvents is given up at once; the item still waits out the delivery lag of the event paths (a wait, not a retry), then is decided', async () => {
    ct.on(LookupEventsCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: cloudtrail:LookupEvents'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const store = new CloudTrailStore(a, keys);
    const now = Date.parse('2025-03-08T12:00:00Z');
    const said: string[] = [];
    const attribution = new CloudTrailAttribution(store, classifier, {
      waitForDeliveryMs: 300_000,
      now: () => now,
      walker: walker(a, store, { now: () => now }),
      onLookupUnavailable: (e) => said.push(e.message),
    });
    await expect(attribution.attribute(item(new Date(now - 60_000).toISOString(), 'sg-0eee0000000000001'))).rejects.toMatchObject({
      code: 'attribution_pending',
    });
    await expect(attribution.attribute(item(new Date(now - 600_000).toISOString(), 'sg-0eee0000000000002'))).resolves.toMatchObject({
      principal: { class: 'unknown' },
    });
    expect(said).toHaveLength(2);
    expect(said[0]).toMatch(/not authorized/);
  });

  it('another replica walking the window: wait (no attempt spent), then find its results', async () => {
    const store = new CloudTrailStore(a, keys);
    const now = Date.parse('2025-03-09T12:00:00Z');
    await a.set(keys.key('ctwalk-lock', '111122223333', 'eu-west-1'), 'someone-else', 'PX', 5_000);
    const attribution = new CloudTrailAttribution(store, classifier, {
      waitForDeliveryMs: 0,
      now: () => now,
      walker: walker(a, store, { now: () => now }),
    });
    await expect(attribution.attribute(item(new Date(now - 600_000).toISOString(), 'sg-0fff0000000000001'))).rejects.toMatchObject({
      code: 'cloudtrail_walk_busy',
    });
    expect(ct.commandCalls(LookupEventsCommand)).toHaveLength(0);
    await a.del(keys.key('ctwalk-lock', '111122223333', 'eu-west-1'));
  });
});
