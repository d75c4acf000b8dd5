import type { DriftDifference, DriftRecord } from '@driftwarden/domain';
import { GitHubBackport } from '@driftwarden/backport';
import { ruleKey } from '@driftwarden/kinds/security-group';
import { pagerDutyWebhook, signed } from '../support/pagerduty-webhook';
import { eventually } from '../support/test-controller';
import { backportBranchOf, BackportWorld, fastClient, git, PAGERDUTY_SECRET, stackRepos } from './backport-world';
import { ACCOUNT, NETWORK_MAIN_TF, PRINCIPALS, RULES } from './fixtures';

const MALLORY = `arn:aws:sts::${ACCOUNT}:assumed-role/developer/mallory`;
const INCIDENT = { id: 'QHELDDOOR', number: 5150, title: 'checkout under attack' };
const MAIN_TF = 'terraform/network/main.tf';

/** The `aws_security_group.workers` resource block of the stack's main.tf (other groups there do have tcp/22). */
function workersBlock(tf: string): string {
  const start = tf.indexOf('resource "aws_security_group" "workers"');
  const end = tf.indexOf('\nresource "', start + 1);
  return tf.slice(start, end < 0 ? undefined : end);
}

interface Freeze {
  frozen: boolean;
  sources: { type: string; incident?: { id: string } }[];
}

/**
 * Issue 10 §1, the story as a user tried it: during an open P1, a principal that is not
 * break-glass opens tcp/22 to the world on security group G (held, suspicious); a minute later a
 * break-glass engineer closes tcp/8080 to the world on the same group. The backport PR must carry
 * only the emergency patch (the 8080 closure), never the attacker's door; the record keeps the
 * flag; after the incident and its cooldown the door is reverted and the 8080 fix is still only in
 * the PR. Real controller, real Redis, real EC2 adapter against the sandbox account, CloudTrail
 * attribution from the calls the account emits, the GitHub sandbox over a real git repository.
 */
