import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../output/format';

/** `--limit 20`, `--batch 100`: a whole number from 1 to `max`. */
export function positiveInt(max = 100_000): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}.`);
    }
    return n;
  };
}

/** `--ttl 2h`: the API's duration form (`90s`, `30m`, `2h`, `1d`), kept as text. */
export function duration(value: string): string {
  if (parseDuration(value) === null) {
    throw new InvalidArgumentError('expected a duration such as 90s, 30m, 2h or 1d.');
  }
  return value.trim();
}

/** Repeatable options: `--account A --account B`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Free text that must say something: `--reason`, `--comment`. */
export function nonBlank(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty.');
  return value;
}

/**
 * `--since`: an ISO time (`2025-03-04T10:00:00Z`, `2025-03-04`) or a duration back from now
 * (`30m`, `2h`, `7d`). Returns a function of the clock, resolved when the command runs.
 */
export function sinceTime(value: string): (now: Date) => string {
  const back = parseDuration(value);
  if (back !== null) return (now) => new Date(now.getTime() - back).toISOString();
  if (!/^\d{4}-\d{2}-\d{2}/.test(value.trim()) || Number.isNaN(Date.parse(value))) {
    throw new InvalidArgumentError('expected an ISO time (2025-03-04T10:00:00Z) or a duration back from now (30m, 2h, 7d).');
  }
  const iso = new Date(Date.parse(value)).toISOString();
  return () => iso;
}
