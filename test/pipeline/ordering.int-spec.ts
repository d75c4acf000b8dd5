import { Redis } from 'ioredis';
import { dropPrefix, eventually, REDIS_URL, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { sgEvent } from '../support/events';
import { fakePorts } from '../support/pipeline-harness';

interface Accepted {
  accepted: { eventId: string; duplicate: boolean; status: string }[];
}
interface AuditItems {
  items: { type: string; eventId?: string; driftId?: string; reason?: string; details?: { coalesced?: string[]; action?: string } }[];
  next: string | null;
}

describe('ordering, duplicates, stale items and coalescing on real Redis', () => {
  let ctl: TestController;
  let redis: Redis;
  const ports = fakePorts();

  beforeAll(async () => {
    // A 300 ms debounce so a burst lands inside one window.
    ctl = await startTestController({ mode: 'dry-run', coalesceMilliseconds: 300, overrides: ports.overrides });
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await ctl.close();
    redis.disconnect();
    await dropPrefix(ctl.prefix);
  });

  const post = (body: unknown) => http<Accepted>(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body });
  const outcome = async (eventId: string) => redis.hget(`${ctl.prefix}:item:${eventId}`, 'outcome');
  const decisions = async () => {
    const all: AuditItems['items'] = [];
    let cursor: string | null = null;
    do {
      const page: { body: AuditItems } = await http<AuditItems>(ctl.url, 'GET', `/v1/audit?type=decision&limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { token: TOKENS.viewer });
      all.push(...page.body.items);
      cursor = page.body.next;
    } while (cursor);
    return all;
  };

  it('coalesces a burst for one resource: the latest item wins, the others are recorded as coalesced', async () => {
    const group = 'sg-0burst0000000000001';
    ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8']);
    const burst = Array.from({ length: 10 }, (_, i) => sgEvent({ groupId: group, stateId: 1_742_000_000_000 + i, rules: ['tcp/443/10.0.0.0/8', `tcp/${2200 + i}/0.0.0.0/0`] }));
    // Shuffled delivery order: the newest item by configurationStateId must win anyway.
    const order = [3, 9, 0, 5, 1, 8, 2, 7, 4, 6];
    const ids: string[] = [];
    for (const i of order) ids[i] = (await post(burst[i])).body.accepted[0].eventId;
    await eventually(async () => (await outcome(ids[9])) === 'decided', 'the newest item to be decided');
    const mine = (await decisions()).filter((d) => ids.includes(d.eventId ?? ''));
    expect(mine).toHaveLength(1);
    expect(mine[0].eventId).toBe(ids[9]);
    const outcomes = await Promise.all(ids.map(outcome));
    expect(outcomes.filter((o) => o === 'decided')).toHaveLength(1);
    // Older items arrived either before the decision (coalesced) or after it (stale): none was acted on.
    expect(outcomes.filter((o) => o === 'coalesced' || o === 'stale')).toHaveLength(9);
    const drift = await http<{ diff: { extra: { fromPort: number }[] } }>(ctl.url, 'GET', `/v1/drifts/${mine[0].driftId}`, { token: TOKENS.viewer });
    expect(drift.body.diff.extra.map((r) => r.fromPort)).toEqual([2209]);
  });

  it('records an item older than one already processed as stale and never acts on it', async () => {
    const group = 'sg-0stale000000000001';
    ports.desiredState.desired.set(group, []);
    const newer = (await post(sgEvent({ groupId: group, stateId: 1_742_100_000_010, rules: ['tcp/22/0.0.0.0/0'] }))).body.accepted[0];
    await eventually(async () => (await outcome(newer.eventId)) === 'decided', 'the newer item to be decided');
    const older = (await post(sgEvent({ groupId: group, stateId: 1_742_100_000_001, rules: ['tcp/23/0.0.0.0/0'] }))).body.accepted[0];
    expect(older.status).toBe('stale');
    expect(await outcome(older.eventId)).toBe('stale');
    const audit = await http<AuditItems>(ctl.url, 'GET', '/v1/audit?type=item.stale&limit=1000', { token: TOKENS.viewer });
    expect(audit.body.items.some((e) => e.eventId === older.eventId)).toBe(true);
    expect((await decisions()).some((d) => d.eventId === older.eventId)).toBe(false);
  });

  it('answers a duplicate delivery as a duplicate and decides it only once', async () => {
    const group = 'sg-0dupe000000000001';
    ports.desiredState.desired.set(group, []);
    const ev = sgEvent({ groupId: group, stateId: 1_742_200_000_000, rules: ['tcp/22/0.0.0.0/0'] });
    const first = (await post(ev)).body.accepted[0];
    await eventually(async () => (await outcome(first.eventId)) === 'decided', 'the decision');
    const again = (await post(ev)).body.accepted[0];
    expect(again).toMatchObject({ eventId: first.eventId, duplicate: true });
    // Give a (wrong) second evaluation every chance to happen, observably: wait for the queue to drain.
    await eventually(async () => (await redis.zcard(`${ctl.prefix}:pending:111122223333/eu-west-1/AWS::EC2::SecurityGroup/${group}`)) === 0, 'no pending items');
    expect((await decisions()).filter((d) => d.eventId === first.eventId)).toHaveLength(1);
  });

  it('handles the items of one resource in order: a later change updates the same open drift', async () => {
    const group = 'sg-0order00000000001';
    ports.desiredState.desired.set(group, []);
    const a = (await post(sgEvent({ groupId: group, stateId: 1_742_300_000_000, rules: ['tcp/22/0.0.0.0/0'] }))).body.accepted[0];
    await eventually(async () => (await outcome(a.eventId)) === 'decided', 'first decision');
    const b = (await post(sgEvent({ groupId: group, stateId: 1_742_300_000_500, rules: ['tcp/22/0.0.0.0/0', 'tcp/23/0.0.0.0/0'] }))).body.accepted[0];
    await eventually(async () => (await outcome(b.eventId)) === 'decided', 'second decision');
    const list = await http<{ items: { id: string; evidence: { eventIds: string[] }; diff: { extra: unknown[] } }[] }>(ctl.url, 'GET', `/v1/drifts?resource=${group}`, { token: TOKENS.viewer });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].evidence.eventIds).toEqual([a.eventId, b.eventId]);
    expect(list.body.items[0].diff.extra).toHaveLength(2);
    // Live equals desired again: rule 2 resolves the open drift.
    const c = (await post(sgEvent({ groupId: group, stateId: 1_742_300_001_000, rules: [] }))).body.accepted[0];
    await eventually(async () => (await outcome(c.eventId)) === 'decided', 'third decision');
    const resolved = await http<{ status: string }>(ctl.url, 'GET', `/v1/drifts/${list.body.items[0].id}`, { token: TOKENS.viewer });
    expect(resolved.body.status).toBe('resolved');
  });
});

describe('an IaC apply', () => {
  let ctl: TestController;
  let redis: Redis;
  const ports = fakePorts();

  beforeAll(async () => {
    ctl = await startTestController({ mode: 'dry-run', overrides: ports.overrides });
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await ctl.close();
    redis.disconnect();
    await dropPrefix(ctl.prefix);
  });

  it('is not drift, refreshes the desired state, and resolves an open drift it made equal', async () => {
    const group = 'sg-0apply0000000001';
    ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8']);
    const post = (body: unknown) => http<Accepted>(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body });
    const decided = (id: string) => eventually(async () => (await redis.hget(`${ctl.prefix}:item:${id}`, 'outcome')) === 'decided', 'the decision');
    // Someone opens tcp/8443 by hand: an open drift.
    const a = (await post(sgEvent({ groupId: group, stateId: 1_742_400_000_000, rules: ['tcp/443/10.0.0.0/8', 'tcp/8443/10.0.0.0/8'] }))).body.accepted[0];
    await decided(a.eventId);
    const open = await http<{ items: { id: string; status: string }[] }>(ctl.url, 'GET', `/v1/drifts?resource=${group}`, { token: TOKENS.viewer });
    expect(open.body.items[0].status).toBe('detected');
    // The team codifies it: Terraform applies the same rule (the state now declares it).
    ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8', 'tcp/8443/10.0.0.0/8']);
    ports.attribution.byResource.set(group, 'arn:aws:sts::111122223333:assumed-role/terraform-apply/run-7');
    const refreshes = ports.desiredState.refreshes;
    const b = (await post(sgEvent({ groupId: group, stateId: 1_742_400_001_000, rules: ['tcp/443/10.0.0.0/8', 'tcp/8443/10.0.0.0/8'] }))).body.accepted[0];
    await decided(b.eventId);
    expect(ports.desiredState.refreshes).toBe(refreshes + 1);
    const after = await http<{ status: string }>(ctl.url, 'GET', `/v1/drifts/${open.body.items[0].id}`, { token: TOKENS.viewer });
    expect(after.body.status).toBe('resolved');
  });
});
