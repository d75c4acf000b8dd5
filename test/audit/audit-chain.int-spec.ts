/**
 * Issue 16 §1, on the real Redis (own prefix): every writer of the audit stream (AuditLog.append,
 * the drift save script, the item ledger's stale path) extends one hash chain inside its Lua
 * script; editing, deleting or reordering one entry is named by `verify`; several connections
 * appending at once keep the chain linear; retention trimming does not break verification.
 */
import type { Redis } from 'ioredis';
import type { ConfigItemEvent, DriftRecord } from '@driftwarden/domain';
import { RedisKeys } from '@driftwarden/redis';
import { AUDIT_CHAIN_LUA, AuditLog, DriftStore, ItemLedger, canonicalJson, newDriftId, sha256Hex } from '@driftwarden/store';
import { dropPrefix, uniquePrefix } from '../support/test-controller';
import { testKeys, testRedis } from '../support/redis';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const TYPE = 'AWS::EC2::SecurityGroup';

function record(id: string, group: string): DriftRecord {
  const at = new Date().toISOString();
  return {
    id,
    status: 'held',
    dryRun: false,
    resource: { type: TYPE, id: group, account: ACCOUNT, region: REGION },
    decision: { action: 'hold', rule: 4, reason: 'frozen: ünïcode "quoted" \\ and a tab\t' },
    principal: { arn: null, class: 'unknown' },
    changedAt: at,
    detectedAt: at,
    updatedAt: at,
    diff: { equal: false },
    evidence: {
      eventIds: [],
      configurationStateId: null,
      captureTime: at,
      rule: null,
      apiCalls: [],
      explanations: [],
    } as unknown as DriftRecord['evidence'],
    links: {},
  };
}

function item(group: string, order: number): ConfigItemEvent {
  return {
    kind: 'config_item',
    eventId: `evt_${group}_${order}`,
    resource: { type: TYPE, id: group, account: ACCOUNT, region: REGION },
    captureTime: new Date().toISOString(),
    order,
    status: 'OK',
    changeType: 'UPDATE',
    tags: {},
    configuration: {},
    changedProperties: [],
    delivery: 'api',
  } as unknown as ConfigItemEvent;
}

/** Rewrites the whole stream with the same ids, as someone with Redis access would to alter history. */
async function rewrite(redis: Redis, stream: string, change: (entries: [string, string[]][]) => [string, string[]][]): Promise<void> {
  const entries = change(await redis.xrange(stream, '-', '+'));
  await redis.del(stream);
  for (const [id, fields] of entries) await redis.xadd(stream, id, ...fields);
}

