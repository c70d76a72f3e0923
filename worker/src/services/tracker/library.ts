/**
 * @module
 * Read side of the tracker for the admin: shows and movies (title search with the trigram index),
 * one show with its episodes and each account's watch state. Shows in the list and the detail
 * both carry per-account totals from `showTotalsFor` (one statement per page, see show-totals.ts).
 */
import { and, asc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { episodes, movies, shows, watchState } from '../../db/schema';
import type { AccountWatch, EpisodeView, MovieView, ShowDetail, ShowListItem, ShowSummary, ShowTotals } from '../../contracts/library';
import { afterKeyset, decodeKeyset, paginate } from '../../lib/cursor';
import { showTotalsFor } from './show-totals';
import { catalogPosterUrl, plexRefsFor } from '../posters/catalog-refs';
import type { PlexPosterRef } from '../posters/refs';

type ShowRow = typeof shows.$inferSelect;

function summary(s: ShowRow, plex: PlexPosterRef | undefined): ShowSummary {
  return {
    id: s.id,
    title: s.title,
    year: s.year,
    tmdbId: s.tmdbId,
    tvdbId: s.tvdbId,
    imdbId: s.imdbId,
    totalEpisodes: s.totalEpisodes,
    status: s.status,
    posterUrl: catalogPosterUrl('show', s.tmdbId, plex),
  };
}

/**
 * Keyset on (lower(title), id); a query matches by substring or by trigram similarity of the
 * diacritics-folded titles (the GIN index is on plexops_fold(title)), so "shogun" finds "Shōgun".
 * The title key in the cursor is Postgres's own `lower()` (selected as `key`), not JavaScript's:
 * the two disagree on some letters, and a key the database did not produce could skip or repeat rows.
 */
function titleFilter(col: typeof shows.title | typeof movies.title, idCol: typeof shows.id | typeof movies.id, query: string | undefined, cursor: string | undefined): SQL | undefined {
  const where: SQL[] = [];
  if (query) {
    const like = `%${query.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    where.push(or(ilike(col, like), sql`plexops_fold(${col}) % plexops_fold(${query})`)!);
  }
  if (cursor) {
    const [title, id] = decodeKeyset(cursor, ['text', 'id']) as [string, string];
    where.push(afterKeyset('asc', titleKey(col), idCol, title, id, 'text'));
  }
  return where.length ? and(...where) : undefined;
}

const titleKey = (col: typeof shows.title | typeof movies.title) => sql<string>`lower(${col})`;

export async function listShows(db: DbOrTx, q: { query?: string | undefined; limit: number; cursor?: string | undefined }): Promise<{ items: ShowListItem[]; nextCursor: string | null }> {
  const rows = (
    await db
      .select({ show: shows, key: titleKey(shows.title) })
      .from(shows)
      .where(titleFilter(shows.title, shows.id, q.query, q.cursor))
      .orderBy(asc(titleKey(shows.title)), asc(shows.id))
      .limit(q.limit + 1)
  ).map((r) => ({ ...r.show, key: r.key }));
  const page = paginate(rows, q.limit, (r) => [r.key, r.id]);
  const ids = page.items.map((s) => s.id);
  const [totals, plex] = await Promise.all([showTotalsFor(db, ids), plexRefsFor(db, 'show', ids)]);
  return {
    items: page.items.map((s): ShowListItem => ({ ...summary(s, plex.get(s.id)), knownEpisodes: totals.get(s.id)?.knownEpisodes ?? 0, totals: totals.get(s.id)?.totals ?? [] })),
    nextCursor: page.nextCursor,
  };
}

function watchView(w: typeof watchState.$inferSelect): AccountWatch {
  return { accountId: w.accountId, watched: w.watched, watchedAt: w.watchedAt?.toISOString() ?? null, plays: w.plays };
}

async function watchByItem(db: DbOrTx, itemIds: string[]): Promise<Map<string, AccountWatch[]>> {
  const out = new Map<string, AccountWatch[]>();
  if (!itemIds.length) return out;
  const rows = await db.select().from(watchState).where(inArray(watchState.itemId, itemIds)).orderBy(asc(watchState.accountId));
  for (const w of rows) out.set(w.itemId, [...(out.get(w.itemId) ?? []), watchView(w)]);
  return out;
}

export async function showTotals(db: DbOrTx, showId: string): Promise<ShowTotals[]> {
  return (await showTotalsFor(db, [showId])).get(showId)?.totals ?? [];
}

export async function getShow(db: DbOrTx, id: string): Promise<ShowDetail | null> {
  const [show] = await db.select().from(shows).where(eq(shows.id, id)).limit(1);
  if (!show) return null;
  const eps = await db.select().from(episodes).where(eq(episodes.showId, id)).orderBy(asc(episodes.season), asc(episodes.episode));
  const [watch, totals, plex] = await Promise.all([watchByItem(db, eps.map((e) => e.id)), showTotals(db, id), plexRefsFor(db, 'show', [id])]);
  const seasons = new Map<number, EpisodeView[]>();
  for (const e of eps) {
    const view: EpisodeView = { id: e.id, season: e.season, episode: e.episode, title: e.title, airDate: e.airDate, runtimeMinutes: e.runtimeMinutes, watch: watch.get(e.id) ?? [] };
    seasons.set(e.season, [...(seasons.get(e.season) ?? []), view]);
  }
  return { ...summary(show, plex.get(id)), seasons: [...seasons].map(([season, list]) => ({ season, episodes: list })), totals };
}

export async function listMovies(db: DbOrTx, q: { query?: string | undefined; limit: number; cursor?: string | undefined }): Promise<{ items: MovieView[]; nextCursor: string | null }> {
  const rows = (
    await db
      .select({ movie: movies, key: titleKey(movies.title) })
      .from(movies)
      .where(titleFilter(movies.title, movies.id, q.query, q.cursor))
      .orderBy(asc(titleKey(movies.title)), asc(movies.id))
      .limit(q.limit + 1)
  ).map((r) => ({ ...r.movie, key: r.key }));
  const page = paginate(rows, q.limit, (r) => [r.key, r.id]);
  const ids = page.items.map((m) => m.id);
  const [watch, plex] = await Promise.all([watchByItem(db, ids), plexRefsFor(db, 'movie', ids)]);
  return {
    items: page.items.map((m) => ({
      id: m.id,
      title: m.title,
      year: m.year,
      tmdbId: m.tmdbId,
      imdbId: m.imdbId,
      runtimeMinutes: m.runtimeMinutes,
      posterUrl: catalogPosterUrl('movie', m.tmdbId, plex.get(m.id)),
      watch: watch.get(m.id) ?? [],
    })),
    nextCursor: page.nextCursor,
  };
}

export async function episodeWatch(db: DbOrTx, episodeId: string, accountId: string): Promise<AccountWatch> {
  const [w] = await db.select().from(watchState).where(and(eq(watchState.itemId, episodeId), eq(watchState.accountId, accountId))).limit(1);
  return w ? watchView(w) : { accountId, watched: false, watchedAt: null, plays: 0 };
}
