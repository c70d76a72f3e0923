/**
 * @module
 * What each account is in the middle of: resume points (the position the last play/pause/stop
 * left, kept until the item is finished) and "next up" — for every show the account has seen an
 * episode of, the first later episode (by season and number, specials aside) it has not seen.
 * Without TMDB the catalog only knows episodes someone has played, so "next" may be unknown; the
 * answer says so (next: null) rather than inventing an episode.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import type { InProgressItem, NextUpItem, Watching } from '../../contracts/accounts';

const LIMIT = 50;

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

interface ProgressRow extends Record<string, unknown> {
  account_id: string;
  kind: 'episode' | 'movie';
  item_id: string;
  show_id: string | null;
  title: string;
  episode_title: string | null;
  season: number | null;
  episode: number | null;
  view_offset_ms: number;
  duration_ms: number | null;
  state: 'playing' | 'paused' | 'stopped';
  updated_at: Date | string;
}

interface NextRow extends Record<string, unknown> {
  account_id: string;
  show_id: string;
  show_title: string;
  season: number;
  episode: number;
  last_at: Date | string | null;
  next_id: string | null;
  next_season: number | null;
  next_episode: number | null;
  next_title: string | null;
  watched: number;
  total_episodes: number | null;
}

export async function watching(db: DbOrTx, accountId?: string): Promise<Watching> {
  const forAccount = (col: string) => (accountId ? sql`AND ${sql.identifier(col)}.account_id = ${accountId}` : sql``);
  const progress = await db.execute<ProgressRow>(sql`
    SELECT p.account_id, p.kind, p.item_id, e.show_id, coalesce(s.title, m.title) AS title, e.title AS episode_title,
           e.season, e.episode, p.view_offset_ms, p.duration_ms, p.state, p.updated_at
      FROM playback_progress p
      LEFT JOIN episodes e ON e.id = p.episode_id
      LEFT JOIN shows s ON s.id = e.show_id
      LEFT JOIN movies m ON m.id = p.movie_id
     WHERE p.view_offset_ms > 0 ${forAccount('p')}
     ORDER BY p.updated_at DESC LIMIT ${LIMIT}`);
  const next = await db.execute<NextRow>(sql`
    WITH seen AS (
      SELECT w.account_id, w.show_id, e.season, e.episode, w.watched_at
        FROM watch_state w JOIN episodes e ON e.id = w.item_id
       WHERE w.watched AND w.kind = 'episode' AND e.season > 0 ${forAccount('w')}
    ), last AS (
      SELECT DISTINCT ON (account_id, show_id) account_id, show_id, season, episode
        FROM seen ORDER BY account_id, show_id, season DESC, episode DESC
    ), agg AS (
      SELECT account_id, show_id, max(watched_at) AS last_at, count(*)::int AS watched FROM seen GROUP BY account_id, show_id
    )
    SELECT l.account_id, l.show_id, s.title AS show_title, l.season, l.episode, agg.last_at, agg.watched, s.total_episodes,
           nx.id AS next_id, nx.season AS next_season, nx.episode AS next_episode, nx.title AS next_title
      FROM last l
      JOIN agg ON agg.account_id = l.account_id AND agg.show_id = l.show_id
      JOIN shows s ON s.id = l.show_id
      LEFT JOIN LATERAL (
        SELECT e2.id, e2.season, e2.episode, e2.title FROM episodes e2
         WHERE e2.show_id = l.show_id AND (e2.season, e2.episode) > (l.season, l.episode)
           AND NOT EXISTS (SELECT 1 FROM watch_state w2 WHERE w2.account_id = l.account_id AND w2.item_id = e2.id AND w2.watched)
         ORDER BY e2.season, e2.episode LIMIT 1
      ) nx ON true
     -- Finished as far as anyone knows: no later episode known and no total saying there are more.
     WHERE nx.id IS NOT NULL OR (s.total_episodes IS NOT NULL AND agg.watched < s.total_episodes)
     ORDER BY agg.last_at DESC NULLS LAST, l.show_id LIMIT ${LIMIT}`);
  const inProgress = progress.rows.map(
    (r): InProgressItem => ({
      accountId: r.account_id,
      kind: r.kind,
      itemId: r.item_id,
      showId: r.show_id,
      title: r.title,
      episodeTitle: r.episode_title,
      season: r.season,
      episode: r.episode,
      viewOffsetMs: Number(r.view_offset_ms),
      durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
      state: r.state,
      updatedAt: iso(r.updated_at)!,
    }),
  );
  const nextUp = next.rows.map(
    (r): NextUpItem => ({
      accountId: r.account_id,
      showId: r.show_id,
      showTitle: r.show_title,
      last: { season: r.season, episode: r.episode },
      lastWatchedAt: iso(r.last_at),
      next: r.next_id ? { episodeId: r.next_id, season: r.next_season!, episode: r.next_episode!, title: r.next_title } : null,
      watchedEpisodes: Number(r.watched),
      totalEpisodes: r.total_episodes,
    }),
  );
  return { inProgress, nextUp };
}
