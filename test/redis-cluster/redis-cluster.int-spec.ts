import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { PrincipalClassifier, type ConfigItemEvent } from '@driftwarden/domain';
import { normalizeDelivery } from '@driftwarden/ingest';
import { FakeConfigItemFetcher } from '@driftwarden/ingest/testing';
import { EvaluateService, IngestService, KindRegistry } from '@driftwarden/pipeline';
import { JobProducer, QueueName, createWorker, isEvaluateBatch, type EvaluateBatchJob, type EvaluateJob } from '@driftwarden/queue';
import {
  RedisConnectionMonitor,
  RedisKeys,
  clusterMasters,
  createRedis,
  deleteKeysWithPrefix,
  isCoalesced,
  waitForRedis,
} from '@driftwarden/redis';
import { AuditLog, CloudTrailStore, DriftStore, ItemLedger, ReconcileStatusStore } from '@driftwarden/store';
import { FreezeStore } from '@driftwarden/freeze';
import { sgEvent } from '../support/events';
import { FakeAttribution, FakeDesiredState, FakeFreeze, FakeSgKind, NoExceptionsFake } from '../support/fake-ports';
import { PRINCIPALS } from '../support/pipeline-harness';
import { redisCluster, type LocalCluster } from '../support/redis-cluster';

/**
 * Redis Cluster (issue 17 §3), on a real local 3-master cluster: with `redis.cluster` every key is
 * hash-tagged (`{prefix}:…`) so the Lua scripts (item ledger, drift store, freeze fence, capped
 * hashes, leases), MULTI transactions, pipelines and BullMQ's own scripts each touch one slot; the
 * stores and queues then work on an ioredis Cluster as on one Redis. Without the tags the same
 * script is refused (CROSSSLOT): the tags are what makes it work.
 */