describe('a held door never reaches Terraform', () => {
  const world = new BackportWorld();
  const sg = () => world.groupId('workers');
  const branch = () => backportBranchOf(sg());
  const freeze = async () => (await world.api<Freeze>('GET', '/v1/freeze')).body;
  const byKey = (d: DriftRecord, rule: typeof RULES.sshPublic, side: 'added' | 'removed'): DriftDifference | undefined =>
    d.differences?.find((x) => x.key === ruleKey(rule) && x.side === side);

  beforeAll(async () => {
    await world.start({
      pagerduty: true,
      groups: ['workers'],
      backport: (github) => new GitHubBackport(fastClient(github.url), stackRepos()),
    });
    await eventually(async () => (await freeze()).frozen === false, 'the first incident poll');
  }, 30_000);
  afterAll(async () => {
    await world.stop();
  });

  it('codifies only the break-glass closure; the door stays held and suspicious; after the freeze the door is reverted and the fix stays in the PR', async () => {
    // A P1 for team checkout (the workers group's team), opened a minute ago.
    const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString();
    world.pagerduty!.setIncidents([{ ...INCIDENT, priority: 'P1', createdAt }]);
    const hook = signed(
      pagerDutyWebhook({
        eventId: 'EV-HD-1',
        type: 'incident.triggered',
        incidentId: INCIDENT.id,
        number: INCIDENT.number,
        priority: 'P1',
        status: 'triggered',
        createdAt,
      }),
      PAGERDUTY_SECRET,
    );
    expect(
      (
        await world.api('POST', '/v1/webhooks/pagerduty', {
          token: '',
          raw: hook.raw,
          headers: { 'x-pagerduty-signature': hook.signature, 'x-webhook-id': 'W-HD-1' },
        })
      ).status,
    ).toBe(202);
    await eventually(
      async () => ((await freeze()).sources.some((s) => s.incident?.id === INCIDENT.id) ? true : undefined),
      'the incident freeze',
    );

    // 1. Mallory (not break-glass) opens tcp/22 to the world: held, suspicious.
    await world.account.change(sg(), { authorize: [RULES.sshPublic] }, MALLORY);
    const held = await world.driftOf(
      'workers',
      (d) => d.status === 'held' && (d.flags ?? []).includes('suspicious'),
      'the held, suspicious door',
      60_000,
    );
    expect(byKey(held, RULES.sshPublic, 'added')).toMatchObject({
      madeBy: { principal: { arn: MALLORY, class: 'other' }, source: 'cloudtrail-event' },
      decision: { action: 'hold', rule: 4 },
      flags: ['suspicious'],
    });

    // 2. Alice (break-glass) closes tcp/8080 to the world on the same group.
    await world.account.change(sg(), { revoke: [RULES.partnerPublic] }, PRINCIPALS.alice);
    const both = await world.driftOf(
      'workers',
      (d) => d.links.pullRequest !== undefined && byKey(d, RULES.partnerPublic, 'removed')?.decision.action === 'backport',
      'the backport of the 8080 closure',
      60_000,
    );

    // One record for the resource: the door is still held and flagged; the closure is codified, each by its own author.
    expect(both.id).toBe(held.id);
    expect(both.status).toBe('held');
    expect(both.flags).toEqual(['suspicious']);
    const door = byKey(both, RULES.sshPublic, 'added')!;
    const fix = byKey(both, RULES.partnerPublic, 'removed')!;
    expect(door).toMatchObject({ madeBy: { principal: { arn: MALLORY } }, decision: { action: 'hold' }, flags: ['suspicious'] });
    expect(fix).toMatchObject({
      madeBy: { principal: { arn: PRINCIPALS.alice, class: 'breakGlass' }, eventName: 'RevokeSecurityGroupIngress' },
      decision: { action: 'backport', rule: 3 },
    });
    expect(fix.madeBy.cloudTrailEventId).toBeDefined();
    expect(fix.madeBy.cloudTrailEventId).not.toBe(door.madeBy.cloudTrailEventId);

    // The PR's HCL: the 8080 block is gone, and there is no tcp/22 anywhere.
    const pr = world.pullsOf('workers');
    expect(pr).toHaveLength(1);
    const code = workersBlock(git(world.github, 'show', `${branch()}:${MAIN_TF}`));
    expect(code).not.toMatch(/from_port\s*=\s*22\b/);
    expect(code).not.toMatch(/from_port\s*=\s*8080\b/);
    expect(workersBlock(NETWORK_MAIN_TF)).toMatch(/from_port\s*=\s*8080\b/);
    const diff = git(world.github, 'diff', `main...${branch()}`);
    expect(diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'))).toEqual([]);
    expect(diff).toMatch(/^-\s*from_port\s*=\s*8080/m);
    // Its body says what it codifies and, in its own section, what it leaves out and why.
    const body = pr[0].body ?? '';
    expect(body).toMatch(/^- closed \*\*tcp\/8080 from 0\.0\.0\.0\/0\*\*$/m);
    expect(body).toMatch(
      /## Left out of this pull request[\s\S]*opened ingress tcp\/22 from 0\.0\.0\.0\/0 \(the internet\): held until the freeze ends;[\s\S]*mallory[\s\S]*\*\*suspicious\*\*/,
    );
    expect(pr[0].labels).not.toContain('widens-exposure');

    // The API and the audit show each difference with who made it.
    const decisions = (await world.audit('decision')).filter((e) => e.driftId === both.id);
    const last = decisions[decisions.length - 1];
    expect(last.details?.['differences']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sentence: door.sentence, madeBy: MALLORY, action: 'hold', flags: ['suspicious'] }),
        expect.objectContaining({ sentence: fix.sentence, madeBy: PRINCIPALS.alice, action: 'backport' }),
      ]),
    );

    // 3. The incident resolves (cooldown 0): the held door is decided again and reverted; the closure is not re-opened.
    world.pagerduty!.setIncidents([{ ...INCIDENT, priority: 'P1', createdAt, status: 'resolved' }]);
    const resolved = signed(
      pagerDutyWebhook({
        eventId: 'EV-HD-2',
        type: 'incident.resolved',
        incidentId: INCIDENT.id,
        number: INCIDENT.number,
        priority: 'P1',
        status: 'resolved',
        createdAt,
      }),
      PAGERDUTY_SECRET,
    );
    expect(
      (
        await world.api('POST', '/v1/webhooks/pagerduty', {
          token: '',
          raw: resolved.raw,
          headers: { 'x-pagerduty-signature': resolved.signature, 'x-webhook-id': 'W-HD-2' },
        })
      ).status,
    ).toBe(202);
    const after = await world.driftOf(
      'workers',
      (d) => d.id === both.id && d.status === 'backport_open',
      'the door reverted, the PR still open',
      90_000,
    );

    const live = world.account.rules(sg()).map(ruleKey);
    expect(live).not.toContain(ruleKey(RULES.sshPublic));
    expect(live).not.toContain(ruleKey(RULES.partnerPublic));
    expect(live).toContain(ruleKey(RULES.httpsInternal));
    expect(after.differences?.map((d) => d.id)).toEqual([fix.id]);
    expect(after.flags ?? []).toEqual([]);
    expect(after.evidence.apiCalls.map((c) => c.operation)).toContain('RevokeSecurityGroupIngress');
    expect(after.evidence.apiCalls.map((c) => c.operation)).not.toContain('AuthorizeSecurityGroupIngress');
    const reverted = (await world.audit('remediation.reverted')).find((e) => e.driftId === both.id);
    expect(reverted?.reason).toMatch(/opened ingress tcp\/22[\s\S]*still on the resource: closed ingress tcp\/8080/);
    // The fix is still only in the PR: one PR, still without tcp/22.
    expect(world.pullsOf('workers')).toHaveLength(1);
    expect(workersBlock(git(world.github, 'show', `${branch()}:${MAIN_TF}`))).not.toMatch(/from_port\s*=\s*22\b/);
  }, 300_000);
});
