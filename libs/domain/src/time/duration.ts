/**
 * Duration strings of the API and CLI (`ttl`): a whole number and one unit, `90s`, `30m`, `2h`,
 * `1d`, `14d`.
 */
import { PermanentError } from '../errors';

const UNIT_MS = {
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
} as const;

type Unit = keyof typeof UNIT_MS;

/** Largest first, for formatting. */
const UNITS: readonly Unit[] = ['d', 'h', 'm', 's'];

const DURATION = /^(\d+)([smhd])$/;

export class InvalidDurationError extends PermanentError {
  constructor(readonly input: unknown) {
    super(`expected a duration like 90s, 30m, 2h or 1d, got ${show(input)}`, 'invalid_duration');
  }
}

/** Milliseconds in a duration string; throws `InvalidDurationError` for anything else. */
export function parseDuration(text: string): number {
  // The type says string, but this parses user input: be exact about what else arrived.
  const value: unknown = text;
  if (typeof value !== 'string') throw new InvalidDurationError(value);
  const match = DURATION.exec(value.trim());
  if (!match) throw new InvalidDurationError(value);
  const ms = Number(match[1]) * UNIT_MS[match[2] as Unit];
  if (!Number.isSafeInteger(ms)) throw new InvalidDurationError(value);
  return ms;
}

/**
 * The shortest duration string for a number of milliseconds, in the largest unit that holds it
 * exactly (`5_400_000` → `90m`), so that `parseDuration(formatDuration(ms)) === ms` for whole
 * seconds. A fraction of a second is rounded up to the next second (a TTL is never shortened).
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`expected a non-negative number of milliseconds, got ${ms}`);
  }
  const seconds = Math.ceil(ms / 1000);
  if (seconds === 0) return '0s';
  const whole = seconds * 1000;
  const unit = UNITS.find((u) => whole % UNIT_MS[u] === 0) ?? 's';
  return `${whole / UNIT_MS[unit]}${unit}`;
}

function show(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input);
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  return `${typeof input} ${JSON.stringify(input) ?? String(input)}`;
}
