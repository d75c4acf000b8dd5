/** A time as policies see it in one time zone (`context.time.utc`, `context.time.zones["Europe/Berlin"]`). */
export interface LocalTime {
  hour: number;
  minute: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** `YYYY-MM-DD` in that zone. */
  date: string;
  /** Saturday or Sunday. */
  weekend: boolean;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * The last answer per zone, for the UTC second it was computed in. Sound to reuse within that
 * second: every UTC offset in the time zone database is a whole number of seconds, so the local
 * wall-clock minute, hour and date cannot change within one UTC second. (Intl formatting costs
 * tens of microseconds; decisions come hundreds per second and ask for the same few zones.)
 */
const lastAnswer = new Map<string, { second: number; value: Readonly<LocalTime> }>();

/** The wall-clock time at `at` in an IANA time zone (daylight saving time included). Not to be mutated: answers are shared. */
export function localTime(at: Date, zone: string): Readonly<LocalTime> {
  const second = Math.floor(at.getTime() / 1000);
  const last = lastAnswer.get(zone);
  if (last && last.second === second) return last.value;
  const value = Object.freeze(computeLocalTime(at, zone));
  lastAnswer.set(zone, { second, value });
  return value;
}

function computeLocalTime(at: Date, zone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(at)) parts[p.type] = p.value;
  const weekday = WEEKDAYS[parts.weekday];
  if (weekday === undefined) throw new Error(`cannot read the weekday of ${at.toISOString()} in ${zone} (got ${parts.weekday})`);
  return {
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday,
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekend: weekday >= 6,
  };
}
