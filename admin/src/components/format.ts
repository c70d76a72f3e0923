/** @module Formatting helpers shared by pages: relative times, durations, bytes, percentages. */

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['week', 7 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];
const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/**
 * "3 minutes ago", "in 12 minutes"; `now` is injectable so a ticking component can re-render.
 * `tense: 'past'` is for things that already happened (created, started, received): a time a
 * little ahead of this browser's clock (the server's clock runs ahead) reads "just now", never
 * "in 6 seconds". `'future'` is for deadlines (next retry, valid until): a passed one reads "now".
 */
export function relativeTime(iso: string, now = Date.now(), tense: 'past' | 'future' | 'any' = 'any'): string {
  let diff = (Date.parse(iso) - now) / 1000;
  if (!Number.isFinite(diff)) return '—';
  if (tense === 'past' && diff > 0) diff = 0;
  if (tense === 'future' && diff < 0) return 'now';
  const abs = Math.abs(diff);
  if (abs < 5) return tense === 'future' ? 'in a few seconds' : 'just now';
  for (const [unit, secs] of UNITS) {
    if (abs >= secs || unit === 'second') return rtf.format(Math.round(diff / secs), unit);
  }
  return '—';
}

export function absoluteTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** 75 → "1 min 15 s"; 3700 → "1 h 1 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** Wall time between two timestamps, or since `start` when the end is still open. */
export function elapsed(startIso: string | null, endIso: string | null, now = Date.now()): string {
  if (!startIso) return '—';
  const end = endIso ? Date.parse(endIso) : now;
  return formatDuration((end - Date.parse(startIso)) / 1000);
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatPercent(ratio: number | null | undefined, digits = 0): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '—' : `${(ratio * 100).toFixed(digits)} %`;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
