import type { DriftRecord } from '@driftwarden/domain';
import * as sandbox from '@driftwarden/github/testing';
import { eventually } from '../support/test-controller';
import { BackportWorld, GITHUB_TOKEN, holdUntil } from './backport-world';
import { PRINCIPALS, RULES } from './fixtures';

interface Freeze {
  frozen: boolean;
  sources: { id: string; type: string; reason: string }[];
}

/**
 * DESIGN §9: GitHub PRs are a source of truth. After a total Redis loss the controller rebuilds
 * its open backports from GitHub (the hidden record summary in each PR and issue body) and stays
 * frozen until it has: the real controller in enforce mode, the GitHub sandbox (real HTTP, real
 * git, every request checked against GitHub's API description), Redis emptied for real.
 */
describe('after a total Redis loss, the open backports come back from GitHub', () => {
  const world = new BackportWorld();
  const gh = () => world.github;
  let pr: DriftRecord;
  let issue: DriftRecord;
  const freeze = async () => (await world.api<Freeze>('GET', '/v1/freeze')).body;
  const backportOpen = async () =>
    (await world.api<{ items: DriftRecord[] }>('GET', '/v1/drifts?status=backport_open&limit=100')).body.items;

  beforeAll(async () => {
    await world.start({ groups: ['api', 'dyn', 'batch'] });
    // A break-glass engineer closes access on both groups: a PR for one, an issue for the other (dynamic blocks).
    await world.account.change(world.groupId('api'), { revoke: [RULES.metricsPublic] }, PRINCIPALS.alice);
    await world.account.change(world.groupId('dyn'), { revoke: [RULES.altHttpsPublic] }, PRINCIPALS.alice);
    // The controller's own GitHub wiring spaces writes a second apart (GitHub's guidance): two
    // backports take a dozen seconds, more on a busy machine. The waits only catch a hang.
    pr = await world.driftOf('api', (d) => d.links.pullRequest !== undefined, 'the backport PR', 90_000);
    issue = await world.driftOf('dyn', (d) => d.links.issue !== undefined, 'the backport issue', 90_000);
  }, 200_000);
  afterAll(async () => {
    await world.stop();
  }, 30_000);

  it('a fresh state is marked rebuilt at start-up: nothing is frozen for it', async () => {
    expect((await freeze()).sources.map((s) => s.id)).not.toContain('unk_state');
    expect(await world.audit('state.rebuilt')).toHaveLength(1);
  });

  it('restores both records with their links, principal and decision; the state freeze ends once they are back', async () => {
    // Someone's edited body must not become a record: skipped, with the reason.
    const forged = await fetch(`${gh().url}/repos/acme/infra/issues`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GITHUB_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Not ours', body: 'hello <!-- driftwarden:record=eyJ2IjoxfQ -->', labels: ['driftwarden'] }),
    });
    expect(forged.status).toBe(201);

    await world.restartAfterRedisLoss();
    const back = await backportOpen();
    const byId = new Map(back.map((d) => [d.id, d]));
    expect([...byId.keys()].sort()).toEqual([pr.id, issue.id].sort());
    for (const before of [pr, issue]) {
      const after = byId.get(before.id) as DriftRecord;
      expect(after).toMatchObject({
        status: 'backport_open',
        resource: before.resource,
        principal: before.principal,
        decision: before.decision,
        changedAt: before.changedAt,
        detectedAt: before.detectedAt,
      });
      expect(after.links).toEqual({ ...before.links });
      expect(after.evidence.explanations?.[0]).toMatch(/^rebuilt from http/);
    }
    expect((await world.audit('drift.rebuilt')).map((a) => a.driftId).sort()).toEqual([pr.id, issue.id].sort());
    const skipped = await world.audit('drift.rebuild_skipped');
    expect(skipped).toHaveLength(1);
    expect(skipped[0].reason).toMatch(/^the record marker is not a drift summary: /);
    expect((await freeze()).sources.map((s) => s.id)).not.toContain('unk_state');
  }, 30_000);

  it('a restored record still follows its PR: merging it moves the record to backport_merged', async () => {
    const number = pr.links.pullRequest?.number as number;
    const { delivery } = await gh().mergePullRequest(number);
    expect(delivery?.status).toBe(202);
    await world.driftOf('api', (d) => d.id === pr.id && d.status === 'backport_merged', 'backport_merged after the rebuild');
  });

  it('when GitHub cannot be read at start-up (rate limited for an hour) the controller starts frozen (unknown), and unfreezes once the rebuild succeeds', async () => {
    gh().failNext(sandbox.sandboxFailures.primaryRateLimit(Math.floor(Date.now() / 1000) + 3600), 1, {
      method: 'GET',
      route: '/repos/{owner}/{repo}/issues',
    });
    await world.restartAfterRedisLoss();
    const frozen = await freeze();
    expect(frozen.frozen).toBe(true);
    expect(frozen.sources.find((s) => s.id === 'unk_state')).toMatchObject({
      type: 'unknown',
      reason: expect.stringContaining('rebuilding it from GitHub'),
    });
    expect(await world.audit('state.rebuild_failed')).toHaveLength(1);
    // Ready (the API and the freeze toggle stay up), and it says the state is not rebuilt yet.
    const ready = await world.api<{ ready: boolean; state: { rebuilt: boolean; rebuildingSince?: string } }>('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.state).toMatchObject({ rebuilt: false, rebuildingSince: expect.any(String) });
    // The scheduler tries again; GitHub answers again (the injected failures are used up).
    await eventually(async () => !(await freeze()).sources.some((s) => s.id === 'unk_state'), 'the state freeze to end', 20_000);
    expect((await world.api<{ state: unknown }>('GET', '/readyz')).body.state).toEqual({ rebuilt: true });
    expect((await backportOpen()).map((d) => d.id)).toEqual([issue.id]);
  }, 40_000);

  it('nothing is remediated while the state is being rebuilt: a revert decided meanwhile is held, and runs only once the rebuild is done', async () => {
    let released = false;
    holdUntil(gh(), { method: 'GET', route: '/repos/{owner}/{repo}/issues' }, () => released, 'the test to let GitHub answer', 45_000);
    // Start-up waits for the rebuild (10 s at most), then goes on frozen.
    await world.restartAfterRedisLoss();
    expect((await freeze()).sources.map((s) => s.id)).toContain('unk_state');
    const ec2 = world.account.ec2;
    const writesBefore = ec2.writeCalls().length;
    // A developer opens tcp/9100 to the world outside any freeze: rule 6 would revert it at once.
    await world.account.change(world.groupId('batch'), { authorize: [RULES.metricsPublic] }, PRINCIPALS.bob);
    const held = await world.driftOf('batch', (d) => d.status === 'held', 'the drift held while the state is rebuilt');
    expect(held.decision).toMatchObject({ action: 'hold', rule: 4 });
    await new Promise((r) => setTimeout(r, 2_500)); // longer than the settle time: still nothing written
    expect(ec2.writeCalls().slice(writesBefore)).toEqual([]);

    released = true;
    const reverted = await world.driftOf(
      'batch',
      (d) => d.id === held.id && d.status === 'reverted',
      'the revert once the state is rebuilt',
      30_000,
    );
    expect(reverted.decision).toMatchObject({ action: 'revert', rule: 6 });
    const rebuiltAt = Date.parse((await world.audit('state.rebuilt'))[0].at);
    const writes = ec2.writeCalls().slice(writesBefore);
    expect(writes.map((w) => w.action)).toEqual(['RevokeSecurityGroupIngress']);
    expect(writes.every((w) => Date.parse(w.at) >= rebuiltAt)).toBe(true);
  }, 60_000);
});
