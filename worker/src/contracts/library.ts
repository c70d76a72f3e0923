/**
 * @module
 * The household library as the admin sees it: shows and movies from the catalog with each Plex
 * account's watch state (accounts are identified by their Plex Account.id, as strings).
 */
import { z } from 'zod';
import { storableText } from './storable';

export const LibraryQuery = z.object({
  query: storableText(z.string().trim().max(200)).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(512).optional(),
});

export const AccountWatch = z.object({
  accountId: z.string(),
  watched: z.boolean(),
  watchedAt: z.string().nullable(),
  plays: z.number().int(),
});
export type AccountWatch = z.infer<typeof AccountWatch>;

export const ShowSummary = z.object({
  id: z.string(),
  title: z.string(),
  year: z.number().int().nullable(),
  tmdbId: z.number().int().nullable(),
  tvdbId: z.number().int().nullable(),
  imdbId: z.string().nullable(),
  totalEpisodes: z.number().int().nullable(),
  status: z.string().nullable(),
  /** `/api/posters?…` (TMDB poster, else the Plex thumb), or null when neither can exist. */
  posterUrl: z.string().nullable(),
});
export type ShowSummary = z.infer<typeof ShowSummary>;

export const EpisodeView = z.object({
  id: z.string(),
  season: z.number().int(),
  episode: z.number().int(),
  title: z.string().nullable(),
  airDate: z.string().nullable(),
  runtimeMinutes: z.number().int().nullable(),
  watch: z.array(AccountWatch),
});
export type EpisodeView = z.infer<typeof EpisodeView>;

export const ShowTotals = z.object({
  accountId: z.string(),
  accountTitle: z.string().nullable(),
  /** Distinct episodes watched (a rewatch does not count twice). */
  watchedEpisodes: z.number().int(),
  /** From TMDB when known, else null. */
  totalEpisodes: z.number().int().nullable(),
  /** Every play counts (rewatches included). */
  plays: z.number().int(),
  minutesWatched: z.number().int(),
});
export type ShowTotals = z.infer<typeof ShowTotals>;

/** A shows-list row: the summary plus every account's totals, so the list needs no per-row read. */
export const ShowListItem = ShowSummary.extend({
  /** Episodes the catalog holds for the show (a fallback total when `totalEpisodes` is null). */
  knownEpisodes: z.number().int(),
  totals: z.array(ShowTotals),
});
export type ShowListItem = z.infer<typeof ShowListItem>;

export const ShowDetail = ShowSummary.extend({
  seasons: z.array(z.object({ season: z.number().int(), episodes: z.array(EpisodeView) })),
  totals: z.array(ShowTotals),
});
export type ShowDetail = z.infer<typeof ShowDetail>;

export const MovieView = z.object({
  id: z.string(),
  title: z.string(),
  year: z.number().int().nullable(),
  tmdbId: z.number().int().nullable(),
  imdbId: z.string().nullable(),
  runtimeMinutes: z.number().int().nullable(),
  posterUrl: z.string().nullable(),
  watch: z.array(AccountWatch),
});
export type MovieView = z.infer<typeof MovieView>;

export const MarkWatchedRequest = z.strictObject({
  accountId: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String),
  watched: z.boolean().default(true),
  /** When it was watched; defaults to now. Ignored when unmarking. */
  watchedAt: z.iso.datetime({ offset: true }).optional(),
});
export type MarkWatchedRequest = z.input<typeof MarkWatchedRequest>;

export const MarkWatchedResponse = z.object({ episodeId: z.string(), watch: AccountWatch });
export type MarkWatchedResponse = z.infer<typeof MarkWatchedResponse>;

export const SeasonParam = z.object({
  id: z.string().min(1).max(64),
  season: z.coerce.number().int().min(0).max(100_000),
});

/** POST /api/shows/:id/seasons/:season/watched: every episode of the season the catalog holds. */
export const MarkSeasonResponse = z.object({ showId: z.string(), season: z.number().int(), episodes: z.number().int(), watched: z.boolean() });
export type MarkSeasonResponse = z.infer<typeof MarkSeasonResponse>;

const CatalogId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'must be a catalog id');

/** POST /api/catalog/merge: fold a duplicate show/movie into the one kept. */
export const MergeRequest = z.strictObject({
  kind: z.enum(['show', 'movie']),
  /** The duplicate: its plays, progress, ratings, watched dates, episodes and mappings move; it is deleted. */
  fromId: CatalogId,
  /** The item kept. */
  intoId: CatalogId,
});
export type MergeRequest = z.input<typeof MergeRequest>;

export const MergeResult = z.object({
  kind: z.enum(['show', 'movie']),
  fromId: z.string(),
  intoId: z.string(),
  fromTitle: z.string(),
  /** True when this pair had been merged before: nothing moved now, `moved` is what moved then. */
  alreadyMerged: z.boolean(),
  moved: z.object({
    /** Episodes the kept show did not have, moved over. */
    episodes: z.number().int(),
    /** Episodes both had (same season/episode), joined into the kept one. */
    episodesJoined: z.number().int(),
    plays: z.number().int(),
    /** Plays that fell in one completion window with a play of the other item: one viewing, kept once (the earlier). */
    playsFolded: z.number().int(),
    watchStates: z.number().int(),
    progress: z.number().int(),
    ratings: z.number().int(),
    mappings: z.number().int(),
    /** Open conflicts whose candidates named the duplicate. */
    conflicts: z.number().int(),
  }),
});
export type MergeResult = z.infer<typeof MergeResult>;
