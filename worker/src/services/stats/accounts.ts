/**
 * @module
 * The household's Plex accounts for the admin: the list (every account the tracker has seen, with
 * all-time plays and minutes) and one account's page (totals, favourite shows with progress). An
 * account's history is `listPlays` filtered to it; its graphs are `playStats` with `accountId`.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import type { AccountDetail, AccountSummary, FavouriteShow } from '../../contracts/stats';
import { catalogPosterUrl, plexRefsFor } from '../posters/catalog-refs';

const n = (v: unknown) => Number(v ?? 0);
const iso = (v: string | Date | null | undefined) => (v ? new Date(v).toISOString() : null);

interface SummaryRow extends Record<string, unknown> {
  account_id: string;
  title: string | null;
  last_seen_at: string | null;
  last_played_at: string | null;
  plays: string;
  episodes: string;
  movies: string;
  shows: string;
  minutes: string;
}

/** Accounts seen on webhooks or with plays (a manual mark can name an account Plex never sent). */
function summaries(accountId: string | null) {
  return sql<SummaryRow>`
    WITH ids AS (
      SELECT account_id FROM tracker_accounts UNION SELECT DISTINCT account_id FROM plays
    ), p AS (
      SELECT p.account_id, count(*) AS plays, max(p.played_at) AS last_played_at,
             count(*) FILTER (WHERE p.kind = 'episode') AS episodes, count(*) FILTER (WHERE p.kind = 'movie') AS movies,
             count(DISTINCT p.show_id) AS shows,
             coalesce(sum(coalesce(p.duration_ms, e.runtime_minutes * 60000, m.runtime_minutes * 60000, 0)), 0) / 60000 AS minutes
        FROM plays p LEFT JOIN episodes e ON e.id = p.episode_id LEFT JOIN movies m ON m.id = p.movie_id
       ${accountId ? sql`WHERE p.account_id = ${accountId}` : sql``}
       GROUP BY p.account_id
    )
    SELECT ids.account_id, coalesce(ta.display_name, ta.title) AS title, ta.last_seen_at, p.last_played_at, coalesce(p.plays, 0) AS plays,
           coalesce(p.episodes, 0) AS episodes, coalesce(p.movies, 0) AS movies, coalesce(p.shows, 0) AS shows, coalesce(p.minutes, 0) AS minutes
      FROM ids LEFT JOIN p ON p.account_id = ids.account_id LEFT JOIN tracker_accounts ta ON ta.account_id = ids.account_id
     ${accountId ? sql`WHERE ids.account_id = ${accountId}` : sql``}
     ORDER BY coalesce(p.plays, 0) DESC, ids.account_id`;
}

function summaryOf(r: SummaryRow): AccountSummary {
  return { id: r.account_id, title: r.title, lastSeenAt: iso(r.last_seen_at), lastPlayedAt: iso(r.last_played_at), plays: n(r.plays), minutes: Math.round(n(r.minutes)) };
}

export async function listAccounts(db: DbOrTx): Promise<AccountSummary[]> {
  return (await db.execute<SummaryRow>(summaries(null))).rows.map(summaryOf);
}

async function favouriteShows(db: DbOrTx, accountId: string, limit: number): Promise<FavouriteShow[]> {
  const r = await db.execute<{ id: string; title: string; year: number | null; tmdb_id: string | null; total_episodes: number | null; plays: string; last_played_at: string; watched: string }>(sql`
    SELECT s.id, s.title, s.year, s.tmdb_id, s.total_episodes, count(*) AS plays, max(p.played_at) AS last_played_at,
           (SELECT count(*) FROM watch_state w WHERE w.show_id = s.id AND w.account_id = ${accountId} AND w.watched) AS watched
      FROM plays p JOIN shows s ON s.id = p.show_id
     WHERE p.account_id = ${accountId}
     GROUP BY s.id ORDER BY plays DESC, last_played_at DESC LIMIT ${limit}`);
  const plex = await plexRefsFor(db, 'show', r.rows.map((x) => x.id));
  return r.rows.map((x) => ({
    id: x.id,
    title: x.title,
    year: x.year,
    plays: n(x.plays),
    watchedEpisodes: n(x.watched),
    totalEpisodes: x.total_episodes,
    lastPlayedAt: new Date(x.last_played_at).toISOString(),
    posterUrl: catalogPosterUrl('show', x.tmdb_id === null ? null : Number(x.tmdb_id), plex.get(x.id)),
  }));
}

export async function getAccount(db: DbOrTx, accountId: string): Promise<AccountDetail | null> {
  const [rows, favourites] = await Promise.all([db.execute<SummaryRow>(summaries(accountId)), favouriteShows(db, accountId, 6)]);
  const r = rows.rows[0];
  if (!r) return null;
  return { ...summaryOf(r), episodes: n(r.episodes), movies: n(r.movies), shows: n(r.shows), favouriteShows: favourites };
}
