/**
 * @module
 * A `<time>` that says "5 minutes ago" and keeps itself current; the exact time is in its title.
 * The text is computed from the clock at every render (a shared ticker only asks for the
 * re-render), so a time that arrives between two ticks is never measured against a stale "now".
 * Times are in the past unless `future` is set (see `relativeTime`).
 */
import { useEffect, useState } from 'preact/hooks';
import { absoluteTime, relativeTime } from './format';

/** One shared ticker: every mounted RelativeTime re-renders on it instead of owning a timer. */
const tickers = new Set<() => void>();
let timer: number | undefined;

function subscribe(fn: () => void): () => void {
  tickers.add(fn);
  timer ??= window.setInterval(() => tickers.forEach((t) => t()), 10_000);
  return () => {
    tickers.delete(fn);
    if (tickers.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** Re-renders the caller on the shared tick and returns the current time (read now, not at the last tick). */
export function useNow(): number {
  const [, setTick] = useState(0);
  useEffect(() => subscribe(() => setTick((n) => n + 1)), []);
  return Date.now();
}

export function RelativeTime({ iso, fallback = '—', future = false }: { iso: string | null | undefined; fallback?: string; future?: boolean }) {
  const now = useNow();
  if (!iso) return <span class="muted">{fallback}</span>;
  return (
    <time dateTime={iso} title={absoluteTime(iso)}>
      {relativeTime(iso, now, future ? 'future' : 'past')}
    </time>
  );
}
