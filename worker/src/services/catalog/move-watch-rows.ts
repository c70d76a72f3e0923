/**
 * @module
 * Moves one catalog item's tracker rows onto another (a duplicate episode or movie onto the one
 * kept), for every account, losing nothing the tracker's own rules would keep:
 * - plays move; where a moved play and a kept play of the same account fall in one completion
 *   window they were one viewing (the rule `plays_one_per_window` enforces), so the earlier play
 *   is kept — the same "an earlier date is kept" rule manual marking follows;
 * - watch state is re-derived per account: watched if either item was watched (or has a play),
 *   the earliest watched date (a manual date included), and the play count counted again;
 * - the in-progress position and the rating keep the newer of the two.
 * Runs inside the caller's transaction; the caller holds the catalog rows locked.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';

export interface ItemRef {
  id: string;
  kind: 'episode' | 'movie';
  /** The show of the item kept (episodes); null for movies. */
  showId: string | null;
}

export interface MovedCounts {
  plays: number;
  /** Plays of the duplicate that fell inside a kept play's window: the same viewing, counted once. */
  playsFolded: number;
  watchStates: number;
  progress: number;
  ratings: number;
}

interface PlayRow extends Record<string, unknown> {
  id: string;
  account_id: string;
  item_id: string;
  played_at: Date | string;
  window_end: Date | string;
}

const ms = (d: Date | string) => new Date(d).getTime();

/** Per account, in time order, the plays that overlap an earlier kept one (greedy, as inserts would decide). */
export function overlappingPlays(plays: Array<{ id: string; accountId: string; playedAt: number; windowEnd: number }>): string[] {
  const sorted = [...plays].sort((a, b) => a.accountId.localeCompare(b.accountId) || a.playedAt - b.playedAt || a.id.localeCompare(b.id));
  const drop: string[] = [];
  let account: string | null = null;
  let keptUntil = -Infinity;
  for (const p of sorted) {
    if (p.accountId !== account) {
      account = p.accountId;
      keptUntil = -Infinity;
    }
    if (p.playedAt < keptUntil) drop.push(p.id);
    else keptUntil = p.windowEnd;
  }
  return drop;
}

function refColumns(to: ItemRef) {
  return to.kind === 'episode' ? sql`episode_id = ${to.id}, movie_id = NULL` : sql`movie_id = ${to.id}, episode_id = NULL`;
}

async function movePlays(tx: DbOrTx, fromId: string, to: ItemRef): Promise<{ plays: number; playsFolded: number }> {
  const { rows } = await tx.execute<PlayRow>(sql`
    SELECT id, account_id, item_id, played_at, window_end FROM plays WHERE item_id IN (${fromId}, ${to.id}) FOR UPDATE`);
  const drop = overlappingPlays(rows.map((r) => ({ id: r.id, accountId: r.account_id, playedAt: ms(r.played_at), windowEnd: ms(r.window_end) })));
  if (drop.length) {
    await tx.execute(sql`DELETE FROM plays WHERE id IN (${sql.join(drop.map((id) => sql`${id}`), sql`, `)})`);
  }
  const moved = await tx.execute(sql`
    UPDATE plays SET item_id = ${to.id}, ${refColumns(to)}, show_id = ${to.showId} WHERE item_id = ${fromId} RETURNING id`);
  // Either side's play may be the one dropped (the earlier one stays): each drop is one viewing counted once.
  return { plays: moved.rows.length, playsFolded: drop.length };
}

