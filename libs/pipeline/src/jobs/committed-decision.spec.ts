import { WaitError, type DriftRecord } from '@driftwarden/domain';
import type { ItemOutcome, ItemState } from '@driftwarden/store';
import { committedDecision, UNCOMMITTED_WAIT_LIMIT_MS } from './committed-decision';

const record = (eventIds: string[]) => ({ id: 'd1', evidence: { eventIds } }) as unknown as DriftRecord;
const ledger = (outcome: ItemOutcome | null) => ({
  state: jest.fn(async (eventId: string): Promise<ItemState | null> =>
    outcome === null ? null : { eventId, resourceKey: 'rk', order: 1, outcome },
  ),
});
const NOW = 1_700_000_000_000;

describe('committedDecision: may a side-effect job act on the record?', () => {
  it('acts when the record carries the job’s event (committed), without asking the ledger', async () => {
    const l = ledger('');
    await expect(committedDecision(record(['e0', 'e1']), 'e1', l, {}, NOW)).resolves.toMatchObject({ state: 'committed' });
    await expect(committedDecision(record(['e1', 'e2']), 'e1', l, {}, NOW)).resolves.toMatchObject({ state: 'committed' });
    expect(l.state).not.toHaveBeenCalled();
  });

  it.each([
    ['an existing record without the event', record(['e0'])],
    ['no record yet (a new drift being saved)', null],
  ])('waits, without spending an attempt, while the item is still pending: %s', async (_what, drift) => {
    const err = await committedDecision(drift, 'e1', ledger(''), { enqueuedAtMs: NOW - 8_000 }, NOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitError);
    expect(err).toMatchObject({ code: 'decision_not_committed', retryAfterMs: 2_000 });
  });

  it('backs off with the job’s age, between half a second and thirty seconds', async () => {
    const wait = async (ageMs: number) =>
      ((await committedDecision(null, 'e1', ledger(''), { enqueuedAtMs: NOW - ageMs }, NOW).catch((e: unknown) => e)) as WaitError)
        .retryAfterMs;
    expect(await wait(0)).toBe(500);
    expect(await wait(40_000)).toBe(10_000);
    expect(await wait(30 * 60_000)).toBe(30_000);
  });

  it.each<ItemOutcome>(['decided', 'coalesced', 'stale', 'failed'])(
    'gives up when the item was settled by a commit the record does not show (%s)',
    async (outcome) => {
      await expect(committedDecision(record(['e0']), 'e1', ledger(outcome), {}, NOW)).resolves.toMatchObject({ state: 'never' });
    },
  );

  it('gives up when the ledger no longer knows the item', async () => {
    await expect(committedDecision(null, 'e1', ledger(null), {}, NOW)).resolves.toEqual({ state: 'never', drift: null });
  });

  it('gives up after the wait limit (an evaluation that never commits)', async () => {
    const old = { enqueuedAtMs: NOW - UNCOMMITTED_WAIT_LIMIT_MS - 1 };
    await expect(committedDecision(record(['e0']), 'e1', ledger(''), old, NOW)).resolves.toMatchObject({ state: 'never' });
  });
});
