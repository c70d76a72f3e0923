/**
 * @module
 * /library/shows/:id: one show with every account's totals, its seasons and episodes with who
 * watched each (date and play count), and manual marking: pick the account and, optionally, the
 * date it was watched, then mark or unmark an episode (`POST /api/episodes/:id/watched`).
 */
import { useEffect, useState } from 'preact/hooks';
import type { AccountWatch, EpisodeView, ShowDetail } from '../../../worker/src/contracts/library';
import { client, unwrap } from '../api';
import { useAsync } from '../components/use-async';
import { ErrorBanner, StatusLine } from '../components/error-banner';
import { ShowTotalsView, accountName } from '../components/show-progress';
import { RelativeTime } from '../components/relative-time';
import { absoluteTime } from '../components/format';
import { issueMap } from '../components/fields';
import { Poster } from '../components/poster';

function code(e: Pick<EpisodeView, 'season' | 'episode'>): string {
  return `S${String(e.season).padStart(2, '0')}E${String(e.episode).padStart(2, '0')}`;
}

export function ShowDetailPage({ id }: { id: string }) {
  const show = useAsync(() => unwrap(client.api.shows[':id'].$get({ param: { id } })), [id]);
  const s = show.data;
  return (
    <section>
      <p>
        <a href="/library">← Library</a>
      </p>
      <ErrorBanner error={show.error} onRetry={() => void show.reload()} />
      {!s && show.loading && <p class="muted">Loading show…</p>}
      {s && <ShowView show={s} reload={show.reload} patch={show.setData} />}
    </section>
  );
}

