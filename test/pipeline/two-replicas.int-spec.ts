import type { Redis } from 'ioredis';
import { Metrics } from '@driftwarden/observability';
import { dropPrefix, eventually, startTestController, TOKENS, uniquePrefix, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { sgEvent } from '../support/events';
import { fakePorts } from '../support/pipeline-harness';
import { keyBase, testRedis } from '../support/redis';

interface Accepted {
  accepted: { eventId: string; duplicate: boolean; status: string }[];
}

/**
 * Two controllers in one process on one Redis and one key prefix, each with API and workers,
 * receive 1,000 items (some for the same resource, every item delivered to both): each item
 * ends with exactly one outcome and at most one decision, and no resource is decided twice
 * for one item.
 */
describe('two replicas sharing one Redis', () => {
  const prefix = uniquePrefix();
  let a: TestController;
  let b: TestController;
  let redis: Redis;
  const portsA = fakePorts();
  const portsB = fakePorts();

  beforeAll(async () => {
    a = await startTestController({ prefix, coalesceMilliseconds: 20, overrides: portsA.overrides, concurrency: 8 });
    b = await startTestController({ prefix, coalesceMilliseconds: 20, overrides: portsB.overrides, concurrency: 8 });
    redis = testRedis();
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    redis.disconnect();
    await dropPrefix(prefix);
  });

  it('decides every one of 1,000 items exactly once', async () => {
    // 700 resources; 300 of them get a second, newer item (a burst of two).
    const events = [];
    for (let i = 0; i < 700; i++) {
      const group = `sg-0r${String(i).padStart(15, '0')}`;
      for (const ports of [portsA, portsB]) ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8']);
      events.push(sgEvent({ groupId: group, stateId: 1_743_000_000_000 + i * 10, rules: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'] }));
      if (i < 300) events.push(sgEvent({ groupId: group, stateId: 1_743_000_000_000 + i * 10 + 5, rules: ['tcp/443/10.0.0.0/8'] }));
    }
    expect(events).toHaveLength(1000);
    // Every item goes to both replicas, interleaved, in batches of 50.
    const ids = new Set<string>();
    for (let i = 0; i < events.length; i += 50) {
      const batch = events.slice(i, i + 50);
      const [ra, rb] = await Promise.all([
        http<Accepted>(a.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: batch }),
        http<Accepted>(b.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: batch.slice().reverse() }),
      ]);
      expect(ra.status).toBe(202);
      expect(rb.status).toBe(202);
      for (const x of ra.body.accepted) ids.add(x.eventId);
    }
    expect(ids.size).toBe(1000);

    const outcomes = await eventually(
      async () => {
        const keys = [...ids].map((id) => `${keyBase(prefix)}:item:${id}`);
        const pipeline = redis.pipeline();
        for (const k of keys) pipeline.hget(k, 'outcome');
        const replies = ((await pipeline.exec()) ?? []).map(([, v]) => v as string | null);
        return replies.every((o) => o && o !== '') ? replies : undefined;
      },
      'every item to have an outcome',
      60_000,
    );

    // Exactly one decision entry per decided item, none for the others.
    const perItem = new Map<string, number>();
    let start = '-';
    for (;;) {
      const chunk = await redis.xrange(`${keyBase(prefix)}:audit`, start, '+', 'COUNT', 5000);
      if (chunk.length === 0) break;
      for (const [, fields] of chunk) {
        const e = JSON.parse(fields[1]) as { type: string; eventId?: string };
        if (e.type === 'decision' && e.eventId) perItem.set(e.eventId, (perItem.get(e.eventId) ?? 0) + 1);
      }
      start = `(${chunk[chunk.length - 1][0]}`;
    }
    const decided = outcomes.filter((o) => o === 'decided').length;
    expect(decided).toBeGreaterThanOrEqual(700);
    expect([...perItem.values()].every((n) => n === 1)).toBe(true);
    expect(perItem.size).toBe(decided);
    for (const o of outcomes) expect(['decided', 'coalesced', 'stale']).toContain(o);
    // Both replicas decided items (the test would prove nothing if one sat idle).
    const decidedBy = async (ctl: TestController) => (await ctl.app.get(Metrics).decisions.get()).values.reduce((n, v) => n + v.value, 0);
    const [byA, byB] = await Promise.all([decidedBy(a), decidedBy(b)]);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(byA + byB).toBe(decided);
  }, 120_000);
});
