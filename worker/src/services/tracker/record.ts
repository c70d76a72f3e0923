/**
 * @module
 * Writes to the watch tracker. Every function is idempotent for a given event: a play is keyed by
 * its event id and by the completion-window exclusion constraint, so a replay, a retry, a
 * skip-credits re-fire or a scrobble followed by a ≥90% stop never count twice. Callers pass a
 * transaction so the tracker rows and the event's status commit together.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { newId } from '../../lib/crypto';

/** A catalog item from the matcher. Episodes carry their show for per-show totals. */
export type TrackedItem = { kind: 'episode'; episodeId: string; showId: string } | { kind: 'movie'; movieId: string };

function refs(item: TrackedItem) {
  return item.kind === 'episode'
    ? { itemId: item.episodeId, episodeId: item.episodeId, movieId: null, showId: item.showId }
    : { itemId: item.movieId, episodeId: null, movieId: item.movieId, showId: null };
}

export interface PlayInput {
  accountId: string;
  item: TrackedItem;
  playedAt: Date;
  windowMinutes: number;
  durationMs: number | null;
  source: 'webhook' | 'manual' | 'import';
  eventId: string | null;
}

/**
 * Records a completed play and marks the item watched. Returns whether a new play row was
 * written (false: inside an existing play's window, or this event was already applied).
 * An earlier watched date (e.g. set by hand) is kept.
 */
export async function recordPlay(tx: DbOrTx, p: PlayInput): Promise<{ newPlay: boolean }> {
  const r = refs(p.item);
  const windowEnd = new Date(p.playedAt.getTime() + p.windowMinutes * 60_000);
  // One statement (atomic on its own): the play, the watch state it bumps, and the progress row it ends.
  const result = await tx.execute<{ new_play: boolean }>(sql`
    WITH ins AS (
      INSERT INTO plays (id, account_id, item_id, kind, episode_id, movie_id, show_id, played_at, window_end, duration_ms, source, event_id)
      VALUES (${newId('ply')}, ${p.accountId}, ${r.itemId}, ${p.item.kind}, ${r.episodeId}, ${r.movieId}, ${r.showId},
              ${p.playedAt.toISOString()}, ${windowEnd.toISOString()}, ${p.durationMs}, ${p.source}, ${p.eventId})
      ON CONFLICT DO NOTHING
      RETURNING id
    ), ws AS (
      INSERT INTO watch_state (account_id, item_id, kind, episode_id, movie_id, show_id, watched, watched_at, plays)
      SELECT ${p.accountId}, ${r.itemId}, ${p.item.kind}, ${r.episodeId}, ${r.movieId}, ${r.showId}, true, ${p.playedAt.toISOString()}::timestamptz, (SELECT count(*) FROM ins)::int
      ON CONFLICT (account_id, item_id) DO UPDATE SET
        watched = true,
        watched_at = CASE WHEN watch_state.watched AND watch_state.watched_at IS NOT NULL
                          THEN LEAST(watch_state.watched_at, excluded.watched_at) ELSE excluded.watched_at END,
        plays = watch_state.plays + excluded.plays,
        updated_at = now()
      RETURNING 1
    ), done AS (
      -- Finished: no longer "in progress" (unless a newer position arrived meanwhile).
      DELETE FROM playback_progress WHERE account_id = ${p.accountId} AND item_id = ${r.itemId} AND updated_at <= ${p.playedAt.toISOString()}
      RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM ins) AS new_play, (SELECT count(*) FROM ws) AS ws, (SELECT count(*) FROM done) AS done`);
  const newPlay = result.rows[0]?.new_play === true;
  return { newPlay };
}

export interface ProgressInput {
  accountId: string;
  item: TrackedItem;
  viewOffsetMs: number;
  durationMs: number | null;
  state: 'playing' | 'paused' | 'stopped';
  at: Date;
  eventId: string;
}

