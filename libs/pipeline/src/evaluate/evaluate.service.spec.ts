import {
  TransientError,
  resourceKey,
  strictness,
  type CandidateDifference,
  type ConfigItemEvent,
  type DifferenceDirection,
  type DriftRecord,
  type FreezeSourceType,
  type PolicyAction,
  type PolicyJudgement,
  type PrincipalClass,
} from '@driftwarden/domain';
import { aDifference, aDrift } from '@driftwarden/domain/testing';
import type { ConfigItemFetcher } from '@driftwarden/ingest';
import type { BackportJob, JobProducer, RemediateJob } from '@driftwarden/queue';
import type { AuditEntry } from '@driftwarden/store';
import type { Attribution, AttributionPort } from '../ports/attribution.port';
import type { DesiredLookup, DesiredStatePort } from '../ports/desired-state.port';
import type { ActiveException, ExceptionsPort } from '../ports/exceptions.port';
import type { FreezePort, FreezeView } from '../ports/freeze.port';
import type { PolicyPort, PolicyRequest } from '../ports/policy.port';
import type { AuditAppend } from '../ports/records.port';
import { KindRegistry, type Analysis, type ResourceKind } from '../ports/resource-kind.port';
import { InMemoryDriftRecords, InMemoryItemLedger } from '../test/use-case-support';
import { EvaluateService, type EvaluateSettings } from './evaluate.service';

const NOW = new Date('2026-03-06T16:05:00.000Z');
const CHANGED_AT = '2026-03-06T16:00:00.000Z';
const RESOURCE = { type: 'AWS::Test::Widget', id: 'widget-1', account: '111122223333', region: 'eu-west-1' };
const RK = resourceKey(RESOURCE);
const ARN: Record<PrincipalClass, string | null> = {
  iac: 'arn:aws:sts::111122223333:assumed-role/terraform-apply/ci',
  breakGlass: 'arn:aws:sts::111122223333:assumed-role/BreakGlass/alice',
  self: 'arn:aws:sts::111122223333:assumed-role/driftwarden/worker',
  other: 'arn:aws:iam::111122223333:user/mallory',
  unknown: null,
};

/**
 * A Config item of the test kind: `open` lists what live has that the code does not. A key
 * starting with `close-` stands for a change that closed something (it narrows exposure; reverting
 * it widens); any other key for one that opened something (it widens; reverting narrows).
 */
function anItem(over: Partial<ConfigItemEvent> & { open?: string[] } = {}): ConfigItemEvent {
  const { open = ['p22'], ...rest } = over;
  return {
    kind: 'config_item',
    eventId: 'ev-1',
    resource: RESOURCE,
    captureTime: CHANGED_AT,
    order: 1,
    configurationStateId: 1,
    status: 'OK',
    changeType: 'UPDATE',
    tags: {},
    configuration: { open },
    changedProperties: ['Configuration.Open'],
    delivery: { transport: 'http', shape: 'eventbridge', receivedAt: '2026-03-06T16:04:00.000Z' },
    ...rest,
  };
}

function directionOf(key: string): DifferenceDirection {
  return key.startsWith('close-')
    ? { axis: 'exposure', change: 'narrows', revert: 'widens' }
    : { axis: 'exposure', change: 'widens', revert: 'narrows' };
}

/** The test kind: live `configuration.open` against desired `attributes.open`, one difference per key. */
const widget: ResourceKind = {
  name: 'widget',
  configTypes: ['AWS::Test::Widget'],
  cloudTrailEventNames: ['OpenWidget', 'CloseWidget'],
  analyze: (live, desired): Analysis => {
    const want = new Set((desired.attributes['open'] as string[] | undefined) ?? []);
    const differences: CandidateDifference[] = ((live?.['open'] as string[] | undefined) ?? [])
      .filter((k) => !want.has(k))
      .map((k) => ({ id: `${k}|added`, key: k, side: 'added', sentence: `opened ${k}`, detail: { key: k } }));
    return {
      diff: { equal: differences.length === 0 },
      differences,
      changeWidensExposure: differences.some((d) => directionOf(d.key).change === 'widens'),
      revertWidensExposure: differences.some((d) => directionOf(d.key).revert === 'widens'),
      explanations: differences.map((d) => d.sentence),
    };
  },
  callChanges: () => new Map(),
  directions: (groups) => new Map(groups.flat().map((d) => [d.id, directionOf(d.key)])),
  diffOf: (differences) => ({ equal: differences.length === 0 }),
};

