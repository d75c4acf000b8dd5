import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Redis } from 'ioredis';
import { http } from '../support/http';
import { fakePorts } from '../support/pipeline-harness';
import { dropPrefix, startTestController, TOKENS, uniquePrefix, type TestController } from '../support/test-controller';
import { auditOf, DESIRED, driftLeaving, getDrift, ingestAndDecide, LIVE_WITH_SSH, type Drift } from './guardrail-support';
import { keyBase, keysMatching, testRedis } from '../support/redis';

/**
 * Guardrails as policy (issue 16 §4), end to end on the real Redis: the shipped example policies
 * (examples/policies) loaded through `policies.files`, a Config item posted to `POST /v1/events`,
 * decided by the real evaluate worker. The change is the one of critical-and-ignore.int-spec.ts:
 * someone opened tcp/22 to the world; without a policy that is rule 6, revert.
 */

const EXAMPLES = path.resolve(__dirname, '../../examples/policies');

let seq = 0;
const groupId = (tag: string): string => `sg-0${tag}${String(++seq).padStart(17 - tag.length - 1, '0')}`;

interface PolicyDrift extends Drift {
  decision: Drift['decision'] & { policy?: { proposed: string; outcome: string; matched: { id: string; source: string }[] } };
  differences?: { decision: { action: string; policy?: { proposed: string; outcome: string; matched: { id: string }[] } } }[];
}

describe('policies.files: a shipped example policy makes a revert wait for approval', () => {
  let ctl: TestController;
  let redis: Redis;
  const ports = fakePorts();

  beforeAll(async () => {
    ctl = await startTestController({
      mode: 'enforce',
      overrides: ports.overrides,
      extra: {
        guardrails: { settleSeconds: 0 },
        policies: { files: [path.join(EXAMPLES, 'production-approval.cedar')] },
      },
    });
    redis = testRedis();
  });
  afterAll(async () => {
    await ctl.close();
    redis.disconnect();
    await dropPrefix(ctl.prefix);
  });

  async function drift(group: string, tags: Record<string, string>): Promise<PolicyDrift> {
    ports.desiredState.desired.set(group, DESIRED);
    const id = await ingestAndDecide(ctl.url, redis, ctl.prefix, { groupId: group, rules: LIVE_WITH_SSH, tags });
    return (await getDrift(ctl.url, id)) as PolicyDrift;
  }

  it('env=production: the table says revert, the policy makes it await_approval; recorded on the decision, the difference and the audit', async () => {
    const d = await drift(groupId('9a1'), { env: 'production' });
    expect(d.status).toBe('awaiting_approval');
    const matched = [
      { id: 'production-needs-approval', source: expect.stringMatching(/examples\/policies\/production-approval\.cedar:11$/) as string },
    ];
    expect(d.decision).toEqual({
      action: 'await_approval',
      // The table's rule stays: policies add to a decision, they never rewrite why the table decided.
      rule: 6,
      reason: expect.stringContaining('policy production-needs-approval') as string,
      policy: { proposed: 'revert', outcome: 'await_approval', matched },
    });
    expect(d.differences?.map((x) => x.decision)).toEqual([
      expect.objectContaining({ action: 'await_approval', policy: { proposed: 'revert', outcome: 'await_approval', matched } }),
    ]);
    expect(ports.remediation.calls).not.toContain(d.id);
    const audit = await auditOf(ctl.url, d.id);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'decision',
          details: expect.objectContaining({
            action: 'await_approval',
            rule: 6,
            policy: expect.objectContaining({
              proposed: 'revert',
              outcome: 'await_approval',
              ids: ['production-needs-approval'],
            }) as object,
          }) as object,
        }),
      ]),
    );
  });

  it('a human may still approve it: policies gate the table, not people', async () => {
    const d = await drift(groupId('9a2'), { env: 'production' });
    expect(d.status).toBe('awaiting_approval');
    const res = await http<Drift>(ctl.url, 'POST', `/v1/drifts/${d.id}/approve`, { token: TOKENS.operator, body: { comment: 'agreed' } });
    expect(res.status).toBe(201);
    expect((await driftLeaving(ctl.url, d.id, 'awaiting_approval')).status).toBe('reverted');
    expect(ports.remediation.calls).toContain(d.id);
  });

  it.each([
    ['env=staging', { env: 'staging' }],
    ['no tags', {}],
  ])('%s: the policy does not match, the drift is reverted with no policy recorded', async (_what, tags) => {
    const d = await drift(groupId('9a3'), tags);
    expect(d.decision).toMatchObject({ action: 'revert', rule: 6 });
    expect(d.decision.policy).toBeUndefined();
    const done = d.status === 'detected' || d.status === 'reverting' ? await driftLeaving(ctl.url, d.id, 'detected') : d;
    expect(done.status).toBe('reverted');
  });
});

