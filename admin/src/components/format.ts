/** @module Formatting helpers shared by pages: relative times, durations, bytes, percentages. */
import { formatDuration } from '../../../worker/src/contracts/progress';

// Durations and sizes read the same in the admin and in the agent's terminal.
export { formatBytes, formatDuration } from '../../../worker/src/contracts/progress';

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

/** Wall time between two timestamps, or since `start` when the end is still open. */
export function elapsed(startIso: string | null, endIso: string | null, now = Date.now()): string {
  if (!startIso) return '—';
  const end = endIso ? Date.parse(endIso) : now;
  return formatDuration((end - Date.parse(startIso)) / 1000);
}

export function formatPercent(ratio: number | null | undefined, digits = 0): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '—' : `${(ratio * 100).toFixed(digits)} %`;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** (1, 2) → "S01E02"; empty when either is unknown. */
export function episodeCode(season: number | null | undefined, episode: number | null | undefined): string {
  return season === null || season === undefined || episode === null || episode === undefined ? '' : `S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`;
}
