import { PermanentError, TransientError, WaitError, type DriftRecord } from '@driftwarden/domain';
import { aDifference, aDrift } from '@driftwarden/domain/testing';
import type { ExceptionsPort } from '../ports/exceptions.port';
import type { FreezePort, FreezeView } from '../ports/freeze.port';
import type { Fence, FencePort, RemediationPort, RevertResult } from '../ports/remediation.port';
import { KindRegistry, type ResourceKind } from '../ports/resource-kind.port';
import { FakeItemStates, InMemoryDriftRecords } from '../test/use-case-support';
import { FreezeRecordedError, RemediateService } from './remediate.service';

const NOW = new Date('2026-03-06T16:05:00.000Z');
const view = (frozen: boolean): FreezeView => ({
  freeze: {
    now: { frozen, sources: [] },
    atChange: { declared: false, unknown: false, withinLookback: false, sources: [] },
  },
});
const verified = (over: Partial<RevertResult> = {}): RevertResult => ({
  verified: true,
  apiCalls: [{ service: 'test', operation: 'RevokeWidget', request: {}, at: NOW.toISOString() }],
  afterState: { verified: true, capturedAt: NOW.toISOString() } as unknown as RevertResult['afterState'],
  ...over,
});

/** The use case with typed mocks of its ports; `records` and `items` are in memory. */
function build(record: DriftRecord | null) {
  const records = new InMemoryDriftRecords(...(record ? [record] : []));
  const items = new FakeItemStates();
  const fence: jest.MockedFunction<Fence> = jest.fn(async () => undefined);
  const fences: jest.Mocked<FencePort> = { arm: jest.fn(async () => fence) };
  const freeze: jest.Mocked<FreezePort> = { view: jest.fn<Promise<FreezeView>, Parameters<FreezePort['view']>>(async () => view(false)) };
  const remediation: jest.Mocked<RemediationPort> = {
    revert: jest.fn<Promise<RevertResult>, Parameters<RemediationPort['revert']>>(async () => verified()),
  };
  const exceptions: jest.Mocked<ExceptionsPort> = {
    activeFor: jest.fn<ReturnType<ExceptionsPort['activeFor']>, Parameters<ExceptionsPort['activeFor']>>(async () => null),
  };
  const widget: ResourceKind = {
    name: 'widget',
    configTypes: ['AWS::Test::Widget'],
    cloudTrailEventNames: [],
    analyze: () => {
      throw new Error('not used by remediate');
    },
    callChanges: () => new Map(),
    directions: () => new Map(),
    diffOf: (differences) => ({ equal: differences.length === 0, attributes: [] }),
  };
  const service = new RemediateService(records, items, freeze, fences, remediation, exceptions, new KindRegistry([widget]), () => NOW);
  return { service, records, items, fence, fences, freeze, remediation, exceptions };
}

const JOB = { driftId: 'drf_test0001', eventId: 'ev-1', correlationId: 'c-1' };

