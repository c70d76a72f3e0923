/**
 * @module
 * zod shapes of the TMDB v3 responses we read. Only the fields the matcher uses are declared (zod
 * strips the rest), and everything TMDB documents as nullable is nullish here, so a sparse record
 * does not turn into a parse failure.
 */
import { z } from 'zod';

const nstr = z.string().nullish().transform((v) => v ?? null);
const nnum = z.number().nullish().transform((v) => v ?? null);

export const TmdbTvListItem = z.object({
  id: z.number().int(),
  name: z.string(),
  original_name: nstr,
  first_air_date: nstr,
  popularity: nnum,
});
export type TmdbTvListItem = z.infer<typeof TmdbTvListItem>;

export const TmdbMovieListItem = z.object({
  id: z.number().int(),
  title: z.string(),
  original_title: nstr,
  release_date: nstr,
  popularity: nnum,
});
export type TmdbMovieListItem = z.infer<typeof TmdbMovieListItem>;

export const TmdbEpisodeListItem = z.object({
  id: z.number().int(),
  show_id: z.number().int(),
  season_number: z.number().int(),
  episode_number: z.number().int(),
  name: nstr,
  air_date: nstr,
  runtime: nnum,
});
export type TmdbEpisodeListItem = z.infer<typeof TmdbEpisodeListItem>;

export const TmdbFindResult = z.object({
  movie_results: z.array(TmdbMovieListItem).default([]),
  tv_results: z.array(TmdbTvListItem).default([]),
  tv_episode_results: z.array(TmdbEpisodeListItem).default([]),
});
export type TmdbFindResult = z.infer<typeof TmdbFindResult>;

export const TmdbSearchPage = <T extends z.ZodType>(item: T) =>
  z.object({
    page: z.number().int(),
    results: z.array(item),
    total_pages: z.number().int(),
    total_results: z.number().int(),
  });

export const TmdbTvExternalIds = z.object({
  imdb_id: nstr,
  tvdb_id: nnum,
});
export type TmdbTvExternalIds = z.infer<typeof TmdbTvExternalIds>;

export const TmdbMovieExternalIds = z.object({ imdb_id: nstr });
export type TmdbMovieExternalIds = z.infer<typeof TmdbMovieExternalIds>;

export const TmdbTvDetails = z.object({
  id: z.number().int(),
  name: z.string(),
  original_name: nstr,
  first_air_date: nstr,
  number_of_episodes: nnum,
  number_of_seasons: nnum,
  status: nstr,
  /** e.g. "/ggFHVNu6YYI5L9pCfOacjizRGt.jpg", relative to the images base URL of /3/configuration. */
  poster_path: nstr,
  seasons: z
    .array(z.object({ season_number: z.number().int(), episode_count: nnum }))
    .nullish()
    .transform((v) => v ?? []),
  external_ids: TmdbTvExternalIds.nullish().transform((v) => v ?? null),
});
export type TmdbTvDetails = z.infer<typeof TmdbTvDetails>;

export const TmdbSeasonDetails = z.object({
  id: z.number().int(),
  season_number: z.number().int(),
  name: nstr,
  episodes: z
    .array(
      z.object({
        id: z.number().int(),
        episode_number: z.number().int(),
        season_number: z.number().int(),
        name: nstr,
        air_date: nstr,
        runtime: nnum,
      }),
    )
    .default([]),
});
export type TmdbSeasonDetails = z.infer<typeof TmdbSeasonDetails>;

export const TmdbMovieDetails = z.object({
  id: z.number().int(),
  title: z.string(),
  original_title: nstr,
  release_date: nstr,
  imdb_id: nstr,
  runtime: nnum,
  poster_path: nstr,
  external_ids: TmdbMovieExternalIds.nullish().transform((v) => v ?? null),
});
export type TmdbMovieDetails = z.infer<typeof TmdbMovieDetails>;

/** GET /3/configuration: where images live and which sizes exist. */
export const TmdbConfiguration = z.object({
  images: z.object({
    secure_base_url: z.string(),
    poster_sizes: z.array(z.string()).default([]),
  }),
});
export type TmdbConfiguration = z.infer<typeof TmdbConfiguration>;

/** "2008-01-20" → 2008; TMDB sends "" for unknown dates. */
export function yearOf(date: string | null | undefined): number | null {
  const m = /^(\d{4})-/.exec(date ?? '');
  return m ? Number(m[1]) : null;
}
