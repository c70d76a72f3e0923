/**
 * @module
 * Per-account progress on a show: watched / total episodes as a progress bar, plays and minutes.
 * `ShowProgressLoader` fetches a show's totals for a list row, a few at a time: the list endpoint
 * does not carry totals yet, so each visible row asks `GET /api/shows/:id` (reported to the lead).
 */
import type { ShowTotals } from '../../../worker/src/contracts/library';
import { client, unwrap } from '../api';
import { useAsync } from './use-async';
import { ProgressBar } from './progress-bar';
import { formatDuration } from './format';

export function accountName(t: Pick<ShowTotals, 'accountId' | 'accountTitle'>): string {
  return t.accountTitle ?? `account ${t.accountId}`;
}

export function ShowTotalsView({ totals, knownEpisodes, compact = false }: { totals: ShowTotals[]; knownEpisodes?: number; compact?: boolean }) {
  if (totals.length === 0) return <span class="muted small">nobody has watched it yet</span>;
  return (
    <ul class={compact ? 'totals compact' : 'totals'}>
      {totals.map((t) => {
        const total = t.totalEpisodes ?? knownEpisodes;
        return (
          <li key={t.accountId} data-testid={`totals-${t.accountId}`}>
            <span class="totals-name">{accountName(t)}</span>
            <ProgressBar
              label={`${accountName(t)}: episodes watched`}
              amounts={false}
              progress={{
                done: t.watchedEpisodes,
                ...(total ? { total } : {}),
                unit: 'items',
                message: `${t.watchedEpisodes}${total ? ` / ${total}` : ''} episodes${total ? ` · ${Math.floor((Math.min(t.watchedEpisodes, total) / total) * 100)} %` : ''}`,
              }}
            />
            <span class="small muted">
              {t.plays} plays · {formatDuration(t.minutesWatched * 60)} watched{t.totalEpisodes === null && total ? ' · total from known episodes' : ''}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

// A tiny limiter so a page of rows does not fire 50 requests at once.
let running = 0;
const queue: Array<() => void> = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= 4) await new Promise<void>((r) => queue.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    queue.shift()?.();
  }
}

export function ShowProgressLoader({ showId }: { showId: string }) {
  const detail = useAsync(() => limited(() => unwrap(client.api.shows[':id'].$get({ param: { id: showId } }))), [showId]);
  if (detail.error) return <span class="error small">could not load progress</span>;
  if (!detail.data) return <span class="muted small">…</span>;
  const known = detail.data.seasons.reduce((n, s) => n + s.episodes.length, 0);
  return <ShowTotalsView totals={detail.data.totals} knownEpisodes={known} compact />;
}
