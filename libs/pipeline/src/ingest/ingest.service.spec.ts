import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrincipalClassifier, resourceKey, type InternalEvent } from '@driftwarden/domain';
import { aDrift } from '@driftwarden/domain/testing';
import { normalizeDelivery } from '@driftwarden/ingest';
import type { JobProducer } from '@driftwarden/queue';
import type { AcceptResult, AuditLog, CloudTrailStore, DriftStore, ItemLedger } from '@driftwarden/store';
import { aVersion } from '../test/use-case-support';
import { IngestService } from './ingest.service';

const EXAMPLES = join(__dirname, '..', '..', '..', '..', 'examples', 'events');
/** A sample delivery as AWS sends it (examples/events), normalised as the edge does. */
function sample(file: string): InternalEvent[] {
  const result = normalizeDelivery(JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')), { transport: 'http' });
  if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.problems)}`);
  return result.events;
}

type Ledger = Pick<ItemLedger, 'accept' | 'firstSeen'>;
type Drifts = Pick<DriftStore, 'openFor' | 'update'>;

/** The use case with typed mocks of its stores (shaped after the real classes) and producer. */
function build(selfArn = 'arn:aws:sts::111122223333:assumed-role/driftwarden-remediator/driftwarden') {
  const ledger: jest.Mocked<Ledger> = {
    accept: jest.fn<Promise<AcceptResult[]>, Parameters<Ledger['accept']>>(async (items) =>
      items.map((i) => ({ eventId: i.eventId, detail: '', status: 'accepted' as const, resourceKey: resourceKey(i.resource) })),
    ),
    firstSeen: jest.fn<Promise<boolean>, [string]>(async () => true),
  };
  const cloudTrail: jest.Mocked<Pick<CloudTrailStore, 'put'>> = {
    put: jest.fn<Promise<boolean[]>, Parameters<CloudTrailStore['put']>>(async (events) => events.map(() => false)),
  };
  const producer: jest.Mocked<Pick<JobProducer, 'evaluate'>> = {
    evaluate: jest.fn<Promise<void>, Parameters<JobProducer['evaluate']>>(async () => undefined),
  };
  const audit: jest.Mocked<Pick<AuditLog, 'append'>> = {
    append: jest.fn<ReturnType<AuditLog['append']>, Parameters<AuditLog['append']>>(async () => '1-0'),
  };
  const drifts: jest.Mocked<Drifts> = {
    openFor: jest.fn<ReturnType<Drifts['openFor']>, Parameters<Drifts['openFor']>>(async () => null),
    update: jest.fn<ReturnType<Drifts['update']>, Parameters<Drifts['update']>>(async () => null),
  };
  const principals = new PrincipalClassifier({ iac: [], breakGlass: [], self: [selfArn] });
  const service = new IngestService(
    ledger as unknown as ItemLedger,
    cloudTrail as unknown as CloudTrailStore,
    producer as unknown as JobProducer,
    audit as unknown as AuditLog,
    principals,
    drifts as unknown as DriftStore,
  );
  return { service, ledger, cloudTrail, producer, audit, drifts };
}

const CTX = { transport: 'http' as const, actor: 'token:ingest', correlationId: 'corr-1' };

describe('IngestService (record what arrived, then ask for evaluations)', () => {
  it('records the item, then asks for one evaluation of its resource, and answers in input order', async () => {
    const w = build();
    const events = [...sample('config-item-change.json'), ...sample('cloudtrail-authorize-ingress.json')];
    const answer = await w.service.ingestEvents(events, CTX);
    expect(answer.map((a) => a.kind)).toEqual(events.map((e) => (e.kind === 'config_item' ? 'config_item' : e.kind)));
    expect(answer.every((a) => a.status === 'accepted')).toBe(true);
    // CloudTrail is stored before the items it explains are evaluated; the evaluation is asked for last.
    expect(w.cloudTrail.put.mock.invocationCallOrder[0]).toBeLessThan(w.ledger.accept.mock.invocationCallOrder[0]);
    expect(w.ledger.accept.mock.invocationCallOrder[0]).toBeLessThan(w.producer.evaluate.mock.invocationCallOrder[0]);
    expect(w.producer.evaluate).toHaveBeenCalledWith([expect.objectContaining({ trigger: 'item', correlationId: 'corr-1' })]);
  });

  it('asks again for an item still pending (a crash between record and enqueue loses nothing); never for a duplicate or a stale item', async () => {
    const w = build();
    const [item] = sample('config-item-change.json');
    for (const [status, asked] of [
      ['duplicate_pending', 1],
      ['duplicate', 0],
      ['stale', 0],
    ] as const) {
      w.producer.evaluate.mockClear();
      w.ledger.accept.mockResolvedValueOnce([{ eventId: item.eventId, detail: '', status, resourceKey: 'rk' }]);
      const [answer] = await w.service.ingestEvents([item], CTX);
      expect({ status, asked: w.producer.evaluate.mock.calls[0]?.[0].length ?? 0 }).toEqual({ status, asked });
      expect(answer.duplicate).toBe(status !== 'stale');
    }
  });

  it('is not acknowledged when the evaluation cannot be enqueued (the sender retries; the ledger keeps it pending)', async () => {
    const w = build();
    w.producer.evaluate.mockRejectedValueOnce(new Error('Redis is unreachable'));
    await expect(w.service.ingestEvents(sample('config-item-change.json'), CTX)).rejects.toThrow('Redis is unreachable');
  });

  it('audits a change the controller made itself as such', async () => {
    const [trail] = sample('cloudtrail-authorize-ingress.json');
    if (trail.kind !== 'cloudtrail') throw new Error('expected a CloudTrail event');
    const w = build(trail.principal.arn!);
    await w.service.ingestEvents([trail], CTX);
    expect(w.audit.append).toHaveBeenCalledWith(expect.objectContaining({ type: 'self.change', eventId: trail.eventId }));
  });

  it('keeps a Config rule verdict once, as evidence of the open drift of the resource', async () => {
    const w = build();
    const [verdict] = sample('config-rules-compliance-change.json');
    const open = aDrift();
    w.drifts.openFor.mockResolvedValue({ record: open, version: aVersion(open.id) });
    w.drifts.update.mockImplementation(async (_id, mutate) => mutate(open)?.next ?? open);
    await w.service.ingestEvents([verdict], CTX);
    expect(w.audit.append).toHaveBeenCalledWith(expect.objectContaining({ type: 'compliance.changed' }));
    const updated = await w.drifts.update.mock.results[0].value;
    expect(updated?.evidence.compliance).toEqual([expect.objectContaining({ eventId: verdict.eventId })]);

    w.audit.append.mockClear();
    w.ledger.firstSeen.mockResolvedValueOnce(false);
    const [again] = await w.service.ingestEvents([verdict], CTX);
    expect(again).toMatchObject({ duplicate: true, status: 'duplicate' });
    expect(w.audit.append).not.toHaveBeenCalled();
  });

  it('a delivery that is not AWS Config or CloudTrail comes back as problems, and nothing is recorded', async () => {
    const w = build();
    const result = await w.service.ingest({ detail: 'nope' }, CTX);
    expect(result.ok).toBe(false);
    expect(w.ledger.accept).not.toHaveBeenCalled();
    expect(w.producer.evaluate).not.toHaveBeenCalled();
  });
});