const MANAGED: DesiredLookup = { managed: true, stack: 'network', address: 'aws_widget.main', attributes: { open: [] } };

interface Freeze {
  now?: FreezeSourceType[];
  declaredAtChange?: boolean;
  unknownAtChange?: boolean;
}

function freezeView(f: Freeze): FreezeView {
  const sources = (f.now ?? []).map((type, i) => ({ id: `fz-${i}`, type, reason: `${type} freeze`, since: CHANGED_AT, until: null }));
  return {
    freeze: {
      now: { frozen: sources.length > 0, sources },
      atChange: { declared: f.declaredAtChange ?? false, unknown: f.unknownAtChange ?? false, withinLookback: false, sources: [] },
    },
  };
}

/**
 * The use case with typed mocks of its ports and in-memory stores that behave like the Redis
 * ones (compare-and-set versions, item claims and commits). `principal`: who made the change
 * (the item as a whole and each of its differences).
 */
function build(
  opts: {
    principal?: PrincipalClass;
    freeze?: Freeze;
    desired?: DesiredLookup;
    exception?: ActiveException | null;
    settings?: Partial<EvaluateSettings>;
    policies?: PolicyPort;
    open?: DriftRecord;
  } = {},
) {
  const records = new InMemoryDriftRecords(...(opts.open ? [opts.open] : []));
  const ledger = new InMemoryItemLedger(records);
  const principal = opts.principal ?? 'other';
  const attribution: Attribution = {
    principal: { arn: ARN[principal], class: principal },
    changedAt: CHANGED_AT,
    cloudTrailEventId: 'ct-1',
    source: 'cloudtrail-event',
  };
  const ports = {
    desiredState: {
      lookup: jest.fn<ReturnType<DesiredStatePort['lookup']>, Parameters<DesiredStatePort['lookup']>>(async () => opts.desired ?? MANAGED),
      refresh: jest.fn<ReturnType<DesiredStatePort['refresh']>, Parameters<DesiredStatePort['refresh']>>(async () => undefined),
    } satisfies jest.Mocked<DesiredStatePort>,
    attribution: {
      attribute: jest.fn<ReturnType<AttributionPort['attribute']>, Parameters<AttributionPort['attribute']>>(async () => attribution),
      attributeDifferences: jest.fn<
        ReturnType<AttributionPort['attributeDifferences']>,
        Parameters<AttributionPort['attributeDifferences']>
      >(
        async (item, differences) =>
          new Map(
            differences.map((d) => [
              d.id,
              {
                source: 'cloudtrail-event',
                principal: attribution.principal,
                at: CHANGED_AT,
                cloudTrailEventId: 'ct-1',
                configEventId: item.eventId,
              },
            ]),
          ),
      ),
    } satisfies jest.Mocked<AttributionPort>,
    freeze: {
      view: jest.fn<ReturnType<FreezePort['view']>, Parameters<FreezePort['view']>>(async () => freezeView(opts.freeze ?? {})),
    } satisfies jest.Mocked<FreezePort>,
    exceptions: {
      activeFor: jest.fn<ReturnType<ExceptionsPort['activeFor']>, Parameters<ExceptionsPort['activeFor']>>(
        async () => opts.exception ?? null,
      ),
    } satisfies jest.Mocked<ExceptionsPort>,
    fetcher: {
      complete: jest.fn<ReturnType<ConfigItemFetcher['complete']>, Parameters<ConfigItemFetcher['complete']>>(async (i) => i),
    } satisfies jest.Mocked<ConfigItemFetcher>,
  };
  const producer: jest.Mocked<Pick<JobProducer, 'remediate' | 'backport'>> = {
    remediate: jest.fn<Promise<void>, [RemediateJob, number]>(async () => undefined),
    backport: jest.fn<Promise<void>, [BackportJob]>(async () => undefined),
  };
  const audit: jest.Mocked<AuditAppend> = { append: jest.fn<Promise<string>, [AuditEntry]>(async () => '1-0') };
  const settings: EvaluateSettings = { dryRun: false, settleSeconds: 120, critical: { tags: { tier: 'critical' } }, ...opts.settings };
  const service = new EvaluateService(
    ledger,
    records,
    audit,
    producer,
    { kinds: new KindRegistry([widget]), ...ports, ...(opts.policies ? { policies: opts.policies } : {}) },
    settings,
    () => NOW,
  );
  /** One item accepted, then its evaluation (as the evaluate job runs it). */
  const decide = async (item = anItem()) => {
    ledger.add(item);
    return service.evaluate(resourceKey(item.resource), 'corr-1');
  };
  const decisions = () => [...records.audit, ...audit.append.mock.calls.map(([e]) => e)].filter((e) => /decision$/.test(e.type));
  const jobs = () => ({ remediate: producer.remediate.mock.calls, backport: producer.backport.mock.calls });
  return { service, records, ledger, ports, producer, audit, decide, decisions, jobs };
}

