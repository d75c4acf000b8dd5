import { stringify } from 'yaml';

/** `2025-03-04T10:15:30.123Z` → `2025-03-04 10:15:30Z`; text that is not a time is returned as is. */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '-';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** `5m ago`, `in 2h`, relative to now. */
export function formatRelative(iso: string | null | undefined, now: Date): string {
  if (iso === null || iso === undefined || iso === '') return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const delta = ms - now.getTime();
  const text = formatSpan(Math.abs(delta));
  return delta <= 0 ? `${text} ago` : `in ${text}`;
}

/** `2025-03-04 10:15:30Z (5m ago)` */
export function formatTimeWithRelative(iso: string | null | undefined, now: Date): string {
  const relative = formatRelative(iso, now);
  return relative === '' ? formatTime(iso) : `${formatTime(iso)} (${relative})`;
}

export function formatSpan(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  return `${Math.floor(h / 24)}d`;
}

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The API's duration strings: `90s`, `30m`, `2h`, `1d`. Returns milliseconds, or null when malformed. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (match === null) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  return ms > 0 ? ms : null;
}

/** Nested data (diffs, evidence) as indented YAML-like text, one string per line. */
export function renderTree(value: unknown): string[] {
  if (value === undefined || value === null) return ['(none)'];
  if (typeof value !== 'object') return [String(value)];
  if (Object.keys(value).length === 0) return ['(empty)'];
  return stringify(value, { indent: 2, lineWidth: 0 }).trimEnd().split('\n');
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
