import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import pino from 'pino';
import type { DriftRecord } from '@driftwarden/domain';
import { notificationsFor } from '@driftwarden/notifications';
import { AuditLog, DriftStore, newDriftId } from '@driftwarden/store';
import type * as sandbox from '@driftwarden/github/testing';
import { BackportExpiry, DAY_MS } from '../../apps/controller/src/workers/backport-expiry';
import { REPO, clientFor, expectConformant, startSandbox } from '../../libs/github/test/github-test-support';
import { TOKENS, dropPrefix, eventually, startTestController, uniquePrefix, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { fakePorts } from '../support/pipeline-harness';
import { cliFor } from '../cli/cli-harness';
import { testKeys, testRedis } from '../support/redis';

const GROUP = 'sg-0e0e0000000000001';
const BRANCH = `driftwarden/backport/${GROUP}`;

function record(id: string, pr: { number: number; url: string }, at: Date): DriftRecord {
  const iso = at.toISOString();
  return {
    id,
    status: 'backport_open',
    dryRun: false,
    resource: {
      type: 'AWS::EC2::SecurityGroup',
      id: GROUP,
      account: '111122223333',
      region: 'eu-west-1',
      address: 'aws_security_group.workers',
      stack: 'prod',
    },
    decision: { action: 'backport', rule: 3, reason: 'emergency patch during incident Q1' },
    principal: { arn: 'arn:aws:sts::111122223333:assumed-role/BreakGlass/alice', class: 'breakGlass', session: 'alice' },
    changedAt: iso,
    detectedAt: iso,
    updatedAt: iso,
    diff: { equal: false },
    evidence: { eventIds: ['ev1'], configurationStateId: 1, captureTime: iso, rule: 3, apiCalls: [] },
    links: { pullRequest: { url: pr.url, number: pr.number, repo: `${REPO.owner}/${REPO.name}`, branch: BRANCH } },
  };
}

/** A backport pull request not merged within backport.expiryDays, on a fake clock. */
describe('emergency patches expire (backport.expiryDays)', () => {
  let redis: Redis;
  let prefix: string;
  let gh: sandbox.GitHubSandbox;
  let drifts: DriftStore;
  let audit: AuditLog;
  let now: Date;
  let driftId: string;
  let prNumber: number;
  const logger = pino({ level: 'silent' });
  const t0 = new Date('2026-11-02T09:00:00.000Z');
  const expiry = () => new BackportExpiry(redis, testKeys(prefix), drifts, audit, clientFor(gh), { expiryDays: 7 }, logger, () => now);
  const at = (days: number) => (now = new Date(t0.getTime() + days * DAY_MS));
  const overdueEntries = async () => (await audit.list({ limit: 100, type: 'backport.overdue' })).items;

  beforeAll(async () => {
    redis = testRedis();
    prefix = uniquePrefix();
    const keys = testKeys(prefix);
    audit = new AuditLog(redis, keys);
    drifts = new DriftStore(redis, keys, audit);
    gh = await startSandbox();
    const client = clientFor(gh);
    const base = await client.getBranchSha(REPO, 'main');
    await client.ensureBranch(REPO, BRANCH, base);
    await gh.commit(BRANCH, { 'stacks/prod/main.tf': '# patched\n' }, 'backport: keep the emergency change');
    const pr = await client.openPullRequest(REPO, {
      head: BRANCH,
      base: 'main',
      title: `closes tcp/8080 on ${GROUP}`,
      body: 'emergency patch',
    });
    prNumber = pr.number;
    driftId = newDriftId();
    now = t0;
    expect(await drifts.save(record(driftId, { number: pr.number, url: pr.htmlUrl }, t0), null, null)).toBe('ok');
  });
  afterAll(async () => {
    await gh.close();
    redis.disconnect();
    await dropPrefix(prefix);
  });

  it('is not overdue before expiryDays have passed since the pull request was first seen', async () => {
    at(0);
    expect(await expiry().sweep()).toEqual({ announced: [], commented: [] });
    at(6.99);
    expect(await expiry().sweep()).toEqual({ announced: [], commented: [] });
    expect((await drifts.get(driftId))?.flags).toBeUndefined();
    expect(gh.comments(prNumber)).toEqual([]);
  });

  it('at expiryDays: flagged, commented, labelled and announced once (the notification follows the audit entry)', async () => {
    at(7);
    expect(await expiry().sweep()).toEqual({ announced: [{ driftId, period: 1 }], commented: [{ driftId, period: 1 }] });
    const d = await drifts.get(driftId);
    expect(d?.flags).toEqual(['overdue']);
    expect(d?.links.pullRequest?.overdueSince).toBe('2026-11-09T09:00:00.000Z');
    const [entry, ...more] = await overdueEntries();
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actor: 'scheduler',
      driftId,
      details: { pullRequest: `acme/infra#${prNumber}`, period: 1, openDays: 7, expiryDays: 7 },
    });
    expect(notificationsFor(entry as typeof entry & { id: string }).map((n) => n.kind)).toEqual(['backport_overdue']);
    const comments = gh.comments(prNumber);
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toContain('This emergency patch is overdue');
    expect(comments[0].body).toContain('<!-- driftwarden:overdue:1 -->');
    expect(gh.pullRequest(prNumber)?.labels).toContain('overdue');
  });

  it('exactly once per period: later sweeps in the same period do nothing, even several at once', async () => {
    at(7);
    expect((await expiry().sweep()).announced).toEqual([]);
    at(13.9);
    const results = await Promise.all([expiry().sweep(), expiry().sweep(), expiry().sweep()]);
    expect(results.flatMap((r) => r.announced)).toEqual([]);
    expect(gh.comments(prNumber)).toHaveLength(1);
    at(14);
    const again = await Promise.all([expiry().sweep(), expiry().sweep(), expiry().sweep()]);
    expect(again.flatMap((r) => r.announced)).toEqual([{ driftId, period: 2 }]);
    expect(again.flatMap((r) => r.commented).map((c) => c.period)).toEqual([2]);
    expect((await overdueEntries()).map((e) => e.details?.['period'])).toEqual([1, 2]);
    expect(gh.comments(prNumber).map((c) => /overdue:(\d+)/.exec(c.body)?.[1])).toEqual(['1', '2']);
  });

  it('a later decision that rewrote the record without the flag gets it back, without a second announcement', async () => {
    await drifts.update(driftId, (d) => ({ next: { ...d, flags: undefined, status: 'held', updatedAt: now.toISOString() }, audit: null }));
    at(15);
    expect(await expiry().sweep()).toEqual({ announced: [], commented: [] });
    expect((await drifts.get(driftId))?.flags).toEqual(['overdue']);
    expect(await overdueEntries()).toHaveLength(2);
    await drifts.update(driftId, (d) => ({ next: { ...d, status: 'backport_open' }, audit: null }));
  });

  it('GitHub refusing the comment: the period is announced once, and the comment made at the next sweep', async () => {
    at(21);
    gh.failNext(
      {
        status: 422,
        body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment' },
      },
      1,
      { method: 'POST', route: '/repos/{owner}/{repo}/issues/{issue_number}/comments' },
    );
    expect(await expiry().sweep()).toEqual({ announced: [{ driftId, period: 3 }], commented: [] });
    expect(gh.comments(prNumber)).toHaveLength(2);
    at(21.01);
    expect(await expiry().sweep()).toEqual({ announced: [], commented: [{ driftId, period: 3 }] });
    expect(gh.comments(prNumber)).toHaveLength(3);
    expect(await overdueEntries()).toHaveLength(3);
  });

  it('a merged (or closed) pull request ends it', async () => {
    await drifts.update(driftId, (d) => ({
      next: { ...d, status: 'backport_merged', links: { ...d.links, pullRequest: { ...d.links.pullRequest!, merged: true } } },
      audit: null,
    }));
    at(28);
    expect(await expiry().sweep()).toEqual({ announced: [], commented: [] });
    expect(gh.comments(prNumber)).toHaveLength(3);
    expectConformant(gh);
  });

  it('nothing in dry-run mode', async () => {
    const dry = new BackportExpiry(
      redis,
      testKeys(prefix),
      drifts,
      audit,
      clientFor(gh),
      { expiryDays: 7, dryRun: true },
      logger,
      () => new Date(t0.getTime() + 100 * DAY_MS),
    );
    expect(await dry.sweep()).toEqual({ announced: [], commented: [] });
  });

  it('a record that closes between the listing and the announcement is neither announced nor rewritten', async () => {
    const branch = `${BRANCH}-race`;
    const client = clientFor(gh);
    await client.ensureBranch(REPO, branch, await client.getBranchSha(REPO, 'main'));
    await gh.commit(branch, { 'stacks/prod/race.tf': '# patched\n' }, 'backport: race');
    const pr = await client.openPullRequest(REPO, { head: branch, base: 'main', title: 'race', body: 'emergency patch' });
    const id = newDriftId();
    now = t0;
    const raced = record(id, { number: pr.number, url: pr.htmlUrl }, t0);
    expect(await drifts.save({ ...raced, resource: { ...raced.resource, id: 'sg-0e0e0000000000002' } }, null, null)).toBe('ok');
    expect((await expiry().sweep()).announced).toEqual([]); // first seen now: its clock starts
    // The sweep lists the record open; before it claims the period, the drift resolves.
    class ClosingWhileListed extends DriftStore {
      override async list(...args: Parameters<DriftStore['list']>): ReturnType<DriftStore['list']> {
        const page = await super.list(...args);
        if (page.items.some((r) => r.id === id))
          await super.update(id, (d) => ({ next: { ...d, status: 'resolved', updatedAt: d.updatedAt }, audit: null }));
        return page;
      }
    }
    const racing = new ClosingWhileListed(redis, testKeys(prefix), audit);
    const before = await drifts.get(id);
    const entries = (await overdueEntries()).length;
    at(7);
    const out = await new BackportExpiry(
      redis,
      testKeys(prefix),
      racing,
      audit,
      clientFor(gh),
      { expiryDays: 7 },
      logger,
      () => now,
    ).sweep();
    expect(out.announced.map((a) => a.driftId)).not.toContain(id);
    // Nor is the pull request told it is overdue: its drift is no longer open.
    expect(out.commented.map((a) => a.driftId)).not.toContain(id);
    expect(gh.comments(pr.number)).toEqual([]);
    expect(await overdueEntries()).toHaveLength(entries);
    const after = await drifts.get(id);
    expect(after?.status).toBe('resolved');
    expect(after?.flags ?? []).not.toContain('overdue');
    expect(after?.updatedAt).toBe(before?.updatedAt);
  });
});

