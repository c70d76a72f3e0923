/**
 * @module
 * Catalog writes and lookups the matcher needs: upsert a show/movie (by TMDB id when known, else by
 * TVDB/IMDb id, else a new row), make sure an episode row exists, and find title candidates with
 * pg_trgm over diacritics-folded titles (`plexops_fold(title) % q` uses the GIN trigram index, so
 * "Shogun" finds "Shōgun"). Upserts are safe under concurrency: the
 * unique TMDB id and (show, season, episode) constraints decide, never a read-then-write.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { episodes, movies, shows } from '../../db/schema';
import { newId } from '../../lib/crypto';

export interface ShowFacts {
  title: string;
  originalTitle?: string | null;
  year: number | null;
  tmdbId: number | null;
  tvdbId: number | null;
  imdbId: string | null;
  totalEpisodes?: number | null;
  status?: string | null;
}

export interface MovieFacts {
  title: string;
  year: number | null;
  tmdbId: number | null;
  imdbId: string | null;
  runtimeMinutes?: number | null;
}

export interface EpisodeFacts {
  title?: string | null;
  tmdbId?: number | null;
  tvdbId?: number | null;
  imdbId?: string | null;
  runtimeMinutes?: number | null;
  airDate?: string | null;
}

export interface TitleCandidate {
  id: string;
  title: string;
  originalTitle: string | null;
  year: number | null;
  tmdbId: number | null;
  tvdbId: number | null;
  imdbId: string | null;
}

/** Prefer the newly known value (fresh TMDB facts), keep the stored one when the new one is null. */
const fresh = (table: string, col: string) => sql`coalesce(excluded.${sql.identifier(col)}, ${sql.identifier(table)}.${sql.identifier(col)})`;
/** Keep what is stored; only fill a gap. */
const gap = (table: string, col: string) => sql`coalesce(${sql.identifier(table)}.${sql.identifier(col)}, excluded.${sql.identifier(col)})`;

export async function upsertShow(db: DbOrTx, f: ShowFacts): Promise<string> {
  if (f.tmdbId === null) {
    const existing = await findShowByIds(db, { tvdbId: f.tvdbId, imdbId: f.imdbId });
    if (existing) return existing;
  }
  const [row] = await db
    .insert(shows)
    .values({
      id: newId('shw'),
      title: f.title.slice(0, 500),
      originalTitle: f.originalTitle?.slice(0, 500) ?? null,
      year: f.year,
      tmdbId: f.tmdbId,
      tvdbId: f.tvdbId,
      imdbId: f.imdbId,
      totalEpisodes: f.totalEpisodes ?? null,
      status: f.status ?? null,
    })
    .onConflictDoUpdate({
      target: shows.tmdbId,
      set: {
        totalEpisodes: fresh('shows', 'total_episodes'),
        status: fresh('shows', 'status'),
        tvdbId: gap('shows', 'tvdb_id'),
        imdbId: gap('shows', 'imdb_id'),
        updatedAt: sql`now()`,
      },
    })
    .returning({ id: shows.id });
  if (!row) throw new Error('show upsert returned no row');
  return row.id;
}

export async function findShowByIds(db: DbOrTx, ids: { tmdbId?: number | null; tvdbId?: number | null; imdbId?: string | null }): Promise<string | null> {
  const tries = [
    ids.tmdbId != null ? eq(shows.tmdbId, ids.tmdbId) : null,
    ids.tvdbId != null ? eq(shows.tvdbId, ids.tvdbId) : null,
    ids.imdbId ? eq(shows.imdbId, ids.imdbId) : null,
  ];
  for (const where of tries) {
    if (!where) continue;
    const [row] = await db.select({ id: shows.id }).from(shows).where(where).limit(1);
    if (row) return row.id;
  }
  return null;
}

export async function upsertMovie(db: DbOrTx, f: MovieFacts): Promise<string> {
  if (f.tmdbId === null) {
    const existing = await findMovieByIds(db, { imdbId: f.imdbId });
    if (existing) return existing;
  }
  const [row] = await db
    .insert(movies)
    .values({
      id: newId('mov'),
      title: f.title.slice(0, 500),
      year: f.year,
      tmdbId: f.tmdbId,
      imdbId: f.imdbId,
      runtimeMinutes: f.runtimeMinutes ?? null,
    })
    .onConflictDoUpdate({
      target: movies.tmdbId,
      set: { imdbId: gap('movies', 'imdb_id'), runtimeMinutes: fresh('movies', 'runtime_minutes'), updatedAt: sql`now()` },
    })
    .returning({ id: movies.id });
  if (!row) throw new Error('movie upsert returned no row');
  return row.id;
}

