/**
 * @module
 * Read side of the tracker for the admin: shows and movies (title search with the trigram index),
 * one show with its episodes and each account's watch state. Shows in the list and the detail
 * both carry per-account totals from `showTotalsFor` (one statement per page, see show-totals.ts).
 */
import { and, asc, eq, gt, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { episodes, movies, shows, watchState } from '../../db/schema';
import type { AccountWatch, EpisodeView, MovieView, ShowDetail, ShowListItem, ShowSummary, ShowTotals } from '../../contracts/library';
import { decodeCursor, paginate } from '../../lib/cursor';
import { showTotalsFor } from './show-totals';

type ShowRow = typeof shows.$inferSelect;

function summary(s: ShowRow): ShowSummary {
  return { id: s.id, title: s.title, year: s.year, tmdbId: s.tmdbId, tvdbId: s.tvdbId, imdbId: s.imdbId, totalEpisodes: s.totalEpisodes, status: s.status };
}

/**
 * Keyset on (lower(title), id); a query matches by substring or by trigram similarity of the
 * diacritics-folded titles (the GIN index is on plexops_fold(title)), so "shogun" finds "Shōgun".
 */
function titleFilter(col: typeof shows.title | typeof movies.title, idCol: typeof shows.id | typeof movies.id, query: string | undefined, cursor: string | undefined): SQL | undefined {
  const where: SQL[] = [];
  if (query) {
    const like = `%${query.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    where.push(or(ilike(col, like), sql`plexops_fold(${col}) % plexops_fold(${query})`)!);
  }
  if (cursor) {
    const [title, id] = decodeCursor(cursor, 2);
    where.push(or(gt(sql`lower(${col})`, String(title)), and(eq(sql`lower(${col})`, String(title)), gt(idCol, String(id))))!);
  }
  return where.length ? and(...where) : undefined;
}

export async function listShows(db: DbOrTx, q: { query?: string | undefined; limit: number; cursor?: string | undefined }): Promise<{ items: ShowListItem[]; nextCursor: string | null }> {
  const rows = await db
    .select()
    .from(shows)
    .where(titleFilter(shows.title, shows.id, q.query, q.cursor))
    .orderBy(asc(sql`lower(${shows.title})`), asc(shows.id))
    .limit(q.limit + 1);
  const page = paginate(rows, q.limit, (r) => [r.title.toLowerCase(), r.id]);
  const totals = await showTotalsFor(db, page.items.map((s) => s.id));
  return {
    items: page.items.map((s): ShowListItem => ({ ...summary(s), knownEpisodes: totals.get(s.id)?.knownEpisodes ?? 0, totals: totals.get(s.id)?.totals ?? [] })),
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
  const [watch, totals] = await Promise.all([watchByItem(db, eps.map((e) => e.id)), showTotals(db, id)]);
  const seasons = new Map<number, EpisodeView[]>();
  for (const e of eps) {
    const view: EpisodeView = { id: e.id, season: e.season, episode: e.episode, title: e.title, airDate: e.airDate, runtimeMinutes: e.runtimeMinutes, watch: watch.get(e.id) ?? [] };
    seasons.set(e.season, [...(seasons.get(e.season) ?? []), view]);
  }
  return { ...summary(show), seasons: [...seasons].map(([season, list]) => ({ season, episodes: list })), totals };
}

export async function listMovies(db: DbOrTx, q: { query?: string | undefined; limit: number; cursor?: string | undefined }): Promise<{ items: MovieView[]; nextCursor: string | null }> {
  const rows = await db
    .select()
    .from(movies)
    .where(titleFilter(movies.title, movies.id, q.query, q.cursor))
    .orderBy(asc(sql`lower(${movies.title})`), asc(movies.id))
    .limit(q.limit + 1);
  const page = paginate(rows, q.limit, (r) => [r.title.toLowerCase(), r.id]);
  const watch = await watchByItem(db, page.items.map((m) => m.id));
  return {
    items: page.items.map((m) => ({ id: m.id, title: m.title, year: m.year, tmdbId: m.tmdbId, imdbId: m.imdbId, runtimeMinutes: m.runtimeMinutes, watch: watch.get(m.id) ?? [] })),
    nextCursor: page.nextCursor,
  };
}

export async function episodeWatch(db: DbOrTx, episodeId: string, accountId: string): Promise<AccountWatch> {
  const [w] = await db.select().from(watchState).where(and(eq(watchState.itemId, episodeId), eq(watchState.accountId, accountId))).limit(1);
  return w ? watchView(w) : { accountId, watched: false, watchedAt: null, plays: 0 };
}
