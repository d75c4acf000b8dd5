import { join } from 'node:path';
import { GitHubBackport, readRecordMarker } from '@driftwarden/backport';
import type { DriftRecord } from '@driftwarden/domain';
import { securityGroupDiff } from '@driftwarden/kinds/security-group';
import { signGitHubPayload, type OctokitGitHubRepoClient } from '@driftwarden/github';
import * as sandbox from '@driftwarden/github/testing';
import { http } from '../support/http';
import { pagerDutyWebhook, signed } from '../support/pagerduty-webhook';
import { eventually, TOKENS } from '../support/test-controller';
import {
  backportBranchOf,
  BackportWorld,
  barrier,
  branchDiff,
  fastClient,
  git,
  type GroupKey,
  holdUntil,
  oneAtATime,
  OWNER,
  PAGERDUTY_SECRET,
  REPO,
  stackRepos,
  startGitHub,
  WEBHOOK_SECRET,
} from './backport-world';
import { NETWORK_MAIN_TF, PRINCIPALS, RULES } from './fixtures';

const INCIDENT = { id: 'QP1BACKPORT', number: 4711, title: 'checkout returns 5xx' };
const INCIDENT_URL = `https://acme.pagerduty.com/incidents/${INCIDENT.id}`;
const MAIN_TF = 'terraform/network/main.tf';

/** Cuts `part` out of `text` (which must contain it exactly once) or replaces it. */
function edited(text: string, part: string, by = ''): string {
  const at = text.indexOf(part);
  if (at < 0 || text.indexOf(part, at + 1) >= 0)
    throw new Error(`fixture drift: expected exactly one ${JSON.stringify(part.slice(0, 60))}`);
  return text.slice(0, at) + by + text.slice(at + part.length);
}

const WORKERS_PUBLIC_8080 = `  # Partner callbacks (legacy): reachable from anywhere.
  ingress {
    description = "partner callbacks"
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

`;
const WORKERS_PARTNER_8080 = `  ingress {
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = ["198.51.100.0/24"]
  }

`;

/** The seed story's change: the public 8080 block goes, with the comment that sits above it. */
const SEED_DIFF = `diff --git a/terraform/network/main.tf b/terraform/network/main.tf
--- a/terraform/network/main.tf
+++ b/terraform/network/main.tf
@@ -14,15 +14,6 @@ resource "aws_security_group" "workers" {
     cidr_blocks = ["10.0.0.0/8"]
   }
 
-  # Partner callbacks (legacy): reachable from anywhere.
-  ingress {
-    description = "partner callbacks"
-    from_port   = 8080
-    to_port     = 8080
-    protocol    = "tcp"
-    cidr_blocks = ["0.0.0.0/0"]
-  }
-
   egress {
     from_port   = 0
     to_port     = 0
`;

interface Freeze {
  frozen: boolean;
  sources: { id: string; type: string; incident?: { id: string } }[];
}

/**
 * Backport pull requests end to end (DESIGN §6): the real controller in enforce mode, the real
 * EC2 adapter against the sandbox account, a PagerDuty fake for the incident, and the GitHub
 * sandbox — a real HTTP server over a real git repository that checks every request and answer
 * against GitHub's OpenAPI description. The backport adapter is the real `GitHubBackport` on the
 * real Octokit client built from the `github:` config; only the client's waits are shortened
 * (the last describe runs the controller's own wiring, unshortened).
 *
 * The tests of this describe build on each other, in order (one world, one repository).
 */
