/**
 * Issue 13: "two evaluations at once must not open two issues". Two backport runs for the same
 * observed resource (two replicas' workers, each with its own GitHub client) on a real Redis and
 * the GitHub sandbox, with both runs' issue listings held at a barrier so that, unserialised,
 * both would find no issue and open one each (the control case shows exactly that).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GitHubBackport } from '@driftwarden/backport';
import { TransientError, WaitError, type DriftDifference, type DriftRecord } from '@driftwarden/domain';
import { GITHUB_DEFAULT_RETRIES } from '@driftwarden/github';
import * as sandbox from '@driftwarden/github/testing';
import { BackportService } from '@driftwarden/pipeline';
import { AuditLog, DriftStore, ItemLedger } from '@driftwarden/store';
import { barrier, GITHUB_TOKEN, OWNER, REPO } from '../backport/backport-world';
import { writeTree } from '../backport/fixtures';
import { dropPrefix } from '../support/test-controller';
import { ACCOUNT, DEVELOPER, MAIN_TF, observedBackport, REGION, VOL_DATA, VOLUME_TYPE } from './observed-world';
import { testKeys, testRedis } from '../support/redis';

const LIST_ISSUES = { method: 'GET', route: '/repos/{owner}/{repo}/issues' };
const CREATE_ISSUE = { method: 'POST', route: '/repos/{owner}/{repo}/issues' };

function observedRecord(id: string, resourceId: string, eventId: string): DriftRecord {
  const at = '2026-12-06T07:00:00.000Z';
  const difference: DriftDifference = {
    id: `configuration.size#1`,
    key: 'configuration.size',
    side: 'changed',
    sentence: 'changed Configuration.Size from 100 to 200',
    direction: { axis: 'exposure', change: 'neutral', revert: 'neutral' },
    detail: {
      property: 'Configuration.Size',
      previousValue: 100,
      updatedValue: 200,
      changeType: 'UPDATE',
      capturedAt: at,
      changedIn: eventId,
    },
    madeBy: { source: 'cloudtrail-event', principal: { arn: DEVELOPER, class: 'other' }, at, configEventId: eventId },
    decision: { action: 'backport', rule: 3, reason: 'emergency patch (change made during a declared freeze)', at },
    firstSeen: { at, eventId },
  };
  return {
    id,
    status: 'backport_open',
    dryRun: false,
    resource: {
      type: VOLUME_TYPE,
      kind: 'observed',
      id: resourceId,
      account: ACCOUNT,
      region: REGION,
      address: 'aws_ebs_volume.data',
      stack: 'data',
    },
    decision: { action: 'backport', rule: 3, reason: difference.decision.reason },
    principal: { arn: DEVELOPER, class: 'other' },
    changedAt: at,
    detectedAt: at,
    updatedAt: at,
    diff: { equal: false },
    differences: [difference],
    evidence: { eventIds: [eventId], configurationStateId: 1, captureTime: at, rule: 3, apiCalls: [] },
    links: {},
  };
}

describe('tracking issue: two runs at once open one issue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-tracking-race-'));
  const prefix = `dwt-${randomBytes(4).toString('hex')}`;
  const redis = testRedis();
  const keys = testKeys(prefix);
  const drifts = new DriftStore(redis, keys, new AuditLog(redis, keys));
  const ledger = new ItemLedger(redis, keys, new AuditLog(redis, keys));
  let github: sandbox.GitHubSandbox;
  // Two replicas: each with its own GitHub client and service over the same Redis.
  let replicas: BackportService[];
  let adapters: GitHubBackport[];

  beforeAll(async () => {
    github = await sandbox.GitHubSandbox.start({
      owner: OWNER,
      repo: REPO,
      validate: true,
      fromDirectory: writeTree(join(dir, 'repo'), { 'terraform/data/main.tf': MAIN_TF }),
      tokens: [GITHUB_TOKEN],
    });
    adapters = [observedBackport(github.url), observedBackport(github.url)];
    replicas = adapters.map((a) => new BackportService(drifts, ledger, a));
  }, 30_000);
  afterAll(async () => {
    await github.close();
    await dropPrefix(prefix);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const issuesOf = (resourceId: string) =>
    github.allIssues().filter((i) => (i.body ?? '').includes(`driftwarden:tracking=${ACCOUNT}/${REGION}/${VOLUME_TYPE}/${resourceId} -->`));

  it('control: without serialisation, the held listings let both runs open an issue (what the lease prevents)', async () => {
    const record = observedRecord('drf_race_control01', 'vol-0ffffffffffffffff', 'ci_control');
    barrier(github, LIST_ISSUES, 2);
    await Promise.all(adapters.map((a) => a.openOrUpdate(record)));
    expect(issuesOf('vol-0ffffffffffffffff')).toHaveLength(2);
  }, 20_000);

  it('two backport runs of the same resource at once: one opens the issue, the other waits, then updates the same issue', async () => {
    const record = observedRecord('drf_race_leased001', VOL_DATA, 'ci_leased');
    const audit = { at: record.updatedAt, type: 'decision', actor: 'pipeline', driftId: record.id, reason: 'test' };
    expect(await drifts.save(record, null, audit)).toBe('ok');
    const job = { driftId: record.id, eventId: 'ci_leased', correlationId: 'race' };
    const arrived = barrier(github, LIST_ISSUES, 2, 1_000);
    const results = await Promise.allSettled(replicas.map((r) => r.run(job)));

    const opened = results.filter((r) => r.status === 'fulfilled');
    const waited = results.filter((r) => r.status === 'rejected');
    expect(opened.map((r) => (r as PromiseFulfilledResult<string>).value)).toEqual(['opened']);
    expect(waited).toHaveLength(1);
    const reason = (waited[0] as PromiseRejectedResult).reason as unknown;
    expect(reason).toBeInstanceOf(WaitError);
    expect((reason as WaitError).code).toBe('backport_busy');
    // Only one run reached GitHub's issue list (the other never got past the lease).
    expect(arrived.arrived()).toBe(1);
    expect(issuesOf(VOL_DATA)).toHaveLength(1);

    // The waiting job comes back (BullMQ delays it, no attempt spent): it updates the same issue.
    await expect(replicas[1].run(job)).resolves.toBe('opened');
    const issues = issuesOf(VOL_DATA);
    expect(issues).toHaveLength(1);
    expect(github.calls.filter((c) => c.method === CREATE_ISSUE.method && c.route === CREATE_ISSUE.route && c.status === 201)).toHaveLength(
      3, // two in the control case, one here
    );
    expect((await drifts.get(record.id))?.links.issue?.number).toBe(issues[0].number);
    // The lease is released after each run: a third run goes straight through.
    await expect(replicas[0].run(job)).resolves.toBe('opened');
    expect(issuesOf(VOL_DATA)).toHaveLength(1);
  }, 20_000);

  it('GitHub failing mid-way (a 502 on the comment, a 429 on the listing): the run fails retryably, and the retry comments exactly once', async () => {
    const id = 'vol-0eeeeeeeeeeeeeeee';
    const record = observedRecord('drf_race_failure01', id, 'ci_failure');
    const adapter = adapters[0];
    await adapter.openOrUpdate(record);
    const [issue] = issuesOf(id);
    const later: DriftRecord = {
      ...record,
      differences: [
        ...record.differences!,
        {
          ...record.differences![0],
          id: 'configuration.iops#2',
          key: 'configuration.iops',
          sentence: 'changed Configuration.Iops from 3000 to 6000',
        },
      ],
    };
    // Every attempt of the client (1 + its retries) answered 502: the run fails with a retryable error, no comment made.
    github.failNext(sandbox.sandboxFailures.serverError(502), 1 + GITHUB_DEFAULT_RETRIES, {
      method: 'POST',
      route: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    });
    await expect(adapter.openOrUpdate(later)).rejects.toBeInstanceOf(TransientError);
    expect(github.comments(issue.number)).toHaveLength(0);
    // The retry meets a secondary rate limit on the listing first (waited out by the client), then comments once.
    github.failNext(sandbox.sandboxFailures.primaryRateLimit(Math.floor(Date.now() / 1000), 429), 1, LIST_ISSUES);
    // …and dies after commenting, before the description is updated (every PATCH answered 502).
    github.failNext(sandbox.sandboxFailures.serverError(502), 1 + GITHUB_DEFAULT_RETRIES, {
      method: 'PATCH',
      route: '/repos/{owner}/{repo}/issues/{issue_number}',
    });
    await expect(adapter.openOrUpdate(later)).rejects.toBeInstanceOf(TransientError);
    expect(github.comments(issue.number)).toHaveLength(1);
    expect(github.allIssues().find((i) => i.number === issue.number)?.body).not.toContain('Configuration.Iops');
    // The next retry finds its own comment (by its marker) instead of commenting again, and updates the description.
    await adapter.openOrUpdate(later);
    expect(github.allIssues().find((i) => i.number === issue.number)?.body).toContain('Configuration.Iops');
    await adapter.openOrUpdate(later);
    expect(github.comments(issue.number)).toHaveLength(1);
    expect(github.comments(issue.number)[0].body).toContain('Configuration.Iops from 3000 to 6000');
    expect(issuesOf(id)).toHaveLength(1);
  }, 30_000);
});
