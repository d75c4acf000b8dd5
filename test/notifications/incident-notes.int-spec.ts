import type { DriftRecord } from '@driftwarden/domain';
import { GitHubBackport } from '@driftwarden/backport';
import { pagerDutyWebhook, signed } from '../support/pagerduty-webhook';
import { eventually } from '../support/test-controller';
import { BackportWorld, fastClient, NOTES_FROM, PAGERDUTY_SECRET, stackRepos } from '../backport/backport-world';
import { ACCOUNT, PRINCIPALS, RULES } from '../backport/fixtures';
import { testQueue } from '../support/redis';

const MALLORY = `arn:aws:sts::${ACCOUNT}:assumed-role/developer/mallory`;

/** The first line of each note says what driftwarden did: the transition it tells. */
const TRANSITION_OF: Array<[RegExp, string]> = [
  [/^driftwarden held a change/, 'held'],
  [/^driftwarden flagged a suspicious change/, 'suspicious'],
  [/^driftwarden opened a backport pull request/, 'backport_opened'],
  [/^The backport pull request for .* was merged/, 'backport_merged'],
  [/^driftwarden reverted a change/, 'reverted'],
];
function transitionOf(content: string): string {
  return TRANSITION_OF.find(([re]) => re.test(content))?.[1] ?? `unknown: ${content.split('\n')[0]}`;
}

/**
 * The Friday story (issue 10 §1's held door, plus a merged backport) told on the incident's
 * timeline (issue 14 §4): during a PagerDuty P1, a door opened by someone who is not break-glass
 * is held and flagged, a break-glass closure is backported, the door is reverted after the
 * freeze, the PR is merged. Each of those record transitions becomes exactly one note on that
 * incident, whatever the replicas and redeliveries; with notes off there is none.
 */
async function friday(
  world: BackportWorld,
  incident: { id: string; number: number; title: string },
  events: string,
): Promise<{ record: DriftRecord; pr: number }> {
  const sg = world.groupId('workers');
  const freeze = async () => (await world.api<{ frozen: boolean; sources: { incident?: { id: string } }[] }>('GET', '/v1/freeze')).body;
  const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString();
  world.pagerduty!.setIncidents([{ ...incident, priority: 'P1', createdAt }]);
  const opened = signed(
    pagerDutyWebhook({
      eventId: `${events}-1`,
      type: 'incident.triggered',
      incidentId: incident.id,
      number: incident.number,
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
        raw: opened.raw,
        headers: { 'x-pagerduty-signature': opened.signature, 'x-webhook-id': `${events}-W1` },
      })
    ).status,
  ).toBe(202);
  await eventually(
    async () => ((await freeze()).sources.some((s) => s.incident?.id === incident.id) ? true : undefined),
    'the incident freeze',
  );

  // Held and suspicious: the door; backported: the break-glass closure.
  await world.account.change(sg, { authorize: [RULES.sshPublic] }, MALLORY);
  await world.driftOf('workers', (d) => d.status === 'held' && (d.flags ?? []).includes('suspicious'), 'the held, suspicious door');
  await world.account.change(sg, { revoke: [RULES.partnerPublic] }, PRINCIPALS.alice);
  await world.driftOf('workers', (d) => d.links.pullRequest !== undefined, 'the backport PR');

  // The incident resolves (cooldown 0): the door is reverted.
  world.pagerduty!.setIncidents([{ ...incident, priority: 'P1', createdAt, status: 'resolved' }]);
  const resolved = signed(
    pagerDutyWebhook({
      eventId: `${events}-2`,
      type: 'incident.resolved',
      incidentId: incident.id,
      number: incident.number,
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
        headers: { 'x-pagerduty-signature': resolved.signature, 'x-webhook-id': `${events}-W2` },
      })
    ).status,
  ).toBe(202);
  const after = await world.driftOf(
    'workers',
    (d) => d.status === 'backport_open' && d.evidence.apiCalls.some((c) => c.operation === 'RevokeSecurityGroupIngress'),
    'the door reverted',
    30_000,
  );
  return { record: after, pr: after.links.pullRequest?.number as number };
}

async function merge(world: BackportWorld, pr: number): Promise<void> {
  const payload = await world.github.pullRequestEventPayload(pr, 'closed');
  const merged = {
    ...payload,
    pull_request: {
      ...(payload['pull_request'] as Record<string, unknown>),
      state: 'closed',
      merged: true,
      merged_at: new Date().toISOString(),
    },
  };
  expect((await world.postGitHubWebhook(merged)).status).toBe(202);
}

