import { PermanentError, TransientError, WaitError } from '@driftwarden/domain';
import { aDifference, aDrift } from '@driftwarden/domain/testing';
import { BackportPort, type BackportResult } from '../ports/backport.port';
import { FakeItemStates, InMemoryDriftRecords } from '../test/use-case-support';
import { BackportService } from './backport.service';

const NOW = new Date('2026-03-06T16:05:00.000Z');
const JOB = { driftId: 'drf_test0001', eventId: 'ev-1', correlationId: 'c-1' };
const PR: BackportResult = {
  kind: 'pull_request',
  links: { pullRequest: { url: 'https://github.com/acme/infra/pull/7', number: 7 } },
} as BackportResult;

const codified = aDifference({
  id: 'tcp-8080|removed',
  decision: { action: 'backport', rule: 3, reason: 'emergency patch during a freeze', at: NOW.toISOString() },
});
const held = aDifference({ id: 'tcp-22|added', decision: { action: 'hold', rule: 4, reason: 'frozen', at: NOW.toISOString() } });

function build(record = aDrift({ status: 'held', differences: [held, codified] })) {
  const records = new InMemoryDriftRecords(record);
  const items = new FakeItemStates();
  const backport: jest.Mocked<Pick<BackportPort, 'openOrUpdate'>> = {
    openOrUpdate: jest.fn<Promise<BackportResult>, Parameters<BackportPort['openOrUpdate']>>(async () => PR),
  };
  const port = Object.assign(Object.create(BackportPort.prototype) as BackportPort, backport);
  return { service: new BackportService(records, items, port, () => NOW), records, items, backport };
}

describe('BackportService (open or update the backport PR of a drift)', () => {
  it('opens the PR for a record with a difference decided `backport`, links it and audits it', async () => {
    const w = build();
    await expect(w.service.run(JOB)).resolves.toBe('opened');
    expect(w.backport.openOrUpdate).toHaveBeenCalledWith(expect.objectContaining({ id: JOB.driftId }));
    expect(await w.records.get(JOB.driftId)).toMatchObject({ status: 'held', links: PR.links });
    expect(w.records.audit).toEqual([expect.objectContaining({ type: 'backport.pull_request', driftId: JOB.driftId })]);
  });

  it('says when the code could not be edited safely and an issue was opened instead', async () => {
    const w = build();
    w.backport.openOrUpdate.mockResolvedValue({
      kind: 'issue',
      links: { issue: { url: 'https://github.com/acme/infra/issues/8', number: 8 } },
      reason: 'the rule is built with for_each',
    } as BackportResult);
    await expect(w.service.run(JOB)).resolves.toBe('opened');
    expect(w.records.audit[0]).toMatchObject({ type: 'backport.issue', reason: 'the rule is built with for_each' });
  });

  it.each([
    ['nothing is decided `backport`', aDrift({ status: 'held', differences: [held] })],
    [
      'a newer event decided the record',
      aDrift({ differences: [codified], evidence: { ...aDrift().evidence, eventIds: ['ev-1', 'ev-2'] } }),
    ],
    ['the record ended', aDrift({ status: 'reverted', differences: [codified] })],
    ['the record is a dry run', aDrift({ dryRun: true, differences: [codified] })],
  ])('opens nothing when %s', async (_what, record) => {
    const w = build(record);
    await expect(w.service.run(JOB)).resolves.toBe('superseded');
    expect(w.backport.openOrUpdate).not.toHaveBeenCalled();
  });

  it('a permanent GitHub error fails the record with the reason; a transient one is rethrown for a retry', async () => {
    const w = build();
    w.backport.openOrUpdate.mockRejectedValueOnce(new TransientError('GitHub answered 502', 'github_unavailable'));
    await expect(w.service.run(JOB)).rejects.toThrow('502');
    expect(await w.records.get(JOB.driftId)).toMatchObject({ status: 'held' });
    w.backport.openOrUpdate.mockRejectedValueOnce(new PermanentError('the repository is archived', 'repo_archived'));
    await expect(w.service.run(JOB)).resolves.toBe('failed');
    expect(await w.records.get(JOB.driftId)).toMatchObject({ status: 'failed' });
    expect(w.records.audit.at(-1)).toMatchObject({ type: 'backport.failed', reason: 'repo_archived: the repository is archived' });
  });

  it('waits while its decision is being committed, then opens the PR once it is', async () => {
    const w = build(aDrift({ status: 'held', differences: [held], evidence: { ...aDrift().evidence, eventIds: ['ev-0'] } }));
    w.items.outcomes.set('ev-1', '');
    await expect(w.service.run(JOB, { enqueuedAtMs: NOW.getTime() })).rejects.toBeInstanceOf(WaitError);
    // The evaluation's retry commits the decision.
    w.records.put(
      aDrift({ status: 'held', differences: [held, codified], evidence: { ...aDrift().evidence, eventIds: ['ev-0', 'ev-1'] } }),
    );
    w.items.outcomes.set('ev-1', 'decided');
    await expect(w.service.run(JOB)).resolves.toBe('opened');
  });

  it('one run per resource at a time: a job that finds the lease taken waits, then runs once it is free', async () => {
    const w = build();
    const held = await w.records.lease('backport:111122223333/eu-west-1/AWS::Test::Widget/widget-1', 60_000);
    await expect(w.service.run(JOB)).rejects.toMatchObject({ code: 'backport_busy' });
    expect(w.backport.openOrUpdate).not.toHaveBeenCalled();
    await held!();
    await expect(w.service.run(JOB)).resolves.toBe('opened');
  });

  it('gives up when the item was settled without this record carrying it, or the record is gone', async () => {
    const w = build(aDrift({ differences: [codified], evidence: { ...aDrift().evidence, eventIds: ['ev-0'] } }));
    w.items.outcomes.set('ev-1', 'coalesced');
    await expect(w.service.run(JOB)).resolves.toBe('superseded');
    await expect(w.service.run({ ...JOB, driftId: 'drf_gone' })).resolves.toBe('not_found');
    expect(w.backport.openOrUpdate).not.toHaveBeenCalled();
  });
});