function ShowView({ show: s, reload, patch }: { show: ShowDetail; reload: () => Promise<void>; patch: (s: ShowDetail) => void }) {
  const accounts = s.totals.map((t) => ({ id: t.accountId, name: accountName(t) }));
  const [account, setAccount] = useState(accounts[0]?.id ?? '');
  const [date, setDate] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [busyEp, setBusyEp] = useState<string | null>(null);
  const known = s.seasons.reduce((n, x) => n + x.episodes.length, 0);
  const nameOf = (accountId: string) => accounts.find((a) => a.id === accountId)?.name ?? `account ${accountId}`;

  useEffect(() => {
    if (!account && accounts[0]) setAccount(accounts[0].id);
  }, [s.totals]);

  const mark = async (ep: EpisodeView, watched: boolean) => {
    setBusyEp(ep.id);
    setError(null);
    setIssues({});
    try {
      const watchedAt = watched && date ? new Date(date).toISOString() : undefined;
      const r = await unwrap(client.api.episodes[':id'].watched.$post({ param: { id: ep.id }, json: { accountId: account.trim(), watched, ...(watchedAt ? { watchedAt } : {}) } }));
      // Show the new state at once; totals follow from a reload.
      patch({
        ...s,
        seasons: s.seasons.map((season) => ({
          ...season,
          episodes: season.episodes.map((e) => (e.id === ep.id ? { ...e, watch: upsert(e.watch, r.watch) } : e)),
        })),
      });
      setStatus(`${code(ep)} ${watched ? 'marked watched' : 'unmarked'} for ${nameOf(r.watch.accountId)}.`);
      await reload();
    } catch (err) {
      setIssues(issueMap(err));
      setError(err);
    } finally {
      setBusyEp(null);
    }
  };

  return (
    <>
      <div class="show-head">
        <Poster url={s.posterUrl} title={s.title} size="lg" />
        <div>
          <h1>
            {s.title} {s.year && <span class="muted">({s.year})</span>}
          </h1>
          <p class="small muted">
            {[s.status, s.tmdbId && `TMDB ${s.tmdbId}`, s.tvdbId && `TVDB ${s.tvdbId}`, s.imdbId, s.totalEpisodes && `${s.totalEpisodes} episodes`].filter(Boolean).join(' · ')}
          </p>
        </div>
      </div>
      <section class="card" aria-labelledby="totals-title">
        <h2 id="totals-title">Progress by account</h2>
        <ShowTotalsView totals={s.totals} knownEpisodes={known} />
      </section>

      <section class="card" aria-labelledby="mark-title">
        <h2 id="mark-title">Mark episodes by hand</h2>
        <div class="filters">
          <label for="mark-account">Account</label>
          {accounts.length > 0 ? (
            <select id="mark-account" value={account} onChange={(e) => setAccount((e.target as HTMLSelectElement).value)}>
              {accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} ({a.id})
                </option>
              ))}
            </select>
          ) : (
            <input id="mark-account" inputMode="numeric" placeholder="Plex account id" value={account} aria-invalid={issues.accountId ? 'true' : undefined} onInput={(e) => setAccount((e.target as HTMLInputElement).value)} />
          )}
          <label for="mark-date">Watched on</label>
          <input id="mark-date" type="datetime-local" value={date} aria-describedby="mark-date-hint" aria-invalid={issues.watchedAt ? 'true' : undefined} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
          <span id="mark-date-hint" class="small muted">
            empty = now; an earlier watched date is kept
          </span>
        </div>
        <StatusLine message={status} />
        <ErrorBanner error={error} />
      </section>

      {s.seasons.length === 0 && <p class="muted">No episodes known yet.</p>}
      {s.seasons.map((season) => (
        <details class="card season" key={season.season} open={s.seasons.length <= 2}>
          <summary>
            {season.season === 0 ? 'Specials' : `Season ${season.season}`} <span class="muted small">({season.episodes.length} episodes)</span>
          </summary>
          <table class="episodes cards">
            <caption class="sr-only">Episodes of season {season.season}</caption>
            <thead>
              <tr>
                <th scope="col">Episode</th>
                <th scope="col">Title</th>
                {accounts.map((a) => (
                  <th scope="col" key={a.id}>
                    {a.name}
                  </th>
                ))}
                <th scope="col">Mark</th>
              </tr>
            </thead>
            <tbody>
              {season.episodes.map((ep) => {
                const mine = ep.watch.find((w) => w.accountId === account.trim());
                return (
                  <tr key={ep.id} data-testid={`episode-${code(ep)}`}>
                    <td class="primary" data-label="Episode">
                      {code(ep)}
                    </td>
                    <td class="ep-title" data-label="Title">
                      {ep.title ?? '—'}
                      {ep.airDate && <div class="small muted">aired {ep.airDate}</div>}
                    </td>
                    {accounts.map((a) => (
                      <td key={a.id} class="watched-cell" data-label={a.name}>
                        <WatchCell watch={ep.watch.find((w) => w.accountId === a.id)} />
                      </td>
                    ))}
                    <td class="no-label">
                      <button
                        type="button"
                        class="secondary small-btn"
                        disabled={busyEp === ep.id || !account.trim()}
                        onClick={() => void mark(ep, !mine?.watched)}
                        aria-label={`${mine?.watched ? 'Unmark' : 'Mark watched'} ${code(ep)} for ${nameOf(account.trim())}`}
                      >
                        {mine?.watched ? 'Unmark' : 'Mark watched'}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </details>
      ))}
    </>
  );
}

function upsert(list: AccountWatch[], w: AccountWatch): AccountWatch[] {
  return list.some((x) => x.accountId === w.accountId) ? list.map((x) => (x.accountId === w.accountId ? w : x)) : [...list, w];
}

function WatchCell({ watch }: { watch: AccountWatch | undefined }) {
  if (!watch?.watched) return <span class="muted">—</span>;
  return (
    <span title={watch.watchedAt ? absoluteTime(watch.watchedAt) : undefined}>
      <span aria-hidden="true">✓</span>
      <span class="sr-only">watched</span> <RelativeTime iso={watch.watchedAt} fallback="watched" />
      {watch.plays > 1 && <span class="muted small"> · {watch.plays} plays</span>}
    </span>
  );
}
