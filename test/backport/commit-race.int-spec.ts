import type { DriftRecord } from '@driftwarden/domain';
import { GitHubBackport } from '@driftwarden/backport';
import { BackportService, type BackportOutcome } from '@driftwarden/pipeline';
import { DriftStore } from '@driftwarden/store';
import { pagerDutyWebhook, signed } from '../support/pagerduty-webhook';
import { eventually } from '../support/test-controller';
import { BackportWorld, fastClient, PAGERDUTY_SECRET, stackRepos } from './backport-world';
import { ACCOUNT, PRINCIPALS, RULES } from './fixtures';

const MALLORY = `arn:aws:sts::${ACCOUNT}:assumed-role/developer/mallory`;
const INCIDENT = { id: 'QCOMMITRACE', number: 6160, title: 'checkout degraded' };

/**
 * The evaluation enqueues its backport job before it commits the record (a crash between the two
 * must not lose the job), and a commit can lose a compare-and-set race and be retried. Found by a
 * session: when the backport worker took the job in between, it saw the record without the
 * decision, ended as "superseded", and the retry's add of the same job id was ignored by BullMQ:
 * the emergency patch was never backported. Here the race is forced at its worst moment: the
 * worker runs the job, then a concurrent write makes the commit lose, then the evaluation retries.
 * Real controller, real Redis, the EC2 sandbox account and the GitHub sandbox.
 */
describe('a backport job that runs before its decision is committed', () => {
  const world = new BackportWorld();
  const sg = () => world.groupId('workers');
  const runs: Array<BackportOutcome | string> = [];
  let raced = false;

  beforeAll(async () => {
    await world.start({
      pagerduty: true,
      groups: ['workers'],
      backport: (github) => new GitHubBackport(fastClient(github.url), stackRepos()),
    });
    const app = world.ctl.app;
    // Every run of the backport job, as the worker sees it (outcome, or the error that delayed or failed it).
    const backports = app.get(BackportService);
    const run = backports.run.bind(backports);
    backports.run = async (...args: Parameters<BackportService['run']>) => {
      try {
        const outcome = await run(...args);
        runs.push(outcome);
        return outcome;
      } catch (err) {
        runs.push((err as Error).name);
        throw err;
      }
    };
    // The first commit of a backport decision on an existing record: the worker takes the job
    // first, then another writer changes the record, so the commit loses its compare-and-set.
    const store = app.get(DriftStore);
    const save = store.save.bind(store);
    store.save = async (...args: Parameters<DriftStore['save']>) => {
      const [next, previous] = args;
      if (!raced && previous && next.differences?.some((d) => d.decision.action === 'backport')) {
        raced = true;
        await eventually(async () => (runs.length > 0 ? true : undefined), 'the backport job to run before the commit', 10_000);
        await store.update(previous.record.id, (d) => ({ next: { ...d, updatedAt: new Date().toISOString() }, audit: null }));
      }
      return save(...args);
    };
    const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString();
    world.pagerduty!.setIncidents([{ ...INCIDENT, priority: 'P1', createdAt }]);
    const hook = signed(
      pagerDutyWebhook({
        eventId: 'EV-CR-1',
        type: 'incident.triggered',
        incidentId: INCIDENT.id,
        number: INCIDENT.number,
        priority: 'P1',
        status: 'triggered',
        createdAt,
      }),
      PAGERDUTY_SECRET,
    );
    const answer = await world.api('POST', '/v1/webhooks/pagerduty', {
      token: '',
      raw: hook.raw,
      headers: { 'x-pagerduty-signature': hook.signature, 'x-webhook-id': 'W-CR-1' },
    });
    expect(answer.status).toBe(202);
    await eventually(
      async () =>
        (await world.api<{ sources: { incident?: { id: string } }[] }>('GET', '/v1/freeze')).body.sources.some(
          (s) => s.incident?.id === INCIDENT.id,
        )
          ? true
          : undefined,
      'the incident freeze',
    );
  }, 30_000);
  afterAll(async () => {
    await world.stop();
  });

  it('still opens the backport PR once the retried decision is committed', async () => {
    // An existing record first (the held door), so the backport job's id is the one the retry re-adds.
    await world.account.change(sg(), { authorize: [RULES.sshPublic] }, MALLORY);
    const held = await world.driftOf('workers', (d) => d.status === 'held', 'the held door', 60_000);

    // The break-glass fix during the freeze: decided `backport`, its first commit loses the race.
    await world.account.change(sg(), { revoke: [RULES.partnerPublic] }, PRINCIPALS.alice);
    const opened: DriftRecord = await world.driftOf(
      'workers',
      (d) => d.id === held.id && d.links.pullRequest !== undefined,
      'the backport PR after the lost commit',
      60_000,
    );

    expect(raced).toBe(true);
    // The job ran before the commit, waited for it (never "superseded"), then opened the PR.
    expect(runs[0]).toBe('WaitError');
    expect(runs).not.toContain('superseded');
    expect(runs).toContain('opened');
    expect(world.pullsOf('workers')).toHaveLength(1);
    expect(opened.differences?.find((d) => d.decision.action === 'backport')?.madeBy.principal.arn).toBe(PRINCIPALS.alice);
  }, 120_000);
});
