/**
 * @module
 * The Plex side of a catalog show's or movie's poster: the Plex item a mapping points at (its
 * server and rating key — where webhook thumbs are kept), for a page of catalog ids in one
 * statement, so list pages can offer the Plex thumb when there is no TMDB poster.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { plexRef, posterUrl, tmdbRef, type PlexPosterRef } from './refs';

export async function plexRefsFor(db: DbOrTx, kind: 'show' | 'movie', ids: readonly string[]): Promise<Map<string, PlexPosterRef>> {
  const out = new Map<string, PlexPosterRef>();
  if (!ids.length) return out;
  const list = sql.join(
    [...new Set(ids)].map((id) => sql`${id}`),
    sql`, `,
  );
  const col = kind === 'show' ? sql`show_id` : sql`movie_id`;
  const r = await db.execute<{ id: string; server_uuid: string; plex_rating_key: string }>(sql`
    SELECT DISTINCT ON (${col}) ${col} AS id, server_uuid, plex_rating_key
      FROM plex_mappings
     WHERE ${col} IN (${list}) AND plex_rating_key IS NOT NULL
     ORDER BY ${col}, updated_at DESC`);
  for (const row of r.rows) {
    const ref = plexRef(row.server_uuid, row.plex_rating_key);
    if (ref) out.set(row.id, ref);
  }
  return out;
}

/** A catalog item's poster URL: its TMDB poster first, the Plex thumb as the fallback. */
export function catalogPosterUrl(kind: 'show' | 'movie', tmdbId: number | null, plex: PlexPosterRef | null | undefined): string | null {
  return posterUrl({ tmdb: tmdbRef(kind, tmdbId), plex: plex ?? null });
}
