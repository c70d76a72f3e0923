/**
 * @module
 * Per-show, per-account totals for any number of shows in ONE statement, so the shows list and
 * a show's detail report the same numbers and a page of 200 shows costs one round trip, not 200.
 * Watched episodes are counted distinct (a rewatch sets no second watch_state row); plays and
 * minutes sum over every play, rewatches included. Minutes prefer the play's own duration and
 * fall back to the episode runtime.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import type { ShowTotals } from '../../contracts/library';
import { ACCOUNT_NAME_SQL } from './accounts';

export interface ShowTotalsEntry {
  /** Episodes of the show the catalog holds (a fallback total when TMDB gives none). */
  knownEpisodes: number;
  totals: ShowTotals[];
}

interface Row extends Record<string, unknown> {
  show_id: string;
  total_episodes: number | null;
  known_episodes: string;
  account_id: string | null;
  title: string | null;
  watched_episodes: string | null;
  plays: string | null;
  minutes: string | null;
}

/** Every requested show that exists gets an entry (with no totals when nobody watched it). */
export async function showTotalsFor(db: DbOrTx, showIds: readonly string[]): Promise<Map<string, ShowTotalsEntry>> {
  const out = new Map<string, ShowTotalsEntry>();
  const ids = [...new Set(showIds)];
  if (!ids.length) return out;
  const list = sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );
  // The grouped CTEs use the (show_id, account_id) indexes on watch_state and plays; the outer
  // LEFT JOIN keeps shows nobody watched so they still report their known episode count.
  const result = await db.execute<Row>(sql`
    WITH s AS (
      SELECT s.id, s.total_episodes, (SELECT count(*) FROM episodes e WHERE e.show_id = s.id) AS known_episodes
        FROM shows s WHERE s.id IN (${list})
    ), w AS (
      SELECT show_id, account_id, count(*) FILTER (WHERE watched) AS watched_episodes
        FROM watch_state WHERE show_id IN (${list}) GROUP BY show_id, account_id
    ), p AS (
      SELECT p.show_id, p.account_id, count(*) AS plays,
             coalesce(sum(coalesce(p.duration_ms, e.runtime_minutes * 60000, 0)), 0) / 60000 AS minutes
        FROM plays p LEFT JOIN episodes e ON e.id = p.episode_id
       WHERE p.show_id IN (${list}) GROUP BY p.show_id, p.account_id
    ), a AS (
      SELECT coalesce(w.show_id, p.show_id) AS show_id, coalesce(w.account_id, p.account_id) AS account_id,
             coalesce(w.watched_episodes, 0) AS watched_episodes, coalesce(p.plays, 0) AS plays, coalesce(p.minutes, 0) AS minutes
        FROM w FULL JOIN p ON p.show_id = w.show_id AND p.account_id = w.account_id
    )
    SELECT s.id AS show_id, s.total_episodes, s.known_episodes, a.account_id, ${ACCOUNT_NAME_SQL} AS title, a.watched_episodes, a.plays, a.minutes
      FROM s
      LEFT JOIN a ON a.show_id = s.id
      LEFT JOIN tracker_accounts ta ON ta.account_id = a.account_id
     ORDER BY s.id, a.account_id`);
  for (const r of result.rows) {
    let entry = out.get(r.show_id);
    if (!entry) out.set(r.show_id, (entry = { knownEpisodes: Number(r.known_episodes), totals: [] }));
    // An account whose only rows are unmarked episodes has watched nothing here: not a total.
    if (r.account_id === null || (Number(r.watched_episodes) === 0 && Number(r.plays) === 0)) continue;
    entry.totals.push({
      accountId: r.account_id,
      accountTitle: r.title,
      watchedEpisodes: Number(r.watched_episodes),
      totalEpisodes: r.total_episodes,
      plays: Number(r.plays),
      minutesWatched: Math.round(Number(r.minutes)),
    });
  }
  return out;
}
