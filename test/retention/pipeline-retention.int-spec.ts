/**
 * Issue 11 §2 "Redis stays bounded", end to end: Config items posted to `POST /v1/events`, decided
 * by the real workers on the real Redis with the retentions of the config (`retention`, shortened
 * and each different, so a TTL tells which one applied). What ends expires (asserted as Redis TTLs)
 * and the scheduler's retention sweep, run with a clock hours and months ahead, takes it out of the
 * indexes; what a decision still needs stays however far the clock moves: an open drift, the item
 * and resource hash a held drift is decided again on (it is, once its freeze ends), an excepted
 * resource's data until its exception lapses, and the freeze history of an open drift's change.
 */
import type { Redis } from 'ioredis';
import { resourceKey } from '@driftwarden/domain';
import { RetentionSweep } from '../../apps/controller/src/workers/retention-sweep.service';
import { sgEvent } from '../support/events';
import { http } from '../support/http';
import { fakePorts } from '../support/pipeline-harness';
import { TOKENS, dropPrefix, eventually, startTestController, type TestController } from '../support/test-controller';
import { keyBase, testRedis } from '../support/redis';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const DESIRED = ['tcp/443/10.0.0.0/8'];
const LIVE_WITH_SSH = ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'];
const MIN = 60;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A security group id (17 hex digits: exceptions name real-looking ones). */
const gid = (n: number) => `sg-0e${String(n).padStart(15, '0')}`;

interface Drift {
  id: string;
  status: string;
  decision: { action: string; rule: number | null };
}

/** A TTL of `seconds`, give or take the minute the test itself could take. */
function expectTtl(ttl: number, seconds: number): void {
  expect(ttl).toBeGreaterThan(seconds - 60);
  expect(ttl).toBeLessThanOrEqual(seconds);
}

