/** @module A `<time>` that says "5 minutes ago" and keeps itself current; the exact time is in its title. */
import { useEffect, useState } from 'preact/hooks';
import { absoluteTime, relativeTime } from './format';

/** One shared ticker: every mounted RelativeTime re-renders on it instead of owning a timer. */
const tickers = new Set<() => void>();
let timer: number | undefined;

function subscribe(fn: () => void): () => void {
  tickers.add(fn);
  timer ??= window.setInterval(() => tickers.forEach((t) => t()), 15_000);
  return () => {
    tickers.delete(fn);
    if (tickers.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => subscribe(() => setNow(Date.now())), []);
  return now;
}

export function RelativeTime({ iso, fallback = '—' }: { iso: string | null | undefined; fallback?: string }) {
  const now = useNow();
  if (!iso) return <span class="muted">{fallback}</span>;
  return (
    <time dateTime={iso} title={absoluteTime(iso)}>
      {relativeTime(iso, now)}
    </time>
  );
}
