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

/** The wall-clock time at `at` in an IANA time zone (daylight saving time included). */
export function localTime(at: Date, zone: string): LocalTime {
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
