/**
 * Duration strings of the config file (and of the API's `ttl`): a whole number and one unit,
 * `90s`, `30m`, `2h`, `1d`, `14d`.
 */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const DURATION = /^(\d+)([smhd])$/;

export const DURATION_EXPECTED = 'a duration like 90s, 30m, 2h or 14d (a whole number and one unit: s, m, h, d)';

export class InvalidDurationError extends Error {
  constructor(readonly input: unknown) {
    super(`expected ${DURATION_EXPECTED}, found ${show(input)}`);
    this.name = 'InvalidDurationError';
  }
}

/** Milliseconds in a duration string; throws `InvalidDurationError` for anything else. */
export function parseDuration(text: string): number {
  const value: unknown = text; // user input: do not trust the static type
  if (typeof value !== 'string') throw new InvalidDurationError(value);
  const match = DURATION.exec(value);
  if (!match) throw new InvalidDurationError(value);
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms)) throw new InvalidDurationError(value);
  return ms;
}

/** `parseDuration` that answers `undefined` instead of throwing. */
export function tryParseDuration(text: string): number | undefined {
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

function show(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (typeof input === 'string') return input === '' ? 'an empty string' : JSON.stringify(input);
  if (input === null) return 'null';
  return `a ${typeof input}`;
}