describe('RemediateService (revert one drift, fenced and re-checked)', () => {
  it('reverts a detected drift decided `revert`: fence armed first, record reverted with the calls and the after-state', async () => {
    const w = build(aDrift());
    await expect(w.service.run(JOB)).resolves.toBe('reverted');
    expect(w.fences.arm.mock.invocationCallOrder[0]).toBeLessThan(w.freeze.view.mock.invocationCallOrder[0]);
    expect(w.remediation.revert).toHaveBeenCalledWith(
      expect.objectContaining({ id: JOB.driftId, status: 'reverting' }),
      w.fence,
      undefined,
    );
    const after = await w.records.get(JOB.driftId);
    expect(after).toMatchObject({ status: 'reverted', evidence: { afterState: { verified: true } } });
    expect(after!.evidence.apiCalls.map((c) => c.operation)).toEqual(['RevokeWidget']);
    expect(w.records.audit.map((a) => a.type)).toEqual(['remediation.started', 'remediation.reverted']);
  });

  it('a revert that does not verify fails the record', async () => {
    const w = build(aDrift());
    w.remediation.revert.mockResolvedValue(verified({ verified: false }));
    await expect(w.service.run(JOB)).resolves.toBe('failed');
    expect(await w.records.get(JOB.driftId)).toMatchObject({ status: 'failed' });
  });

  it('holds, without a cloud call, when the re-check after settle finds a freeze', async () => {
    const w = build(aDrift());
    w.freeze.view.mockResolvedValue(view(true));
    await expect(w.service.run(JOB)).resolves.toBe('held');
    expect(w.remediation.revert).not.toHaveBeenCalled();
    expect(await w.records.get(JOB.driftId)).toMatchObject({ status: 'held', decision: { action: 'hold', rule: 4 } });
  });

  it('a freeze recorded after arming (the fence fails) holds when the freeze covers the resource', async () => {
    const w = build(aDrift());
    w.remediation.revert.mockRejectedValueOnce(new FreezeRecordedError());
    w.freeze.view.mockResolvedValueOnce(view(false)).mockResolvedValueOnce(view(true));
    await expect(w.service.run(JOB)).resolves.toBe('held');
    expect(w.fences.arm).toHaveBeenCalledTimes(2);
    expect(await w.records.get(JOB.driftId)).toMatchObject({ status: 'held' });
  });

  it('a freeze elsewhere (another scope) re-arms and carries on', async () => {
    const w = build(aDrift());
    w.remediation.revert.mockRejectedValueOnce(new FreezeRecordedError());
    await expect(w.service.run(JOB)).resolves.toBe('reverted');
    expect(w.fences.arm).toHaveBeenCalledTimes(2);
    expect(w.remediation.revert).toHaveBeenCalledTimes(2);
  });

  it('an exception created during settle excludes the resource', async () => {
    const w = build(aDrift());
    w.exceptions.activeFor.mockResolvedValue({ id: 'exc_1', reason: 'load test', until: '2026-03-07T00:00:00.000Z' });
    await expect(w.service.run(JOB)).resolves.toBe('excluded');
    expect(w.remediation.revert).not.toHaveBeenCalled();
    expect(await w.records.get(JOB.driftId)).toMatchObject({ status: 'ignored', decision: { action: 'ignore' } });
  });

  it('a permanent error fails the record with the reason; a transient one is rethrown and the retry resumes', async () => {
    const failed = build(aDrift());
    failed.remediation.revert.mockRejectedValue(new PermanentError('not authorized', 'access_denied'));
    await expect(failed.service.run(JOB)).resolves.toBe('failed');
    const record = await failed.records.get(JOB.driftId);
    expect(record!.evidence.apiCalls.at(-1)).toMatchObject({ operation: 'revert', error: { code: 'access_denied' } });

    const flaky = build(aDrift());
    flaky.remediation.revert.mockRejectedValueOnce(new TransientError('throttled', 'throttled'));
    await expect(flaky.service.run(JOB)).rejects.toThrow('throttled');
    expect(await flaky.records.get(JOB.driftId)).toMatchObject({ status: 'reverting' });
    await expect(flaky.service.run(JOB)).resolves.toBe('reverted');
  });

  it('reverts only the differences decided `revert`; the others stay on the record with their decisions', async () => {
    const door = aDifference({ id: 'tcp-22|added' });
    const fix = aDifference({
      id: 'tcp-8080|removed',
      decision: { action: 'backport', rule: 3, reason: 'emergency patch', at: NOW.toISOString() },
    });
    const w = build(aDrift({ differences: [door, fix] }));
    await expect(w.service.run(JOB)).resolves.toBe('reverted');
    expect(w.remediation.revert).toHaveBeenCalledWith(expect.anything(), w.fence, [door]);
    const after = await w.records.get(JOB.driftId);
    expect(after!.differences!.map((d) => d.id)).toEqual([fix.id]);
    expect(after!.status).toBe('backport_open');
    expect(w.records.audit.at(-1)).toMatchObject({ type: 'remediation.reverted', details: { reverted: [door.id], remaining: [fix.id] } });
  });

  it.each<[string, Partial<DriftRecord>]>([
    ['a newer event decided the record', { evidence: { ...aDrift().evidence, eventIds: ['ev-1', 'ev-2'] } }],
    ['the record is held', { status: 'held', decision: { action: 'hold', rule: 4, reason: 'frozen' } }],
    ['the decision is not a revert', { decision: { action: 'await_approval', rule: 5, reason: 'widens' } }],
  ])('does nothing when the job is superseded: %s', async (_what, change) => {
    const w = build(aDrift(change));
    await expect(w.service.run(JOB)).resolves.toBe('superseded');
    expect(w.fences.arm).not.toHaveBeenCalled();
    expect(w.remediation.revert).not.toHaveBeenCalled();
  });

  it('does nothing while a newer item of the resource waits (its evaluation decides)', async () => {
    const w = build(aDrift());
    w.items.pending.set('111122223333/eu-west-1/AWS::Test::Widget/widget-1', 1);
    await expect(w.service.run(JOB)).resolves.toBe('superseded');
    expect(w.remediation.revert).not.toHaveBeenCalled();
  });

  it('waits, without deciding anything, while its decision is not committed yet', async () => {
    const w = build(aDrift({ evidence: { ...aDrift().evidence, eventIds: ['ev-0'] } }));
    w.items.outcomes.set('ev-1', '');
    await expect(w.service.run(JOB, { enqueuedAtMs: NOW.getTime() - 1_000 })).rejects.toBeInstanceOf(WaitError);
    expect(w.fences.arm).not.toHaveBeenCalled();
  });

  it('does not revert when the record changed between the check and the start (another replica took it)', async () => {
    const w = build(aDrift());
    w.records.beforeWrite = () => w.records.put(aDrift({ status: 'held', updatedAt: '2026-03-06T16:04:00.000Z' }));
    await expect(w.service.run(JOB)).resolves.toBe('superseded');
    expect(w.remediation.revert).not.toHaveBeenCalled();
  });
});