describe('notes on the incident timeline: the Friday story with notes on (two replicas)', () => {
  const world = new BackportWorld();
  const INCIDENT = { id: 'QNOTES1', number: 7001, title: 'checkout under attack' };

  beforeAll(async () => {
    await world.start({
      pagerduty: true,
      notes: true,
      replicas: 2,
      groups: ['workers'],
      backport: (github) => new GitHubBackport(fastClient(github.url), stackRepos()),
    });
    await eventually(
      async () => ((await world.api<{ frozen: boolean }>('GET', '/v1/freeze')).body.frozen === false ? true : undefined),
      'the first incident poll',
    );
  }, 30_000);
  afterAll(async () => {
    await world.stop();
  });

  it('posts exactly one note per transition, to the incident it happened in; a note that fails for good is audited and shown on the record', async () => {
    const pd = world.pagerduty!;
    const { record, pr } = await friday(world, INCIDENT, 'EV-NOTES');
    const expected = ['backport_opened', 'held', 'reverted', 'suspicious'];
    await eventually(async () => (pd.notes(INCIDENT.id).length >= expected.length ? true : undefined), 'the four notes', 30_000);

    // The merge's note cannot be posted (PagerDuty refuses it for good): audited, on the record.
    pd.failWhen((r) => r.method === 'POST' && (r.path ?? '').endsWith('/notes'), { status: 403 });
    await merge(world, pr);
    const failed = await eventually(
      async () => {
        const d = await world.drift(record.id);
        return d.incidentNotes?.find((n) => n.status === 'failed') ? d : undefined;
      },
      'the failed note on the record',
      30_000,
    );

    const notes = pd.notes(INCIDENT.id);
    expect(notes.map((n) => transitionOf(n.content)).sort()).toEqual(expected);
    // Nothing to any other incident; every note written as the configured From user.
    expect(pd.allNotes().every((n) => n.incidentId === INCIDENT.id && n.from === NOTES_FROM)).toBe(true);
    // What changed, on which resource, who did it, a link.
    const held = notes.find((n) => transitionOf(n.content) === 'held')!.content;
    expect(held).toContain(world.groupId('workers'));
    expect(held).toMatch(/What changed: .*ingress tcp\/22 from 0\.0\.0\.0\/0/);
    expect(held).toContain(`Changed by: ${MALLORY}`);
    expect(notes.find((n) => transitionOf(n.content) === 'backport_opened')!.content).toMatch(/Pull request: \S+\/pull\/\d+/);
    expect(notes.find((n) => transitionOf(n.content) === 'reverted')!.content).toMatch(/What changed: opened ingress tcp\/22/);
    // Every request was one the official PagerDuty description accepts.
    expect(pd.requests.filter((r) => r.problems.length > 0)).toEqual([]);

    // The record shows each note; the failed one with why.
    const states = failed.incidentNotes ?? [];
    expect(
      states
        .filter((n) => n.status === 'posted')
        .map((n) => n.transition)
        .sort(),
    ).toEqual(expected);
    expect(states.find((n) => n.status === 'failed')).toMatchObject({
      transition: 'backport_merged',
      provider: 'pagerduty',
      incidentId: INCIDENT.id,
      error: expect.stringContaining('403'),
    });
    const audited = await world.audit('incident_note.failed', record.id);
    expect(audited).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ transition: 'backport_merged', incidentId: INCIDENT.id }) }),
    ]);
    expect(await world.audit('incident_note.posted', record.id)).toHaveLength(4);
  }, 120_000);
});

describe('notes on the incident timeline: the same story with notes off', () => {
  const world = new BackportWorld();
  const INCIDENT = { id: 'QNOTES2', number: 7002, title: 'checkout under attack' };

  beforeAll(async () => {
    await world.start({
      pagerduty: true,
      groups: ['workers'],
      backport: (github) => new GitHubBackport(fastClient(github.url), stackRepos()),
    });
    await eventually(
      async () => ((await world.api<{ frozen: boolean }>('GET', '/v1/freeze')).body.frozen === false ? true : undefined),
      'the first incident poll',
    );
  }, 30_000);
  afterAll(async () => {
    await world.stop();
  });

  it('posts no note and queues none, though every transition happened', async () => {
    const { record, pr } = await friday(world, INCIDENT, 'EV-NONOTES');
    await merge(world, pr);
    await world.driftOf('workers', (d) => d.id === record.id && d.status === 'backport_merged', 'the merged backport');
    const queue = testQueue('incident-notes', world.prefix);
    try {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      await queue.close();
    }
    expect(world.pagerduty!.allNotes()).toEqual([]);
    expect(world.pagerduty!.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect((await world.drift(record.id)).incidentNotes).toBeUndefined();
  }, 120_000);
});
