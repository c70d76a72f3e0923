/**
 * @module
 * Per-account progress on a show: "6 / 9 episodes · 66 %" with a bar when the show's episode
 * count is known (from TMDB), and only "6 episodes seen" when it is not — the catalog's own
 * episode list holds only episodes someone played, so it is never passed off as the total.
 * Plays and minutes follow. Used by the shows list and a show's detail.
 */
import type { ShowTotals } from '../../../worker/src/contracts/library';
import { ProgressBar } from './progress-bar';
import { formatDuration } from './format';

export function accountName(t: Pick<ShowTotals, 'accountId' | 'accountTitle'>): string {
  return t.accountTitle ?? `Plex account ${t.accountId}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "6 / 9 episodes · 66 %" when the total is known; "6 episodes seen" when it is not. */
export function progressText(watched: number, total: number | null): string {
  if (total === null || total <= 0) return `${plural(watched, 'episode')} seen`;
  return `${watched} / ${plural(total, 'episode')} · ${Math.floor((Math.min(watched, total) / total) * 100)} %`;
}

export function ShowTotalsView({ totals, compact = false }: { totals: ShowTotals[]; compact?: boolean }) {
  if (totals.length === 0) return <span class="muted small">nobody has watched it yet</span>;
  return (
    <ul class={compact ? 'totals compact' : 'totals'}>
      {totals.map((t) => {
        const total = t.totalEpisodes;
        const text = progressText(t.watchedEpisodes, total);
        return (
          <li key={t.accountId} data-testid={`totals-${t.accountId}`}>
            <span class="totals-name">{accountName(t)}</span>
            {total ? (
              <ProgressBar label={`${accountName(t)}: episodes watched`} amounts={false} progress={{ done: t.watchedEpisodes, total, unit: 'items', message: text }} />
            ) : (
              <span data-testid="episodes-seen">{text}</span>
            )}
            <span class="small muted">
              {plural(t.plays, 'play')} · {formatDuration(t.minutesWatched * 60)} watched
              {total ? '' : ' · total episode count unknown (no TMDB match)'}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
