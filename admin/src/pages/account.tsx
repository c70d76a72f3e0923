/**
 * @module
 * /stats/accounts/:id: one Plex account — totals, favourite shows (posters, progress), its plays
 * per day, by hour and weekday over 30 or 90 days, and its whole history, newest first, paged.
 */
import { useState } from 'preact/hooks';
import type { RecentPlay } from '../../../worker/src/contracts';
import { client, unwrap } from '../api';
import { useAsync, usePaged } from '../components/use-async';
import { ErrorBanner } from '../components/error-banner';
import { PagedTable } from '../components/data-table';
import { BarChart } from '../components/charts/bar-chart';
import { Poster } from '../components/poster';
import { RelativeTime } from '../components/relative-time';
import { ProgressBar } from '../components/progress-bar';
import { EmptyState } from '../components/empty-state';
import { episodeCode } from '../components/format';
import { KIND_SERIES, ClockCharts, Segmented, browserTimeZone, hours, perDayData } from './stats-charts';

export function AccountPage({ id }: { id: string }) {
  const [days, setDays] = useState<30 | 90>(30);
  const tz = browserTimeZone();
  const account = useAsync(() => unwrap(client.api.stats.accounts[':id'].$get({ param: { id } })), [id]);
  const stats = useAsync(() => unwrap(client.api.stats.$get({ query: { days: String(days), tz, accountId: id } })), [id, days, tz]);
  const history = usePaged<RecentPlay>((cursor) => unwrap(client.api.stats.accounts[':id'].plays.$get({ param: { id }, query: { limit: '25', ...(cursor ? { cursor } : {}) } })), [id]);
  const a = account.data;
  const name = a?.title ?? `Plex account ${id}`;

  return (
    <section>
      <p>
        <a href="/stats">← Stats</a>
      </p>
      <ErrorBanner error={account.error} onRetry={() => void account.reload()} />
      <div class="page-head">
        <h1>{name}</h1>
        <Segmented label="Window" value={days} options={[[30, '30 days'], [90, '90 days']]} onChange={setDays} />
      </div>
      {a && (
        <div class="totals-row" data-testid="account-totals">
          <div>
            <span class="stat">{a.plays.toLocaleString()}</span>
            <span class="muted small">plays</span>
          </div>
          <div>
            <span class="stat">{a.episodes.toLocaleString()}</span>
            <span class="muted small">episodes</span>
          </div>
          <div>
            <span class="stat">{a.movies.toLocaleString()}</span>
            <span class="muted small">movies</span>
          </div>
          <div>
            <span class="stat">{a.shows.toLocaleString()}</span>
            <span class="muted small">shows</span>
          </div>
          <div>
            <span class="stat">{hours(a.minutes)}</span>
            <span class="muted small">
              watched · last <RelativeTime iso={a.lastPlayedAt} fallback="never" />
            </span>
          </div>
        </div>
      )}
      {a && (
        <section class="card" aria-labelledby="fav-title">
          <h2 id="fav-title">Favourite shows</h2>
          {a.favouriteShows.length === 0 ? (
            <EmptyState title="No shows watched yet." />
          ) : (
            <ul class="top-list" data-testid="favourite-shows">
              {a.favouriteShows.map((s) => (
                <li key={s.id}>
                  <Poster url={s.posterUrl} title={s.title} size="sm" />
                  <div style={{ minWidth: 0 }}>
                    <a href={`/library/shows/${s.id}`}>{s.title}</a> {s.year && <span class="muted small">({s.year})</span>}
                    <ProgressBar
                      label={`${s.title}: episodes watched`}
                      amounts={false}
                      progress={{ done: s.watchedEpisodes, ...(s.totalEpisodes ? { total: s.totalEpisodes } : {}), unit: 'items', message: `${s.watchedEpisodes}${s.totalEpisodes ? ` of ${s.totalEpisodes}` : ''} episodes seen` }}
                    />
                  </div>
                  <span class="num small">
                    {s.plays} plays
                    <span class="muted block">
                      <RelativeTime iso={s.lastPlayedAt} />
                    </span>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      <section class="card" aria-labelledby="acc-day-title">
        <h2 id="acc-day-title">Plays per day</h2>
        <ErrorBanner error={stats.error} onRetry={() => void stats.reload()} />
        {stats.data ? (
          <BarChart title={`${name}: plays per day, last ${days} days`} series={KIND_SERIES} data={perDayData(stats.data, 'kind')} height={200} testId="chart-account-per-day" />
        ) : (
          <div style={{ height: '230px' }} aria-busy="true" />
        )}
        <p class="small muted">Days and hours in {tz} (this browser’s time zone).</p>
      </section>
      {stats.data && <ClockCharts stats={stats.data} />}
      <h2>History</h2>
      <PagedTable
        state={history}
        caption={`Plays by ${name}, newest first`}
        testId="account-history"
        emptyTitle="No plays yet."
        rowKey={(p) => p.id}
        columns={[
          {
            header: 'Title',
            phone: 'primary',
            cell: (p) => (
              <span class="with-poster">
                <Poster url={p.posterUrl} title={p.showTitle ?? p.title} size="xs" />
                <span>
                  {p.kind === 'episode' && p.showId ? <a href={`/library/shows/${p.showId}`}>{p.showTitle}</a> : <strong>{p.title}</strong>}
                  <span class="small muted block">{p.kind === 'episode' ? [episodeCode(p.season, p.episode), p.title].filter(Boolean).join(' · ') : (p.year ?? 'movie')}</span>
                </span>
              </span>
            ),
          },
          { header: 'Played', phone: 'inline', cell: (p) => <RelativeTime iso={p.playedAt} /> },
          { header: 'How', phone: 'inline', cell: (p) => (p.source === 'manual' ? 'marked by hand' : p.source === 'import' ? 'imported' : 'Plex') },
        ]}
      />
    </section>
  );
}