describe('backport pull requests end to end', () => {
  const world = new BackportWorld();
  let client: OctokitGitHubRepoClient;
  /** The seed story's drift, as the controller recorded it when the PR opened. */
  let seed: DriftRecord;
  /** GitHub requests made by the seed story's backport, as the client and the sandbox counted them. */
  const firstBackport = { clientCalls: 0, requests: [] as string[] };
  /** A manual freeze of team=api, declared well before the change (CloudTrail dates a change before Config sees it). */
  let apiFreeze = '';

  const gh = () => world.github;
  const sg = (key: GroupKey) => world.groupId(key);
  const branch = (key: GroupKey) => backportBranchOf(sg(key));
  const requestsSince = (n: number) =>
    gh()
      .calls.slice(n)
      .map((c) => `${c.method} ${c.route ?? c.path} → ${c.status}${c.injected ? ' (injected)' : ''}`);
  const backportAudits = async (type: string, driftId: string) => (await world.audit(type, driftId)).length;
  /** Validation was on (every request was matched to an operation of GitHub's description) and nothing was refused. */
  const expectConformant = () => {
    expect(
      gh()
        .calls.filter((c) => c.operationId === undefined)
        .map((c) => `${c.method} ${c.path}`),
    ).toEqual([]);
    expect(gh().requestProblems).toEqual([]);
    expect(gh().responseProblems).toEqual([]);
    expect(gh().internalErrors).toEqual([]);
  };

  beforeAll(async () => {
    await world.start({
      pagerduty: true,
      backport: (github) => {
        client = fastClient(github.url);
        return new GitHubBackport(client, stackRepos());
      },
    });
    // The first PagerDuty poll: the freeze state is known (and nothing is frozen).
    await eventually(async () => (await world.api<Freeze>('GET', '/v1/freeze')).body.frozen === false, 'the first incident poll');
    const freeze = await world.api<{ id: string }>('POST', '/v1/freezes', {
      token: TOKENS.operator,
      body: { reason: 'api migration in progress', ttl: '10m', scope: { tags: { team: 'api' } } },
    });
    expect(freeze.status).toBe(201);
    apiFreeze = freeze.body.id;
  }, 30_000);
  afterAll(async () => {
    await world.stop();
  });

  it('the seed story: a break-glass engineer closes tcp/8080 to 0.0.0.0/0 during a P1: one PR whose branch diff is exactly that HCL change', async () => {
    // Opened a minute ago (PagerDuty dates are whole seconds): the change is well inside it.
    const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString();
    world.pagerduty?.setIncidents([{ ...INCIDENT, priority: 'P1', createdAt }]);
    const hook = signed(
      pagerDutyWebhook({
        eventId: 'EV-BP-1',
        type: 'incident.triggered',
        incidentId: INCIDENT.id,
        number: INCIDENT.number,
        priority: 'P1',
        status: 'triggered',
        createdAt,
      }),
      PAGERDUTY_SECRET,
    );
    const res = await world.api('POST', '/v1/webhooks/pagerduty', {
      token: '',
      raw: hook.raw,
      headers: { 'x-pagerduty-signature': hook.signature, 'x-webhook-id': 'W-BP-1' },
    });
    expect(res.status).toBe(202);
    await eventually(
      async () => (await world.api<Freeze>('GET', '/v1/freeze')).body.sources.some((s) => s.incident?.id === INCIDENT.id),
      'the incident freeze',
    );

    const callsBefore = client.calls;
    const requestsBefore = gh().calls.length;
    await world.account.change(sg('workers'), { revoke: [RULES.partnerPublic] }, PRINCIPALS.alice);
    seed = await world.driftOf('workers', (d) => d.status === 'backport_open' && d.links.pullRequest !== undefined, 'the backport PR');
    firstBackport.clientCalls = client.calls - callsBefore;
    firstBackport.requests = requestsSince(requestsBefore);

    expect(seed.decision).toMatchObject({ action: 'backport', rule: 3 });
    expect(seed.resource).toMatchObject({ id: sg('workers'), address: 'aws_security_group.workers', stack: 'network' });
    expect(securityGroupDiff(seed.diff).missing).toEqual([RULES.partnerPublic]);
    expect(securityGroupDiff(seed.diff).extra).toEqual([]);

    // One PR, from the resource's branch to the stack's base branch, linked from the record.
    const pulls = gh().pullRequests();
    expect(pulls).toHaveLength(1);
    const pr = pulls[0];
    expect(pr).toMatchObject({ state: 'open', merged: false, head: branch('workers'), base: 'main', draft: false });
    expect(seed.links.pullRequest).toEqual({
      url: `${new URL(gh().url).origin}/${OWNER}/${REPO}/pull/${pr.number}`,
      number: pr.number,
      repo: `${OWNER}/${REPO}`,
      branch: branch('workers'),
    });
    // ...and the incident it was made under (DESIGN §7 links.incident).
    expect(seed.links.incident).toMatchObject({ provider: 'pagerduty', id: INCIDENT.id });

    // The branch: one commit on top of main, changing one file, exactly so.
    expect(git(gh(), 'rev-list', '--count', `main..${branch('workers')}`).trim()).toBe('1');
    expect(git(gh(), 'diff', '--name-only', `main...${branch('workers')}`)).toBe(`${MAIN_TF}\n`);
    expect(branchDiff(gh(), branch('workers'))).toBe(SEED_DIFF);
    expect(git(gh(), 'show', `${branch('workers')}:${MAIN_TF}`)).toBe(edited(NETWORK_MAIN_TF, WORKERS_PUBLIC_8080));
    expect(git(gh(), 'show', `main:${MAIN_TF}`)).toBe(NETWORK_MAIN_TF);
    expect(git(gh(), 'log', '-1', '--format=%s', branch('workers')).trim()).toBe(
      `Backport closes tcp/8080 to 0.0.0.0/0 on ${sg('workers')} (aws_security_group.workers)`,
    );

    // Every request was driftwarden's, on the API version it pins.
    expect(new Set(gh().calls.map((c) => `${c.apiVersion ?? '-'} ${c.userAgent?.split(' ')[0] ?? '-'}`))).toEqual(
      new Set(['2022-11-28 driftwarden']),
    );
    // The emergency patch stands: nothing re-authorized the port.
    expect(world.account.rules(sg('workers')).some((r) => r.fromPort === 8080)).toBe(false);
    expect(world.account.ec2.writeCalls().filter((c) => c.action.startsWith('Authorize'))).toEqual([]);
    expectConformant();
  }, 30_000);

  it('the PR carries the labels driftwarden, backport and incident:pagerduty-<id>, and its title and body say what, who, when, during which incident, with the evidence and a hidden marker', async () => {
    const pr = world.pullsOf('workers')[0];
    expect(pr.labels).toEqual(['driftwarden', 'backport', `incident:pagerduty-${INCIDENT.id}`]);
    expect(
      gh()
        .labels()
        .map((l) => l.name),
    ).toEqual(['driftwarden', 'backport', `incident:pagerduty-${INCIDENT.id}`]);

    expect(pr.title).toBe(`Backport emergency change: closes tcp/8080 to 0.0.0.0/0 on ${sg('workers')} (aws_security_group.workers)`);

    const body = pr.body ?? '';
    // What, who, when and during which incident, in one sentence.
    expect(body).toContain(
      `During pagerduty incident [${INCIDENT.number}: ${INCIDENT.title}](${INCIDENT_URL}), **alice@example.com** (\`${PRINCIPALS.alice}\`, breakGlass) changed security group \`${sg('workers')}\` (\`aws_security_group.workers\`) by hand at ${seed.changedAt}. The change narrowed exposure (it only closed or tightened access):`,
    );
    expect(body).toMatch(/^- closed \*\*tcp\/8080 (from|to) 0\.0\.0\.0\/0\*\*$/m);
    expect(body).toContain('did not revert this emergency patch (decision rule 3:');
    expect(body).toContain(`\`${MAIN_TF}\` (this branch against the base branch):\n\n- removes tcp/8080 from 0.0.0.0/0`);
    expect(body).toContain('Latest commit:\n\n- removed the ingress block at line 18 (tcp/8080 from 0.0.0.0/0)');
    // The evidence.
    expect(body).toContain(`| Drift record | \`${seed.id}\` |`);
    expect(body).toContain(
      `| Config item captured | ${seed.evidence.captureTime} (configurationStateId ${String(seed.evidence.configurationStateId)}) |`,
    );
    expect(seed.evidence.cloudTrailEventId).toBeDefined();
    expect(body).toContain(`| CloudTrail event | \`${String(seed.evidence.cloudTrailEventId)}\` |`);
    expect(body).toContain(`| Principal | \`${PRINCIPALS.alice}\` |`);
    expect(body).toContain(`| Incident | pagerduty ${INCIDENT.id} (${INCIDENT_URL}) |`);
    expect(body).toContain('| Stack | network |');
    // The hidden markers (HTML comments: render as nothing on GitHub), last: the ids, then the
    // record summary a rebuild after a Redis loss reads back.
    expect(body).toMatch(
      new RegExp(`\\n<!-- driftwarden:drift=${seed.id} resource=${sg('workers')} -->\\n<!-- driftwarden:record=[A-Za-z0-9_-]+ -->$`),
    );
    expect(readRecordMarker(body)).toEqual({
      ok: true,
      summary: {
        v: 1,
        id: seed.id,
        resource: seed.resource,
        decision: seed.decision,
        principal: seed.principal,
        changedAt: seed.changedAt,
        detectedAt: seed.detectedAt,
        incident: { provider: 'pagerduty', id: INCIDENT.id, number: INCIDENT.number, title: INCIDENT.title, url: INCIDENT_URL },
      },
    });

    // The record's audit trail says a PR was opened, with its URL.
    const audit = await world.audit('backport.pull_request', seed.id);
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toMatchObject({ url: seed.links.pullRequest?.url });
  });

  it('a first backport costs 6 GitHub API calls (target ≤ 7; client count = requests GitHub received): one read, then tree, commit, branch, PR, labels', () => {
    expect(firstBackport.clientCalls).toBe(firstBackport.requests.length);
    expect(firstBackport.requests).toEqual([
      // Both heads (base and backport branch) and the stack folder's files, in one GraphQL query.
      'POST /graphql → 200',
      'POST /repos/{owner}/{repo}/git/trees → 201',
      'POST /repos/{owner}/{repo}/git/commits → 201',
      'POST /repos/{owner}/{repo}/git/refs → 201',
      'POST /repos/{owner}/{repo}/pulls → 201',
      'POST /repos/{owner}/{repo}/issues/{issue_number}/labels → 200',
    ]);
  });

  it('a second drift on the same resource adds a commit to the same branch and updates the same PR (still one PR, one drift record)', async () => {
    const before = world.pullsOf('workers')[0];
    const headBefore = git(gh(), 'rev-parse', branch('workers')).trim();
    // Later in the incident, alice lets the partner's range back in (and only it).
    await world.account.change(sg('workers'), { authorize: [RULES.partnerOnly] }, PRINCIPALS.alice);
    await eventually(async () => (await backportAudits('backport.pull_request', seed.id)) === 2, 'the second backport of the drift');

    const d = await world.drift(seed.id);
    expect(d.status).toBe('backport_open');
    expect(d.evidence.eventIds).toHaveLength(2);
    expect(d.diff).toMatchObject({ missing: [RULES.partnerPublic], extra: [RULES.partnerOnly] });
    expect(d.links.pullRequest).toEqual(seed.links.pullRequest);
    expect((await world.drifts('workers')).map((x) => x.id)).toEqual([seed.id]);

    const pulls = world.pullsOf('workers');
    expect(pulls).toHaveLength(1);
    expect(gh().pullRequests()).toHaveLength(1);
    const pr = pulls[0];
    expect(pr.number).toBe(before.number);
    expect(pr.state).toBe('open');
    // A new commit on top of the first one.
    expect(git(gh(), 'rev-list', '--count', `main..${branch('workers')}`).trim()).toBe('2');
    expect(git(gh(), 'rev-parse', `${branch('workers')}^`).trim()).toBe(headBefore);
    expect(git(gh(), 'show', `${branch('workers')}:${MAIN_TF}`)).toBe(edited(NETWORK_MAIN_TF, WORKERS_PUBLIC_8080, WORKERS_PARTNER_8080));
    expect(branchDiff(gh(), branch('workers'))).toBe(`diff --git a/terraform/network/main.tf b/terraform/network/main.tf
--- a/terraform/network/main.tf
+++ b/terraform/network/main.tf
@@ -14,13 +14,11 @@ resource "aws_security_group" "workers" {
     cidr_blocks = ["10.0.0.0/8"]
   }
 
-  # Partner callbacks (legacy): reachable from anywhere.
   ingress {
-    description = "partner callbacks"
     from_port   = 8080
     to_port     = 8080
     protocol    = "tcp"
-    cidr_blocks = ["0.0.0.0/0"]
+    cidr_blocks = ["198.51.100.0/24"]
   }
 
   egress {
`);
    // Title and body were updated.
    expect(pr.title).toBe(
      `Backport emergency change: closes tcp/8080 to 0.0.0.0/0, opens tcp/8080 to 198.51.100.0/24 on ${sg('workers')} (aws_security_group.workers)`,
    );
    expect(pr.body).not.toBe(before.body);
    expect(pr.body).toMatch(/^- opened \*\*tcp\/8080 (from|to) 198\.51\.100\.0\/24\*\*$/m);
    expect(pr.body).toContain(
      `| Config item captured | ${d.evidence.captureTime} (configurationStateId ${String(d.evidence.configurationStateId)}) |`,
    );
    expect(pr.labels).toEqual(['driftwarden', 'backport', `incident:pagerduty-${INCIDENT.id}`]);
    expectConformant();
  }, 30_000);

  it('the updated PR body does not call a narrowing a widening (0.0.0.0/0 became one /24)', async () => {
    const pr = world.pullsOf('workers')[0];
    const body = pr.body ?? '';
    const d = await world.drift(seed.id);
    // Each call is judged on its own (the /24 call opened 8080 to the partner at the time: only
    // break-glass makes that an emergency patch), but what the PR does to the code is judged over
    // everything it codifies: 0.0.0.0/0 became one /24, a narrowing, so no widening label or banner.
    expect(d.decision.reason).toContain('change made by a break-glass principal');
    expect(body).toContain('narrowed exposure (it only closed or tightened access)');
    expect(body).not.toMatch(/widened exposure|⚠ widens exposure/i);
    expect(pr.labels).not.toContain('widens-exposure');
  });

  it('the updated PR body lists everything the pull request changes in the code, not only its last commit', () => {
    const body = world.pullsOf('workers')[0].body ?? '';
    const section = body.slice(body.indexOf('## The change to the code'), body.indexOf('## Evidence'));
    // The PR's diff removes the public block and adds the partner one (see the diff above).
    expect(section).toMatch(/0\.0\.0\.0\/0/);
    expect(section).toMatch(/198\.51\.100\.0\/24/);
  });

  it('duplicate events (the same Config and CloudTrail deliveries again, twice at once) open no second PR and make no GitHub call', async () => {
    const mine = world.account.delivered.filter((e) => JSON.stringify(e).includes(sg('workers')));
    expect(mine.length).toBeGreaterThanOrEqual(4);
    const requestsBefore = gh().calls.length;
    const decisionsBefore = (await world.audit('decision')).length;
    const answers = await Promise.all(
      [1, 2].map(() => world.api<{ accepted: { duplicate: boolean }[] }>('POST', '/v1/events', { token: TOKENS.ingest, body: mine })),
    );
    for (const a of answers) {
      expect(a.status).toBe(202);
      expect(a.body.accepted.map((x) => x.duplicate)).toEqual(mine.map(() => true));
    }
    expect((await world.audit('decision')).length).toBe(decisionsBefore);
    expect(await backportAudits('backport.pull_request', seed.id)).toBe(2);
    expect(gh().pullRequests()).toHaveLength(1);
    expect(gh().calls.length).toBe(requestsBefore);
  });

  it('forged, tampered or unsigned pull_request webhooks are rejected with 401 and change nothing', async () => {
    const pr = world.pullsOf('workers')[0];
    const payload = await gh().pullRequestEventPayload(pr.number, 'closed');
    const merged = {
      ...payload,
      pull_request: {
        ...(payload['pull_request'] as Record<string, unknown>),
        state: 'closed',
        merged: true,
        merged_at: new Date().toISOString(),
      },
    };

    const forged = await world.postGitHubWebhook(merged, { secret: 'not-the-secret' });
    const unsigned = await world.postGitHubWebhook(merged, { secret: null });
    const sha1Only = await world.postGitHubWebhook(merged, { sha1Only: true });
    const tampered = await world.postGitHubWebhook(payload, { raw: JSON.stringify(merged) });
    const garbage = await world.postGitHubWebhook(merged, { signature: 'sha256=zz' });
    for (const r of [forged, unsigned, sha1Only, tampered, garbage]) {
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ error: { code: 'bad_signature' } });
    }

    // A webhook configured with form encoding gets a clear 415, not a misleading signature error.
    const form = await fetch(`${world.ctl.url}/v1/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-github-event': 'pull_request',
        'x-hub-signature-256': 'sha256=00',
      },
      body: `payload=${encodeURIComponent(JSON.stringify(merged))}`,
    });
    expect(form.status).toBe(415);
    expect(((await form.json()) as { error: { message: string } }).error.message).toContain('application/json');

    const d = await world.drift(seed.id);
    expect(d.status).toBe('backport_open');
    expect(await world.audit('backport.merged')).toEqual([]);
    expect(await world.audit('backport.closed')).toEqual([]);
    expect(gh().pullRequest(pr.number)?.state).toBe('open');
    const metrics = await world.api<string>('GET', '/metrics');
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="github",reason="bad_signature"\} 3/);
    expect(metrics.body).toMatch(/driftwarden_webhooks_rejected_total\{provider="github",reason="unsigned"\} 2/);
  });

  it('a correctly signed merge of a PR with the same number and branch in ANOTHER repository moves nothing; a delivery without X-GitHub-Delivery is refused', async () => {
    const pr = world.pullsOf('workers')[0];
    const payload = await gh().pullRequestEventPayload(pr.number, 'closed');
    const repository = payload['repository'] as Record<string, unknown>;
    const elsewhere = {
      ...payload,
      repository: { ...repository, name: 'scratch', full_name: `${OWNER}/scratch` },
      pull_request: {
        ...(payload['pull_request'] as Record<string, unknown>),
        state: 'closed',
        merged: true,
        merged_at: new Date().toISOString(),
      },
    };
    const res = await world.postGitHubWebhook(elsewhere);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ drifts: [] });
    expect((await world.drift(seed.id)).status).toBe('backport_open');
    expect(await world.audit('backport.merged')).toEqual([]);

    const raw = JSON.stringify(payload);
    const noDelivery = await http<{ error: { problems: { path: string }[] } }>(world.ctl.url, 'POST', '/v1/webhooks/github', {
      raw,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-hub-signature-256': await signGitHubPayload(raw, WEBHOOK_SECRET),
      },
    });
    expect(noDelivery.status).toBe(400);
    expect(noDelivery.body.error.problems).toEqual([expect.objectContaining({ path: 'headers.x-github-delivery' })]);
  });

  it('merging the PR delivers a signed webhook that moves the record to backport_merged; a replayed delivery is a duplicate', async () => {
    const pr = world.pullsOf('workers')[0];
    const branchFile = git(gh(), 'show', `${branch('workers')}:${MAIN_TF}`);
    const { delivery } = await gh().mergePullRequest(pr.number, { by: 'carol' });
    expect(delivery).toMatchObject({ event: 'pull_request', action: 'closed', status: 202 });
    const d = await world.driftOf('workers', (x) => x.id === seed.id && x.status === 'backport_merged', 'backport_merged');
    expect(d.links.pullRequest).toEqual({ ...seed.links.pullRequest, merged: true });
    const audit = await world.audit('backport.merged', seed.id);
    expect(audit).toHaveLength(1);
    expect(audit[0].reason).toBe(`pull request #${pr.number} merged: the code now matches the live state`);
    // The code on main is now the live state.
    expect(git(gh(), 'show', `main:${MAIN_TF}`)).toBe(branchFile);

    // GitHub redelivers: same delivery id, same signed body.
    if (!delivery) throw new Error('no delivery');
    const replay = await world.postGitHubWebhook(delivery.payload, { delivery: delivery.id });
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ duplicate: true });
    expect(await world.audit('backport.merged', seed.id)).toHaveLength(1);
  });

  it('during a manual freeze (no incident) a developer who closes a port gets a PR without an incident label; closing it unmerged moves the record to awaiting_approval', async () => {
    try {
      await world.account.change(sg('api'), { revoke: [RULES.metricsPublic] }, PRINCIPALS.bob);
      const d = await world.driftOf('api', (x) => x.links.pullRequest !== undefined, 'the backport PR');
      expect(d.decision).toMatchObject({ action: 'backport', rule: 3 });
      expect(d.decision.reason).toContain('change made during a declared freeze');
      expect(d.principal).toMatchObject({ class: 'other', session: 'bob' });

      const pulls = world.pullsOf('api');
      expect(pulls).toHaveLength(1);
      const pr = pulls[0];
      expect(pr.labels).toEqual(['driftwarden', 'backport']);
      expect(pr.title).toBe(`Backport emergency change: closes tcp/9100 to 0.0.0.0/0 on ${sg('api')} (aws_security_group.api)`);
      expect(pr.body).toContain(
        `**bob** (\`${PRINCIPALS.bob}\`, other) changed security group \`${sg('api')}\` (\`aws_security_group.api\`)`,
      );
      expect(pr.body).toContain('| Incident | – |');
      expect(pr.body).toContain(`<!-- driftwarden:drift=${d.id} resource=${sg('api')} -->`);
      // The rule resource goes, with its comment.
      expect(git(gh(), 'show', `${branch('api')}:${MAIN_TF}`)).toBe(
        edited(
          git(gh(), 'show', `main:${MAIN_TF}`),
          `# Prometheus scraping from anywhere (temporary, they said).
resource "aws_vpc_security_group_ingress_rule" "api_metrics" {
  security_group_id = aws_security_group.api.id
  ip_protocol       = "tcp"
  from_port         = 9100
  to_port           = 9100
  cidr_ipv4         = "0.0.0.0/0"
}

`,
        ),
      );

      const { delivery } = await gh().closePullRequest(pr.number);
      expect(delivery?.status).toBe(202);
      const closed = await world.driftOf('api', (x) => x.id === d.id && x.status === 'awaiting_approval', 'awaiting_approval');
      expect(closed.links.pullRequest?.number).toBe(pr.number);
      const audit = await world.audit('backport.closed', d.id);
      expect(audit).toHaveLength(1);
      expect(audit[0].reason).toBe(
        `pull request #${pr.number} closed without merging: the emergency change should go; a revert needs approval`,
      );
      // Nothing was reverted: the revert needs an approval.
      expect(world.account.rules(sg('api')).some((r) => r.fromPort === 9100)).toBe(false);
    } finally {
      await world.api('DELETE', `/v1/freezes/${apiFreeze}`, { token: TOKENS.operator });
    }
    expectConformant();
  }, 30_000);

  it('GitHub 5xx and primary and secondary rate limits are retried, and the PR still opens', async () => {
    const soon = () => Math.floor(Date.now() / 1000) + 1;
    const route = (method: string, path: string): sandbox.SandboxMatch => ({ method, route: `/repos/{owner}/{repo}${path}` });
    gh().failNext(sandbox.sandboxFailures.serverError(502), 2, { method: 'POST', route: '/graphql' });
    gh().failNext(sandbox.sandboxFailures.graphqlRateLimit(soon()), 1, { method: 'POST', route: '/graphql' });
    gh().failNext(sandbox.sandboxFailures.primaryRateLimit(soon()), 1, route('POST', '/git/refs'));
    gh().failNext(sandbox.sandboxFailures.serverError(503), 1, route('POST', '/git/commits'));
    gh().failNext(sandbox.sandboxFailures.secondaryRateLimit(1, 429), 1, route('POST', '/git/trees'));
    gh().failNext(sandbox.sandboxFailures.secondaryRateLimit(1), 1, route('POST', '/pulls'));
    gh().failNext(sandbox.sandboxFailures.primaryRateLimit(soon(), 429), 1, route('POST', '/issues/{issue_number}/labels'));
    const requestsBefore = gh().calls.length;

    await world.account.change(sg('batch'), { revoke: [RULES.sshPublic] }, PRINCIPALS.alice);
    const d = await world.driftOf('batch', (x) => x.links.pullRequest !== undefined, 'the backport PR despite the failures', 20_000);

    const calls = gh().calls.slice(requestsBefore);
    const injected = calls.filter((c) => c.injected).map((c) => `${c.method} ${c.route} ${c.status}`);
    expect(injected).toEqual([
      'POST /graphql 502',
      'POST /graphql 502',
      // GraphQL's primary limit: HTTP 200 with an error of type RATE_LIMITED.
      'POST /graphql 200',
      // A first backport commits on the base, then creates the branch at that commit.
      'POST /repos/{owner}/{repo}/git/trees 429',
      'POST /repos/{owner}/{repo}/git/commits 503',
      'POST /repos/{owner}/{repo}/git/refs 403',
      'POST /repos/{owner}/{repo}/pulls 403',
      'POST /repos/{owner}/{repo}/issues/{issue_number}/labels 429',
    ]);
    // Each failed request was retried in process, and the retry succeeded.
    for (const [i, c] of calls.entries()) {
      if (c.injected)
        expect(calls.slice(i + 1).some((n) => !n.injected && n.method === c.method && n.route === c.route && n.status < 300)).toBe(true);
    }
    expect(await backportAudits('backport.failed', d.id)).toBe(0);
    expect(await backportAudits('backport.pull_request', d.id)).toBe(1);

    const pulls = world.pullsOf('batch');
    expect(pulls).toHaveLength(1);
    expect(pulls[0].labels).toEqual(['driftwarden', 'backport']);
    expect(git(gh(), 'rev-list', '--count', `main..${branch('batch')}`).trim()).toBe('1');
    expect(git(gh(), 'show', `${branch('batch')}:${MAIN_TF}`)).toBe(
      edited(
        git(gh(), 'show', `main:${MAIN_TF}`),
        `

# Debug access for the on-call.
resource "aws_security_group_rule" "batch_ssh" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.batch.id
}
`,
        '\n',
      ),
    );
    expectConformant();
  }, 30_000);

  it('dynamic "ingress" blocks cannot be edited safely: ONE issue instead of a PR, updated by a second drift, linked from the record', async () => {
    const requestsBefore = gh().calls.length;
    await world.account.change(sg('dyn'), { revoke: [RULES.altHttpsPublic] }, PRINCIPALS.alice);
    const d = await world.driftOf('dyn', (x) => x.links.issue !== undefined, 'the issue');
    const issues = world.issuesOf('dyn');
    expect(issues).toHaveLength(1);
    const issue = issues[0];
    // A break-glass change outside any freeze: no incident to link.
    expect(d.links).toEqual({
      issue: { url: `${new URL(gh().url).origin}/${OWNER}/${REPO}/issues/${issue.number}`, number: issue.number, repo: `${OWNER}/${REPO}` },
    });
    expect(world.pullsOf('dyn')).toEqual([]);
    // No branch was even created.
    expect(git(gh(), 'branch', '--list', branch('dyn'))).toBe('');
    // Nothing but the issue was written (the GraphQL POST is a read).
    expect(
      gh()
        .calls.slice(requestsBefore)
        .filter((c) => c.method !== 'GET' && c.route !== '/graphql')
        .map((c) => `${c.method} ${c.route}`),
    ).toEqual(['POST /repos/{owner}/{repo}/issues']);

    expect(issue.state).toBe('open');
    expect(issue.labels).toEqual(['driftwarden', 'backport']);
    expect(issue.title).toBe(`Backport by hand: closes tcp/8443 to 0.0.0.0/0 on ${sg('dyn')} (aws_security_group.dyn)`);
    expect(issue.body).toContain(
      `but cannot edit its Terraform code safely: **aws_security_group.dyn uses dynamic "ingress" blocks (line 11)**`,
    );
    expect(issue.body).toMatch(/^\| ingress \| tcp\/8443 (from|to) 0\.0\.0\.0\/0 \| absent \| present \|$/m);
    expect(issue.body).toContain(`principal \`${PRINCIPALS.alice}\``);
    expect(issue.body).toContain(`<!-- driftwarden:drift=${d.id} resource=${sg('dyn')} -->`);
    const audit = await world.audit('backport.issue', d.id);
    expect(audit).toHaveLength(1);
    expect(audit[0].reason).toBe('aws_security_group.dyn uses dynamic "ingress" blocks (line 11)');

    // A second drift on the same group updates the same issue.
    await world.account.change(sg('dyn'), { revoke: [RULES.httpsPublic] }, PRINCIPALS.alice);
    await eventually(async () => (await backportAudits('backport.issue', d.id)) === 2, 'the second backport of the drift');
    const again = world.issuesOf('dyn');
    expect(again).toHaveLength(1);
    expect(again[0].number).toBe(issue.number);
    expect(again[0].title).toBe(
      `Backport by hand: closes tcp/443 to 0.0.0.0/0, closes tcp/8443 to 0.0.0.0/0 on ${sg('dyn')} (aws_security_group.dyn)`,
    );
    expect(again[0].body).toMatch(/^\| ingress \| tcp\/443 (from|to) 0\.0\.0\.0\/0 \| absent \| present \|$/m);
    expect(again[0].body).toMatch(/^\| ingress \| tcp\/8443 (from|to) 0\.0\.0\.0\/0 \| absent \| present \|$/m);
    expect((await world.drift(d.id)).links.issue?.number).toBe(issue.number);
    expect(gh().allIssues()).toHaveLength(1);
    expectConformant();
  }, 30_000);

  it('for_each rule resources and registry modules cannot be edited safely either: one issue each, no branch', async () => {
    await world.account.change(sg('fe'), { revoke: [RULES.postgresB] }, PRINCIPALS.alice);
    await world.account.change(sg('edge'), { revoke: [RULES.httpsPublic] }, PRINCIPALS.alice);
    const fe = await world.driftOf('fe', (x) => x.links.issue !== undefined, 'the for_each issue');
    const edge = await world.driftOf('edge', (x) => x.links.issue !== undefined, 'the registry module issue');
    expect(edge.resource.address).toBe('module.edge_sg.aws_security_group.this');

    const feIssues = world.issuesOf('fe');
    const edgeIssues = world.issuesOf('edge');
    expect(feIssues).toHaveLength(1);
    expect(edgeIssues).toHaveLength(1);
    expect(fe.links.issue?.number).toBe(feIssues[0].number);
    expect(edge.links.issue?.number).toBe(edgeIssues[0].number);
    expect(feIssues[0].body).toContain('**aws_vpc_security_group_ingress_rule.fe_postgres uses for_each (line 8)**');
    expect(edgeIssues[0].body).toContain(
      '**module edge_sg comes from terraform-aws-modules/security-group/aws (registry), not from this repository**',
    );
    expect(edgeIssues[0].title).toBe(
      `Backport by hand: closes tcp/443 to 0.0.0.0/0 on ${sg('edge')} (module.edge_sg.aws_security_group.this)`,
    );
    for (const key of ['fe', 'edge'] as const) {
      expect(world.pullsOf(key)).toEqual([]);
      expect(git(gh(), 'branch', '--list', branch(key))).toBe('');
    }
    expect(gh().allIssues()).toHaveLength(3);
    expectConformant();
  }, 30_000);

  it('two GitHubBackport instances racing openOrUpdate on the same drift open ONE PR with ONE commit (GitHub sees them at the same step)', async () => {
    const racing = await startGitHub(join(world.dir, 'race'));
    try {
      const clients = [fastClient(racing.url), fastClient(racing.url), fastClient(racing.url)];
      const replicas = clients.map((c) => new GitHubBackport(c, stackRepos()));
      const answered = (method: string, path: string) =>
        racing.calls.filter((c) => c.method === method && c.route === `/repos/{owner}/{repo}${path}` && c.status !== 0).length;
      // All three create the branch at the same moment: one creates it, two find it exists.
      const branchRace = barrier(racing, { method: 'POST', route: '/repos/{owner}/{repo}/git/refs' }, 3);
      // The one that created the branch opens the PR only once the other two looked for one and
      // found none: all three then open it. GitHub decides those one at a time (the sandbox does
      // not on its own: see oneAtATime).
      holdUntil(
        racing,
        { method: 'POST', route: '/repos/{owner}/{repo}/pulls' },
        () => answered('GET', '/pulls') >= 2,
        'the two other replicas to look for the PR',
      );
      oneAtATime(racing, { method: 'POST', route: '/repos/{owner}/{repo}/pulls' }, 3);
      const results = await Promise.all(replicas.map((r) => r.openOrUpdate(seed)));
      expect(branchRace.arrived()).toBe(3);

      const pulls = racing.pullRequests();
      expect(pulls).toHaveLength(1);
      for (const r of results)
        expect(r).toEqual({
          kind: 'pull_request',
          links: {
            pullRequest: {
              url: `${new URL(racing.url).origin}/${OWNER}/${REPO}/pull/${pulls[0].number}`,
              number: pulls[0].number,
              repo: `${OWNER}/${REPO}`,
              branch: branch('workers'),
            },
          },
        });
      const status = (method: string, path: string) =>
        racing.calls
          .filter((c) => c.method === method && c.route === `/repos/{owner}/{repo}${path}`)
          .map((c) => c.status)
          .sort();
      // GitHub refused the losers: the branch exists, the PR exists.
      expect(status('POST', '/git/refs')).toEqual([201, 422, 422]);
      expect(status('POST', '/pulls')).toEqual([201, 422, 422]);
      expect(git(racing, 'rev-list', '--count', `main..${branch('workers')}`).trim()).toBe('1');
      expect(branchDiff(racing, branch('workers'))).toBe(SEED_DIFF);
      expect(pulls[0].labels).toEqual(['driftwarden', 'backport', `incident:pagerduty-${INCIDENT.id}`]);
      expect(racing.labels()).toHaveLength(3);

      // And again, all at once: nothing new.
      const again = await Promise.all(replicas.map((r) => r.openOrUpdate(seed)));
      expect(new Set(again.map((r) => r.links.pullRequest?.number))).toEqual(new Set([pulls[0].number]));
      expect(racing.pullRequests()).toHaveLength(1);
      expect(git(racing, 'rev-list', '--count', `main..${branch('workers')}`).trim()).toBe('1');
      expect(racing.requestProblems).toEqual([]);
      expect(racing.responseProblems).toEqual([]);
      expect(racing.internalErrors).toEqual([]);
    } finally {
      await racing.close();
    }
  }, 30_000);
});

