/**
 * Evaluation batch jobs (an ingest delivery's resources in one job) on real Redis and BullMQ: a
 * resource another run is evaluating is never evaluated beside it (the claim belongs to the live
 * job lock), an evaluation that throws inside a batch goes on as a job of its own with the usual
 * retries and failure record, and the rest of the batch is decided meanwhile.
 */
import type { Redis } from 'ioredis';
import { TransientError, PermanentError, type ResourceRef } from '@driftwarden/domain';
import type { DesiredLookup } from '@driftwarden/pipeline';
import { JobProducer, jobLockKey } from '@driftwarden/queue';
import { ItemLedger } from '@driftwarden/store';
import { Worker } from 'bullmq';
import { FakeDesiredState } from '../support/fake-ports';
import { fakePorts } from '../support/pipeline-harness';
import { sgEvent } from '../support/events';
import { http } from '../support/http';
import { keyBase, testKeys, testQueue, testRedis } from '../support/redis';
import { dropPrefix, eventually, startTestController, TOKENS, uniquePrefix, type TestController } from '../support/test-controller';

const OPEN = ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'];
const DESIRED = ['tcp/443/10.0.0.0/8'];

/** Desired state whose lookups of chosen groups wait for a gate or throw, counting lookups in flight per group. */
class ScriptedDesiredState extends FakeDesiredState {
  readonly gates = new Map<string, Promise<void>>();
  readonly failures = new Map<string, Error[]>();
  readonly inFlight = new Map<string, number>();
  readonly lookups = new Map<string, number>();
  overlaps = 0;
  override async lookup(resource: ResourceRef): Promise<DesiredLookup> {
    const id = resource.id;
    this.lookups.set(id, (this.lookups.get(id) ?? 0) + 1);
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
    if (this.inFlight.get(id)! > 1) this.overlaps++;
    try {
      const failure = this.failures.get(id)?.shift();
      if (failure) throw failure;
      const gate = this.gates.get(id);
      if (gate) {
        this.gates.delete(id);
        await gate;
      }
      return await super.lookup(resource);
    } finally {
      this.inFlight.set(id, this.inFlight.get(id)! - 1);
    }
  }
}

