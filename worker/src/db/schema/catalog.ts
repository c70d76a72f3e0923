/**
 * @module
 * The catalog (shows, episodes, movies) and how Plex items map onto it. One `plex_mappings` row per
 * Plex show or movie on a server holds the matching decision, so a decision made once (automatically
 * or by a person) covers every later episode and every account. `tmdb_cache` keeps TMDB answers so
 * repeat lookups cost no API call.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, date, index, integer, jsonb, numeric, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tsz, updatedAt } from './columns';

// External ids are bigint: TVDB/TMDB episode ids grow past 2^31 sooner than anyone plans for.
export const shows = pgTable(
  'shows',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    originalTitle: text('original_title'),
    year: integer('year'),
    tmdbId: bigint('tmdb_id', { mode: 'number' }).unique(),
    tvdbId: bigint('tvdb_id', { mode: 'number' }),
    imdbId: text('imdb_id'),
    totalEpisodes: integer('total_episodes'),
    /** TMDB's status ("Returning Series", "Ended", …) or null when unknown. */
    status: text('status'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // plexops_fold = lower(unaccent(title)), immutable (migration fold_titles): "Shogun" finds "Shōgun".
    index('shows_title_trgm_idx').using('gin', sql`plexops_fold(${t.title}) gin_trgm_ops`),
    index('shows_tvdb_idx').on(t.tvdbId),
    index('shows_imdb_idx').on(t.imdbId),
  ],
);

export const episodes = pgTable(
  'episodes',
  {
    id: text('id').primaryKey(),
    showId: text('show_id')
      .notNull()
      .references(() => shows.id, { onDelete: 'cascade' }),
    season: integer('season').notNull(),
    episode: integer('episode').notNull(),
    title: text('title'),
    tmdbId: bigint('tmdb_id', { mode: 'number' }),
    tvdbId: bigint('tvdb_id', { mode: 'number' }),
    imdbId: text('imdb_id'),
    runtimeMinutes: integer('runtime_minutes'),
    airDate: date('air_date', { mode: 'string' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('episodes_show_season_episode_uq').on(t.showId, t.season, t.episode)],
);

export const movies = pgTable(
  'movies',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    year: integer('year'),
    tmdbId: bigint('tmdb_id', { mode: 'number' }).unique(),
    imdbId: text('imdb_id'),
    runtimeMinutes: integer('runtime_minutes'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('movies_title_trgm_idx').using('gin', sql`plexops_fold(${t.title}) gin_trgm_ops`),
    index('movies_imdb_idx').on(t.imdbId),
  ],
);

export const plexMappings = pgTable(
  'plex_mappings',
  {
    id: text('id').primaryKey(),
    /** '' when the payload carried no Server.uuid (Yamtrack #564): still one mapping per show. */
    serverUuid: text('server_uuid').notNull(),
    /** The show's guid (grandparentGuid on episodes) or the movie's guid; `ratingkey:<n>` if Plex sent none. */
    plexGuid: text('plex_guid').notNull(),
    plexRatingKey: text('plex_rating_key'),
    kind: text('kind', { enum: ['show', 'movie'] }).notNull(),
    plexTitle: text('plex_title'),
    plexYear: integer('plex_year'),
    showId: text('show_id').references(() => shows.id, { onDelete: 'set null' }),
    movieId: text('movie_id').references(() => movies.id, { onDelete: 'set null' }),
    confidence: numeric('confidence', { precision: 3, scale: 2, mode: 'number' }),
    method: text('method'),
    status: text('status', { enum: ['mapped', 'conflict', 'ignored'] }).notNull(),
    syncEnabled: boolean('sync_enabled').notNull().default(true),
    /** 'auto' for the matcher, else the principal that decided. */
    decidedBy: text('decided_by'),
    decidedAt: tsz('decided_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('plex_mappings_server_guid_uq').on(t.serverUuid, t.plexGuid),
    index('plex_mappings_status_idx').on(t.status, t.createdAt),
    index('plex_mappings_show_idx').on(t.showId),
  ],
);

export interface ConflictCandidate {
  tmdbId: number | null;
  /** Set when the candidate already exists in our catalog. */
  catalogId?: string | null;
  title: string;
  year: number | null;
  score: number;
  method: string;
}

export const matchConflicts = pgTable(
  'match_conflicts',
  {
    id: text('id').primaryKey(),
    mappingId: text('mapping_id')
      .notNull()
      .references(() => plexMappings.id, { onDelete: 'cascade' }),
    candidates: jsonb('candidates').$type<ConflictCandidate[]>().notNull(),
    /** Why a person has to decide: 'low-confidence' | 'ambiguous' | 'no-candidates' | 'not-in-catalog'. */
    reason: text('reason').notNull(),
    status: text('status', { enum: ['open', 'resolved'] }).notNull().default('open'),
    resolution: jsonb('resolution').$type<Record<string, unknown>>(),
    resolvedBy: text('resolved_by'),
    resolvedAt: tsz('resolved_at'),
    createdAt: createdAt(),
  },
  (t) => [
    // At most one open conflict per mapping, whatever the concurrency.
    uniqueIndex('match_conflicts_open_uq').on(t.mappingId).where(sql`status = 'open'`),
    index('match_conflicts_status_idx').on(t.status, t.createdAt),
  ],
);

/**
 * One row per merge of a duplicate show/movie into the one kept (the duplicate row is deleted).
 * It makes a repeated merge answer the same instead of 404, and says who merged what and what moved.
 */
export const catalogMerges = pgTable(
  'catalog_merges',
  {
    /** The duplicate's id: a catalog id is merged away at most once. */
    fromId: text('from_id').primaryKey(),
    intoId: text('into_id').notNull(),
    kind: text('kind', { enum: ['show', 'movie'] }).notNull(),
    fromTitle: text('from_title').notNull(),
    /** What moved (counts), as the merge reported it. */
    summary: jsonb('summary').$type<Record<string, number>>().notNull(),
    mergedBy: text('merged_by').notNull(),
    mergedAt: tsz('merged_at').notNull().defaultNow(),
  },
  (t) => [index('catalog_merges_into_idx').on(t.intoId)],
);

export const tmdbCache = pgTable('tmdb_cache', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  fetchedAt: tsz('fetched_at').notNull().defaultNow(),
});
