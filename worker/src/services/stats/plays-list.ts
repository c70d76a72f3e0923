/**
 * @module
 * Completed plays, newest first, as the dashboard's "recent plays" and an account's history show
 * them: what (episode with its show, or movie), who (the account's last known title), when, and
 * the poster (TMDB, else the Plex thumb of the mapped item). Keyset pages on (played_at, id).
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import type { Page } from '../../contracts';
import type { RecentPlay } from '../../contracts/overview';
import { AppError } from '../../errors';
import { decodeCursor, paginate } from '../../lib/cursor';
import { plexRef, posterUrl, tmdbRef } from '../posters/refs';

interface Row extends Record<string, unknown> {
  id: string;
  played_at: string | Date;
  key: string;
  account_id: string;
  account_title: string | null;
  kind: 'episode' | 'movie';
  source: RecentPlay['source'];
  show_id: string | null;
  show_title: string | null;
  show_tmdb: string | number | null;
  season: number | null;
  episode: number | null;
  episode_title: string | null;
  movie_title: string | null;
  movie_year: number | null;
  movie_tmdb: string | number | null;
  server_uuid: string | null;
  plex_rating_key: string | null;
}

function toPlay(x: Row): RecentPlay {
  const movie = x.kind === 'movie';
  return {
    id: x.id,
    playedAt: new Date(x.played_at).toISOString(),
    account: { id: x.account_id, title: x.account_title },
    kind: movie ? 'movie' : 'episode',
    title: movie ? x.movie_title : x.episode_title,
    showId: x.show_id,
    showTitle: x.show_title,
    season: x.season,
    episode: x.episode,
    year: movie ? x.movie_year : null,
    source: x.source,
    posterUrl: posterUrl({ tmdb: tmdbRef(movie ? 'movie' : 'tv', movie ? x.movie_tmdb : x.show_tmdb), plex: plexRef(x.server_uuid, x.plex_rating_key) }),
  };
}

export async function listPlays(db: DbOrTx, q: { accountId?: string | undefined; limit: number; cursor?: string | undefined }): Promise<Page<RecentPlay>> {
  let after = sql``;
  if (q.cursor) {
    const [at, id] = decodeCursor(q.cursor, 2);
    if (typeof at !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(at))) throw new AppError('BAD_REQUEST', 'The cursor is invalid. Start again without one.');
    after = sql`AND (p.played_at < ${at}::timestamptz OR (p.played_at = ${at}::timestamptz AND p.id < ${id}))`;
  }
  const r = await db.execute<Row>(sql`
    SELECT p.id, p.played_at, p.played_at::text AS key, p.account_id, coalesce(ta.display_name, ta.title) AS account_title, p.kind, p.source, p.show_id,
           s.title AS show_title, s.tmdb_id AS show_tmdb, e.season, e.episode, e.title AS episode_title,
           m.title AS movie_title, m.year AS movie_year, m.tmdb_id AS movie_tmdb, pm.server_uuid, pm.plex_rating_key
      FROM plays p
      LEFT JOIN episodes e ON e.id = p.episode_id
      LEFT JOIN shows s ON s.id = p.show_id
      LEFT JOIN movies m ON m.id = p.movie_id
      LEFT JOIN tracker_accounts ta ON ta.account_id = p.account_id
      LEFT JOIN LATERAL (
        SELECT server_uuid, plex_rating_key FROM plex_mappings
         WHERE plex_rating_key IS NOT NULL AND (show_id = p.show_id OR movie_id = p.movie_id)
         ORDER BY updated_at DESC LIMIT 1) pm ON true
     WHERE true ${q.accountId ? sql`AND p.account_id = ${q.accountId}` : sql``} ${after}
     ORDER BY p.played_at DESC, p.id DESC
     LIMIT ${q.limit + 1}`);
  const page = paginate(r.rows, q.limit, (x) => [x.key, x.id]);
  return { items: page.items.map(toPlay), nextCursor: page.nextCursor };
}
