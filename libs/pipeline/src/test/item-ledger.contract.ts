/**
 * What the item ledger promises the evaluation, as one set of cases run against both
 * implementations: the in-memory fake the use-case specs use (in-memory-item-ledger.spec.ts) and
 * the real ItemLedger + DriftStore on Redis (test/pipeline/item-ledger.contract.int-spec.ts). A
 * rule added to the Lua scripts without the fake (or the other way round) fails one of the two.
 */
import type { ConfigItemEvent } from '@driftwarden/domain';
import {
  RESOURCE_BUSY_RETRY_MS,
  ResourceBusyError,
  type AcceptStatus,
  type AuditEntry,
  type ClaimHolder,
  type ClaimResult,
  type ClaimedItem,
  type ItemState,
  type SaveResult,
} from '@driftwarden/store';
import { configItemOf } from './config-item';

/** One ledger with its store, seen only through what both implementations offer. */
export interface LedgerUnderTest {
  accept(event: ConfigItemEvent): Promise<AcceptStatus>;
  claimLatest(rk: string, holder?: ClaimHolder): Promise<ClaimedItem | null>;
  claimMany(rks: string[], holder?: ClaimHolder): Promise<ClaimResult[]>;
  /** A job lock's key (in the ledger's key space) and setting it to a token (a live run) or deleting it (`null`: the run is gone). */
  lockKey(name: string): string;
  setLock(key: string, token: string | null): Promise<void>;
  /** Commits a decision on the item with no record change (DriftStore.commitWithoutRecord). */
  commit(event: ConfigItemEvent): Promise<SaveResult>;
  state(eventId: string): Promise<ItemState | null>;
  /** Every audit entry, oldest first. */
  auditEntries(): Promise<AuditEntry[]>;
}

/** The contract's resource: the ledger is the same for every kind, so a type no kind manages. */
const CONTRACT_RESOURCE = { type: 'AWS::DynamoDB::Table', id: 'contract-table', account: '111122223333', region: 'eu-west-1' };
export const CONTRACT_RK = `${CONTRACT_RESOURCE.account}/${CONTRACT_RESOURCE.region}/${CONTRACT_RESOURCE.type}/${CONTRACT_RESOURCE.id}`;

/** A second resource, for claims of several resources at once. */
const OTHER_RESOURCE = { ...CONTRACT_RESOURCE, id: 'contract-table-2' };
const OTHER_RK = `${OTHER_RESOURCE.account}/${OTHER_RESOURCE.region}/${OTHER_RESOURCE.type}/${OTHER_RESOURCE.id}`;

/** A Config item of the contract's resource (or another); its id says its order. */
export function contractItem(order: number, resource = CONTRACT_RESOURCE): ConfigItemEvent {
  return configItemOf(resource, order, { receivedAt: new Date(order).toISOString() });
}

