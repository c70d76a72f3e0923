/**
 * @module
 * The graphs of one stats answer, shared by /stats and an account's page: plays per day (split by
 * account or by episode/movie), by hour of day and by weekday, and the top shows and movies with
 * posters. Dates are the server's local days in the browser's time zone (sent as `tz`).
 */
import type { PlayStats, TopItem } from '../../../worker/src/contracts';
import { BarChart, type BarDatum, type Series } from '../components/charts/bar-chart';
import { Poster } from '../components/poster';
import { EmptyState } from '../components/empty-state';

export const KIND_SERIES: Series[] = [
  { key: 'episodes', label: 'episodes', color: '#e5a00d' },
  { key: 'movies', label: 'movies', color: '#7cb8ff' },
];

const PALETTE = ['#e5a00d', '#7cb8ff', '#5cd28a', '#ff8fa3', '#c39bff', '#ffd166', '#4dd4d4', '#ff9f5a'];

export function accountSeries(stats: PlayStats): Series[] {
  return stats.accounts.map((a, i) => ({ key: a.id, label: a.title ?? `Plex account ${a.id}`, color: PALETTE[i % PALETTE.length]! }));
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function dayLabels(day: string): { label: string; fullLabel: string } {
  // The day is a calendar date: format it as UTC so no time zone moves it.
  const d = new Date(`${day}T12:00:00Z`);
  return {
    label: d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' }),
    fullLabel: d.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
  };
}

export function perDayData(stats: PlayStats, split: 'account' | 'kind'): BarDatum[] {
  return stats.perDay.map((d) => ({ ...dayLabels(d.day), values: split === 'kind' ? { episodes: d.episodes, movies: d.movies } : d.byAccount }));
}

export function ClockCharts({ stats }: { stats: PlayStats }) {
  const hours: BarDatum[] = stats.byHour.map((h) => ({ label: String(h.hour), fullLabel: `${String(h.hour).padStart(2, '0')}:00–${String(h.hour).padStart(2, '0')}:59`, values: { episodes: h.episodes, movies: h.movies } }));
  const days: BarDatum[] = stats.byWeekday.map((w) => ({ label: WEEKDAYS[w.weekday - 1]!.slice(0, 3), fullLabel: WEEKDAYS[w.weekday - 1]!, values: { episodes: w.episodes, movies: w.movies } }));
  return (
    <div class="stats-grid">
      <section class="card" aria-labelledby="by-hour-title">
        <h2 id="by-hour-title">By hour of day</h2>
        <BarChart title="Plays by hour of day" series={KIND_SERIES} data={hours} height={180} testId="chart-hours" />
      </section>
      <section class="card" aria-labelledby="by-day-title">
        <h2 id="by-day-title">By day of week</h2>
        <BarChart title="Plays by day of week" series={KIND_SERIES} data={days} height={180} testId="chart-weekdays" />
      </section>
    </div>
  );
}

function TopList({ items, kind }: { items: TopItem[]; kind: 'show' | 'movie' }) {
  if (items.length === 0) return <EmptyState title={`No ${kind === 'show' ? 'episodes' : 'movies'} played in this window.`} />;
  const max = Math.max(...items.map((i) => i.plays));
  return (
    <ol class="top-list">
      {items.map((i) => (
        <li key={i.id} data-testid={`top-${kind}`}>
          <Poster url={i.posterUrl} title={i.title} size="sm" />
          <div style={{ minWidth: 0 }}>
            {kind === 'show' ? <a href={`/library/shows/${i.id}`}>{i.title}</a> : <strong>{i.title}</strong>} {i.year && <span class="muted small">({i.year})</span>}
            <div class="bar-bg" aria-hidden="true">
              <span style={{ width: `${(i.plays / max) * 100}%` }} />
            </div>
          </div>
          <span class="num small">
            {i.plays} {i.plays === 1 ? 'play' : 'plays'}
            {i.accounts > 1 && <span class="muted block">{i.accounts} accounts</span>}
          </span>
        </li>
      ))}
    </ol>
  );
}

export function TopCharts({ stats }: { stats: PlayStats }) {
  return (
    <div class="stats-grid">
      <section class="card" aria-labelledby="top-shows-title">
        <h2 id="top-shows-title">Top shows</h2>
        <TopList items={stats.topShows} kind="show" />
      </section>
      <section class="card" aria-labelledby="top-movies-title">
        <h2 id="top-movies-title">Top movies</h2>
        <TopList items={stats.topMovies} kind="movie" />
      </section>
    </div>
  );
}

export function hours(minutes: number): string {
  return minutes >= 60 ? `${Math.round(minutes / 6) / 10} h` : `${minutes} min`;
}

/** A row of toggle buttons (aria-pressed) for one choice: the window, the split. */
export function Segmented<T extends string | number>({ label, value, options, onChange }: { label: string; value: T; options: Array<[T, string]>; onChange: (v: T) => void }) {
  return (
    <div class="seg" role="group" aria-label={label}>
      {options.map(([v, text]) => (
        <button key={String(v)} type="button" aria-pressed={v === value} onClick={() => onChange(v)}>
          {text}
        </button>
      ))}
    </div>
  );
}
