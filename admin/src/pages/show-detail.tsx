/**
 * @module
 * /library/shows/:id: one show with every account's progress ("6 episodes seen" unless the total
 * is known), where each account is in it (a resume point, the next episode), its seasons and
 * episodes with who watched each (date and play count), and manual marking for any account the
 * household has — not only those that already watched it: one episode, or a whole season, with
 * an optional date (`POST /api/episodes/:id/watched`, `POST /api/shows/:id/seasons/:n/watched`).
 */
import { useEffect, useState } from 'preact/hooks';
import type { AccountWatch, EpisodeView, ShowDetail } from '../../../worker/src/contracts/library';
import type { InProgressItem, NextUpItem } from '../../../worker/src/contracts/accounts';
import { client, unwrap } from '../api';
import { useAsync } from '../components/use-async';
import { ErrorBanner } from '../components/error-banner';
import { ShowTotalsView } from '../components/show-progress';
import { RelativeTime } from '../components/relative-time';
import { absoluteTime } from '../components/format';
import { issueMap } from '../components/fields';
import { Poster } from '../components/poster';
import { useAccountName, useAccounts } from '../components/lookups';
import { usePageTitle } from '../components/page-title';
import { toast } from '../components/toast';
import { episodeCode, positionText } from '../components/watching';

