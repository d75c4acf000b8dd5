import { newDriftId } from './drift-store';

describe('newDriftId', () => {
  it('is drf_ + the time in base 36 + 12 random hex digits, accepted by the API and the record marker', () => {
    const id = newDriftId(1_750_000_000_000);
    expect(id).toMatch(/^drf_mbxstdz4[0-9a-f]{12}$/);
    expect(id).toMatch(/^drf_[a-z0-9_]{4,64}$/);
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newDriftId(1_750_000_000_000)));
    expect(ids.size).toBe(10_000);
  });
});