/** A policy port whose policy `deny` forbids the given actions (and matches nothing else). */
function denying(...actions: PolicyAction[]): jest.Mocked<PolicyPort> & { asked: PolicyAction[] } {
  const asked: PolicyAction[] = [];
  return {
    asked,
    check: jest.fn((_: PolicyRequest, action: PolicyAction): PolicyJudgement => {
      asked.push(action);
      return actions.includes(action)
        ? { forbidden: true, matched: [{ id: 'deny', source: 'policies/deny.rego' }] }
        : { forbidden: false, matched: [] };
    }),
    size: 1,
  } as unknown as jest.Mocked<PolicyPort> & { asked: PolicyAction[] };
}

describe('EvaluateService (decide on the newest item of a resource, commit once)', () => {
  describe('the decision table (DESIGN §4)', () => {
    it('rule 1: an IaC apply is not drift: desired state refreshed, no record, the decision audited with the item committed', async () => {
      const w = build({ principal: 'iac' });
      const out = await w.decide();
      expect(out).toMatchObject({ status: 'decided', driftId: null, decision: { action: 'ignore', rule: 1 } });
      expect(w.ports.desiredState.refresh).toHaveBeenCalledWith(RESOURCE);
      expect(w.records.all()).toEqual([]);
      expect(w.decisions()).toEqual([
        expect.objectContaining({ type: 'decision', details: expect.objectContaining({ action: 'ignore', rule: 1 }) }),
      ]);
      expect(w.ledger.outcome('ev-1')).toBe('decided');
      expect(w.jobs()).toEqual({ remediate: [], backport: [] });
    });

    it('rule 1: an apply that made live equal desired resolves the open drift', async () => {
      const w = build({ principal: 'iac', open: aDrift({ status: 'held' }) });
      const out = await w.decide(anItem({ eventId: 'ev-2', order: 2, open: [] }));
      expect(out).toMatchObject({ status: 'decided', driftId: 'drf_test0001', decision: { action: 'ignore', rule: 1 } });
      const [record] = w.records.all();
      expect(record).toMatchObject({ id: 'drf_test0001', status: 'resolved', diff: { equal: true } });
      expect(record.evidence.eventIds).toEqual(['ev-1', 'ev-2']);
    });

    it('rule 2: live equals desired: the open drift is resolved; without one, nothing is recorded', async () => {
      const open = build({ open: aDrift({ status: 'awaiting_approval' }) });
      await expect(open.decide(anItem({ eventId: 'ev-2', order: 2, open: [] }))).resolves.toMatchObject({
        decision: { action: 'noop', rule: 2 },
      });
      expect(open.records.all()).toEqual([expect.objectContaining({ status: 'resolved', decision: expect.objectContaining({ rule: 2 }) })]);

      const none = build();
      await expect(none.decide(anItem({ open: [] }))).resolves.toMatchObject({ driftId: null, decision: { action: 'noop', rule: 2 } });
      expect(none.records.all()).toEqual([]);
      expect(none.ledger.outcome('ev-1')).toBe('decided');
      expect(none.jobs()).toEqual({ remediate: [], backport: [] });
    });

    it('rule 3: a break-glass change is backported, never reverted (widening: labelled in the audit)', async () => {
      const w = build({ principal: 'breakGlass', freeze: { now: ['incident'], declaredAtChange: true } });
      const out = await w.decide();
      expect(out).toMatchObject({ status: 'decided', decision: { action: 'backport', rule: 3 } });
      const [record] = w.records.all();
      expect(record).toMatchObject({ status: 'backport_open', principal: { class: 'breakGlass' } });
      expect(record.differences?.map((d) => d.decision.action)).toEqual(['backport']);
      expect(w.jobs().backport).toEqual([[{ driftId: record.id, eventId: 'ev-1', correlationId: 'corr-1' }]]);
      expect(w.jobs().remediate).toEqual([]);
      expect(w.decisions()[0].details).toMatchObject({ widensExposure: ['opened p22 (by ' + ARN.breakGlass + ')'] });
    });

    it('rule 3: a change that closes a door during a declared freeze is an emergency patch', async () => {
      const w = build({ freeze: { now: ['cooldown'], declaredAtChange: true } });
      await expect(w.decide(anItem({ open: ['close-p80'] }))).resolves.toMatchObject({ decision: { action: 'backport', rule: 3 } });
      expect(w.records.all()[0].status).toBe('backport_open');
      expect(w.jobs().backport).toHaveLength(1);
    });

    it('rule 4: frozen now: held, no job; a door opened during the freeze by someone else is flagged suspicious', async () => {
      const w = build({ freeze: { now: ['incident'], declaredAtChange: true } });
      await expect(w.decide()).resolves.toMatchObject({ decision: { action: 'hold', rule: 4, flags: ['suspicious'] } });
      const [record] = w.records.all();
      expect(record).toMatchObject({ status: 'held', flags: ['suspicious'] });
      expect(w.decisions()[0].details).toMatchObject({ flags: ['suspicious'], newlySuspicious: [`opened p22 (by ${ARN.other})`] });
      expect(w.jobs()).toEqual({ remediate: [], backport: [] });
    });

    it('rule 4: an unknown freeze state freezes (fail closed): held, and never a revert', async () => {
      const w = build({ freeze: { now: ['unknown'], unknownAtChange: true } });
      await expect(w.decide()).resolves.toMatchObject({ decision: { action: 'hold', rule: 4 } });
      expect(w.records.all()[0].status).toBe('held');
      expect(w.records.all()[0].decision.reason).toContain('unknown freeze state');
      expect(w.jobs()).toEqual({ remediate: [], backport: [] });
    });

    it('rule 4: a closing change made while the state was unknown is held, not backported', async () => {
      const w = build({ freeze: { now: ['unknown'], unknownAtChange: true } });
      await expect(w.decide(anItem({ open: ['close-p80'] }))).resolves.toMatchObject({ decision: { action: 'hold', rule: 4 } });
    });

    it('rule 5: a revert that would widen exposure waits for approval', async () => {
      const w = build();
      await expect(w.decide(anItem({ open: ['close-p80'] }))).resolves.toMatchObject({ decision: { action: 'await_approval', rule: 5 } });
      expect(w.records.all()[0].status).toBe('awaiting_approval');
      expect(w.jobs()).toEqual({ remediate: [], backport: [] });
    });

    it('rule 5: a critical resource (configured tag) waits for approval', async () => {
      const w = build();
      await expect(w.decide(anItem({ tags: { tier: 'critical' } }))).resolves.toMatchObject({
        decision: { action: 'await_approval', rule: 5 },
      });
      expect(w.records.all()[0].decision.reason).toContain('critical resource');
    });

    it('rule 6: otherwise revert: the record is detected and the revert job is enqueued with what is left of settleSeconds', async () => {
      const w = build();
      const out = await w.decide();
      expect(out).toMatchObject({ status: 'decided', decision: { action: 'revert', rule: 6 } });
      const [record] = w.records.all();
      expect(record).toMatchObject({ status: 'detected', dryRun: false, decision: { action: 'revert', rule: 6 } });
      // received at 16:04, decided at 16:05: 60 of the 120 settle seconds are left.
      expect(w.jobs().remediate).toEqual([[{ driftId: record.id, eventId: 'ev-1', correlationId: 'corr-1' }, 60_000]]);
      expect(w.jobs().backport).toEqual([]);
    });

    it('dry-run makes the decision and records it as detected, with no job at all', async () => {
      const w = build({ settings: { dryRun: true } });
      await expect(w.decide()).resolves.toMatchObject({ decision: { action: 'revert', rule: 6 } });
      expect(w.records.all()[0]).toMatchObject({ status: 'detected', dryRun: true });
      const bp = build({ principal: 'breakGlass', settings: { dryRun: true } });
      await bp.decide();
      expect(bp.records.all()[0]).toMatchObject({ status: 'detected', dryRun: true, decision: { action: 'backport' } });
      expect([...w.producer.remediate.mock.calls, ...bp.producer.backport.mock.calls]).toEqual([]);
    });
  });

  describe('pre-checks (local facts, before any AWS call)', () => {
    it.each<[string, Parameters<typeof build>[0], Partial<ConfigItemEvent>, RegExp]>([
      ['an unsupported type', {}, { resource: { ...RESOURCE, type: 'AWS::Test::Gadget' } }, /not supported/],
      ['an unmanaged resource', { desired: { managed: false, reason: 'no stack holds it' } }, {}, /unmanaged/],
      ['an active exception', { exception: { id: 'exc-1', reason: 'migration', until: '2026-03-07T00:00:00.000Z' } }, {}, /exception/],
      ['the ignore tag', {}, { tags: { 'driftwarden:ignore': 'TRUE' } }, /driftwarden:ignore/],
    ])('%s: one ignored record for the resource, no attribution asked, no job', async (_name, opts, item, reason) => {
      const w = build(opts);
      const out = await w.decide(anItem(item));
      expect(out).toMatchObject({ status: 'decided', decision: { action: 'ignore', rule: null } });
      const [record] = w.records.all();
      expect(record.id).toMatch(/^drf_ign_/);
      expect(record.status).toBe('ignored');
      expect(record.decision.reason).toMatch(reason);
      expect(w.ports.attribution.attribute).not.toHaveBeenCalled();
      expect(w.jobs()).toEqual({ remediate: [], backport: [] });
    });

    it('an exception keeps the ignored record until it ends, and ends an open drift as ignored', async () => {
      const until = '2026-03-07T00:00:00.000Z';
      const w = build({ exception: { id: 'exc-1', reason: 'migration', until }, open: aDrift({ status: 'awaiting_approval' }) });
      await w.decide(anItem({ eventId: 'ev-2', order: 2 }));
      expect(w.records.all()).toEqual([expect.objectContaining({ id: 'drf_test0001', status: 'ignored' })]);
      expect(w.records.saves).toEqual([{ id: 'drf_test0001', options: { keepUntil: until } }]);
    });
  });

  describe('policies (asked after the table, stricter only)', () => {
    it('a policy forbidding the revert makes it await approval, recorded with the policy', async () => {
      const w = build({ policies: denying('revert') });
      await expect(w.decide()).resolves.toMatchObject({ decision: { action: 'await_approval' } });
      const [record] = w.records.all();
      expect(record).toMatchObject({
        status: 'awaiting_approval',
        decision: { policy: { proposed: 'revert', outcome: 'await_approval', matched: [{ id: 'deny' }] } },
      });
      expect(w.jobs().remediate).toEqual([]);
    });

    it('forbidding every rung ends at hold, never below it', async () => {
      const w = build({ policies: denying('revert', 'await_approval', 'backport', 'tracking_issue', 'hold') });
      await expect(w.decide()).resolves.toMatchObject({ decision: { action: 'hold' } });
      expect(w.jobs()).toEqual({ remediate: [], backport: [] });
    });

    it.each<[string, Parameters<typeof build>[0], ConfigItemEvent]>([
      ['hold', { freeze: { now: ['incident'] } }, anItem()],
      ['noop', {}, anItem({ open: [] })],
      ['ignore (rule 1)', { principal: 'iac' }, anItem()],
    ])('a %s decision is never asked about, so no policy can loosen it', async (_name, opts, item) => {
      const policies = denying('revert', 'await_approval', 'backport', 'tracking_issue', 'hold');
      const w = build({ ...opts, policies });
      const before = await build(opts).decide(item);
      const after = await w.decide(item);
      expect(after).toMatchObject({ decision: { action: (before as { decision: { action: string } }).decision.action } });
      expect(policies.asked).toEqual([]);
    });

    it.each<PolicyAction[]>([[], ['revert'], ['await_approval'], ['revert', 'await_approval'], ['backport']])(
      'whatever the policies forbid (%s), the outcome is at least as strict as the table',
      async (...forbidden) => {
        for (const [opts, item] of [
          [{}, anItem()],
          [{}, anItem({ open: ['close-p80'] })],
          [{ principal: 'breakGlass' as const }, anItem()],
        ] as const) {
          const table = await build(opts).decide(item);
          const gated = await build({ ...opts, policies: denying(...forbidden) }).decide(item);
          const rank = (o: typeof table) => strictness((o as { decision: { action: PolicyAction } }).decision.action);
          expect(rank(gated)).toBeGreaterThanOrEqual(rank(table));
        }
      },
    );
  });

  describe('committing (compare-and-set, exactly once per item)', () => {
    it('a record changed by someone else during the decision: conflict, a transient error, and the retry decides on the new version', async () => {
      const held = aDrift({ status: 'held', decision: { action: 'hold', rule: 4, reason: 'frozen' } });
      const w = build({ open: held });
      w.records.beforeWrite = () => w.records.put({ ...held, updatedAt: '2026-03-06T16:04:30.000Z', links: { issue: { url: 'u' } } });
      const error = await w.decide(anItem({ eventId: 'ev-2', order: 2 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'drift_conflict' });
      expect(w.records.all()).toEqual([expect.objectContaining({ status: 'held', links: { issue: { url: 'u' } } })]);
      expect(w.ledger.outcome('ev-2')).toBe('');

      // The job's retry claims the same item again and commits on the record as it is now.
      await expect(w.service.evaluate(RK, 'corr-1')).resolves.toMatchObject({ status: 'decided', decision: { action: 'revert' } });
      const [record] = w.records.all();
      expect(record).toMatchObject({ id: held.id, status: 'detected', links: { issue: { url: 'u' } } });
      expect(record.evidence.eventIds).toEqual(['ev-1', 'ev-2']);
      expect(w.decisions()).toHaveLength(1);
      expect(w.ledger.outcome('ev-2')).toBe('decided');
      // Both attempts asked for the same job (its id comes from the drift and item: BullMQ keeps one).
      expect(w.jobs().remediate.map(([job]) => job)).toEqual([
        { driftId: held.id, eventId: 'ev-2', correlationId: 'corr-1' },
        { driftId: held.id, eventId: 'ev-2', correlationId: 'corr-1' },
      ]);
    });

    it('the same item evaluated again once decided: nothing pending, nothing written', async () => {
      const w = build();
      await w.decide();
      const saves = w.records.saves.length;
      await expect(w.service.evaluate(RK, 'corr-2')).resolves.toEqual({ status: 'nothing_pending' });
      expect(w.records.saves).toHaveLength(saves);
      expect(w.decisions()).toHaveLength(1);
      expect(w.jobs().remediate).toHaveLength(1);
    });

    it('a run that took over the same item (the first looked dead) commits it; the first then finds it decided and writes nothing', async () => {
      const w = build();
      let overtaken: Promise<unknown> | null = null;
      w.ports.freeze.view.mockImplementation(async () => {
        // While the first run decides, a second one claims the item again and commits it.
        if (!overtaken) {
          overtaken = w.service.evaluate(RK, 'corr-2');
          await overtaken;
        }
        return freezeView({});
      });
      const first = await w.decide();
      await expect(overtaken).resolves.toMatchObject({ status: 'decided', eventId: 'ev-1' });
      expect(first).toEqual({ status: 'already_decided', eventId: 'ev-1' });
      expect(w.records.all()).toHaveLength(1);
      expect(w.decisions()).toEqual([expect.objectContaining({ correlationId: 'corr-2' })]);
    });

    it('bursts coalesce: the newest item is decided, the older ones are named in the record', async () => {
      const w = build();
      w.ledger.add(anItem({ eventId: 'ev-1', order: 1, open: ['p21'] }));
      w.ledger.add(anItem({ eventId: 'ev-2', order: 2, open: ['p22'] }));
      await expect(w.service.evaluate(RK, 'corr-1')).resolves.toMatchObject({ eventId: 'ev-2', coalesced: ['ev-1'] });
      const [record] = w.records.all();
      expect(record.evidence).toMatchObject({ eventIds: ['ev-2'], coalescedEventIds: ['ev-1'] });
      expect(record.differences?.map((d) => d.id)).toEqual(['p22|added']);
      expect(w.ledger.outcome('ev-1')).toBe('coalesced');
    });
  });

  describe('decided again', () => {
    it('a held drift when its freeze ends: a redecision on its item, the revert job in a round of its own', async () => {
      const w = build();
      // First decided under the freeze...
      w.ports.freeze.view.mockResolvedValueOnce(freezeView({ now: ['incident'], declaredAtChange: true }));
      await w.decide();
      expect(w.records.all()[0].status).toBe('held');
      // ...then the freeze ended.
      await expect(w.service.evaluate(RK, 'corr-3', 'freeze_ended')).resolves.toMatchObject({
        decision: { action: 'revert', flags: ['suspicious'] },
      });
      const [record] = w.records.all();
      expect(record.status).toBe('detected');
      expect(record.flags).toEqual(['suspicious']);
      expect(w.decisions().map((e) => e.type)).toEqual(['decision', 'redecision']);
      expect(w.jobs().remediate).toEqual([
        [{ driftId: record.id, eventId: 'ev-1', correlationId: 'corr-3', round: `freeze_ended-${NOW.getTime()}` }, 120_000],
      ]);
    });

    it('a freeze that ended with nothing held decides nothing', async () => {
      const w = build({ open: aDrift({ status: 'awaiting_approval' }) });
      await expect(w.service.evaluate(RK, 'corr-3', 'freeze_ended')).resolves.toEqual({ status: 'nothing_pending' });
      expect(w.records.saves).toEqual([]);
    });
  });

  it('an evaluation that failed for good: the open drift is failed with the reason and the item, which is kept for replay', async () => {
    const w = build({ open: aDrift({ status: 'held', differences: [aDifference({ id: 'p22|added' })] }) });
    w.ledger.add(anItem({ eventId: 'ev-2', order: 2 }));
    await w.ledger.claimLatest(RK);
    await expect(w.service.recordFailure(RK, { code: 'boom', message: 'kaput' }, 'corr-4')).resolves.toEqual({
      driftId: 'drf_test0001',
      eventId: 'ev-2',
    });
    const [record] = w.records.all();
    expect(record).toMatchObject({ status: 'failed', failure: { stage: 'evaluate', code: 'boom', eventId: 'ev-2' } });
    expect(record.evidence.eventIds).toEqual(['ev-1', 'ev-2']);
    expect(w.records.audit).toEqual([expect.objectContaining({ type: 'evaluation.failed', driftId: 'drf_test0001' })]);
    expect(w.ledger.failed).toEqual([{ rk: RK, eventId: 'ev-2', driftId: 'drf_test0001' }]);
  });

  it('a batch that failed for good records nothing for a resource with no item claimed or pending (it was decided)', async () => {
    const w = build({ open: aDrift({ status: 'detected' }) });
    await expect(w.service.recordFailure(RK, { code: 'boom', message: 'kaput' }, 'corr-5', { onlyInFlight: true })).resolves.toBeNull();
    expect(w.records.all()).toEqual([expect.objectContaining({ status: 'detected' })]);
    expect(w.records.audit).toEqual([]);
    // With an item pending, it is recorded as any failed evaluation is.
    w.ledger.add(anItem({ eventId: 'ev-3', order: 3 }));
    await expect(w.service.recordFailure(RK, { code: 'boom', message: 'kaput' }, 'corr-5', { onlyInFlight: true })).resolves.toEqual({
      driftId: 'drf_test0001',
      eventId: 'ev-3',
    });
    expect(w.records.all()).toEqual([expect.objectContaining({ status: 'failed' })]);
  });
});
