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

import { plural, progressText } from './progress-text';

export { progressText };

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