/** Defines the contract's cases; `make` builds a fresh, empty ledger for each (after the caller's own beforeEach). */
export function itemLedgerContract(make: () => LedgerUnderTest): void {
  let ledger: LedgerUnderTest;
  beforeEach(() => {
    ledger = make();
  });
  const outcomes = async (...orders: number[]) => Promise.all(orders.map(async (o) => [o, (await ledger.state(`ci-${o}`))?.outcome]));
  const staleEntries = async () =>
    (await ledger.auditEntries()).filter((e) => e.type === 'item.stale').map((e) => [e.eventId, e.resourceKey, e.reason]);

  /** Two items of the contract resource and one of another, and two live job locks (a and b). */
  async function twoResourcesTwoJobs() {
    const other = contractItem(5_000, OTHER_RESOURCE);
    for (const o of [1_000, 2_000]) await ledger.accept(contractItem(o));
    await ledger.accept(other);
    const a = { lockKey: ledger.lockKey('job-a'), token: 'worker-1:1' };
    const b = { lockKey: ledger.lockKey('job-b'), token: 'worker-2:1' };
    await ledger.setLock(a.lockKey, a.token);
    await ledger.setLock(b.lockKey, b.token);
    return { other, a, b };
  }

  it('claims nothing when nothing is pending', async () => {
    expect(await ledger.claimLatest(CONTRACT_RK)).toBeNull();
  });

  it('claims the newest pending item and coalesces the older ones into it', async () => {
    for (const o of [1_000, 3_000, 2_000]) expect(await ledger.accept(contractItem(o))).toBe('accepted');
    const claimed = await ledger.claimLatest(CONTRACT_RK);
    expect(claimed?.event.eventId).toBe('ci-3000');
    expect(claimed?.coalesced).toEqual(['ci-1000', 'ci-2000']);
    expect(claimed?.openDrift).toBeNull();
    expect(await outcomes(1_000, 2_000, 3_000)).toEqual([
      [1_000, 'coalesced'],
      [2_000, 'coalesced'],
      [3_000, ''],
    ]);
    expect((await ledger.state('ci-1000'))?.supersededBy).toBe('ci-3000');
    expect(await ledger.claimLatest(CONTRACT_RK)).toEqual(expect.objectContaining({ coalesced: [] }));
  });

  it('puts back an item claimed but never committed (the run died): the next claim takes it again', async () => {
    await ledger.accept(contractItem(1_000));
    expect((await ledger.claimLatest(CONTRACT_RK))?.event.eventId).toBe('ci-1000');
    expect((await ledger.claimLatest(CONTRACT_RK))?.event.eventId).toBe('ci-1000');
  });

  it('keeps a claim exclusive while its holder lives: another run is told to wait, and the holder commits as usual', async () => {
    const item = contractItem(1_000);
    await ledger.accept(item);
    const a = { lockKey: ledger.lockKey('job-a'), token: 'worker-1:1' };
    await ledger.setLock(a.lockKey, a.token);
    expect((await ledger.claimLatest(CONTRACT_RK, a))?.event.eventId).toBe('ci-1000');
    await ledger.accept(contractItem(2_000));
    const b = { lockKey: ledger.lockKey('job-b'), token: 'worker-2:7' };
    await ledger.setLock(b.lockKey, b.token);
    await expect(ledger.claimLatest(CONTRACT_RK, b)).rejects.toThrow(ResourceBusyError);
    // A claim without a holder (no lock of its own) is kept out too.
    await expect(ledger.claimLatest(CONTRACT_RK)).rejects.toMatchObject({ code: 'resource_busy', retryAfterMs: RESOURCE_BUSY_RETRY_MS });
    // Nothing moved: the holder's item is still claimed (its commit lands), the newer one waits.
    expect(await ledger.commit(item)).toBe('ok');
    expect(await outcomes(1_000, 2_000)).toEqual([
      [1_000, 'decided'],
      [2_000, ''],
    ]);
    // Committed: the resource is free although the holder still runs.
    expect((await ledger.claimLatest(CONTRACT_RK, b))?.event.eventId).toBe('ci-2000');
  });

  it('lets the holding run claim again (the same token), and takes over from a run whose lock expired or passed to a new attempt', async () => {
    await ledger.accept(contractItem(1_000));
    const a = { lockKey: ledger.lockKey('job-a'), token: 'worker-1:1' };
    await ledger.setLock(a.lockKey, a.token);
    expect((await ledger.claimLatest(CONTRACT_RK, a))?.event.eventId).toBe('ci-1000');
    expect((await ledger.claimLatest(CONTRACT_RK, a))?.event.eventId).toBe('ci-1000');
    // The job's next attempt holds the same lock key with a new token: the old claim is dead.
    const retry = { lockKey: a.lockKey, token: 'worker-1:2' };
    await ledger.setLock(a.lockKey, retry.token);
    expect((await ledger.claimLatest(CONTRACT_RK, retry))?.event.eventId).toBe('ci-1000');
    // Its worker died: the lock expired, another run takes the item back.
    await ledger.setLock(a.lockKey, null);
    const b = { lockKey: ledger.lockKey('job-b'), token: 'worker-2:1' };
    await ledger.setLock(b.lockKey, b.token);
    expect((await ledger.claimLatest(CONTRACT_RK, b))?.event.eventId).toBe('ci-1000');
    expect(await ledger.commit(contractItem(1_000))).toBe('ok');
  });

  it('answers claims asked for together as if asked one after the other (one resource twice: the second run waits)', async () => {
    const { other, a, b } = await twoResourcesTwoJobs();
    const [first, second, third, fourth] = await Promise.allSettled([
      ledger.claimLatest(CONTRACT_RK, a),
      ledger.claimLatest(CONTRACT_RK, b),
      ledger.claimLatest(OTHER_RK, b),
      ledger.claimLatest(`${OTHER_RK}-nothing-here`, b),
    ]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { event: { eventId: 'ci-2000' }, coalesced: ['ci-1000'] } });
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'resource_busy', resourceKey: CONTRACT_RK } });
    expect(third).toMatchObject({ status: 'fulfilled', value: { event: { eventId: other.eventId }, coalesced: [] } });
    expect(fourth).toEqual({ status: 'fulfilled', value: null });
  });

  it('claims several resources for one run (a batch job) exactly as claims one after the other would: claimed, busy, nothing pending', async () => {
    const { other, a, b } = await twoResourcesTwoJobs();
    // Job a holds the first resource; job b's batch names it, the other resource, one with nothing
    // pending, and the other resource again (its item is claimed by then: the same holder takes it again).
    expect((await ledger.claimLatest(CONTRACT_RK, a))?.event.eventId).toBe('ci-2000');
    const claims = await ledger.claimMany([CONTRACT_RK, OTHER_RK, `${OTHER_RK}-nothing-here`, OTHER_RK], b);
    expect(claims.map((c) => (c === 'busy' || c === null ? c : [c.event.eventId, c.coalesced, c.openDrift]))).toEqual([
      'busy',
      [other.eventId, [], null],
      null,
      [other.eventId, [], null],
    ]);
    // Claimed for job b: exclusive while b lives, as a single claim is.
    await expect(ledger.claimLatest(OTHER_RK, a)).rejects.toThrow(ResourceBusyError);
    expect(await ledger.claimMany([], b)).toEqual([]);
    // Job a is gone: its claim (never committed) is taken over, its item put back and claimed for b; it commits as usual.
    await ledger.setLock(a.lockKey, null);
    const [taken] = await ledger.claimMany([CONTRACT_RK], b);
    expect(taken !== 'busy' && taken?.event.eventId).toBe('ci-2000');
    expect(await ledger.commit(contractItem(2_000))).toBe('ok');
    expect(await ledger.claimMany([CONTRACT_RK], b)).toEqual([null]);
  });

  it('never makes a holder-less claim exclusive (it has no lock to outlive)', async () => {
    await ledger.accept(contractItem(1_000));
    expect((await ledger.claimLatest(CONTRACT_RK))?.event.eventId).toBe('ci-1000');
    const b = { lockKey: ledger.lockKey('job-b'), token: 'worker-2:1' };
    await ledger.setLock(b.lockKey, b.token);
    expect((await ledger.claimLatest(CONTRACT_RK, b))?.event.eventId).toBe('ci-1000');
  });

  it('commits a claimed item once: `already` after that, `not_claimed` for an item nobody claimed', async () => {
    const first = contractItem(1_000);
    const second = contractItem(2_000);
    await ledger.accept(first);
    expect(await ledger.commit(first)).toBe('not_claimed');
    await ledger.claimLatest(CONTRACT_RK);
    expect(await ledger.commit(first)).toBe('ok');
    expect(await ledger.commit(first)).toBe('already');
    expect(await outcomes(1_000)).toEqual([[1_000, 'decided']]);
    await ledger.accept(second);
    expect(await ledger.commit(second)).toBe('not_claimed');
  });

  it('answers duplicates: pending while undecided, then `duplicate`', async () => {
    const first = contractItem(1_000);
    await ledger.accept(first);
    expect(await ledger.accept(first)).toBe('duplicate_pending');
    await ledger.claimLatest(CONTRACT_RK);
    await ledger.commit(first);
    expect(await ledger.accept(first)).toBe('duplicate');
  });

  it('records an item no newer than the processed one stale on arrival (audited), never pending', async () => {
    const newer = contractItem(2_000);
    await ledger.accept(newer);
    await ledger.claimLatest(CONTRACT_RK);
    await ledger.commit(newer);
    expect(await ledger.accept(contractItem(1_000))).toBe('stale');
    expect(await ledger.accept(contractItem(2_000))).toBe('duplicate');
    expect((await ledger.state('ci-1000'))?.supersededBy).toBe('ci-2000');
    expect(await staleEntries()).toEqual([
      ['ci-1000', CONTRACT_RK, 'older than item ci-2000 already processed for this resource; never acted on'],
    ]);
    expect(await ledger.claimLatest(CONTRACT_RK)).toBeNull();
  });

  it('records stale at claim time (audited, never decided) the items accepted while a newer one was being decided', async () => {
    const newer = contractItem(3_000);
    await ledger.accept(newer);
    expect((await ledger.claimLatest(CONTRACT_RK))?.event.eventId).toBe('ci-3000');
    // Delivered late, while the newer item is claimed and not yet decided: nothing newer is decided yet.
    expect(await ledger.accept(contractItem(1_000))).toBe('accepted');
    expect(await ledger.accept(contractItem(2_000))).toBe('accepted');
    expect(await ledger.commit(newer)).toBe('ok');

    expect(await ledger.claimLatest(CONTRACT_RK)).toBeNull();
    expect(await outcomes(1_000, 2_000, 3_000)).toEqual([
      [1_000, 'stale'],
      [2_000, 'stale'],
      [3_000, 'decided'],
    ]);
    expect((await ledger.state('ci-2000'))?.supersededBy).toBe('ci-3000');
    const why = 'older than item ci-3000, decided while it waited; never acted on';
    expect(await staleEntries()).toEqual([
      ['ci-1000', CONTRACT_RK, why],
      ['ci-2000', CONTRACT_RK, why],
    ]);
    // Stale for good: not claimable, and a later claim finds nothing either.
    expect(await ledger.commit(contractItem(2_000))).toBe('already');
    expect(await ledger.claimLatest(CONTRACT_RK)).toBeNull();
  });

  it('claims as usual when a newer item is pending too (the late ones coalesced into it)', async () => {
    const first = contractItem(2_000);
    await ledger.accept(first);
    await ledger.claimLatest(CONTRACT_RK);
    await ledger.accept(contractItem(1_000));
    await ledger.accept(contractItem(3_000));
    expect(await ledger.commit(first)).toBe('ok');
    const claimed = await ledger.claimLatest(CONTRACT_RK);
    expect(claimed?.event.eventId).toBe('ci-3000');
    expect(claimed?.coalesced).toEqual(['ci-1000']);
    expect(await staleEntries()).toEqual([]);
  });
}