/** The same, through a running controller: the API and the CLI show it, the on-call webhook hears it once per period. */
describe('an overdue backport end to end: API, CLI, webhook', () => {
  let ctl: TestController;
  let redis: Redis;
  let receiver: Server;
  const received: { kind: string; title: string; driftId?: string }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as { kind: string; title: string });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    ctl = await startTestController({
      mode: 'enforce',
      overrides: fakePorts().overrides,
      extra: { notifications: { webhooks: [{ name: 'oncall', url }] } },
    });
    redis = testRedis();
  });
  afterAll(async () => {
    await ctl.close();
    redis.disconnect();
    receiver.close();
    await dropPrefix(ctl.prefix);
  });

  it('is flagged in GET /v1/drifts?overdue=true and `driftwarden drifts --overdue`, and notified once per period', async () => {
    const keys = testKeys(ctl.prefix);
    const audit = new AuditLog(redis, keys);
    const drifts = new DriftStore(redis, keys, audit);
    const id = newDriftId();
    const t0 = new Date();
    expect(await drifts.save(record(id, { number: 12, url: 'https://github.com/acme/infra/pull/12' }, t0), null, null)).toBe('ok');
    let now = t0;
    const expiry = new BackportExpiry(redis, keys, drifts, audit, null, { expiryDays: 7 }, pino({ level: 'silent' }), () => now);
    await expiry.sweep();
    now = new Date(t0.getTime() + 7 * DAY_MS);
    expect((await expiry.sweep()).announced).toEqual([{ driftId: id, period: 1 }]);
    await expiry.sweep();
    const overdue = await http<{ items: { id: string; flags?: string[] }[] }>(ctl.url, 'GET', '/v1/drifts?overdue=true', {
      token: TOKENS.viewer,
    });
    expect(overdue.body.items.map((d) => [d.id, d.flags])).toEqual([[id, ['overdue']]]);
    expect(
      (await http<{ items: unknown[] }>(ctl.url, 'GET', '/v1/drifts?overdue=false&status=backport_open', { token: TOKENS.viewer })).body
        .items,
    ).toEqual([]);
    const cli = await cliFor(ctl.url, TOKENS.viewer).run(['drifts', '--overdue']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(id);
    expect(cli.stdout).toContain('overdue');
    const shown = await cliFor(ctl.url, TOKENS.viewer).run(['show', id]);
    expect(shown.stdout).toContain(`overdue since ${new Date(t0.getTime() + 7 * DAY_MS).toISOString()}`);
    const told = await eventually(
      async () => (received.some((m) => m.kind === 'backport_overdue') ? received : undefined),
      'the backport_overdue notification',
    );
    now = new Date(t0.getTime() + 14 * DAY_MS);
    expect((await expiry.sweep()).announced).toEqual([{ driftId: id, period: 2 }]);
    await eventually(
      async () => (received.filter((m) => m.kind === 'backport_overdue').length === 2 ? true : undefined),
      "the second period's notification",
    );
    expect(told.filter((m) => m.kind === 'backport_overdue').map((m) => m.title)).toEqual([
      'Backport overdue for sg-0e0e0000000000001 (111122223333, eu-west-1): acme/infra#12 is not merged after 7 days — merge it or close it',
      'Backport overdue for sg-0e0e0000000000001 (111122223333, eu-west-1): acme/infra#12 is not merged after 14 days — merge it or close it',
    ]);
  });
});
