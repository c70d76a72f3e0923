/**
 * @module
 * Manual marking from the admin, for any account (tracked, or only named so far): one episode,
 * or every episode of a season the catalog knows, in one transaction. Each follows the tracker's
 * rules for manual dates (record.ts): marking records a manual play at the chosen date and keeps
 * an earlier watched date; unmarking clears the item's plays, like Plex's "mark as unplayed".
 */
import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { episodes } from '../../db/schema';
import { AppError } from '../../errors';
import { setWatchedManually } from './record';

export interface MarkInput {
  accountId: string;
  watched: boolean;
  /** ISO date; defaults to now. Ignored when unmarking. */
  watchedAt?: string | undefined;
  windowMinutes: number;
}

/** The date a manual mark records: the one given, else now; never in the future. */
export function manualDate(iso: string | undefined, now = Date.now()): Date {
  const at = iso ? new Date(iso) : new Date(now);
  if (at.getTime() > now + 60_000) throw new AppError('BAD_REQUEST', 'The watched date is in the future.', { issues: [{ path: 'watchedAt', message: 'The watched date is in the future.' }] });
  return at;
}

type EpisodeRow = typeof episodes.$inferSelect;

async function markAll(tx: DbOrTx, eps: EpisodeRow[], input: MarkInput, at: Date): Promise<void> {
  for (const ep of eps) {
    await setWatchedManually(
      tx,
      input.accountId,
      { kind: 'episode', episodeId: ep.id, showId: ep.showId },
      input.watched,
      at,
      input.windowMinutes,
      ep.runtimeMinutes ? ep.runtimeMinutes * 60_000 : null,
    );
  }
}

export async function markEpisode(db: DbOrTx, episodeId: string, input: MarkInput): Promise<EpisodeRow> {
  const at = manualDate(input.watchedAt);
  const [ep] = await db.select().from(episodes).where(eq(episodes.id, episodeId)).limit(1);
  if (!ep) throw new AppError('NOT_FOUND', 'No such episode.');
  await db.transaction((tx) => markAll(tx, [ep], input, at));
  return ep;
}

/** Marks (or unmarks) every episode of the season that the catalog holds; returns how many. */
export async function markSeason(db: DbOrTx, showId: string, season: number, input: MarkInput): Promise<number> {
  const at = manualDate(input.watchedAt);
  const eps = await db.select().from(episodes).where(and(eq(episodes.showId, showId), eq(episodes.season, season))).orderBy(asc(episodes.episode));
  if (!eps.length) throw new AppError('NOT_FOUND', `The catalog holds no episode of season ${season} of this show.`);
  await db.transaction((tx) => markAll(tx, eps, input, at));
  return eps.length;
}