export function ShowDetailPage({ id }: { id: string }) {
  const show = useAsync(() => unwrap(client.api.shows[':id'].$get({ param: { id } })), [id]);
  const s = show.data;
  usePageTitle(s?.title ?? 'Show');
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

function upsert(list: AccountWatch[], w: AccountWatch): AccountWatch[] {
  return list.some((x) => x.accountId === w.accountId) ? list.map((x) => (x.accountId === w.accountId ? w : x)) : [...list, w];
}

function ShowView({ show: s, reload, patch }: { show: ShowDetail; reload: () => Promise<void>; patch: (s: ShowDetail) => void }) {
  const all = useAccounts();
  const nameOf = useAccountName();
  // Anyone may be marked: every account the household has, plus any that watched this show.
  const accountIds = [...new Set([...(all ?? []).map((a) => a.id), ...s.totals.map((t) => t.accountId)])];
  const [account, setAccount] = useState('');
  const [date, setDate] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const watching = useAsync(() => unwrap(client.api.watching.$get({ query: {} })), [s.id]);

  useEffect(() => {
    if (!account && accountIds[0]) setAccount(s.totals[0]?.accountId ?? accountIds[0]);
  }, [accountIds.join(',')]);

  // Columns: everyone who watched something here, and the account being marked for.
  const columns = [...new Set([...s.totals.map((t) => t.accountId), ...(account ? [account] : [])])];
  const watchedAtIso = () => (date ? new Date(date).toISOString() : undefined);

  const run = async (key: string, call: () => Promise<string>) => {
    setBusy(key);
    setError(null);
    setIssues({});
    try {
      toast(await call());
      await Promise.all([reload(), watching.reload()]);
    } catch (err) {
      setIssues(issueMap(err));
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const markEpisode = (ep: EpisodeView, watched: boolean) =>
    run(ep.id, async () => {
      const watchedAt = watched ? watchedAtIso() : undefined;
      const r = await unwrap(client.api.episodes[':id'].watched.$post({ param: { id: ep.id }, json: { accountId: account, watched, ...(watchedAt ? { watchedAt } : {}) } }));
      // Show the new state at once; totals follow from the reload.
      patch({ ...s, seasons: s.seasons.map((x) => ({ ...x, episodes: x.episodes.map((e) => (e.id === ep.id ? { ...e, watch: upsert(e.watch, r.watch) } : e)) })) });
      return `${episodeCode(ep)} ${watched ? 'marked watched' : 'unmarked'} for ${nameOf(account)}.`;
    });

  const markSeason = (season: number, watched: boolean) =>
    run(`season-${season}`, async () => {
      const watchedAt = watched ? watchedAtIso() : undefined;
      const r = await unwrap(
        client.api.shows[':id'].seasons[':season'].watched.$post({ param: { id: s.id, season: String(season) }, json: { accountId: account, watched, ...(watchedAt ? { watchedAt } : {}) } }),
      );
      const what = season === 0 ? 'Specials' : `Season ${season}`;
      return `${what} ${watched ? 'marked watched' : 'unmarked'} for ${nameOf(account)} (${r.episodes} episode${r.episodes === 1 ? '' : 's'}).`;
    });

  const here = (w: { showId: string | null }) => w.showId === s.id;
  const inProgress = (watching.data?.inProgress ?? []).filter(here);
  const nextUp = (watching.data?.nextUp ?? []).filter(here);

  return (
    <>
      <div class="show-head">
        <Poster url={s.posterUrl} title={s.title} size="lg" />
        <div>
          <h1>
            {s.title} {s.year && <span class="muted">({s.year})</span>}
          </h1>
          <p class="small muted">
            {[s.status, s.tmdbId && `TMDB ${s.tmdbId}`, s.tvdbId && `TVDB ${s.tvdbId}`, s.imdbId, s.totalEpisodes ? `${s.totalEpisodes} episodes` : 'episode count unknown'].filter(Boolean).join(' · ')}
          </p>
        </div>
      </div>
      <section class="card" aria-labelledby="totals-title">
        <h2 id="totals-title">Progress by account</h2>
        <ShowTotalsView totals={s.totals} />
        {(inProgress.length > 0 || nextUp.length > 0) && <ShowWatching inProgress={inProgress} nextUp={nextUp} nameOf={nameOf} />}
      </section>

      <section class="card" aria-labelledby="mark-title">
        <h2 id="mark-title">Mark episodes by hand</h2>
        <div class="filters">
          <label for="mark-account">Account</label>
          <select id="mark-account" value={account} aria-invalid={issues.accountId ? 'true' : undefined} onChange={(e) => setAccount((e.target as HTMLSelectElement).value)}>
            {accountIds.length === 0 && <option value="">No Plex account known yet</option>}
            {accountIds.map((a) => (
              <option key={a} value={a}>
                {nameOf(a)}
              </option>
            ))}
          </select>
          <label for="mark-date">Watched on</label>
          <input id="mark-date" type="datetime-local" value={date} aria-describedby="mark-date-hint" aria-invalid={issues.watchedAt ? 'true' : undefined} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
          <span id="mark-date-hint" class="small muted">
            empty = now; an earlier watched date is kept
          </span>
        </div>
        {accountIds.length === 0 && <p class="small muted">Accounts appear once Plex sends a webhook for them, or when they are listed as tracked in Settings.</p>}
        <ErrorBanner error={error} />
      </section>

      {s.seasons.length === 0 && <p class="muted">No episodes known yet.</p>}
      {s.seasons.map((season) => {
        const label = season.season === 0 ? 'Specials' : `Season ${season.season}`;
        const allSeen = !!account && season.episodes.every((e) => e.watch.some((w) => w.accountId === account && w.watched));
        return (
          <details class="card season" key={season.season} open={s.seasons.length <= 2}>
            <summary>
              {label} <span class="muted small">({season.episodes.length} known episode{season.episodes.length === 1 ? '' : 's'})</span>
            </summary>
            <div class="season-actions">
              <button type="button" class="secondary small-btn" disabled={!account || busy !== null} onClick={() => void markSeason(season.season, !allSeen)}>
                {allSeen ? `Unmark ${label.toLowerCase()}` : `Mark ${label.toLowerCase()} watched`}
              </button>
              <span class="small muted">for {account ? nameOf(account) : '—'}: every episode of it the catalog knows</span>
            </div>
            <table class="episodes cards">
              <caption class="sr-only">Episodes of {label}</caption>
              <thead>
                <tr>
                  <th scope="col">Episode</th>
                  <th scope="col">Title</th>
                  {columns.map((a) => (
                    <th scope="col" key={a}>
                      {nameOf(a)}
                    </th>
                  ))}
                  <th scope="col">Mark</th>
                </tr>
              </thead>
              <tbody>
                {season.episodes.map((ep) => {
                  const mine = ep.watch.find((w) => w.accountId === account);
                  return (
                    <tr key={ep.id} data-testid={`episode-${episodeCode(ep)}`}>
                      <td class="primary" data-label="Episode">
                        {episodeCode(ep)}
                      </td>
                      <td class="ep-title" data-label="Title">
                        {ep.title ?? '—'}
                        {ep.airDate && <div class="small muted">aired {ep.airDate}</div>}
                      </td>
                      {columns.map((a) => (
                        <td key={a} class="watched-cell" data-label={nameOf(a)}>
                          <WatchCell watch={ep.watch.find((w) => w.accountId === a)} />
                        </td>
                      ))}
                      <td class="no-label">
                        <button
                          type="button"
                          class="secondary small-btn"
                          disabled={busy !== null || !account}
                          onClick={() => void markEpisode(ep, !mine?.watched)}
                          aria-label={`${mine?.watched ? 'Unmark' : 'Mark watched'} ${episodeCode(ep)} for ${account ? nameOf(account) : 'nobody'}`}
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
        );
      })}
    </>
  );
}

function ShowWatching({ inProgress, nextUp, nameOf }: { inProgress: InProgressItem[]; nextUp: NextUpItem[]; nameOf: (id: string) => string }) {
  return (
    <ul class="watching" data-testid="show-watching">
      {inProgress.map((p) => (
        <li key={`p-${p.accountId}-${p.itemId}`}>
          <strong>{nameOf(p.accountId)}</strong> is {positionText(p)} into {episodeCode(p)}
          {p.episodeTitle ? ` · ${p.episodeTitle}` : ''} <span class="small muted">(<RelativeTime iso={p.updatedAt} />)</span>
        </li>
      ))}
      {nextUp.map((n) => (
        <li key={`n-${n.accountId}`}>
          <strong>{nameOf(n.accountId)}</strong> next: {n.next ? `${episodeCode(n.next)}${n.next.title ? ` · ${n.next.title}` : ''}` : `after ${episodeCode(n.last)} (not in the catalog yet)`}
        </li>
      ))}
    </ul>
  );
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