/**
 * Two controllers on one Redis prefix, each with API and workers, both receiving every event;
 * no port override at all: the controller builds its GitHub client and backport adapter from
 * the `github:` and `stacks[].repo` config, with GitHub's real write spacing (slow: ~10 s).
 */
describe('two controller replicas on one Redis prefix, GitHub wired from config', () => {
  const world = new BackportWorld();

  beforeAll(async () => {
    await world.start({ replicas: 2, groups: ['workers'] });
  }, 30_000);
  afterAll(async () => {
    await world.stop();
  });

  it('a break-glass change delivered to both replicas opens exactly one PR with one commit', async () => {
    await world.account.change(world.groupId('workers'), { revoke: [RULES.partnerPublic] }, PRINCIPALS.alice);
    const d = await world.driftOf('workers', (x) => x.links.pullRequest !== undefined, 'the backport PR', 30_000);
    expect(d.decision).toMatchObject({ action: 'backport', rule: 3 });
    expect(world.github.pullRequests()).toHaveLength(1);
    // One backport ran, once: one branch creation and one PR creation, neither refused as a duplicate.
    const statuses = (method: string, route: string) =>
      world.github.calls.filter((c) => c.method === method && c.route === `/repos/{owner}/{repo}${route}`).map((c) => c.status);
    expect(statuses('POST', '/git/refs')).toEqual([201]);
    expect(statuses('POST', '/pulls')).toEqual([201]);
    expect(git(world.github, 'rev-list', '--count', `main..${backportBranchOf(world.groupId('workers'))}`).trim()).toBe('1');
    expect(branchDiff(world.github, backportBranchOf(world.groupId('workers')))).toBe(SEED_DIFF);
    // No incident here: no incident label.
    expect(world.github.pullRequests()[0].labels).toEqual(['driftwarden', 'backport']);
    // Both replicas answer for the same record.
    const fromB = await http<DriftRecord>(world.controllers[1].url, 'GET', `/v1/drifts/${d.id}`, { token: TOKENS.viewer });
    expect(fromB.body.links).toEqual(d.links);
    expect(world.github.requestProblems).toEqual([]);
    expect(world.github.responseProblems).toEqual([]);
    expect(world.github.internalErrors).toEqual([]);
  }, 45_000);

  it('the PR body does not say the change was made during a freeze when nothing was frozen (break-glass outside any freeze)', async () => {
    const d = (await world.drifts('workers'))[0];
    expect(d.evidence.freeze?.atChange.declared).toBe(false);
    expect(d.evidence.freeze?.now.frozen).toBe(false);
    const body = world.github.pullRequests()[0].body ?? '';
    expect(body).toContain(`**alice@example.com** (\`${PRINCIPALS.alice}\`, breakGlass) changed security group`);
    expect(body).not.toMatch(/^During a freeze/m);
  });
});
