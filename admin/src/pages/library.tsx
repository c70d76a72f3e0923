/**
 * @module
 * /library: the household catalog. Shows tab: search, each show with every account's progress
 * (watched / total episodes, plays, minutes) as the list endpoint returns it, so a page of shows
 * is one request; Movies tab: each movie with who watched it, when,
 * and how often. `/library/shows/:id` opens a show (the app routes every /library/* path here).
 */
import { useEffect, useState } from 'preact/hooks';
import type { MovieView, ShowListItem } from '../../../worker/src/contracts/library';
import { client, unwrap } from '../api';
import { usePaged } from '../components/use-async';
import { PagedTable } from '../components/data-table';
import { ShowTotalsView } from '../components/show-progress';
import { RelativeTime } from '../components/relative-time';
import { StatusBadge } from '../components/status-badge';
import { Poster } from '../components/poster';
import { useAsync } from '../components/use-async';
import { useAccountName } from '../components/lookups';
import { ContinueWatching } from '../components/watching';
import { ShowDetailPage } from './show-detail';

type Tab = 'shows' | 'movies';

export function LibraryPage({ path }: { path: string }) {
  const id = /^\/library\/shows\/([A-Za-z0-9_-]+)$/.exec(path)?.[1];
  if (id) return <ShowDetailPage id={id} />;
  return <Library />;
}

/** The search box's text, settled for a moment before it becomes a query. */
function useDebounced(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = window.setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

function Library() {
  const [tab, setTab] = useState<Tab>(() => (new URLSearchParams(location.search).get('tab') === 'movies' ? 'movies' : 'shows'));
  const [text, setText] = useState('');
  const query = useDebounced(text.trim(), 300);

  const choose = (t: Tab) => {
    setTab(t);
    history.replaceState(null, '', t === 'movies' ? '/library?tab=movies' : '/library');
  };

  const watching = useAsync(() => unwrap(client.api.watching.$get({ query: {} })), []);
  const nameOf = useAccountName();

  return (
    <section>
      <h1>Library</h1>
      {watching.data && <ContinueWatching data={watching.data} nameOf={nameOf} />}
      <div class="tabs" role="tablist" aria-label="Library">
        {(['shows', 'movies'] as const).map((t) => (
          <button key={t} type="button" role="tab" id={`tab-${t}`} aria-selected={tab === t} aria-controls={`panel-${t}`} onClick={() => choose(t)}>
            {t === 'shows' ? 'Shows' : 'Movies'}
          </button>
        ))}
      </div>
      <div class="filters">
        <label for="library-search">Search</label>
        <input id="library-search" type="search" value={text} placeholder={tab === 'shows' ? 'Show title' : 'Movie title'} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'shows' ? <Shows query={query} /> : <Movies query={query} />}
      </div>
    </section>
  );
}

function Shows({ query }: { query: string }) {
  const shows = usePaged<ShowListItem>(
    (cursor) => unwrap(client.api.shows.$get({ query: { limit: '25', ...(query ? { query } : {}), ...(cursor ? { cursor } : {}) } })),
    [query],
  );
  return (
    <PagedTable
      state={shows}
      caption="Shows"
      testId="shows-table"
      emptyTitle={query ? `No show matches “${query}”.` : 'No shows yet.'}
      emptyHint={!query && 'Shows are added as Plex reports plays (or new items, with auto-add on).'}
      rowKey={(s) => s.id}
      columns={[
        {
          header: 'Show',
          phone: 'primary',
          cell: (s) => (
            <span class="with-poster">
              <Poster url={s.posterUrl} title={s.title} size="sm" />
              <div>
                <a href={`/library/shows/${s.id}`}>{s.title}</a> {s.year && <span class="muted">({s.year})</span>}
                <div class="small muted">{s.tmdbId ? `TMDB ${s.tmdbId}` : s.tvdbId ? `TVDB ${s.tvdbId}` : 'no external id'}</div>
              </div>
            </span>
          ),
        },
        { header: 'Status', cell: (s) => (s.status ? <StatusBadge status={s.status.toLowerCase()} label={s.status} /> : '—') },
        { header: 'Episodes', class: 'num', cell: (s) => s.totalEpisodes ?? <span class="muted" title="No TMDB match: the total is unknown">?</span> },
        { header: 'Progress by account', phone: 'no-label', cell: (s) => <ShowTotalsView totals={s.totals} compact /> },
      ]}
    />
  );
}

function Movies({ query }: { query: string }) {
  const nameOf = useAccountName();
  const movies = usePaged<MovieView>(
    (cursor) => unwrap(client.api.movies.$get({ query: { limit: '50', ...(query ? { query } : {}), ...(cursor ? { cursor } : {}) } })),
    [query],
  );
  return (
    <PagedTable
      state={movies}
      caption="Movies"
      testId="movies-table"
      emptyTitle={query ? `No movie matches “${query}”.` : 'No movies yet.'}
      rowKey={(m) => m.id}
      columns={[
        {
          header: 'Movie',
          phone: 'primary',
          cell: (m) => (
            <span class="with-poster">
              <Poster url={m.posterUrl} title={m.title} size="sm" />
              <div>
                <strong>{m.title}</strong> {m.year && <span class="muted">({m.year})</span>}
                <div class="small muted">
                  {m.tmdbId ? `TMDB ${m.tmdbId}` : m.imdbId ?? ''}
                  {m.runtimeMinutes ? ` · ${m.runtimeMinutes} min` : ''}
                </div>
              </div>
            </span>
          ),
        },
        {
          header: 'Watched by',
          cell: (m) =>
            m.watch.length === 0 ? (
              <span class="muted">nobody yet</span>
            ) : (
              <ul class="inline-list">
                {m.watch.map((w) => (
                  <li key={w.accountId}>
                    <span class="small">{nameOf(w.accountId)}</span>{' '}
                    {w.watched ? (
                      <>
                        <StatusBadge status="watched" /> <RelativeTime iso={w.watchedAt} /> <span class="muted small">· {w.plays} plays</span>
                      </>
                    ) : (
                      <StatusBadge status="pending" label="in progress" />
                    )}
                  </li>
                ))}
              </ul>
            ),
        },
      ]}
    />
  );
}