describe('evaluation batch jobs', () => {
  let prefix: string;
  let ctl: TestController;
  let redis: Redis;
  let desired: ScriptedDesiredState;
  let ports: ReturnType<typeof fakePorts>;

  beforeEach(async () => {
    prefix = uniquePrefix();
    ports = fakePorts();
    desired = new ScriptedDesiredState();
    ctl = await startTestController({ prefix, coalesceMilliseconds: 0, overrides: { ...ports.overrides, desiredState: desired } });
    redis = testRedis();
  });
  afterEach(async () => {
    await ctl.close();
    redis.disconnect();
    await dropPrefix(prefix);
  });

  const group = (n: number) => `sg-0ba7c4${String(n).padStart(11, '0')}`;
  const rkOf = (groupId: string) => `111122223333/eu-west-1/AWS::EC2::SecurityGroup/${groupId}`;
  const post = async (events: Record<string, unknown>[]) => {
    const res = await http<{ accepted: { eventId: string; status: string }[] }>(ctl.url, 'POST', '/v1/events', {
      token: TOKENS.ingest,
      body: events,
    });
    expect(res.status).toBe(202);
    return res.body.accepted.map((a) => a.eventId);
  };
  const outcome = (eventId: string) => redis.hget(`${keyBase(prefix)}:item:${eventId}`, 'outcome');
  const decisionsFor = async (eventId: string) =>
    (await redis.xrange(`${keyBase(prefix)}:audit`, '-', '+'))
      .map(([, fields]) => JSON.parse(fields[1]) as { type: string; eventId?: string })
      .filter((e) => e.type === 'decision' && e.eventId === eventId).length;
  const evaluateJobs = async () => {
    const queue = testQueue('evaluate', prefix);
    try {
      return await queue.getJobs(['completed', 'active', 'waiting', 'delayed', 'prioritized', 'failed']);
    } finally {
      await queue.close();
    }
  };

  it('puts the resources of one delivery in one job, claims their items in one round trip, and decides each', async () => {
    const claimMany = jest.spyOn(ItemLedger.prototype, 'claimMany');
    const claimLatest = jest.spyOn(ItemLedger.prototype, 'claimLatest');
    try {
      for (let i = 0; i < 30; i++) desired.desired.set(group(i), DESIRED);
      const ids = await post(
        Array.from({ length: 30 }, (_, i) => sgEvent({ groupId: group(i), stateId: 1_766_000_000_000 + i, rules: OPEN })),
      );
      await eventually(async () => (await Promise.all(ids.map(outcome))).every((o) => o === 'decided'), 'every item decided');
      for (const id of ids) expect(await decisionsFor(id)).toBe(1);
      // Completed evaluation jobs are removed; BullMQ's job id counter says how many were added.
      expect(await redis.get(`${testKeys(prefix).bullPrefix}:evaluate:id`)).toBe('1');
      expect(claimMany.mock.calls.map(([rks]) => rks.length)).toEqual([30]);
      expect(claimLatest).not.toHaveBeenCalled();
      expect(desired.overlaps).toBe(0);
    } finally {
      claimMany.mockRestore();
      claimLatest.mockRestore();
    }
  });

  it('never evaluates a resource beside the run that holds it: the batch hands it to a job of its own, which decides the newer item after', async () => {
    const held = group(100);
    for (const g of [held, group(101), group(102)]) desired.desired.set(g, DESIRED);
    let release!: () => void;
    desired.gates.set(held, new Promise<void>((r) => (release = r)));
    // The first item of `held` alone: a job of its own, stopped inside its evaluation (claimed).
    const [first] = await post([sgEvent({ groupId: held, stateId: 1_766_000_001_000, rules: OPEN })]);
    await eventually(async () => desired.inFlight.get(held) === 1, 'the held evaluation to be under way');
    // A delivery with a newer item of `held` and two others: one batch job.
    const [second, b, c] = await post([
      sgEvent({ groupId: held, stateId: 1_766_000_002_000, rules: DESIRED }),
      sgEvent({ groupId: group(101), stateId: 1_766_000_002_001, rules: OPEN }),
      sgEvent({ groupId: group(102), stateId: 1_766_000_002_002, rules: OPEN }),
    ]);
    await eventually(async () => (await outcome(b)) === 'decided' && (await outcome(c)) === 'decided', 'the rest of the batch decided');
    // `held` is still held: its newer item waits (not claimed by the batch, not evaluated beside the first).
    expect(await outcome(first)).toBe('');
    expect(await outcome(second)).toBe('');
    expect(desired.lookups.get(held)).toBe(1);
    release();
    await eventually(async () => (await outcome(second)) === 'decided', 'the newer item decided after the held one');
    expect(await outcome(first)).toBe('decided');
    expect(await decisionsFor(first)).toBe(1);
    expect(await decisionsFor(second)).toBe(1);
    expect(desired.overlaps).toBe(0);
  });

  it('lets a re-decision that meets a new item of the same resource lose to it through the record’s compare-and-set, then retry on what was recorded', async () => {
    // Records are held (not only marked) in enforce mode.
    await ctl.close();
    ctl = await startTestController({
      prefix,
      mode: 'enforce',
      coalesceMilliseconds: 0,
      overrides: { ...ports.overrides, desiredState: desired },
    });
    const held = group(300);
    for (const g of [held, group(301)]) desired.desired.set(g, DESIRED);
    // Frozen: the first item is held.
    ports.freeze.frozenNow = true;
    const [first] = await post([sgEvent({ groupId: held, stateId: 1_766_000_004_000, rules: OPEN })]);
    await eventually(async () => (await outcome(first)) === 'decided', 'the first item decided');
    const driftOf = async () =>
      (
        await http<{ items: { id: string; status: string; decision?: unknown; evidence: { eventIds: string[] } }[] }>(
          ctl.url,
          'GET',
          `/v1/drifts?resource=${held}`,
          { token: TOKENS.viewer },
        )
      ).body.items;
    const [heldDrift] = await driftOf();
    expect(heldDrift).toMatchObject({ status: 'held' });
    // The freeze ends: the re-decision stops inside its evaluation (it claims no item).
    let release!: () => void;
    desired.gates.set(held, new Promise<void>((r) => (release = r)));
    ports.freeze.frozenNow = false;
    const lookupsBefore = desired.lookups.get(held) ?? 0;
    await ctl.app.get(JobProducer).evaluate([{ resourceKey: rkOf(held), trigger: 'freeze_ended', correlationId: 'freeze-over' }]);
    await eventually(async () => desired.inFlight.get(held) === 1, 'the re-decision to be under way');
    // Meanwhile a new item of the resource arrives in a delivery: decided beside the re-decision.
    const [second] = await post([
      sgEvent({ groupId: held, stateId: 1_766_000_005_000, rules: [...OPEN, 'tcp/3389/0.0.0.0/0'] }),
      sgEvent({ groupId: group(301), stateId: 1_766_000_005_001, rules: OPEN }),
    ]);
    await eventually(async () => (await outcome(second)) === 'decided', 'the new item decided');
    release();
    // The re-decision's commit finds the record changed and is retried: the drift is no longer
    // held, so nothing is decided again; the new item's decision stands, recorded once.
    await eventually(
      async () => desired.lookups.get(held)! - lookupsBefore >= 2 && desired.inFlight.get(held) === 0,
      'the re-decision to end',
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await decisionsFor(second)).toBe(1);
    const entries = (await redis.xrange(`${keyBase(prefix)}:audit`, '-', '+'))
      .map(([, fields]) => JSON.parse(fields[1]) as { type: string; driftId?: string })
      .filter((e) => e.driftId === heldDrift.id);
    expect(entries.map((e) => e.type).filter((t) => t === 'redecision')).toEqual([]);
    const [now] = await driftOf();
    expect(now).toMatchObject({ id: heldDrift.id, status: expect.not.stringMatching(/^held$/) });
    expect(now.evidence.eventIds).toEqual([first, second]);
  });

  it('retries an evaluation that failed inside a batch as a job of its own, and records one that fails for good', async () => {
    const flaky = group(200);
    const broken = group(201);
    const fine = group(202);
    for (const g of [flaky, broken, fine]) desired.desired.set(g, DESIRED);
    desired.failures.set(flaky, [new TransientError('state bucket throttled', 'throttled')]);
    desired.failures.set(broken, [
      new PermanentError('state file unreadable', 'state_unreadable'),
      new PermanentError('state file unreadable', 'state_unreadable'),
    ]);
    const [f, x, ok] = await post([
      sgEvent({ groupId: flaky, stateId: 1_766_000_003_000, rules: OPEN }),
      sgEvent({ groupId: broken, stateId: 1_766_000_003_001, rules: OPEN }),
      sgEvent({ groupId: fine, stateId: 1_766_000_003_002, rules: OPEN }),
    ]);
    await eventually(async () => (await outcome(ok)) === 'decided', 'the healthy resource decided');
    await eventually(async () => (await outcome(f)) === 'decided', 'the flaky resource decided on its own job');
    await eventually(async () => (await outcome(x)) === 'failed', 'the broken resource recorded as failed');
    expect(desired.lookups.get(flaky)).toBe(2);
    expect(desired.lookups.get(broken)).toBe(2);
    const failedJobs = (await evaluateJobs()).filter((j) => j.failedReason);
    expect(failedJobs.map((j) => [j.name, (j.data as { resourceKey?: string }).resourceKey?.split('/').at(-1), j.failedReason])).toEqual([
      ['evaluate', broken, 'state_unreadable: state file unreadable'],
    ]);
    const drift = await http<{ items: { status: string; resource: { id: string }; failure?: { code: string } }[] }>(
      ctl.url,
      'GET',
      '/v1/drifts?status=failed',
      { token: TOKENS.viewer },
    );
    expect(drift.body.items.map((d) => [d.resource.id, d.failure?.code])).toEqual([[broken, 'state_unreadable']]);
    expect(desired.overlaps).toBe(0);
  });
});

