/**
 * @module
 * /stats: the household's watching in pictures — plays per day over 30 or 90 days (split by
 * account or by episode/movie, with axes, dates and tooltips), by hour and weekday, the top shows
 * and movies, and the accounts with links to their own pages (`/stats/accounts/:id`, routed here).
 * The window and the split live in the URL. Loaded as its own chunk.
 */
import { useState } from 'preact/hooks';
import { client, unwrap } from '../api';
import { useAsync } from '../components/use-async';
import { ErrorBanner } from '../components/error-banner';
import { BarChart } from '../components/charts/bar-chart';
import { RelativeTime } from '../components/relative-time';
import { EmptyState } from '../components/empty-state';
import { KIND_SERIES, ClockCharts, Segmented, TopCharts, accountSeries, browserTimeZone, hours, perDayData } from './stats-charts';
import { AccountPage } from './account';

type Split = 'account' | 'kind';

function readParams(): { days: 30 | 90; split: Split } {
  const q = new URLSearchParams(location.search);
  return { days: q.get('days') === '90' ? 90 : 30, split: q.get('split') === 'kind' ? 'kind' : 'account' };
}

export function StatsPage({ path }: { path: string }) {
  const id = /^\/stats\/accounts\/(\d{1,20})$/.exec(path)?.[1];
  if (id) return <AccountPage id={id} />;
  return <Stats />;
}

function Stats() {
  const [{ days, split }, setParams] = useState(readParams);
  const tz = browserTimeZone();
  const stats = useAsync(() => unwrap(client.api.stats.$get({ query: { days: String(days), tz } })), [days, tz]);
  const accounts = useAsync(async () => (await unwrap(client.api.stats.accounts.$get())).items, []);
  const update = (next: { days: 30 | 90; split: Split }) => {
    setParams(next);
    const q = new URLSearchParams();
    if (next.days !== 30) q.set('days', String(next.days));
    if (next.split !== 'account') q.set('split', next.split);
    history.replaceState(null, '', `/stats${q.size ? `?${q}` : ''}`);
  };
  const s = stats.data;

  return (
    <section>
      <div class="page-head">
        <h1>Stats</h1>
        <Segmented label="Window" value={days} options={[[30, '30 days'], [90, '90 days']]} onChange={(d) => update({ days: d, split })} />
      </div>
      <ErrorBanner error={stats.error} onRetry={() => void stats.reload()} />
      {s && (
        <div class="totals-row" data-testid="stats-totals">
          <div>
            <span class="stat">{s.totals.plays.toLocaleString()}</span>
            <span class="muted small">plays</span>
          </div>
          <div>
            <span class="stat">{s.totals.episodes.toLocaleString()}</span>
            <span class="muted small">episodes</span>
          </div>
          <div>
            <span class="stat">{s.totals.movies.toLocaleString()}</span>
            <span class="muted small">movies</span>
          </div>
          <div>
            <span class="stat">{hours(s.totals.minutes)}</span>
            <span class="muted small">watched</span>
          </div>
        </div>
      )}
      <section class="card" aria-labelledby="per-day-title">
        <div class="page-head">
          <h2 id="per-day-title">Plays per day</h2>
          <Segmented label="Split by" value={split} options={[['account', 'By account'], ['kind', 'Episodes / movies']]} onChange={(v) => update({ days, split: v })} />
        </div>
        {s ? (
          <BarChart title={`Plays per day, last ${days} days`} series={split === 'kind' ? KIND_SERIES : accountSeries(s)} data={perDayData(s, split)} height={220} testId="chart-per-day" />
        ) : (
          <div style={{ height: '250px' }} aria-busy="true" />
        )}
        <p class="small muted">
          {s ? `${s.from} to ${s.to}, ` : ''}days and hours in {tz} (this browser’s time zone).
        </p>
      </section>
      {s && <ClockCharts stats={s} />}
      {s && <TopCharts stats={s} />}
      <section class="card" aria-labelledby="accounts-title">
        <h2 id="accounts-title">Accounts</h2>
        <ErrorBanner error={accounts.error} onRetry={() => void accounts.reload()} />
        {accounts.data?.length === 0 && <EmptyState title="No accounts yet.">Each Plex account that plays something appears here.</EmptyState>}
        <ul class="mini-list" data-testid="accounts">
          {accounts.data?.map((a) => (
            <li key={a.id}>
              <span>
                <a href={`/stats/accounts/${a.id}`}>{a.title ?? `Plex account ${a.id}`}</a>
                <span class="small muted block">
                  {a.plays.toLocaleString()} plays · {hours(a.minutes)} · last played <RelativeTime iso={a.lastPlayedAt} fallback="never" />
                </span>
              </span>
            </li>
          ))}
        </ul>
      </section>
    </section>
  );
}