describe('tamper-evident audit chain (Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let keys: RedisKeys;
  let audit: AuditLog;

  beforeAll(() => {
    redis = testRedis();
  });
  beforeEach(() => {
    prefix = uniquePrefix();
    keys = testKeys(prefix);
    audit = new AuditLog(redis, keys);
  });
  afterEach(async () => {
    await dropPrefix(prefix);
  });
  afterAll(() => {
    redis.disconnect();
  });

  it("the script's SHA-256 and canonical JSON agree with Node's for every padding case and for escapes", async () => {
    const probe = `${AUDIT_CHAIN_LUA}\nif ARGV[1] == 'h' then return dw_sha256(ARGV[2]) end\nreturn dw_canonical_strings(cjson.decode(ARGV[2]))`;
    for (const len of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 1000]) {
      const text = 'é'.repeat(Math.floor(len / 2)) + 'x'.repeat(len % 2);
      expect(await redis.eval(probe, 0, 'h', text)).toBe(sha256Hex(text));
    }
    const obj = { b: 'quote " backslash \\ newline \n tab \t bell \u0007 del \u007f', a: 'ünïcødé €', type: 'x' };
    expect(await redis.eval(probe, 0, 'c', JSON.stringify(obj))).toBe(canonicalJson(obj));
  });

  it('entries from every writer form one chain that verifies from genesis to the head', async () => {
    const drifts = new DriftStore(redis, keys, audit);
    const ledger = new ItemLedger(redis, keys, audit);
    await audit.append({ at: new Date().toISOString(), type: 'freeze.created', actor: 'token:oncall', details: { id: 'frz_1', n: 1.5 } });
    const id = newDriftId();
    expect(
      await drifts.save(record(id, 'sg-1'), null, { at: new Date().toISOString(), type: 'decision', actor: 'pipeline', driftId: id }),
    ).toBe('ok');
    // The stale path: the resource already processed a newer item.
    await redis.hset(keys.key('res', `${ACCOUNT}/${REGION}/${TYPE}/sg-2`), 'processedOrder', '10', 'processedId', 'evt_newer "q"');
    const [accepted] = await ledger.accept([item('sg-2', 5)]);
    expect(accepted.status).toBe('stale');
    const verdict = await audit.verify(null);
    expect(verdict).toMatchObject({ ok: true, checked: 3, anchor: 'genesis', from: { seq: 1 }, to: { seq: 3 }, firstBroken: null });
    const page = await audit.list({ limit: 10 });
    expect(page.items.map((e) => e.type)).toEqual(['freeze.created', 'decision', 'item.stale']);
    expect(page.items[1].prevHash).toBe(page.items[0].hash);
    expect(page.items[0].prevHash).toBe('0'.repeat(64));
  });

  async function threeEntries(): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(await audit.append({ at: new Date().toISOString(), type: 'test.entry', actor: 'test', reason: `entry ${i}` }));
    expect((await audit.verify(null)).ok).toBe(true);
    return ids;
  }

  it('editing one entry is named', async () => {
    const ids = await threeEntries();
    await rewrite(redis, audit.streamKey, (entries) =>
      entries.map(([id, f]) => [id, id === ids[2] ? f.map((v) => v.replace('entry 2', 'entry two')) : f]),
    );
    const verdict = await audit.verify(null);
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBroken).toMatchObject({ at: ids[2], seq: 3, problem: 'hash_mismatch' });
  });

  it('deleting one entry is named (in the middle, at the end, at the start)', async () => {
    const ids = await threeEntries();
    await redis.xdel(audit.streamKey, ids[2]);
    expect((await audit.verify(null)).firstBroken).toMatchObject({ at: ids[3], seq: 4, problem: 'seq_gap' });
    await rewrite(redis, audit.streamKey, (entries) => entries);
    const fresh = uniquePrefix();
    try {
      const other = new AuditLog(redis, testKeys(fresh));
      const more: string[] = [];
      for (let i = 0; i < 4; i++) more.push(await other.append({ at: new Date().toISOString(), type: 'test.entry', actor: 'test' }));
      await redis.xdel(other.streamKey, more[3]);
      expect((await other.verify(null)).firstBroken).toMatchObject({ problem: 'head_mismatch', seq: 4 });
      await other.append({ at: new Date().toISOString(), type: 'test.entry', actor: 'test' });
      // The head moved on; the chain itself now has a gap at seq 4.
      expect((await other.verify(null)).firstBroken).toMatchObject({ problem: 'seq_gap', seq: 5 });
      const third = new AuditLog(redis, testKeys(`${fresh}-c`));
      const first = await third.append({ at: new Date().toISOString(), type: 'test.entry', actor: 'test' });
      await third.append({ at: new Date().toISOString(), type: 'test.entry', actor: 'test' });
      await redis.xdel(third.streamKey, first);
      expect((await third.verify(null)).firstBroken).toMatchObject({ problem: 'floor_mismatch', seq: 2 });
    } finally {
      await dropPrefix(fresh);
      await dropPrefix(`${fresh}-c`);
    }
  });

  it('reordering two entries is named', async () => {
    const ids = await threeEntries();
    await rewrite(redis, audit.streamKey, (entries) => {
      const swapped = entries.map(([id, f]) => [id, f] as [string, string[]]);
      const a = swapped.findIndex(([id]) => id === ids[1]);
      [swapped[a][1], swapped[a + 1][1]] = [swapped[a + 1][1], swapped[a][1]];
      return swapped;
    });
    const verdict = await audit.verify(null);
    expect(verdict.firstBroken).toMatchObject({ at: ids[1], seq: 3, problem: 'seq_gap' });
  });

  it('several connections appending at once keep one linear chain', async () => {
    const conns = Array.from({ length: 6 }, () => testRedis());
    try {
      await Promise.all(
        conns.map(async (conn, c) => {
          const log = new AuditLog(conn, keys);
          const drifts = new DriftStore(conn, keys, log);
          for (let i = 0; i < 60; i++) {
            if (i % 3 === 0) {
              const id = newDriftId();
              await drifts.save(record(id, `sg-${c}-${i}`), null, {
                at: new Date().toISOString(),
                type: 'decision',
                actor: `replica-${c}`,
                driftId: id,
              });
            } else await log.append({ at: new Date().toISOString(), type: 'test.concurrent', actor: `replica-${c}`, reason: `${i}` });
          }
        }),
      );
    } finally {
      for (const conn of conns) conn.disconnect();
    }
    const verdict = await audit.verify(null, 97);
    expect(verdict).toMatchObject({ ok: true, checked: 360, from: { seq: 1 }, to: { seq: 360 } });
    expect(await audit.head()).toMatchObject({ seq: 360 });
  });

  it('links predicted in Node are used while one connection writes alone; another writer in between costs a fallback, never a wrong link', async () => {
    const drifts = new DriftStore(redis, keys, audit);
    const predictor = audit.predictor(redis);
    const at = () => new Date().toISOString();
    // A batch of appends in flight at once on this connection: decisions (the save script) and plain entries.
    const batch = (n: number, tag: string) =>
      Promise.all(
        Array.from({ length: n }, (_, i) => {
          if (i % 2) return audit.append({ at: at(), type: 'test.entry', actor: 'test', reason: `${tag} ${i}` });
          const id = newDriftId();
          return drifts.save(record(id, `sg-${tag}-${i}`), null, { at: at(), type: 'decision', actor: 'pipeline', driftId: id });
        }),
      );
    const before = { ...predictor.stats };
    await batch(20, 'a'); // the head is not known yet: the scripts hash, and the last reply tells the head
    const learned = { ...predictor.stats };
    expect(learned.unpredicted - before.unpredicted).toBe(20);
    await batch(20, 'b'); // every link predicted, none missed
    expect(predictor.stats.predicted - learned.predicted).toBe(20);
    expect(predictor.stats.misses).toBe(learned.misses);
    // Another writer (another replica's connection) appends: the predictions in flight miss, the scripts hash.
    const other = testRedis();
    try {
      await new AuditLog(other, keys).append({ at: at(), type: 'test.entry', actor: 'replica-2' });
    } finally {
      other.disconnect();
    }
    await batch(20, 'c');
    expect(predictor.stats.misses).toBeGreaterThan(learned.misses);
    const afterMiss = { ...predictor.stats };
    await batch(20, 'd'); // learned again from the last reply of batch c
    expect(predictor.stats.predicted - afterMiss.predicted).toBe(20);
    expect(predictor.stats.misses).toBe(afterMiss.misses);
    // A stale prediction sent by hand is not used: the script computes the link.
    const head = (await audit.head())!;
    const body = canonicalJson({ at: at(), type: 'test.entry', actor: 'test' });
    await redis.eval(
      `${AUDIT_CHAIN_LUA}\nreturn dw_audit_append(KEYS[1], KEYS[2], '1000000', ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])`,
      2,
      audit.streamKey,
      audit.chainHeadKey,
      body,
      sha256Hex(body),
      String(head.seq),
      head.hash,
      'f'.repeat(64),
    );
    expect((await audit.head())!.hash).not.toBe('f'.repeat(64));
    expect(await audit.verify(null)).toMatchObject({ ok: true, checked: 82, firstBroken: null });
  });

  it('the save script takes its small arguments as one JSON array: any text survives it, and a call of another shape is refused', async () => {
    const drifts = new DriftStore(redis, keys, audit);
    // An item id with quotes, a backslash, a control character, non-ASCII and an emoji, claimed as the pipeline would.
    const eventId = 'evt_"q" \\ \t ünï €😀';
    const rk = `${ACCOUNT}/${REGION}/${TYPE}/sg-text`;
    await redis.hset(keys.key('item', eventId), 'rk', rk, 'order', '7', 'outcome', '');
    await redis.hset(keys.key('res', rk), 'claimed', eventId);
    const r = record(newDriftId(), 'sg-text');
    const saved = await drifts.save(
      r,
      null,
      { at: new Date().toISOString(), type: 'decision', actor: 'pipeline', driftId: r.id, eventId },
      {
        eventId,
        order: 7,
        resourceKey: rk,
        outcome: 'decided',
      },
    );
    expect(saved).toBe('ok');
    expect(await redis.hget(keys.key('item', eventId), 'outcome')).toBe('decided');
    expect(await redis.hmget(keys.key('res', rk), 'processedId', 'processedOrder', 'claimed')).toEqual([eventId, '7', '']);
    expect(await drifts.get(r.id)).toEqual(r);
    expect(await audit.verify(null)).toMatchObject({ ok: true, checked: 1, firstBroken: null });
    const call = (redis as unknown as { dwSaveDrift(...a: string[]): Promise<unknown> }).dwSaveDrift.bind(redis);
    const k = Array.from({ length: 5 }, (_, i) => keys.key('probe', String(i)));
    await expect(call(...k, '[]', '', '', '')).rejects.toThrow(
      /dwSaveDrift: expected a JSON array of 25 arguments and 3 more, got 4 arguments/,
    );
    await expect(call(...k, JSON.stringify(Array(25).fill('')), '', '')).rejects.toThrow(/got 3 arguments/);
  });

  it('retention trimming (by count on append, by age in the sweep) keeps the retained chain verifiable', async () => {
    const small = new AuditLog(redis, keys, { auditMaxEntries: 100, auditMaxAgeSeconds: 3600 });
    for (let i = 0; i < 700; i++) await small.append({ at: new Date().toISOString(), type: 'test.entry', actor: 'test', reason: `${i}` });
    const head = await small.head();
    expect(head?.floor).toBeGreaterThan(1);
    const verdict = await small.verify(null);
    expect(verdict).toMatchObject({ ok: true, anchor: 'retention', from: { seq: head?.floor }, to: { seq: 700 } });
    // The age sweep, with a clock two hours ahead: every node but the newest goes.
    expect(await small.trim(new Date(Date.now() + 2 * 3600_000), 10_000)).toBeGreaterThan(0);
    for (const reason of ['after the sweep', 'and one more'])
      await small.append({ at: new Date().toISOString(), type: 'test.entry', actor: 'test', reason });
    const after = await small.verify(null);
    expect(after.ok).toBe(true);
    expect(after.from?.seq).toBe((await small.head())?.floor);
    // Removing the oldest retained entry beyond what retention did is still caught.
    const [[oldest]] = await redis.xrange(small.streamKey, '-', '+', 'COUNT', 1);
    await redis.xdel(small.streamKey, oldest);
    expect((await small.verify(null)).firstBroken).toMatchObject({ problem: 'floor_mismatch' });
  });
});
