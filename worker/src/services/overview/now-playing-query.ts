/**
 * @module
 * Reads the latest playback event of every session (server + account + player) from the stored
 * webhook log — one statement over the received_at index, bounded by the lookback — and turns them
 * into what is playing now with the rule in now-playing.ts. Deliveries that were ignored (a
 * server or account this household does not track, the integration off) or were identical
 * redeliveries do not count. The poster prefers the matched show/movie's TMDB poster over the JPEG
 * Plex attached to the play event.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import type { NowPlayingItem } from '../../contracts/overview';
import { plexPosterOwner, plexRef, posterUrl, tmdbRef } from '../posters/refs';
import { LOOKBACK_MS, PLAYBACK_EVENTS, liveSessions, type SessionEvent } from './now-playing';

interface Row extends Record<string, unknown> {
  session_key: string;
  event: string;
  received_at: Date | string;
  account_id: string | null;
  account_title: string | null;
  server_uuid: string | null;
  media_type: string | null;
  title: string | null;
  show_title: string | null;
  season: number | null;
  episode: number | null;
  rating_key: string | null;
  parent_key: string | null;
  grandparent_key: string | null;
  player_title: string | null;
  player_local: string | null;
  view_offset: string | null;
  duration: string | null;
  year: string | null;
  tmdb_id: string | number | null;
}

/** A payload number (sent as a number or a numeric string) as a non-negative integer, else null. */
function ms(v: string | null): number | null {
  if (v === null) return null;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 && n < 2 ** 31 ? Math.round(n) : null;
}

export async function readNowPlaying(db: DbOrTx, now: Date): Promise<{ items: NowPlayingItem[]; expiries: Date[] }> {
  const events = sql.join(
    PLAYBACK_EVENTS.map((e) => sql`${e}`),
    sql`, `,
  );
  const result = await db.execute<Row>(sql`
    WITH latest AS (
      SELECT DISTINCT ON (k.session_key) k.session_key, e.event, e.received_at, e.account_id, e.account_title, e.server_uuid,
             e.media_type, e.title, e.show_title, e.season, e.episode, e.rating_key,
             e.payload->'Metadata'->>'parentRatingKey' AS parent_key, e.payload->'Metadata'->>'grandparentRatingKey' AS grandparent_key,
             e.payload->'Player'->>'title' AS player_title, e.payload->'Player'->>'local' AS player_local,
             e.payload->'Metadata'->>'viewOffset' AS view_offset, e.payload->'Metadata'->>'duration' AS duration,
             e.payload->'Metadata'->>'year' AS year
        FROM webhook_events e
        CROSS JOIN LATERAL (SELECT concat_ws('|', coalesce(e.server_uuid, ''), coalesce(e.account_id, ''),
                                             coalesce(e.payload->'Player'->>'uuid', e.payload->'Player'->>'title', '')) AS session_key) k
       WHERE e.received_at > ${new Date(now.getTime() - LOOKBACK_MS).toISOString()}::timestamptz
         AND e.event IN (${events}) AND e.status NOT IN ('ignored', 'duplicate')
       ORDER BY k.session_key, e.received_at DESC, e.id DESC
    )
    SELECT l.*, coalesce(ta.display_name, ta.title, l.account_title) AS account_title, mp.tmdb_id
      FROM latest l
      LEFT JOIN tracker_accounts ta ON ta.account_id = l.account_id
      LEFT JOIN LATERAL (
        SELECT coalesce(s.tmdb_id, mv.tmdb_id) AS tmdb_id
          FROM plex_mappings m LEFT JOIN shows s ON s.id = m.show_id LEFT JOIN movies mv ON mv.id = m.movie_id
         WHERE m.server_uuid = coalesce(l.server_uuid, '')
           AND m.plex_rating_key = CASE WHEN l.media_type = 'episode' THEN l.grandparent_key ELSE l.rating_key END
         LIMIT 1) mp ON true
     WHERE l.event <> 'media.stop'`);
  const latest = result.rows.map((r) => ({ ...r, receivedAt: new Date(r.received_at), viewOffsetMs: ms(r.view_offset), durationMs: ms(r.duration), sessionKey: r.session_key }) satisfies SessionEvent & Row);
  // Rows stay put: by account name, then player (see liveSessions).
  const live = liveSessions(latest, now, (s) => `${(s.account_title ?? s.account_id ?? '').toLowerCase()}\u0000${(s.player_title ?? '').toLowerCase()}`);
  const items = live.map((s): NowPlayingItem => {
    const owner = plexPosterOwner({ type: s.media_type ?? undefined, ratingKey: s.rating_key ?? undefined, parentRatingKey: s.parent_key ?? undefined, grandparentRatingKey: s.grandparent_key ?? undefined });
    return {
      sessionKey: s.sessionKey,
      state: s.state,
      account: { id: s.account_id, title: s.account_title },
      player: { title: s.player_title, local: s.player_local === null ? null : s.player_local === 'true' },
      mediaType: s.media_type,
      title: s.title,
      showTitle: s.show_title,
      season: s.season,
      episode: s.episode,
      year: ms(s.year),
      positionMs: s.positionMs,
      durationMs: s.durationMs,
      asOf: now.toISOString(),
      lastEventAt: s.receivedAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      posterUrl: posterUrl({ tmdb: tmdbRef(s.media_type === 'movie' ? 'movie' : 'tv', s.tmdb_id), plex: plexRef(s.server_uuid, owner) }),
    };
  });
  return { items, expiries: live.map((s) => s.expiresAt) };
}
