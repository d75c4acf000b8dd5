/**
 * Issue 13 "Every other Terraform-managed resource: observed", end to end: the real controller on a
 * real Redis, EBS volumes (a type no kind models) in a stack's Terraform state, the GitHub sandbox,
 * and every AWS endpoint pointed at a recorder (no AWS call may be made, let alone a write).
 * - outside a freeze, a change is recorded and listed (`detected`, decision `observe`), in plain
 *   English, attributed to the CloudTrail call that made it; never reverted, no issue;
 * - a volume no stack's state holds stays `ignored` (unsupported), decided without AWS calls;
 * - during a freeze, a change opens exactly one tracking issue for the resource; a later change
 *   updates that issue and is commented on once; a retry adds nothing.
 */
import type { DriftRecord } from '@driftwarden/domain';
import { TOKENS } from '../support/test-controller';
import { DEVELOPER, modifyVolumeCall, ObservedWorld, VOL_DATA, VOL_LOGS, VOL_STRAY, VOLUME_TYPE, volumeItem } from './observed-world';

describe('observed resources (a Terraform-managed type no kind models)', () => {
  const world = new ObservedWorld();
  let stateId = 1_741_100_000_000;

  /** A developer's ModifyVolume (CloudTrail) made now, and the Config item it produced half a second later. */
  async function change(id: string, changed: Record<string, { previousValue: unknown; updatedValue: unknown }>, by = DEVELOPER) {
    const callAt = new Date();
    const at = new Date(callAt.getTime() + 500);
    const request = Object.fromEntries(Object.entries(changed).map(([k, v]) => [k.split('.').pop()!, v.updatedValue]));
    await world.send(modifyVolumeCall(id, by, callAt, request));
    stateId += 1000;
    const configuration = Object.fromEntries(Object.entries(changed).map(([k, v]) => [lowerFirst(k.split('.').pop()!), v.updatedValue]));
    await world.send(
      volumeItem(
        id,
        at,
        stateId,
        Object.fromEntries(Object.entries(changed).map(([k, v]) => [k, { ...v, changeType: 'UPDATE' as const }])),
        configuration,
      ),
    );
  }

  beforeAll(async () => {
    await world.start();
  }, 30_000);
  afterAll(async () => {
    await world.stop();
  });

  it('outside a freeze: detected and listed in plain English, attributed to the CloudTrail call, never reverted, no issue', async () => {
    await change(VOL_LOGS, { 'Configuration.Size': { previousValue: 50, updatedValue: 80 } });
    const d = await world.driftOf(VOL_LOGS, (x) => x.status === 'detected', 'the observed record');
    expect(d.resource).toMatchObject({ type: VOLUME_TYPE, kind: 'observed', stack: 'data', address: 'aws_ebs_volume.logs' });
    expect(d.decision.action).toBe('observe');
    expect(d.decision.reason).toContain('never reverted');
    expect(d.differences).toHaveLength(1);
    const x = d.differences![0];
    expect(x.sentence).toBe('changed Configuration.Size from 50 to 80');
    expect(x.madeBy).toMatchObject({
      source: 'cloudtrail-event',
      principal: { arn: DEVELOPER, class: 'other' },
      eventName: 'ModifyVolume',
    });
    expect(x.decision).toMatchObject({ action: 'observe', rule: 6 });
    expect(d.diff).toEqual({
      equal: false,
      changes: [expect.objectContaining({ property: 'Configuration.Size', previousValue: 50, updatedValue: 80 })],
    });

    // GET /v1/drifts/:id and the list agree; the audit says what changed in the same words.
    const one = await world.api<DriftRecord>('GET', `/v1/drifts/${d.id}`);
    expect(one.status).toBe(200);
    expect(one.body.differences?.[0].sentence).toBe('changed Configuration.Size from 50 to 80');
    const audit = await world.api<{ items: { type: string; driftId?: string; details?: { differences?: { sentence: string }[] } }[] }>(
      'GET',
      `/v1/audit?limit=200`,
    );
    const decision = audit.body.items.find((e) => e.driftId === d.id && e.type === 'decision');
    expect(decision?.details?.differences?.map((y) => y.sentence)).toEqual(['changed Configuration.Size from 50 to 80']);

    expect(world.trackingIssues(VOL_LOGS)).toEqual([]);
    expect(world.aws.requests).toEqual([]);
  }, 30_000);

  it('a volume in no stack’s state stays ignored (unsupported), decided without any AWS call', async () => {
    await change(VOL_STRAY, { 'Configuration.Size': { previousValue: 10, updatedValue: 20 } });
    const d = await world.driftOf(VOL_STRAY, (x) => x.status === 'ignored', 'the ignored record');
    expect(d.decision).toMatchObject({ action: 'ignore', rule: null });
    expect(d.decision.reason).toContain('not supported');
    expect(d.resource.kind).toBeUndefined();
    expect(d.evidence.explanations?.join(' ')).toContain(`holds ${VOLUME_TYPE} ${VOL_STRAY}`);
    expect(world.aws.requests).toEqual([]);
  }, 30_000);

  it('during a freeze: exactly one tracking issue per resource, updated and commented on later changes, idempotent on a retry', async () => {
    const freeze = await world.api<{ id: string }>('POST', '/v1/freezes', {
      token: TOKENS.operator,
      body: { reason: 'disk full on the data volume', ttl: '30m' },
    });
    expect(freeze.status).toBe(201);

    await change(VOL_DATA, { 'Configuration.Size': { previousValue: 100, updatedValue: 200 } });
    const first = await world.driftOf(VOL_DATA, (x) => x.status === 'backport_open' && Boolean(x.links.issue), 'the tracking issue');
    expect(first.differences?.map((x) => [x.sentence, x.decision.action, x.decision.rule])).toEqual([
      ['changed Configuration.Size from 100 to 200', 'backport', 3],
    ]);
    let issues = world.trackingIssues(VOL_DATA);
    expect(issues).toHaveLength(1);
    const issue = issues[0];
    expect(first.links.issue).toMatchObject({ number: issue.number, repo: 'acme/infra' });
    expect(issue.title).toBe(`Changed by hand: ${VOLUME_TYPE} ${VOL_DATA} (aws_ebs_volume.data): codify or undo`);
    expect(issue.labels).toEqual(expect.arrayContaining(['driftwarden', 'backport', 'tracking']));
    expect(issue.body).toContain('**changed** Configuration.Size from 100 to 200 — by **dave**');
    expect(issue.body).toContain('During a manual freeze (disk full on the data volume)');
    expect(issue.body).toContain('codify it in Terraform, or undo it by hand');
    expect(issue.body).toContain('acme/infra/terraform/data');
    expect(world.github.comments(issue.number)).toEqual([]);

    // A later change (another property) during the freeze: the same issue, updated, one comment.
    await change(VOL_DATA, { 'Configuration.Iops': { previousValue: 3000, updatedValue: 6000 } });
    const second = await world.driftOf(VOL_DATA, (x) => (x.differences?.length ?? 0) === 2, 'the second change on the record');
    await world.driftOf(
      VOL_DATA,
      () =>
        world.github.comments(issue.number).length === 1 && (world.trackingIssues(VOL_DATA)[0]?.body ?? '').includes('Configuration.Iops'),
      'the issue updated with the second change',
    );
    expect(second.id).toBe(first.id);
    issues = world.trackingIssues(VOL_DATA);
    expect(issues.map((i) => i.number)).toEqual([issue.number]);
    expect(issues[0].body).toContain('**changed** Configuration.Size from 100 to 200');
    expect(issues[0].body).toContain('**changed** Configuration.Iops from 3000 to 6000');
    const [comment] = world.github.comments(issue.number);
    expect(comment.body).toContain('**A new change**');
    expect(comment.body).toContain('Configuration.Iops from 3000 to 6000');
    expect(comment.body).not.toContain('Configuration.Size');

    // A retry of the same backport (a job run again after a crash): no second issue, no second comment.
    const record = (await world.api<DriftRecord>('GET', `/v1/drifts/${first.id}`)).body;
    const again = await world.backport().openOrUpdate(record);
    expect(again.links.issue?.number).toBe(issue.number);
    expect(world.trackingIssues(VOL_DATA)).toHaveLength(1);
    expect(world.github.comments(issue.number)).toHaveLength(1);

    // Never an AWS call, never a pull request.
    expect(world.aws.requests).toEqual([]);
    expect(world.github.pullRequests()).toEqual([]);
    await world.api('DELETE', `/v1/freezes/${freeze.body.id}`, { token: TOKENS.operator });
  }, 40_000);
});

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
