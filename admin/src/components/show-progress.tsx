/**
 * @module
 * Per-account progress on a show: watched / total episodes as a progress bar, plays and minutes.
 * Used by the shows list (totals come with each list item) and a show's detail.
 */
import type { ShowTotals } from '../../../worker/src/contracts/library';
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
