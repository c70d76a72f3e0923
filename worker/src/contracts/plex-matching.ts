/**
 * @module
 * The admin API for Plex → catalog mappings and the review queue of match conflicts. A mapping is
 * one Plex show or movie on one server; a conflict is a mapping the matcher could not decide
 * (low confidence, several close candidates, or not yet in the catalog with auto-add off).
 */
import { z } from 'zod';
import { PageQuery } from './pagination';
import { ResourceId } from './ids';

const boolParam = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** A TMDB id as a JSON number, or a string of digits (forms send strings). */
export const TmdbIdInput = z.union([
  z.number().int().positive().max(99_999_999_999),
  z.string().regex(/^\d{1,11}$/, 'must be a number such as 1396').transform(Number),
]).refine((n) => n > 0, 'must be more than 0');

export const MatchIdParam = z.object({ id: ResourceId });

export const MappingListQuery = PageQuery.extend({
  /** Only mappings with no catalog show/movie yet (conflicts included). */
  unmapped: boolParam.optional(),
  /** Only mappings waiting on an open conflict. */
  conflicts: boolParam.optional(),
});
export type MappingListQuery = z.input<typeof MappingListQuery>;

export const ConflictListQuery = PageQuery.extend({
  status: z.enum(['open', 'resolved', 'all']).default('open'),
});
export type ConflictListQuery = z.input<typeof ConflictListQuery>;

export const MappingUpdate = z
  .strictObject({
    /** Map to this TMDB show/movie (fetched from TMDB and added to the catalog if needed). */
    tmdbId: TmdbIdInput.optional(),
    /** Map to a show already in the catalog. */
    showId: ResourceId.optional(),
    /** Map to a movie already in the catalog. */
    movieId: ResourceId.optional(),
    syncEnabled: z.boolean().optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), 'give at least one of tmdbId, showId, movieId, syncEnabled')
  .refine((v) => [v.tmdbId, v.showId, v.movieId].filter((x) => x !== undefined).length <= 1, 'give only one of tmdbId, showId, movieId');
export type MappingUpdate = z.input<typeof MappingUpdate>;

export const ResolveConflictRequest = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('select'), tmdbId: TmdbIdInput }),
  z.strictObject({ action: z.literal('create_new') }),
  z.strictObject({ action: z.literal('ignore') }),
]);
export type ResolveConflictRequest = z.input<typeof ResolveConflictRequest>;

export const MatchCandidate = z.object({
  tmdbId: z.number().int().nullable(),
  catalogId: z.string().nullable(),
  title: z.string(),
  year: z.number().int().nullable(),
  /** 0.00–1.00 */
  score: z.number(),
  method: z.string(),
  /** The candidate's TMDB poster, when it has a TMDB id. */
  posterUrl: z.string().nullable(),
});
export type MatchCandidate = z.infer<typeof MatchCandidate>;

export const PlexMapping = z.object({
  id: z.string(),
  /** null when Plex sent no Server.uuid. */
  serverUuid: z.string().nullable(),
  plexGuid: z.string(),
  plexRatingKey: z.string().nullable(),
  kind: z.enum(['show', 'movie']),
  plexTitle: z.string().nullable(),
  plexYear: z.number().int().nullable(),
  showId: z.string().nullable(),
  movieId: z.string().nullable(),
  /** The catalog show/movie it maps to. */
  catalog: z.object({ id: z.string(), title: z.string(), year: z.number().int().nullable(), tmdbId: z.number().int().nullable() }).nullable(),
  confidence: z.number().nullable(),
  method: z.string().nullable(),
  status: z.enum(['mapped', 'conflict', 'ignored']),
  syncEnabled: z.boolean(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  openConflictId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PlexMapping = z.infer<typeof PlexMapping>;

export const MatchConflict = z.object({
  id: z.string(),
  mappingId: z.string(),
  kind: z.enum(['show', 'movie']),
  serverUuid: z.string().nullable(),
  plexGuid: z.string(),
  plexTitle: z.string().nullable(),
  plexYear: z.number().int().nullable(),
  reason: z.string(),
  candidates: z.array(MatchCandidate),
  status: z.enum(['open', 'resolved']),
  resolution: z.record(z.string(), z.unknown()).nullable(),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  createdAt: z.string(),
  /** The poster Plex attached for the item, when one was kept. */
  posterUrl: z.string().nullable(),
});
export type MatchConflict = z.infer<typeof MatchConflict>;

export const MappingResponse = z.object({ mapping: PlexMapping, reprocessed: z.number().int() });
export type MappingResponse = z.infer<typeof MappingResponse>;

export const ResolveConflictResponse = z.object({ conflict: MatchConflict, mapping: PlexMapping, reprocessed: z.number().int() });
export type ResolveConflictResponse = z.infer<typeof ResolveConflictResponse>;