describe('retention of what the pipeline writes (enforce mode, real freeze and exceptions)', () => {
  let ctl: TestController;
  let redis: Redis;
  let sweep: RetentionSweep;
  const { remediation, backport, kinds, desiredState, attribution } = fakePorts();
  let stateId = Date.now();

  beforeAll(async () => {
    ctl = await startTestController({
      mode: 'enforce',
      overrides: { kinds, desiredState, attribution, remediation, backport },
      extra: {
        guardrails: { settleSeconds: 0, critical: { tags: { tier: 'critical' } } },
        retention: {
          items: '10m',
          resources: '20m',
          closedDrifts: '30m',
          ignoredDrifts: '40m',
          cloudTrailEvents: '50m',
          freezeHistory: '10m',
        },
      },
    });
    redis = testRedis();
    sweep = ctl.app.get(RetentionSweep);
  });
  afterAll(async () => {
    await ctl.close();
    redis.disconnect();
    await dropPrefix(ctl.prefix);
  });

  const rk = (group: string) => resourceKey({ account: ACCOUNT, region: REGION, type: 'AWS::EC2::SecurityGroup', id: group });
  const ttl = (key: string) => redis.ttl(`${keyBase(ctl.prefix)}:${key}`);
  const getDrift = async (id: string) => http<Drift>(ctl.url, 'GET', `/v1/drifts/${id}`, { token: TOKENS.viewer });
  const listed = async () =>
    (await http<{ items: Drift[] }>(ctl.url, 'GET', '/v1/drifts?limit=100', { token: TOKENS.viewer })).body.items.map((d) => d.id).sort();

  /** Posts one item and waits for its decision: the item's event id and its drift record's id. */
  async function decide(group: string, rules: string[], tags: Record<string, string> = {}): Promise<{ eventId: string; driftId: string }> {
    const res = await http<{ accepted: { eventId: string }[] }>(ctl.url, 'POST', '/v1/events', {
      token: TOKENS.ingest,
      body: sgEvent({ groupId: group, stateId: (stateId += 1_000), rules, tags }),
    });
    expect(res.status).toBe(202);
    const eventId = res.body.accepted[0].eventId;
    const driftId = await eventually(async () => {
      const h = await redis.hgetall(`${keyBase(ctl.prefix)}:item:${eventId}`);
      return h.outcome === 'decided' ? h.driftId : undefined;
    }, `the decision on ${group}`);
    return { eventId, driftId };
  }

  async function settled(id: string, passing: string[]): Promise<Drift> {
    return eventually(async () => {
      const d = (await getDrift(id)).body;
      return passing.includes(d.status) ? undefined : d;
    }, `drift ${id} to settle`);
  }

  it('expires what ended, keeps what is open or needed, and the sweep trims the indexes', async () => {
    // Unmanaged: an `ignored` record (ignoredDrifts); the resource hash and its item (resources).
    const unmanaged = gid(1);
    const u = await decide(unmanaged, LIVE_WITH_SSH);
    expectTtl(await ttl(`drift:${u.driftId}`), 40 * MIN);
    expectTtl(await ttl(`res:${rk(unmanaged)}`), 20 * MIN);
    expectTtl(await ttl(`item:${u.eventId}`), 20 * MIN);
    expect(await redis.exists(`${keyBase(ctl.prefix)}:pending:${rk(unmanaged)}`)).toBe(0);

    // Reverted: a closed record (closedDrifts); the resource with nothing open (resources).
    const reverted = gid(2);
    desiredState.desired.set(reverted, DESIRED);
    const r = await decide(reverted, LIVE_WITH_SSH);
    expect(await settled(r.driftId, ['detected', 'reverting'])).toMatchObject({ status: 'reverted' });
    expectTtl(await ttl(`drift:${r.driftId}`), 30 * MIN);
    expectTtl(await ttl(`res:${rk(reverted)}`), 20 * MIN);
    expectTtl(await ttl(`item:${r.eventId}`), 20 * MIN);

    // Awaiting approval (critical): open, nothing of it expires.
    const critical = gid(3);
    desiredState.desired.set(critical, DESIRED);
    const c = await decide(critical, LIVE_WITH_SSH, { tier: 'critical' });
    expect((await getDrift(c.driftId)).body).toMatchObject({ status: 'awaiting_approval' });
    for (const key of [`drift:${c.driftId}`, `res:${rk(critical)}`, `item:${c.eventId}`]) expect(await ttl(key)).toBe(-1);

    // Held by a manual freeze (scoped to the team's tag): open; its item is what it will be decided on again.
    const freeze = await http<{ id: string }>(ctl.url, 'POST', '/v1/freezes', {
      token: TOKENS.operator,
      body: { reason: 'payments incident', ttl: '2h', scope: { tags: { team: 'payments' } } },
    });
    expect(freeze.status).toBe(201);
    const heldGroup = gid(4);
    desiredState.desired.set(heldGroup, DESIRED);
    const h = await decide(heldGroup, LIVE_WITH_SSH, { team: 'payments' });
    expect((await getDrift(h.driftId)).body).toMatchObject({ status: 'held' });
    for (const key of [`drift:${h.driftId}`, `res:${rk(heldGroup)}`, `item:${h.eventId}`]) expect(await ttl(key)).toBe(-1);

    // Excepted for two days: the `ignored` record, hash and item stay until the exception ends (and a day).
    const excepted = gid(5);
    desiredState.desired.set(excepted, DESIRED);
    expect(
      (
        await http(ctl.url, 'POST', '/v1/exceptions', {
          token: TOKENS.operator,
          body: { resource: excepted, reason: 'load test', ttl: '2d' },
        })
      ).status,
    ).toBe(201);
    const e = await decide(excepted, LIVE_WITH_SSH);
    expect((await getDrift(e.driftId)).body).toMatchObject({ status: 'ignored' });
    for (const key of [`drift:${e.driftId}`, `res:${rk(excepted)}`, `item:${e.eventId}`]) expectTtl(await ttl(key), 3 * 24 * 3600);

    // Another freeze, over by now: history an open drift's decisions may still need.
    const past = await http<{ id: string }>(ctl.url, 'POST', '/v1/freezes', {
      token: TOKENS.operator,
      body: { reason: 'deploy window', ttl: '1h', scope: { tags: { team: 'search' } } },
    });
    expect((await http(ctl.url, 'DELETE', `/v1/freezes/${past.body.id}`, { token: TOKENS.operator })).status).toBe(200);

    expect(await listed()).toEqual([u.driftId, r.driftId, c.driftId, h.driftId, e.driftId].sort());

    // Two hours on: the ignored and reverted records are gone, from every index too.
    const t0 = Date.now();
    const first = await sweep.sweep(new Date(t0 + 2 * HOUR));
    expect(first.drifts).toEqual({ removed: 2, due: 2 });
    expect(await listed()).toEqual([c.driftId, h.driftId, e.driftId].sort());
    expect((await getDrift(u.driftId)).status).toBe(404);
    expect(
      await redis.exists(`${keyBase(ctl.prefix)}:drifts:res:${rk(unmanaged)}`, `${keyBase(ctl.prefix)}:drifts:res:${rk(reverted)}`),
    ).toBe(0);
    expect(
      (await http<{ items: Drift[] }>(ctl.url, 'GET', '/v1/drifts?status=ignored', { token: TOKENS.viewer })).body.items.map((d) => d.id),
    ).toEqual([e.driftId]);

    // Two months on: the excepted resource's record goes too; the open drifts and everything they
    // need stay, and so does the freeze history since the oldest open drift began.
    const later = await sweep.sweep(new Date(t0 + 60 * DAY));
    expect(later.drifts).toEqual({ removed: 1, due: 1 });
    expect(later.history).toEqual({ manual: 0, overrides: 0, incidents: 0, unknownIntervals: 0 });
    expect(await listed()).toEqual([c.driftId, h.driftId].sort());
    for (const key of [
      `drift:${c.driftId}`,
      `res:${rk(critical)}`,
      `item:${c.eventId}`,
      `drift:${h.driftId}`,
      `res:${rk(heldGroup)}`,
      `item:${h.eventId}`,
    ])
      expect(await ttl(key)).toBe(-1);
    expect(await redis.hexists(`${keyBase(ctl.prefix)}:freeze:manual`, past.body.id)).toBe(1);

    // The freeze ends: the held drift is decided again on the item kept for it.
    expect((await http(ctl.url, 'DELETE', `/v1/freezes/${freeze.body.id}`, { token: TOKENS.operator })).status).toBe(200);
    const released = await settled(h.driftId, ['held', 'detected', 'reverting']);
    expect(released).toMatchObject({ status: 'reverted', decision: { action: 'revert', rule: 6 } });
    const audit = await http<{ items: { type: string; details?: { trigger?: string } }[] }>(
      ctl.url,
      'GET',
      `/v1/audit?drift=${h.driftId}&type=redecision&limit=10`,
      { token: TOKENS.viewer },
    );
    expect(audit.body.items).toEqual([
      expect.objectContaining({ type: 'redecision', details: expect.objectContaining({ trigger: 'freeze_ended' }) }),
    ]);
    expectTtl(await ttl(`drift:${h.driftId}`), 30 * MIN);
    expectTtl(await ttl(`item:${h.eventId}`), 20 * MIN);

    // Nothing open any more once the critical one is rejected: the old freeze history goes.
    expect(
      (await http(ctl.url, 'POST', `/v1/drifts/${c.driftId}/reject`, { token: TOKENS.operator, body: { comment: 'leave it' } })).status,
    ).toBe(201);
    expectTtl(await ttl(`res:${rk(critical)}`), 20 * MIN);
    expectTtl(await ttl(`item:${c.eventId}`), 20 * MIN);
    const last = await sweep.sweep(new Date(t0 + 61 * DAY));
    expect(last.drifts).toEqual({ removed: 2, due: 2 });
    expect(last.history).toMatchObject({ manual: 2 });
    expect(await listed()).toEqual([]);
    expect(await redis.hlen(`${keyBase(ctl.prefix)}:freeze:manual`)).toBe(0);
    expect(await redis.zcard(`${keyBase(ctl.prefix)}:drifts:expiry`)).toBe(0);
  }, 60_000);
});
