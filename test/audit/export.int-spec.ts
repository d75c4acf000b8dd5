/**
 * Issue 16 §2: the continuous export to S3 (an S3 stand-in over real HTTP, the real SDK client,
 * the real Redis stream and consumer group): gzip JSON Lines per date partition, idempotent object
 * names, at least once across S3 failures; an export verifies, and editing, deleting or
 * reordering one line of it is named; the restore plan reads back what is still in force.
 */
import { gunzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import {
  AuditExporter,
  S3ExportStore,
  createExportS3Client,
  planRestore,
  readExport,
  verifyExportLines,
  type ExportObjectStore,
} from '@driftwarden/audit';
import { S3Sandbox } from '@driftwarden/sandbox/testing';
import type { DriftRecord } from '@driftwarden/domain';
import { AuditFollower } from '@driftwarden/notifications';
import { AuditLog, DriftStore, newDriftId } from '@driftwarden/store';
import { dropPrefix, uniquePrefix } from '../support/test-controller';
import { testKeys, testRedis } from '../support/redis';

function record(id: string, status: DriftRecord['status']): DriftRecord {
  const at = new Date().toISOString();
  return {
    id,
    status,
    dryRun: false,
    resource: { type: 'AWS::EC2::SecurityGroup', id: `sg-${id.slice(-6)}`, account: '111122223333', region: 'eu-west-1' },
    decision: { action: 'await_approval', rule: 5, reason: 'widens exposure' },
    principal: { arn: null, class: 'unknown' },
    changedAt: at,
    detectedAt: at,
    updatedAt: at,
    diff: { equal: false },
    evidence: { eventIds: [], configurationStateId: null, captureTime: at, rule: 5, apiCalls: [] } as unknown as DriftRecord['evidence'],
    links: {},
  };
}

describe('durable export to S3', () => {
  const BUCKET = 'audit-archive';
  let s3: S3Sandbox;
  let redis: Redis;
  let follow: Redis;
  let prefix: string;
  let audit: AuditLog;
  let drifts: DriftStore;
  let store: ExportObjectStore;
  let clock = 0;

  beforeAll(async () => {
    s3 = await S3Sandbox.start();
    s3.addBucket(BUCKET);
    redis = testRedis();
    follow = testRedis();
    const client = createExportS3Client({ region: 'eu-west-1', endpoint: s3.url, forcePathStyle: true, requestTimeoutMs: 1_000 });
    client.config.credentials = () => Promise.resolve({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });
    store = new S3ExportStore(client, 'audit-archive');
  });
  beforeEach(() => {
    prefix = uniquePrefix();
    audit = new AuditLog(redis, testKeys(prefix));
    drifts = new DriftStore(redis, testKeys(prefix), audit);
    clock = Date.now();
  });
  afterEach(async () => {
    await dropPrefix(prefix);
  });
  afterAll(async () => {
    follow.disconnect();
    redis.disconnect();
    await s3.close();
  });

  async function exporter(): Promise<AuditExporter> {
    const follower = new AuditFollower(follow, audit.streamKey, { group: 'export-s3', blockMs: 50, fromStart: true });
    await follower.ensureGroup();
    return new AuditExporter(follower, store, drifts, { prefix: `${prefix}/`, everyMs: 60_000, retryMs: 1_000 }, () => clock);
  }

  it('batches entries into one gzip JSON Lines object per interval, named by its first and last stream id, with the drift records', async () => {
    const id = newDriftId();
    await drifts.save(record(id, 'awaiting_approval'), null, {
      at: new Date().toISOString(),
      type: 'decision',
      actor: 'pipeline',
      driftId: id,
    });
    await audit.append({
      at: new Date().toISOString(),
      type: 'freeze.created',
      actor: 'token:oncall',
      reason: 'db migration',
      details: { id: 'frz_a', until: new Date(Date.now() + 3600_000).toISOString() },
    });
    const ex = await exporter();
    expect(await ex.step()).toBeNull(); // read, not due yet
    expect(s3.keys(BUCKET, prefix)).toEqual([]);
    clock = Date.now() + 60_000;
    const out = await ex.step();
    expect(out).toMatchObject({ entries: 2, drifts: 1 });
    const [key] = s3.keys(BUCKET, prefix);
    const entries = (await audit.list({ limit: 10 })).items;
    const date = new Date(Number(entries[0].id!.split('-')[0])).toISOString().slice(0, 10);
    expect(key).toBe(`${prefix}/audit/date=${date}/${entries[0].id}_${entries[1].id}.jsonl.gz`);
    const obj = s3.object(BUCKET, key)!;
    expect(obj.contentType).toBe('application/x-ndjson');
    const lines = gunzipSync(obj.body).toString('utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { kind: string }).kind)).toEqual(['audit', 'audit', 'drift']);
    expect(await verifyExportLines(lines, null)).toMatchObject({ ok: true, checked: 2, anchor: 'genesis' });
    // Acknowledged: nothing pending for the group.
    expect(await redis.xpending(audit.streamKey, 'export-s3')).toEqual([0, null, null, null]);
  });

  it('an S3 failure keeps the batch pending and writes the same object name on the retry (at least once, idempotent)', async () => {
    for (let i = 0; i < 3; i++) await audit.append({ at: new Date().toISOString(), type: 'test.entry', actor: 'test', reason: `${i}` });
    const ex = await exporter();
    clock = Date.now() + 60_000;
    s3.failNext('PutObject', { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }, { times: 3 });
    const failed = await ex.step();
    expect(failed).toMatchObject({ entries: 3 });
    expect(failed && 'failed' in failed ? failed.failed : '').toMatch(/S3 PutObject s3:\/\/audit-archive\/.* failed: .*503/);
    expect(s3.keys(BUCKET, prefix)).toEqual([]);
    expect((await redis.xpending(audit.streamKey, 'export-s3'))[0]).toBe(3);
    // Too early for the retry (backoff), then written under the name the failed attempt used.
    expect(await ex.step()).toBeNull();
    clock += 1_000;
    s3.failNext('PutObject', { network: 'reset' }, { times: 3 }); // the SDK tries 3 times
    const again = await ex.step();
    expect(again && 'failed' in again ? again.failed : '').toMatch(/failed/);
    clock += 2_000;
    const written = await ex.step();
    expect(written).toMatchObject({ entries: 3 });
    expect(s3.keys(BUCKET, prefix)).toEqual([written && 'written' in written ? written.written : '']);
    expect((await redis.xpending(audit.streamKey, 'export-s3'))[0]).toBe(0);
  });

  describe('verifying an export file', () => {
    async function exportedLines(): Promise<string[]> {
      for (let i = 0; i < 5; i++)
        await audit.append({ at: new Date().toISOString(), type: 'test.entry', actor: 'test', reason: `entry ${i}` });
      const ex = await exporter();
      clock = Date.now() + 60_000;
      await ex.step();
      const [key] = s3.keys(BUCKET, prefix);
      const lines = (await store.get(key)).trim().split('\n');
      expect(await verifyExportLines(lines, null)).toMatchObject({ ok: true, checked: 5 });
      return lines;
    }

    it('an edited line is named', async () => {
      const lines = await exportedLines();
      lines[2] = lines[2].replace('entry 2', 'entry two');
      expect((await verifyExportLines(lines, null)).firstBroken).toMatchObject({ at: 'line 3', seq: 3, problem: 'hash_mismatch' });
    });

    it('a deleted line is named', async () => {
      const lines = await exportedLines();
      lines.splice(2, 1);
      expect((await verifyExportLines(lines, null)).firstBroken).toMatchObject({ at: 'line 3', seq: 4, problem: 'seq_gap' });
    });

    it('reordered lines are named', async () => {
      const lines = await exportedLines();
      [lines[1], lines[2]] = [lines[2], lines[1]];
      expect((await verifyExportLines(lines, null)).firstBroken).toMatchObject({ at: 'line 2', seq: 3, problem: 'seq_gap' });
    });

    it('a line that is not an export line is named', async () => {
      const lines = await exportedLines();
      lines[1] = '{"kind":"audit"';
      expect((await verifyExportLines(lines, null)).firstBroken).toMatchObject({ at: 'line 2', problem: 'unreadable' });
    });
  });

  it('the restore plan: freezes and exceptions created and not ended, still running; drifts last seen awaiting approval; duplicates once', async () => {
    const later = new Date(Date.now() + 3600_000).toISOString();
    const past = new Date(Date.now() - 60_000).toISOString();
    const a = newDriftId();
    const b = newDriftId();
    await drifts.save(record(a, 'awaiting_approval'), null, {
      at: new Date().toISOString(),
      type: 'decision',
      actor: 'pipeline',
      driftId: a,
    });
    await drifts.save(record(b, 'held'), null, { at: new Date().toISOString(), type: 'decision', actor: 'pipeline', driftId: b });
    const add = (type: string, details: Record<string, string>) =>
      audit.append({ at: new Date().toISOString(), type, actor: 'token:oncall', reason: type, details });
    await add('freeze.created', { id: 'frz_keep', until: later });
    await add('freeze.created', { id: 'frz_lifted', until: later });
    await add('freeze.lifted', { id: 'frz_lifted' });
    await add('freeze.created', { id: 'frz_expired', until: past });
    await add('exception.created', { id: 'exc_keep', resource: 'sg-1', until: later });
    await add('exception.created', { id: 'exc_gone', resource: 'sg-2', until: later });
    await add('exception.deleted', { id: 'exc_gone', resource: 'sg-2' });
    const ex = await exporter();
    clock = Date.now() + 60_000;
    await ex.step();
    // The same entries exported twice (a batch re-read after a crash): read once.
    const [key] = s3.keys(BUCKET, prefix);
    await store.put(key.replace('.jsonl.gz', '-again.jsonl.gz'), s3.object(BUCKET, key)!.body);
    const read = await readExport(store, `${prefix}/`, new Date(Date.now() - 86_400_000));
    expect(read.objects).toBe(2);
    const plan = planRestore(read, new Date());
    expect(plan.manualFreezes.map((f) => f.id)).toEqual(['frz_keep']);
    expect(plan.manualFreezes[0]).toMatchObject({ reason: 'freeze.created', actor: 'token:oncall', until: later });
    expect(plan.exceptions.map((e) => e.id)).toEqual(['exc_keep']);
    expect(plan.approvals.map((r) => r.id)).toEqual([a]);
    expect(plan.read.entries).toBe(9);
  });
});
