import type { Redis } from 'ioredis';
import { ALICE_TOKEN, dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { sgEvent } from '../support/events';
import { fakePorts } from '../support/pipeline-harness';
import { keyBase, testRedis } from '../support/redis';

interface Drift {
  id: string;
  status: string;
  decision: { action: string; rule: number | null; reason: string };
  approval?: { action: string; by: string; comment: string; expiresAt?: string };
}

const ALICE_ARN = 'arn:aws:sts::111122223333:assumed-role/dev/alice@example.com';

describe('approvals and exceptions (enforce mode, fake cloud ports)', () => {
  let ctl: TestController;
  let redis: Redis;
  const ports = fakePorts();
  let n = 0;

  beforeAll(async () => {
    ctl = await startTestController({ mode: 'enforce', overrides: ports.overrides });
    redis = testRedis();
  });
  afterAll(async () => {
    await ctl.close();
    redis.disconnect();
    await dropPrefix(ctl.prefix);
  });

  /** A group whose desired state has tcp/8080 open to the world; someone closed it: reverting widens exposure. */
  async function awaitingApproval(principal?: string): Promise<Drift> {
    const group = `sg-0appr${String(++n).padStart(12, '0')}`;
    ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8', 'tcp/8080/0.0.0.0/0']);
    if (principal) ports.attribution.byResource.set(group, principal);
    const res = await http<{ accepted: { eventId: string }[] }>(ctl.url, 'POST', '/v1/events', {
      token: TOKENS.ingest,
      body: sgEvent({ groupId: group, stateId: 1_747_000_000_000 + n, rules: ['tcp/443/10.0.0.0/8'] }),
    });
    const driftId = await eventually(async () => {
      const h = await redis.hgetall(`${keyBase(ctl.prefix)}:item:${res.body.accepted[0].eventId}`);
      return h.outcome === 'decided' ? h.driftId : undefined;
    }, 'the decision');
    const d = (await http<Drift>(ctl.url, 'GET', `/v1/drifts/${driftId}`, { token: TOKENS.viewer })).body;
    expect(d).toMatchObject({ status: 'awaiting_approval', decision: { action: 'await_approval', rule: 5 } });
    return d;
  }
  const get = async (id: string) => (await http<Drift>(ctl.url, 'GET', `/v1/drifts/${id}`, { token: TOKENS.viewer })).body;

  it('approve: the widening revert runs (through the fence) and the approver is recorded', async () => {
    const d = await awaitingApproval();
    const res = await http<Drift>(ctl.url, 'POST', `/v1/drifts/${d.id}/approve`, {
      token: TOKENS.operator,
      body: { comment: 'the port must stay open for the partner API' },
    });
    expect(res.status).toBe(201);
    expect(res.body.approval).toMatchObject({
      action: 'approve',
      by: 'token:t-operator',
      comment: 'the port must stay open for the partner API',
    });
    const done = await eventually(async () => ((await get(d.id)).status === 'reverted' ? get(d.id) : undefined), 'the approved revert');
    expect(done.approval?.expiresAt).toBeDefined();
    expect(ports.remediation.calls).toContain(d.id);
  });

  it('adopt: keeps the live state and asks for a backport', async () => {
    const d = await awaitingApproval();
    const res = await http<Drift>(ctl.url, 'POST', `/v1/drifts/${d.id}/adopt`, {
      token: TOKENS.operator,
      body: { comment: 'closing 8080 was right' },
    });
    expect(res.body.status).toBe('backport_open');
    await eventually(async () => ports.backport.calls.includes(d.id), 'the backport');
    expect(ports.remediation.calls).not.toContain(d.id);
  });

  it('reject: leaves it, recorded', async () => {
    const d = await awaitingApproval();
    const res = await http<Drift>(ctl.url, 'POST', `/v1/drifts/${d.id}/reject`, { token: TOKENS.operator, body: { comment: 'leave it' } });
    expect(res.body.status).toBe('rejected');
    const audit = await http<{ items: { type: string; driftId?: string; actor: string }[] }>(ctl.url, 'GET', `/v1/audit?drift=${d.id}`, {
      token: TOKENS.viewer,
    });
    expect(audit.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'api.drift.reject', actor: 'token:t-operator' })]),
    );
    // A decided drift takes no second decision.
    const again = await http<{ error: { code: string } }>(ctl.url, 'POST', `/v1/drifts/${d.id}/approve`, {
      token: TOKENS.operator,
      body: { comment: 'changed my mind' },
    });
    expect(again.status).toBe(409);
  });

  it('refuses an approval by the person who made the change, and one without a comment', async () => {
    const d = await awaitingApproval(ALICE_ARN);
    const self = await http<{ error: { code: string } }>(ctl.url, 'POST', `/v1/drifts/${d.id}/approve`, {
      token: ALICE_TOKEN,
      body: { comment: 'looks fine to me' },
    });
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('self_approval');
    const bare = await http<{ error: { code: string; problems: { path: string }[] } }>(ctl.url, 'POST', `/v1/drifts/${d.id}/approve`, {
      token: TOKENS.operator,
      body: {},
    });
    expect(bare.status).toBe(400);
    expect(bare.body.error.problems[0].path).toBe('comment');
    expect((await get(d.id)).status).toBe('awaiting_approval');
  });

  it('decides only the differences awaiting approval; adopting a suspicious one needs confirmSuspicious and is audited as such', async () => {
    // A critical group (rule 5): during a declared freeze that has just ended, someone who is not
    // break-glass closed 8080 (reverting would re-open it) and opened 22 (a door: suspicious).
    const group = `sg-0appr${String(++n).padStart(12, '0')}`;
    ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8', 'tcp/8080/0.0.0.0/0']);
    ports.attribution.byResource.set(group, 'arn:aws:sts::111122223333:assumed-role/dev/mallory');
    ports.freeze.declaredAtChange = true;
    try {
      const res = await http<{ accepted: { eventId: string }[] }>(ctl.url, 'POST', '/v1/events', {
        token: TOKENS.ingest,
        body: sgEvent({
          groupId: group,
          stateId: 1_747_000_000_000 + n,
          rules: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'],
          tags: { tier: 'critical' },
        }),
      });
      const driftId = await eventually(async () => {
        const h = await redis.hgetall(`${keyBase(ctl.prefix)}:item:${res.body.accepted[0].eventId}`);
        return h.outcome === 'decided' ? h.driftId : undefined;
      }, 'the decision');
      type WithDifferences = Drift & {
        flags?: string[];
        differences: { sentence: string; decision: { action: string; human?: { verb: string } }; flags?: string[] }[];
      };
      const d = (await http<WithDifferences>(ctl.url, 'GET', `/v1/drifts/${driftId}`, { token: TOKENS.viewer })).body;
      expect(d.status).toBe('awaiting_approval');
      expect(d.flags).toEqual(['suspicious']);
      expect(d.differences.map((x) => [x.sentence, x.decision.action, x.flags ?? []])).toEqual([
        ['opened ingress tcp/22 from 0.0.0.0/0 (the internet)', 'await_approval', ['suspicious']],
        // The same call closed 8080: a call that opened a door is suspicious in all its parts.
        ['closed ingress tcp/8080 from 0.0.0.0/0 (the internet)', 'await_approval', ['suspicious']],
      ]);

      const unconfirmed = await http<{ error: { code: string; problems: { path: string }[] } }>(
        ctl.url,
        'POST',
        `/v1/drifts/${d.id}/adopt`,
        { token: TOKENS.operator, body: { comment: 'keep it' } },
      );
      expect(unconfirmed.status).toBe(400);
      expect(unconfirmed.body.error.code).toBe('confirmation_required');
      expect(unconfirmed.body.error.problems).toEqual([expect.objectContaining({ path: 'confirmSuspicious' })]);
      expect((await get(d.id)).status).toBe('awaiting_approval');

      const adopted = await http<WithDifferences>(ctl.url, 'POST', `/v1/drifts/${d.id}/adopt`, {
        token: TOKENS.operator,
        body: { comment: 'the bastion needs 22 until Monday', confirmSuspicious: true },
      });
      expect(adopted.status).toBe(201);
      expect(adopted.body.status).toBe('backport_open');
      expect(adopted.body.flags).toBeUndefined();
      expect(
        adopted.body.differences.every((x) => x.decision.action === 'backport' && x.decision.human?.verb === 'adopt' && !x.flags),
      ).toBe(true);
      const audit = await http<{ items: { type: string; reason?: string; details?: Record<string, unknown> }[] }>(
        ctl.url,
        'GET',
        `/v1/audit?drift=${d.id}`,
        { token: TOKENS.viewer },
      );
      const entry = audit.body.items.find((x) => x.type === 'api.drift.adopt');
      expect(entry?.reason).toMatch(/^adopted a SUSPICIOUS change \(opened ingress tcp\/22 .*\): the bastion needs 22 until Monday$/);
      expect(entry?.details).toMatchObject({
        suspicious: ['opened ingress tcp/22 from 0.0.0.0/0 (the internet)', 'closed ingress tcp/8080 from 0.0.0.0/0 (the internet)'],
      });
      await eventually(async () => ports.backport.calls.includes(d.id), 'the backport');
    } finally {
      ports.freeze.declaredAtChange = false;
    }
  });

  it('an exception excludes a resource until it lapses; then the resource is decided again', async () => {
    const group = 'sg-0e1c0000000000001';
    ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8']);
    const exc = await http<{ id: string }>(ctl.url, 'POST', '/v1/exceptions', {
      token: TOKENS.operator,
      body: { resource: group, reason: 'load test this week', ttl: '1h' },
    });
    expect(exc.status).toBe(201);
    const res = await http<{ accepted: { eventId: string }[] }>(ctl.url, 'POST', '/v1/events', {
      token: TOKENS.ingest,
      body: sgEvent({ groupId: group, stateId: 1_747_100_000_000, rules: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'] }),
    });
    const driftId = await eventually(async () => {
      const h = await redis.hgetall(`${keyBase(ctl.prefix)}:item:${res.body.accepted[0].eventId}`);
      return h.outcome === 'decided' ? h.driftId : undefined;
    }, 'the decision');
    expect((await get(driftId)).decision).toMatchObject({
      action: 'ignore',
      rule: null,
      reason: expect.stringContaining('load test this week'),
    });
    const list = await http<{ items: { id: string }[] }>(ctl.url, 'GET', '/v1/exceptions', { token: TOKENS.viewer });
    expect(list.body.items.map((e) => e.id)).toContain(exc.body.id);

    expect((await http(ctl.url, 'DELETE', `/v1/exceptions/${exc.body.id}`, { token: TOKENS.operator })).status).toBe(200);
    const redecided = await eventually(
      async () => {
        const page = await http<{ items: { driftId?: string; type: string; details?: { trigger?: string; action?: string } }[] }>(
          ctl.url,
          'GET',
          '/v1/audit?type=redecision&limit=500',
          { token: TOKENS.viewer },
        );
        return page.body.items.find((e) => e.details?.trigger === 'exception_expired');
      },
      'the re-decision after the exception lapsed',
      15_000,
    );
    expect(redecided.details?.action).toBe('revert');
  }, 30_000);

  it.each([
    [{ resource: 'sg-1/../x', reason: 'x', ttl: '1h' }, 'resource'],
    [{ resource: 'sg-0abc1234def567890', ttl: '1h' }, 'reason'],
    [{ resource: 'sg-0abc1234def567890', reason: 'x' }, 'until'],
    [{ resource: 'sg-0abc1234def567890', reason: 'x', until: '2020-01-01T00:00:00Z' }, 'until'],
  ])('rejects the exception %j naming %s', async (body, path) => {
    const res = await http<{ error: { problems: { path: string }[] } }>(ctl.url, 'POST', '/v1/exceptions', {
      token: TOKENS.operator,
      body,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.problems.map((p) => p.path)).toContain(path);
  });
});

describe('an exception created during settle', () => {
  it('stops the revert: the drift is ignored with the exception as the reason, and nothing is written', async () => {
    const ports = fakePorts();
    const ctl = await startTestController({ mode: 'enforce', settleSeconds: 2, overrides: ports.overrides });
    const redis = testRedis();
    try {
      const group = 'sg-0e2c0000000000002';
      ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8']);
      const res = await http<{ accepted: { eventId: string }[] }>(ctl.url, 'POST', '/v1/events', {
        token: TOKENS.ingest,
        body: sgEvent({ groupId: group, stateId: 1_747_200_000_000, rules: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'] }),
      });
      const driftId = await eventually(async () => {
        const h = await redis.hgetall(`${keyBase(ctl.prefix)}:item:${res.body.accepted[0].eventId}`);
        return h.outcome === 'decided' ? h.driftId : undefined;
      }, 'the revert decision');
      const exc = await http<{ id: string }>(ctl.url, 'POST', '/v1/exceptions', {
        token: TOKENS.operator,
        body: { resource: group, reason: 'vendor debugging', ttl: '1h' },
      });
      expect(exc.status).toBe(201);
      const d = await eventually(
        async () => {
          const r = (await http<Drift>(ctl.url, 'GET', `/v1/drifts/${driftId}`, { token: TOKENS.viewer })).body;
          return r.status !== 'detected' ? r : undefined;
        },
        'the remediation job after settle',
        15_000,
      );
      expect(d.status).toBe('ignored');
      expect(d.decision.reason).toContain(exc.body.id);
      expect(ports.remediation.calls).toEqual([]);
    } finally {
      await ctl.close();
      redis.disconnect();
      await dropPrefix(ctl.prefix);
    }
  }, 30_000);
});