describe('policies.timeZones: the business-hours example on a Saturday in Berlin', () => {
  let ctl: TestController;
  let redis: Redis;
  const ports = fakePorts();
  // The controller's clock runs at real speed from Saturday 12 December 2026, 11:00 in Berlin.
  const offset = Date.parse('2026-12-12T10:00:00Z') - Date.now();

  beforeAll(async () => {
    ctl = await startTestController({
      mode: 'enforce',
      overrides: ports.overrides,
      clock: () => new Date(Date.now() + offset),
      extra: {
        guardrails: { settleSeconds: 0 },
        policies: { files: [path.join(EXAMPLES, 'business-hours.cedar')], timeZones: ['Europe/Berlin', 'America/New_York'] },
      },
    });
    redis = testRedis();
  });
  afterAll(async () => {
    await ctl.close();
    redis.disconnect();
    await dropPrefix(ctl.prefix);
  });

  it('no unattended revert on a weekend: it waits for approval', async () => {
    const group = groupId('5a7');
    ports.desiredState.desired.set(group, DESIRED);
    const id = await ingestAndDecide(ctl.url, redis, ctl.prefix, { groupId: group, rules: LIVE_WITH_SSH, tags: {} });
    const d = (await getDrift(ctl.url, id)) as PolicyDrift;
    expect(d.status).toBe('awaiting_approval');
    expect(d.decision.policy).toMatchObject({
      proposed: 'revert',
      outcome: 'await_approval',
      matched: [{ id: 'reverts-in-business-hours-only' }],
    });
    expect(ports.remediation.calls).not.toContain(id);
  });
});

describe('a policy file that does not parse stops start-up, naming its file and line', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dw-policies-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('start-up fails before anything is written to Redis', async () => {
    const broken = path.join(dir, 'broken.cedar');
    writeFileSync(
      broken,
      '// one good policy, one broken\nforbid (principal, action == Action::"revert", resource);\n\nforbid (principal, action, resource)\nwhen { resource.account == };\n',
    );
    const prefix = uniquePrefix();
    await expect(
      startTestController({
        prefix,
        mode: 'enforce',
        overrides: fakePorts().overrides,
        extra: { policies: { files: [path.join(EXAMPLES, 'production-approval.cedar'), broken] } },
      }),
    ).rejects.toThrow(
      new RegExp(`invalid policies \\(policies\\.files\\):\\n  - ${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5:28: unexpected token`),
    );
    const redis = testRedis();
    try {
      expect(await keysMatching(redis, `${keyBase(prefix)}:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('a policy that validates badly (misspelt attribute) stops start-up too', async () => {
    const typo = path.join(dir, 'typo.cedar');
    writeFileSync(
      typo,
      '@id("typo")\nforbid (principal, action == Action::"revert", resource)\nwhen { resource.acount == "111122223333" };\n',
    );
    await expect(
      startTestController({ mode: 'enforce', overrides: fakePorts().overrides, extra: { policies: { files: [typo] } } }),
    ).rejects.toThrow(/typo\.cedar:3:8: attribute `acount` on entity type `Resource` not found/);
  });
});
