/**
 * A tracking issue closed by a human (GitHub `issues` webhook, action `closed`), end to end on the
 * real controller, Redis and the GitHub sandbox: as for a backport pull request (DESIGN §6),
 * "completed" means the change was codified by hand (`backport_merged`); "not planned" on a
 * resource driftwarden never reverts leaves it to the human (`rejected`, with why). Only a record
 * linking that very issue (number and repository) moves; the webhook is signed and deduplicated.
 */
import { randomUUID } from 'node:crypto';
import type { DriftRecord } from '@driftwarden/domain';
import { signGitHubPayload } from '@driftwarden/github';
import { OWNER, REPO, WEBHOOK_SECRET } from '../backport/backport-world';
import { http } from '../support/http';
import { TOKENS } from '../support/test-controller';
import { DEVELOPER, modifyVolumeCall, ObservedWorld, VOL_DATA, VOL_LOGS, volumeItem } from './observed-world';

describe('a tracking issue closed by a human', () => {
  const world = new ObservedWorld();
  let stateId = 1_751_100_000_000;

  async function change(id: string, from: number, to: number): Promise<void> {
    const callAt = new Date();
    await world.send(modifyVolumeCall(id, DEVELOPER, callAt, { Size: to }));
    stateId += 1000;
    await world.send(
      volumeItem(
        id,
        new Date(callAt.getTime() + 500),
        stateId,
        { 'Configuration.Size': { previousValue: from, updatedValue: to, changeType: 'UPDATE' as const } },
        { size: to },
      ),
    );
  }

  async function closeIssue(
    number: number,
    body: string,
    stateReason: string | null,
    opts: { repo?: string; signature?: string; raw?: string } = {},
  ) {
    const payload = {
      action: 'closed',
      issue: {
        number,
        html_url: `https://github.com/${OWNER}/${REPO}/issues/${number}`,
        body,
        state: 'closed',
        state_reason: stateReason,
        updated_at: new Date().toISOString(),
      },
      repository: { name: opts.repo ?? REPO, full_name: `${OWNER}/${opts.repo ?? REPO}`, owner: { login: OWNER } },
      sender: { login: 'octocat' },
    };
    const raw = opts.raw ?? JSON.stringify(payload);
    return http<{ accepted?: boolean; duplicate?: boolean; ignored?: string; drifts?: string[]; error?: string }>(
      world.ctl.url,
      'POST',
      '/v1/webhooks/github',
      {
        raw,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'issues',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': opts.signature ?? (await signGitHubPayload(raw, WEBHOOK_SECRET)),
        },
      },
    );
  }

  const record = async (id: string) => (await world.api<DriftRecord>('GET', `/v1/drifts/${id}`)).body;

  beforeAll(async () => {
    await world.start();
  }, 30_000);
  afterAll(async () => {
    await world.stop();
  });

  it('not planned on a resource never reverted: rejected, with who and why; completed: codified by hand (backport_merged)', async () => {
    const freeze = await world.api<{ id: string }>('POST', '/v1/freezes', {
      token: TOKENS.operator,
      body: { reason: 'volumes filling up', ttl: '30m' },
    });
    expect(freeze.status).toBe(201);
    await change(VOL_DATA, 100, 200);
    await change(VOL_LOGS, 50, 80);
    const data = await world.driftOf(VOL_DATA, (x) => x.status === 'backport_open' && Boolean(x.links.issue), 'the data tracking issue');
    const logs = await world.driftOf(VOL_LOGS, (x) => x.status === 'backport_open' && Boolean(x.links.issue), 'the logs tracking issue');
    await world.api('DELETE', `/v1/freezes/${freeze.body.id}`, { token: TOKENS.operator });
    const [dataIssue] = world.trackingIssues(VOL_DATA);
    const [logsIssue] = world.trackingIssues(VOL_LOGS);
    expect(data.links.issue?.number).toBe(dataIssue.number);

    // Unsigned or forged: refused; nothing moves.
    const forged = await closeIssue(dataIssue.number, dataIssue.body ?? '', 'not_planned', { signature: `sha256=${'0'.repeat(64)}` });
    expect(forged.status).toBe(401);
    // The same issue number in another repository the webhook covers: not this record's issue.
    const elsewhere = await closeIssue(dataIssue.number, dataIssue.body ?? '', 'not_planned', { repo: 'other-repo' });
    expect(elsewhere.status).toBe(202);
    expect(elsewhere.body.drifts).toEqual([]);
    // Closed as a duplicate: nothing to do (another issue covers it).
    const duplicate = await closeIssue(dataIssue.number, dataIssue.body ?? '', 'duplicate');
    expect(duplicate.body.ignored).toBe('issue closed as duplicate: nothing to do');
    // An issue without driftwarden's marker: not ours.
    const foreign = await closeIssue(dataIssue.number, 'a human-written issue', 'completed');
    expect(foreign.body.ignored).toBe('not a closed driftwarden issue');
    expect((await record(data.id)).status).toBe('backport_open');
    // Malformed: a clear 400 naming the field.
    const malformed = await closeIssue(dataIssue.number, '', null, { raw: JSON.stringify({ action: 'closed', issue: { number: 'x' } }) });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toContain('issue.number');

    const notPlanned = await closeIssue(dataIssue.number, dataIssue.body ?? '', 'not_planned');
    expect(notPlanned.status).toBe(202);
    expect(notPlanned.body.drifts).toEqual([data.id]);
    const rejected = await record(data.id);
    expect(rejected.status).toBe('rejected');
    expect(rejected.differences?.[0].decision).toMatchObject({ action: 'leave', rule: null });
    expect(rejected.differences?.[0].decision.reason).toContain(`tracking issue #${dataIssue.number} was closed as not planned by octocat`);
    expect(rejected.differences?.[0].decision.reason).toContain('undo it by hand');

    const completed = await closeIssue(logsIssue.number, logsIssue.body ?? '', 'completed');
    expect(completed.body.drifts).toEqual([logs.id]);
    expect((await record(logs.id)).status).toBe('backport_merged');

    const audit = await world.api<{ items: { type: string; driftId?: string; actor: string; reason?: string }[] }>(
      'GET',
      '/v1/audit?limit=500',
    );
    const ofData = audit.body.items.filter((e) => e.driftId === data.id && e.type.startsWith('tracking.'));
    const ofLogs = audit.body.items.filter((e) => e.driftId === logs.id && e.type.startsWith('tracking.'));
    expect(ofData).toEqual([expect.objectContaining({ type: 'tracking.not_planned', actor: 'webhook:github' })]);
    expect(ofLogs).toEqual([expect.objectContaining({ type: 'tracking.completed', actor: 'webhook:github' })]);
    expect(ofLogs[0].reason).toContain('codified by hand');
    // Never an AWS call.
    expect(world.aws.requests).toEqual([]);
  }, 60_000);
});