async function mergeWatchState(tx: DbOrTx, fromId: string, to: ItemRef): Promise<number> {
  // Every account with a row for either item gets one row for the target, derived from both
  // rows and the (already moved) plays. The duplicate's rows go.
  const { rows } = await tx.execute<{ n: number }>(sql`
    WITH src AS (
      SELECT account_id, bool_or(watched) AS watched, min(watched_at) FILTER (WHERE watched) AS watched_at
        FROM watch_state WHERE item_id IN (${fromId}, ${to.id}) GROUP BY account_id
    ), p AS (
      SELECT account_id, count(*)::int AS plays, min(played_at) AS first_play FROM plays WHERE item_id = ${to.id} GROUP BY account_id
    ), merged AS (
      INSERT INTO watch_state (account_id, item_id, kind, episode_id, movie_id, show_id, watched, watched_at, plays, updated_at)
      SELECT src.account_id, ${to.id}, ${to.kind},
             ${to.kind === 'episode' ? to.id : null}, ${to.kind === 'movie' ? to.id : null}, ${to.showId},
             src.watched OR coalesce(p.plays, 0) > 0,
             CASE WHEN src.watched OR coalesce(p.plays, 0) > 0 THEN coalesce(src.watched_at, p.first_play) END,
             coalesce(p.plays, 0), now()
        FROM src LEFT JOIN p ON p.account_id = src.account_id
      ON CONFLICT (account_id, item_id) DO UPDATE SET
        watched = excluded.watched, watched_at = excluded.watched_at, plays = excluded.plays, show_id = excluded.show_id, updated_at = now()
      RETURNING 1
    ), gone AS (
      DELETE FROM watch_state WHERE item_id = ${fromId} RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone)::int AS n, (SELECT count(*) FROM merged)::int AS m`);
  // n: the duplicate's rows folded into the target's (m: target rows written, for the record).
  return Number(rows[0]?.n ?? 0);
}

/** Keeps, per account, the newer of the two rows (by `stamp`), re-pointed at the target. */
async function keepNewer(tx: DbOrTx, table: 'playback_progress' | 'ratings', stamp: 'updated_at' | 'rated_at', fromId: string, to: ItemRef): Promise<number> {
  const t = sql.identifier(table);
  const col = sql.identifier(stamp);
  // The target's row loses where the duplicate's is newer; then the duplicate's survivors move.
  await tx.execute(sql`
    DELETE FROM ${t} kept USING ${t} dup
     WHERE kept.item_id = ${to.id} AND dup.item_id = ${fromId} AND dup.account_id = kept.account_id AND dup.${col} > kept.${col}`);
  await tx.execute(sql`
    DELETE FROM ${t} dup USING ${t} kept
     WHERE dup.item_id = ${fromId} AND kept.item_id = ${to.id} AND kept.account_id = dup.account_id`);
  const showSet = table === 'ratings' ? sql`, show_id = coalesce(${to.showId}, show_id)` : sql``;
  const moved = await tx.execute(sql`UPDATE ${t} SET item_id = ${to.id}, ${refColumns(to)}${showSet} WHERE item_id = ${fromId} RETURNING 1`);
  return moved.rows.length;
}

/** Moves every tracker row of `fromId` onto `to` (see the module comment). */
export async function moveWatchRows(tx: DbOrTx, fromId: string, to: ItemRef): Promise<MovedCounts> {
  const { plays, playsFolded } = await movePlays(tx, fromId, to);
  const watchStates = await mergeWatchState(tx, fromId, to);
  const progress = await keepNewer(tx, 'playback_progress', 'updated_at', fromId, to);
  const ratings = await keepNewer(tx, 'ratings', 'rated_at', fromId, to);
  return { plays, playsFolded, watchStates, progress, ratings };
}

/** Show-level ratings (item = the show itself): the newer rating per account wins. */
export async function moveShowRatings(tx: DbOrTx, fromShowId: string, intoShowId: string): Promise<number> {
  await tx.execute(sql`
    DELETE FROM ratings kept USING ratings dup
     WHERE kept.item_id = ${intoShowId} AND dup.item_id = ${fromShowId} AND dup.account_id = kept.account_id AND dup.rated_at > kept.rated_at`);
  await tx.execute(sql`
    DELETE FROM ratings dup USING ratings kept
     WHERE dup.item_id = ${fromShowId} AND kept.item_id = ${intoShowId} AND kept.account_id = dup.account_id`);
  const moved = await tx.execute(sql`UPDATE ratings SET item_id = ${intoShowId}, show_id = ${intoShowId} WHERE item_id = ${fromShowId} RETURNING 1`);
  return moved.rows.length;
}
