/**
 * @module
 * How a long operation's progress reads, the same in the admin and in the agent's terminal:
 * "1.2 GiB of 2.0 GiB · 60 % · 85 MiB/s · about 10 s left". Zod-free, so the admin bundle and
 * the agent share it. The wire schema is `Progress` in agent-protocol.ts.
 */

export type ProgressUnit = 'bytes' | 'files' | 'items' | 'percent';

export interface ProgressValues {
  done?: number | undefined;
  total?: number | undefined;
  unit?: ProgressUnit | undefined;
  /** Units per second. */
  rate?: number | undefined;
  etaSeconds?: number | undefined;
  message?: string | undefined;
}

/** 1536 → "1.5 KiB". */
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

/** An amount in its unit: "1.2 GiB", "1,204 files", "40 %". */
export function formatAmount(n: number, unit: ProgressUnit | undefined): string {
  if (unit === 'bytes') return formatBytes(n);
  if (unit === 'percent') return `${Math.round(n)} %`;
  const s = Math.round(n).toLocaleString('en-US');
  return unit ? `${s} ${unit}` : s;
}

/** "85 MiB/s", "120 files/s". */
export function formatRate(rate: number, unit: ProgressUnit | undefined): string {
  if (unit === 'bytes') return `${formatBytes(rate)}/s`;
  const r = rate >= 10 ? Math.round(rate).toLocaleString('en-US') : rate.toFixed(1);
  return `${r} ${unit && unit !== 'percent' ? unit : 'units'}/s`;
}

/** "512 MiB" (sizes carry their own unit), else the bare count: "50" (of 100 files). */
function doneOf(done: number, unit: ProgressUnit | undefined): string {
  return unit === 'bytes' ? formatBytes(done) : formatAmount(done, undefined);
}

/** done/total as a ratio in [0, 1], or null when there is no total to measure against. */
export function progressRatio(p: ProgressValues): number | null {
  const max = p.unit === 'percent' ? 100 : p.total;
  if (p.done === undefined || !max) return null;
  return Math.min(1, Math.max(0, p.done / max));
}

/** The figures as one line of text (without the message); '' when there are none. */
export function progressFigures(p: ProgressValues): string {
  const ratio = progressRatio(p);
  return [
    p.done !== undefined && (p.unit === 'percent' || p.total === undefined ? formatAmount(p.done, p.unit) : `${doneOf(p.done, p.unit)} of ${formatAmount(p.total, p.unit)}`),
    ratio !== null && p.unit !== 'percent' && `${Math.floor(ratio * 100)} %`,
    p.rate !== undefined && p.rate > 0 && ratio !== 1 && formatRate(p.rate, p.unit),
    p.etaSeconds !== undefined && ratio !== 1 && `about ${formatDuration(p.etaSeconds)} left`,
  ]
    .filter(Boolean)
    .join(' · ');
}