/** The claim's holder is BullMQ's own job lock: checked against BullMQ, so an upgrade that moves it fails here. */
describe('jobLockKey', () => {
  it('names the key BullMQ keeps a running job’s lock under, holding the run’s token', async () => {
    const prefix = uniquePrefix();
    const reader = testRedis();
    const queue = testQueue('evaluate', prefix);
    const seen: [string | null, string | undefined][] = [];
    let lockKey = '';
    const workerConnection = testRedis({ maxRetriesPerRequest: null });
    const worker = new Worker(
      'evaluate',
      async (job, token) => {
        lockKey = jobLockKey(job);
        seen.push([await reader.get(lockKey), token]);
      },
      { connection: workerConnection, prefix: testKeys(prefix).bullPrefix },
    );
    try {
      await queue.add('evaluate', { resourceKey: 'r', trigger: 'item', correlationId: 'c' });
      await eventually(async () => seen.length === 1, 'the job to run');
      expect(seen[0][1]).toEqual(expect.any(String));
      expect(seen[0][0]).toBe(seen[0][1]);
      // Gone once the job has finished: a claim it left behind is free to take over.
      await eventually(async () => (await reader.exists(lockKey)) === 0, 'the lock to be released');
    } finally {
      await worker.close();
      workerConnection.disconnect();
      await queue.close();
      reader.disconnect();
      await dropPrefix(prefix);
    }
  });
});
