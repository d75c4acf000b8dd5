import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { sgEvent } from '../support/events';
import { fakePorts } from '../support/pipeline-harness';
import { keyBase, testRedis } from '../support/redis';

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
    redis = testRedis();
  });
  afterAll(async () => {
    await ctl.close();
    redis.disconnect();
    await dropPrefix(ctl.prefix);
  });

  const post = (body: unknown) => http<Accepted>(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body });
  const outcome = async (eventId: string) => redis.hget(`${keyBase(ctl.prefix)}:item:${eventId}`, 'outcome');
  const decisions = async () => {
    const all: AuditItems['items'] = [];
    let cursor: string | null = null;
    do {
      const page: { body: AuditItems } = await http<AuditItems>(
        ctl.url,
        'GET',
        `/v1/audit?type=decision&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
        { token: TOKENS.viewer },
      );
      all.push(...page.body.items);
      cursor = page.body.next;
    } while (cursor);
    return all;
  };

  it('coalesces a burst for one resource: the latest item wins, the others are recorded as coalesced', async () => {
    const group = 'sg-0burst0000000000001';
    ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8']);
    const burst = Array.from({ length: 10 }, (_, i) =>
      sgEvent({ groupId: group, stateId: 1_742_000_000_000 + i, rules: ['tcp/443/10.0.0.0/8', `tcp/${2200 + i}/0.0.0.0/0`] }),
    );
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
    const drift = await http<{ diff: { extra: { fromPort: number }[] } }>(ctl.url, 'GET', `/v1/drifts/${mine[0].driftId}`, {
      token: TOKENS.viewer,
    });
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
    await eventually(
      async () => (await redis.zcard(`${keyBase(ctl.prefix)}:pending:111122223333/eu-west-1/AWS::EC2::SecurityGroup/${group}`)) === 0,
      'no pending items',
    );
    expect((await decisions()).filter((d) => d.eventId === first.eventId)).toHaveLength(1);
  });

  it('handles the items of one resource in order: a later change updates the same open drift', async () => {
    const group = 'sg-0order00000000001';
    ports.desiredState.desired.set(group, []);
    const a = (await post(sgEvent({ groupId: group, stateId: 1_742_300_000_000, rules: ['tcp/22/0.0.0.0/0'] }))).body.accepted[0];
    await eventually(async () => (await outcome(a.eventId)) === 'decided', 'first decision');
    const b = (await post(sgEvent({ groupId: group, stateId: 1_742_300_000_500, rules: ['tcp/22/0.0.0.0/0', 'tcp/23/0.0.0.0/0'] }))).body
      .accepted[0];
    await eventually(async () => (await outcome(b.eventId)) === 'decided', 'second decision');
    const list = await http<{ items: { id: string; evidence: { eventIds: string[] }; diff: { extra: unknown[] } }[] }>(
      ctl.url,
      'GET',
      `/v1/drifts?resource=${group}`,
      { token: TOKENS.viewer },
    );
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].evidence.eventIds).toEqual([a.eventId, b.eventId]);
    expect(list.body.items[0].diff.extra).toHaveLength(2);
    // Live equals desired again: rule 2 resolves the open drift.
    const c = (await post(sgEvent({ groupId: group, stateId: 1_742_300_001_000, rules: [] }))).body.accepted[0];
    await eventually(async () => (await outcome(c.eventId)) === 'decided', 'third decision');
    const resolved = await http<{ status: string }>(ctl.url, 'GET', `/v1/drifts/${list.body.items[0].id}`, { token: TOKENS.viewer });
    expect(resolved.body.status).toBe('resolved');
  });

  it('keeps the latest decided item of a resource past the duplicate window (a held drift can be decided again after any freeze); the one it replaces and a deletion expire', async () => {
    const group = 'sg-0retain0000000001';
    ports.desiredState.desired.set(group, []);
    const ttl = (eventId: string) => redis.ttl(`${keyBase(ctl.prefix)}:item:${eventId}`);
    const window = 14 * 24 * 3600;
    const a = (await post(sgEvent({ groupId: group, stateId: 1_742_400_000_000, rules: ['tcp/22/0.0.0.0/0'] }))).body.accepted[0];
    // Accepted, not yet decided: the duplicate window applies.
    expect(await ttl(a.eventId)).toBeGreaterThan(window - 60);
    await eventually(async () => (await outcome(a.eventId)) === 'decided', 'first decision');
    expect(await ttl(a.eventId)).toBe(-1); // no expiry
    const b = (await post(sgEvent({ groupId: group, stateId: 1_742_400_000_500, rules: ['tcp/22/0.0.0.0/0', 'tcp/23/0.0.0.0/0'] }))).body
      .accepted[0];
    await eventually(async () => (await outcome(b.eventId)) === 'decided', 'second decision');
    expect(await ttl(b.eventId)).toBe(-1);
    expect(await ttl(a.eventId)).toBeGreaterThan(window - 60); // replaced: back to the window
    const gone = (await post(sgEvent({ groupId: group, stateId: 1_742_400_001_000, status: 'ResourceDeleted' }))).body.accepted[0];
    await eventually(async () => (await outcome(gone.eventId)) === 'decided', 'the deletion decided');
    expect(await ttl(gone.eventId)).toBeGreaterThan(window - 60);
    expect(await ttl(b.eventId)).toBeGreaterThan(window - 60);
    // A duplicate of a replaced item is still answered as a duplicate (its ledger entry is there).
    expect(
      (await post(sgEvent({ groupId: group, stateId: 1_742_400_000_000, rules: ['tcp/22/0.0.0.0/0'] }))).body.accepted[0],
    ).toMatchObject({ eventId: a.eventId, duplicate: true });
  });
});

describe('the latest item wins, but not over a change someone else made just before', () => {
  let ctl: TestController;
  let redis: Redis;
  const ports = fakePorts();
  const MALLORY = 'arn:aws:sts::111122223333:assumed-role/developer/mallory';

  beforeAll(async () => {
    ctl = await startTestController({ mode: 'dry-run', coalesceMilliseconds: 300, overrides: ports.overrides });
    redis = testRedis();
  });
  afterAll(async () => {
    await ctl.close();
    redis.disconnect();
    await dropPrefix(ctl.prefix);
  });

  const post = (body: unknown) => http<Accepted>(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body });
  const decided = (id: string) =>
    eventually(async () => (await redis.hget(`${keyBase(ctl.prefix)}:item:${id}`, 'outcome')) === 'decided', 'the decision');
  const driftsOf = async (group: string) =>
    (
      await http<{
        items: {
          status: string;
          principal: { arn: string | null };
          decision: { action: string; rule: number };
          diff: { extra: { fromPort: number }[] };
        }[];
      }>(ctl.url, 'GET', `/v1/drifts?resource=${group}`, { token: TOKENS.viewer })
    ).body.items;

  it.each([
    [
      'an IaC apply of separate rule resources (it leaves unmanaged rules alone)',
      'arn:aws:sts::111122223333:assumed-role/terraform-apply/run-8',
    ],
    ["the controller's own change", 'arn:aws:sts::111122223333:assumed-role/driftwarden/worker'],
  ])('%s coalesced with an unauthorized change: the unauthorized change is decided, not ignored', async (_name, lastPrincipal) => {
    const group = `sg-0coal${lastPrincipal.includes('terraform') ? 'iac' : 'slf'}00000000001`;
    ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8']);
    // Mallory opens RDP to the world; a moment later the pipeline changes the group too.
    const t = 1_742_500_000_000 + (lastPrincipal.includes('terraform') ? 0 : 10_000);
    ports.attribution.byState.set(String(t), MALLORY);
    ports.attribution.byState.set(String(t + 1000), lastPrincipal);
    // Per-change attribution: the RDP rule is Mallory's (her call names it), whoever made the latest item.
    ports.attribution.byRule.set('tcp/3389/0.0.0.0/0', MALLORY);
    const iac = lastPrincipal.includes('terraform');
    // The apply declares a new rule (the desired state moves with it); the controller's change has nothing to add.
    if (iac) ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8', 'tcp/8443/10.0.0.0/8']);
    const live = ['tcp/443/10.0.0.0/8', 'tcp/3389/0.0.0.0/0', ...(iac ? ['tcp/8443/10.0.0.0/8'] : [])];
    const refreshes = ports.desiredState.refreshes;
    const res = await post([
      sgEvent({ groupId: group, stateId: t, rules: ['tcp/443/10.0.0.0/8', 'tcp/3389/0.0.0.0/0'] }),
      sgEvent({ groupId: group, stateId: t + 1000, rules: live }),
    ]);
    const [first, latest] = res.body.accepted;
    await decided(latest.eventId);
    expect(await redis.hget(`${keyBase(ctl.prefix)}:item:${first.eventId}`, 'outcome')).toBe('coalesced');
    const [drift] = await driftsOf(group);
    expect(drift).toMatchObject({ principal: { arn: MALLORY }, decision: { action: 'revert', rule: 6 } });
    expect(drift.diff.extra.map((r) => r.fromPort)).toEqual([3389]);
    expect(ports.desiredState.refreshes).toBe(refreshes + (iac ? 1 : 0));
  });
});

describe('a Config rule verdict on a resource with an open drift', () => {
  let ctl: TestController;
  let redis: Redis;
  const ports = fakePorts();

  beforeAll(async () => {
    ctl = await startTestController({ mode: 'dry-run', overrides: ports.overrides });
    redis = testRedis();
  });
  afterAll(async () => {
    await ctl.close();
    redis.disconnect();
    await dropPrefix(ctl.prefix);
  });

  it('is added to the drift evidence once, however often it is delivered; it decides nothing', async () => {
    const group = 'sg-0cmpl00000000000001';
    ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8']);
    const post = (body: unknown) => http<Accepted>(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body });
    const item = (await post(sgEvent({ groupId: group, stateId: 1_742_600_000_000, rules: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'] })))
      .body.accepted[0];
    await eventually(
      async () => (await redis.hget(`${keyBase(ctl.prefix)}:item:${item.eventId}`, 'outcome')) === 'decided',
      'the decision',
    );
    const sample = JSON.parse(readFileSync(join(__dirname, '../../examples/events/config-rules-compliance-change.json'), 'utf8')) as {
      detail: Record<string, unknown>;
    };
    const event = { ...sample, detail: { ...sample.detail, resourceId: group } };
    const first = (await post({ ...event, id: 'cc-1' })).body.accepted[0];
    await post({ ...event, id: 'cc-2' });
    const drifts = await http<{ items: { status: string; evidence: { eventIds: string[]; compliance?: unknown[] } }[] }>(
      ctl.url,
      'GET',
      `/v1/drifts?resource=${group}`,
      { token: TOKENS.viewer },
    );
    expect(drifts.body.items).toHaveLength(1);
    const [drift] = drifts.body.items;
    expect(drift.evidence.compliance).toEqual([
      {
        rule: 'restricted-ssh',
        compliance: 'NON_COMPLIANT',
        previous: 'COMPLIANT',
        at: '2025-03-04T10:15:28.502Z',
        eventId: first.eventId,
      },
    ]);
    expect(drift).toMatchObject({ status: 'detected', evidence: { eventIds: [item.eventId] } });
  });
});

describe('an IaC apply', () => {
  let ctl: TestController;
  let redis: Redis;
  const ports = fakePorts();

  beforeAll(async () => {
    ctl = await startTestController({ mode: 'dry-run', overrides: ports.overrides });
    redis = testRedis();
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
    const decided = (id: string) =>
      eventually(async () => (await redis.hget(`${keyBase(ctl.prefix)}:item:${id}`, 'outcome')) === 'decided', 'the decision');
    // Someone opens tcp/8443 by hand: an open drift.
    const a = (await post(sgEvent({ groupId: group, stateId: 1_742_400_000_000, rules: ['tcp/443/10.0.0.0/8', 'tcp/8443/10.0.0.0/8'] })))
      .body.accepted[0];
    await decided(a.eventId);
    const open = await http<{ items: { id: string; status: string }[] }>(ctl.url, 'GET', `/v1/drifts?resource=${group}`, {
      token: TOKENS.viewer,
    });
    expect(open.body.items[0].status).toBe('detected');
    // The team codifies it: Terraform applies the same rule (the state now declares it).
    ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8', 'tcp/8443/10.0.0.0/8']);
    ports.attribution.byResource.set(group, 'arn:aws:sts::111122223333:assumed-role/terraform-apply/run-7');
    const refreshes = ports.desiredState.refreshes;
    const b = (await post(sgEvent({ groupId: group, stateId: 1_742_400_001_000, rules: ['tcp/443/10.0.0.0/8', 'tcp/8443/10.0.0.0/8'] })))
      .body.accepted[0];
    await decided(b.eventId);
    expect(ports.desiredState.refreshes).toBe(refreshes + 1);
    const after = await http<{ status: string }>(ctl.url, 'GET', `/v1/drifts/${open.body.items[0].id}`, { token: TOKENS.viewer });
    expect(after.body.status).toBe('resolved');
  });
});