/** Upserts the in-progress position; a late, older delivery never overwrites a newer one. */
export async function saveProgress(tx: DbOrTx, p: ProgressInput): Promise<void> {
  const r = refs(p.item);
  await tx.execute(sql`
    INSERT INTO playback_progress (account_id, item_id, kind, episode_id, movie_id, view_offset_ms, duration_ms, state, updated_at, event_id)
    VALUES (${p.accountId}, ${r.itemId}, ${p.item.kind}, ${r.episodeId}, ${r.movieId}, ${p.viewOffsetMs}, ${p.durationMs}, ${p.state}, ${p.at.toISOString()}, ${p.eventId})
    ON CONFLICT (account_id, item_id) DO UPDATE SET
      view_offset_ms = excluded.view_offset_ms, duration_ms = excluded.duration_ms, state = excluded.state,
      updated_at = excluded.updated_at, event_id = excluded.event_id
    WHERE playback_progress.updated_at <= excluded.updated_at`);
}

export type RatedItem = TrackedItem | { kind: 'show'; showId: string };

/** Sets (or with null, clears) an account's rating; an older delivery never overwrites a newer rating. */
export async function saveRating(tx: DbOrTx, accountId: string, item: RatedItem, rating: number | null, at: Date): Promise<void> {
  const itemId = item.kind === 'show' ? item.showId : item.kind === 'episode' ? item.episodeId : item.movieId;
  if (rating === null) {
    await tx.execute(sql`DELETE FROM ratings WHERE account_id = ${accountId} AND item_id = ${itemId} AND rated_at <= ${at.toISOString()}`);
    return;
  }
  const showId = item.kind === 'movie' ? null : item.showId;
  const episodeId = item.kind === 'episode' ? item.episodeId : null;
  const movieId = item.kind === 'movie' ? item.movieId : null;
  await tx.execute(sql`
    INSERT INTO ratings (account_id, item_id, kind, show_id, episode_id, movie_id, rating, rated_at)
    VALUES (${accountId}, ${itemId}, ${item.kind}, ${showId}, ${episodeId}, ${movieId}, ${rating}, ${at.toISOString()})
    ON CONFLICT (account_id, item_id) DO UPDATE SET rating = excluded.rating, rated_at = excluded.rated_at
    WHERE ratings.rated_at <= excluded.rated_at`);
}

/** Remembers the account's display title; ids are the identity, titles only label them. */
export async function touchAccount(tx: DbOrTx, accountId: string, title: string | null): Promise<void> {
  await tx.execute(sql`
    INSERT INTO tracker_accounts (account_id, title, last_seen_at) VALUES (${accountId}, ${title}, now())
    ON CONFLICT (account_id) DO UPDATE SET title = COALESCE(excluded.title, tracker_accounts.title), last_seen_at = now()
    WHERE tracker_accounts.last_seen_at IS NULL OR tracker_accounts.last_seen_at < now() - interval '1 minute' OR tracker_accounts.title IS DISTINCT FROM COALESCE(excluded.title, tracker_accounts.title)`);
}

/**
 * Manual mark/unmark from the admin. Marking records a manual play at `watchedAt` (so a webhook
 * for the same viewing within the window does not add another) and keeps an earlier date.
 * Unmarking mirrors Plex's "mark as unplayed": watched off, the play history for the item cleared.
 */
export async function setWatchedManually(tx: DbOrTx, accountId: string, item: TrackedItem, watched: boolean, watchedAt: Date, windowMinutes: number, durationMs: number | null): Promise<void> {
  if (watched) {
    await recordPlay(tx, { accountId, item, playedAt: watchedAt, windowMinutes, durationMs, source: 'manual', eventId: null });
    return;
  }
  const r = refs(item);
  await tx.execute(sql`DELETE FROM plays WHERE account_id = ${accountId} AND item_id = ${r.itemId}`);
  await tx.execute(sql`
    INSERT INTO watch_state (account_id, item_id, kind, episode_id, movie_id, show_id, watched, watched_at, plays)
    VALUES (${accountId}, ${r.itemId}, ${item.kind}, ${r.episodeId}, ${r.movieId}, ${r.showId}, false, NULL, 0)
    ON CONFLICT (account_id, item_id) DO UPDATE SET watched = false, watched_at = NULL, plays = 0, updated_at = now()`);
}