export async function findMovieByIds(db: DbOrTx, ids: { tmdbId?: number | null; imdbId?: string | null }): Promise<string | null> {
  if (ids.tmdbId != null) {
    const [row] = await db.select({ id: movies.id }).from(movies).where(eq(movies.tmdbId, ids.tmdbId)).limit(1);
    if (row) return row.id;
  }
  if (ids.imdbId) {
    const [row] = await db.select({ id: movies.id }).from(movies).where(eq(movies.imdbId, ids.imdbId)).limit(1);
    if (row) return row.id;
  }
  return null;
}

/** The episode row for (show, season, episode), created on first sight; known facts fill gaps only. */
export async function ensureEpisode(db: DbOrTx, showId: string, season: number, episode: number, f: EpisodeFacts = {}): Promise<string> {
  const [row] = await db
    .insert(episodes)
    .values({
      id: newId('ep'),
      showId,
      season,
      episode,
      title: f.title?.slice(0, 500) ?? null,
      tmdbId: f.tmdbId ?? null,
      tvdbId: f.tvdbId ?? null,
      imdbId: f.imdbId ?? null,
      runtimeMinutes: f.runtimeMinutes ?? null,
      airDate: f.airDate ?? null,
    })
    .onConflictDoUpdate({
      target: [episodes.showId, episodes.season, episodes.episode],
      set: {
        title: gap('episodes', 'title'),
        tmdbId: gap('episodes', 'tmdb_id'),
        tvdbId: gap('episodes', 'tvdb_id'),
        imdbId: gap('episodes', 'imdb_id'),
        runtimeMinutes: gap('episodes', 'runtime_minutes'),
        airDate: gap('episodes', 'air_date'),
      },
    })
    .returning({ id: episodes.id });
  if (!row) throw new Error('episode upsert returned no row');
  return row.id;
}

/** An episode we already know by its own TVDB/IMDb id (from Guid[]): its show and numbers. */
export async function findEpisodeByIds(
  db: DbOrTx,
  ids: { tvdbId?: number | null; imdbId?: string | null },
): Promise<{ showId: string; season: number; episode: number } | null> {
  const where = ids.tvdbId != null ? eq(episodes.tvdbId, ids.tvdbId) : ids.imdbId ? eq(episodes.imdbId, ids.imdbId) : null;
  if (!where) return null;
  const [row] = await db
    .select({ showId: episodes.showId, season: episodes.season, episode: episodes.episode })
    .from(episodes)
    .where(and(where))
    .limit(1);
  return row ?? null;
}

/**
 * Below this trigram similarity a catalog title is not offered as a candidate. It is also what lets
 * the GIN index prune: at pg_trgm's default 0.3, common words pull thousands of rows into the
 * recheck (see migration 0007 and `npm run bench:match`).
 */
export const CANDIDATE_MIN_SIMILARITY = 0.45;

type CandidateRow = {
  id: string;
  title: string;
  original_title: string | null;
  year: number | null;
  tmdb_id: string | number | null;
  tvdb_id: string | number | null;
  imdb_id: string | null;
} & Record<string, unknown>;

const numOrNull = (v: string | number | null) => (v === null ? null : Number(v));

function toCandidate(r: CandidateRow): TitleCandidate {
  return { id: r.id, title: r.title, originalTitle: r.original_title ?? null, year: r.year, tmdbId: numOrNull(r.tmdb_id), tvdbId: numOrNull(r.tvdb_id), imdbId: r.imdb_id ?? null };
}

/** Up to `limit` shows whose folded title is trigram-similar to `title` (GIN index), best first. */
export async function showTitleCandidates(db: DbOrTx, title: string, limit = 10): Promise<TitleCandidate[]> {
  const q = title.slice(0, 200);
  if (!q.trim()) return [];
  const res = await db.execute<CandidateRow>(
    sql`select id, title, original_title, year, tmdb_id, tvdb_id, imdb_id from trgm_show_candidates(${q}, ${CANDIDATE_MIN_SIMILARITY}, ${limit})`,
  );
  return res.rows.map(toCandidate);
}

export async function movieTitleCandidates(db: DbOrTx, title: string, limit = 10): Promise<TitleCandidate[]> {
  const q = title.slice(0, 200);
  if (!q.trim()) return [];
  const res = await db.execute<CandidateRow>(
    sql`select id, title, null::text as original_title, year, tmdb_id, null::bigint as tvdb_id, imdb_id from trgm_movie_candidates(${q}, ${CANDIDATE_MIN_SIMILARITY}, ${limit})`,
  );
  return res.rows.map(toCandidate);
}