describe('Redis Cluster: hash-tagged keys on a local 3-master cluster', () => {
  let cluster: LocalCluster;
  let redis: Redis;
  let blocking: Redis;
  const prefix = `dwt-${randomBytes(4).toString('hex')}`;
  const keys = new RedisKeys(prefix, { cluster: true });

  // Connection errors (the nodes stop before the last reconnect attempt ends) go to a listener, as in the controller.
  const silent = { error: () => undefined, warn: () => undefined, info: () => undefined };
  const monitor = new RedisConnectionMonitor(silent);

  beforeAll(async () => {
    cluster = await redisCluster();
    redis = createRedis({ url: cluster.url, cluster: true, name: 'dw-test', monitor });
    blocking = createRedis({ url: cluster.url, cluster: true, name: 'dw-test:blocking', blocking: true, monitor });
    await waitForRedis(redis, cluster.url, 10_000);
    await waitForRedis(blocking, cluster.url, 10_000);
  }, 60_000);

  afterAll(async () => {
    if (redis) await deleteKeysWithPrefix(redis, prefix);
    redis?.disconnect();
    blocking?.disconnect();
    await cluster?.stop();
  });

  it('every key (BullMQ keys included) hashes to one slot, and the slots of a cluster are really spread over 3 masters', async () => {
    const names = [
      keys.key('item', 'ci_1'),
      keys.key('res', '111122223333/eu-west-1/AWS::EC2::SecurityGroup/sg-1'),
      keys.key('audit'),
      `${keys.bullPrefix}:evaluate:wait`,
    ];
    const slots = await Promise.all(names.map((k) => redis.call('CLUSTER', 'KEYSLOT', k)));
    expect(new Set(slots).size).toBe(1);
    expect(keys.key('audit')).toBe(`{${prefix}}:audit`);
    const untagged = new RedisKeys(prefix);
    const spread = await Promise.all(
      [untagged.key('item', 'a'), untagged.key('res', 'b'), untagged.key('audit')].map((k) => redis.call('CLUSTER', 'KEYSLOT', k)),
    );
    expect(new Set(spread).size).toBeGreaterThan(1);
    const shards = (await redis.call('CLUSTER', 'SHARDS')) as unknown[];
    if (process.env['DW_REDIS_CLUSTER'] !== '1') expect(shards).toHaveLength(3);
  });

  it('the pipeline on the cluster: ingest (item ledger script), evaluation through BullMQ (its scripts), decision committed (drift store script), audit appended', async () => {
    const audit = new AuditLog(redis, keys);
    const ledger = new ItemLedger(redis, keys, audit);
    const drifts = new DriftStore(redis, keys, audit);
    const producer = new JobProducer({ connection: blocking, prefix: keys.bullPrefix, coalesceMs: 0 });
    const classifier = new PrincipalClassifier(PRINCIPALS);
    const desired = new FakeDesiredState();
    desired.desired.set('sg-0c1u5te700000000a', ['tcp/443/10.0.0.0/8']);
    const evaluate = new EvaluateService(
      ledger,
      drifts,
      audit,
      producer,
      {
        kinds: new KindRegistry([new FakeSgKind()]),
        desiredState: desired,
        attribution: new FakeAttribution((arn) => classifier.classify(arn)),
        freeze: new FakeFreeze(),
        exceptions: new NoExceptionsFake(),
        fetcher: new FakeConfigItemFetcher(),
      },
      { dryRun: true, settleSeconds: 0, critical: {} },
    );
    const ingest = new IngestService(ledger, new CloudTrailStore(redis, keys), producer, audit, classifier, drifts);
    const outcomes: string[] = [];
    let decided!: () => void;
    const done = new Promise<void>((r) => (decided = r));
    const worker = createWorker(
      QueueName.Evaluate,
      async (job: Job<EvaluateJob | EvaluateBatchJob>) => {
        if (isEvaluateBatch(job.data)) throw new Error('one event: no batch job expected');
        const outcome = await evaluate.evaluate(job.data.resourceKey, job.data.correlationId, job.data.trigger);
        outcomes.push(outcome.status);
        if (outcome.status === 'decided') decided();
        return outcome.status;
      },
      { connection: blocking, prefix: keys.bullPrefix, concurrency: 4 },
    );
    try {
      const result = await ingest.ingest(
        sgEvent({ groupId: 'sg-0c1u5te700000000a', stateId: 1_765_000_000_000, rules: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'] }),
        {
          transport: 'http',
          actor: 'test',
        },
      );
      expect(result).toMatchObject({ ok: true, accepted: [{ status: 'accepted' }] });
      await done;
      const open = await drifts.openFor('111122223333/eu-west-1/AWS::EC2::SecurityGroup/sg-0c1u5te700000000a');
      expect(open?.record).toMatchObject({ status: 'detected', dryRun: true, decision: { action: 'revert', rule: 6 } });
      const entries = await audit.list({ since: new Date(0), limit: 10, cursor: null });
      expect(entries.items.map((e) => e.type)).toContain('decision');
      // A duplicate delivery is recognised by the same script.
      const again = await ingest.ingest(
        sgEvent({ groupId: 'sg-0c1u5te700000000a', stateId: 1_765_000_000_000, rules: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'] }),
        {
          transport: 'http',
          actor: 'test',
        },
      );
      expect(again).toMatchObject({ ok: true, accepted: [{ duplicate: true }] });
    } finally {
      await worker.close();
      await producer.close();
    }
  }, 30_000);

  it("every node connection of the cluster coalesces a turn's commands into one write", async () => {
    const masters = await clusterMasters(redis);
    expect(masters.length).toBeGreaterThan(0);
    for (const node of masters) {
      await node.ping();
      expect(isCoalesced((node as unknown as { stream?: object }).stream)).toBe(true);
    }
  });

  it('the freeze store (MULTI, capped-hash script, pub/sub) and the sweep lease work on the cluster', async () => {
    const audit = new AuditLog(redis, keys);
    const freeze = new FreezeStore(redis, keys, audit);
    const manual = await freeze.createManual({ reason: 'cluster test', ttlMs: 60_000, actor: 'test', now: new Date(), maxActive: 5 });
    expect(await freeze.getManual(manual.id)).toMatchObject({ reason: 'cluster test' });
    expect(await freeze.liftManual(manual.id, 'test', new Date())).not.toBeNull();

    const lease = new ReconcileStatusStore(redis, keys);
    expect(await lease.acquire('a', 10_000)).toBe(true);
    expect(await lease.acquire('b', 10_000)).toBe(false);
    expect(await lease.renew('a', 10_000)).toBe(true);
    await lease.release('a');
    expect(await lease.acquire('b', 10_000)).toBe(true);
    await lease.release('b');
  });

  it('without the hash tags the item ledger script is refused by the cluster (CROSSSLOT)', async () => {
    const plain = new RedisKeys(`${prefix}-plain`);
    const audit = new AuditLog(redis, plain);
    const ledger = new ItemLedger(redis, plain, audit);
    const normalized = normalizeDelivery(sgEvent({ groupId: 'sg-0c1u5te700000000b', stateId: 1_765_000_000_001 }), { transport: 'http' });
    if (!normalized.ok) throw new Error('fixture did not normalise');
    await expect(ledger.accept(normalized.events.filter((e): e is ConfigItemEvent => e.kind === 'config_item'))).rejects.toThrow(
      /CROSSSLOT|slot/i,
    );
  });
});
