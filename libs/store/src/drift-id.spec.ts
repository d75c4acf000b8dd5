import { newDriftId } from './drift-store';

describe('newDriftId', () => {
  it('is drf_ + the time in base 36 + 12 random hex digits, a pattern the API and the record marker accept', () => {
    const id = newDriftId(1_750_000_000_000);
    expect(id).toMatch(/^drf_mbxstdz4[0-9a-f]{12}$/);
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newDriftId(1_750_000_000_000)));
    expect(ids.size).toBe(10_000);
  });
});
