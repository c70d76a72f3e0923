/**
 * @module tmdb-shapes
 * JSON bodies of the TMDB v3 responses the simulator serves, with TMDB's field names (snake_case) and the
 * fields a real response always carries even when we have nothing to put in them (null / [] / 0), so a
 * client that parses strictly sees the real shape. Sources: developer.themoviedb.org reference pages for
 * find, search/tv, search/movie, tv details, tv season details, tv external ids and movie details.
 */
import type { EpisodeRec, MovieRec, SeasonRec, ShowRec } from './tmdb-store';

export function tvListItem(show: ShowRec) {
  return {
    adult: false,
    backdrop_path: null,
    genre_ids: [],
    id: show.id,
    origin_country: ['US'],
    original_language: 'en',
    original_name: show.originalName,
    overview: '',
    popularity: show.popularity,
    poster_path: show.posterPath,
    first_air_date: show.firstAirDate,
    name: show.name,
    vote_average: 0,
    vote_count: 0,
  };
}

export function movieListItem(movie: MovieRec) {
  return {
    adult: false,
    backdrop_path: null,
    genre_ids: [],
    id: movie.id,
    original_language: 'en',
    original_title: movie.originalTitle,
    overview: '',
    popularity: movie.popularity,
    poster_path: movie.posterPath,
    release_date: movie.releaseDate,
    title: movie.title,
    video: false,
    vote_average: 0,
    vote_count: 0,
  };
}

function episodeCore(ep: EpisodeRec) {
  return {
    air_date: ep.airDate,
    episode_number: ep.number,
    episode_type: ep.last ? 'finale' : 'standard',
    id: ep.id,
    name: ep.name,
    overview: '',
    production_code: '',
    runtime: ep.runtime,
    season_number: ep.season,
    show_id: ep.showId,
    still_path: null,
    vote_average: 0,
    vote_count: 0,
  };
}

export function findEpisodeItem(ep: EpisodeRec) {
  return { ...episodeCore(ep), media_type: 'tv_episode' };
}

export function findResults(parts: { movies?: MovieRec[]; shows?: ShowRec[]; episodes?: EpisodeRec[] }) {
  return {
    movie_results: (parts.movies ?? []).map((m) => ({ ...movieListItem(m), media_type: 'movie' })),
    person_results: [],
    tv_results: (parts.shows ?? []).map((s) => ({ ...tvListItem(s), media_type: 'tv' })),
    tv_episode_results: (parts.episodes ?? []).map(findEpisodeItem),
    tv_season_results: [],
  };
}

export function page<T>(items: T[], pageNo: number, perPage = 20) {
  return {
    page: pageNo,
    results: items.slice((pageNo - 1) * perPage, pageNo * perPage),
    // TMDB answers an empty search with total_pages 1, not 0.
    total_pages: Math.max(1, Math.ceil(items.length / perPage)),
    total_results: items.length,
  };
}

export function tvExternalIds(show: ShowRec) {
  return {
    imdb_id: show.imdbId,
    freebase_mid: null,
    freebase_id: null,
    tvdb_id: show.tvdbId,
    tvrage_id: null,
    wikidata_id: null,
    facebook_id: null,
    instagram_id: null,
    twitter_id: null,
  };
}

export function movieExternalIds(movie: MovieRec) {
  return { imdb_id: movie.imdbId, wikidata_id: null, facebook_id: null, instagram_id: null, twitter_id: null };
}

function regular(seasons: SeasonRec[]): SeasonRec[] {
  return seasons.filter((s) => s.number > 0);
}

export function tvDetails(show: ShowRec, seasons: SeasonRec[]) {
  const aired = seasons.flatMap((s) => s.episodes).filter((e) => e.airDate !== null);
  aired.sort((a, b) => (a.airDate ?? '').localeCompare(b.airDate ?? ''));
  const lastEp = aired.at(-1);
  return {
    adult: false,
    backdrop_path: null,
    created_by: [],
    episode_run_time: [],
    first_air_date: show.firstAirDate,
    genres: [],
    homepage: '',
    id: show.id,
    in_production: false,
    languages: ['en'],
    last_air_date: lastEp?.airDate ?? null,
    last_episode_to_air: lastEp ? episodeCore(lastEp) : null,
    name: show.name,
    next_episode_to_air: null,
    networks: [],
    number_of_episodes: regular(seasons).reduce((n, s) => n + s.episodes.length, 0),
    number_of_seasons: regular(seasons).length,
    origin_country: ['US'],
    original_language: 'en',
    original_name: show.originalName,
    overview: '',
    popularity: show.popularity,
    poster_path: show.posterPath,
    production_companies: [],
    production_countries: [],
    seasons: seasons.map((s) => ({
      air_date: s.airDate,
      episode_count: s.episodes.length,
      id: s.id,
      name: s.name,
      overview: '',
      poster_path: null,
      season_number: s.number,
      vote_average: 0,
    })),
    spoken_languages: [],
    status: 'Ended',
    tagline: '',
    type: 'Scripted',
    vote_average: 0,
    vote_count: 0,
  };
}

export function seasonDetails(season: SeasonRec) {
  return {
    // TMDB exposes the season's internal document id as a 24-hex-digit string.
    _id: season.id.toString(16).padStart(24, '0'),
    air_date: season.airDate,
    episodes: season.episodes.map((e) => ({ ...episodeCore(e), crew: [], guest_stars: [] })),
    name: season.name,
    overview: '',
    id: season.id,
    poster_path: null,
    season_number: season.number,
    vote_average: 0,
  };
}

export function movieDetails(movie: MovieRec) {
  return {
    adult: false,
    backdrop_path: null,
    belongs_to_collection: null,
    budget: 0,
    genres: [],
    homepage: '',
    id: movie.id,
    imdb_id: movie.imdbId,
    origin_country: ['US'],
    original_language: 'en',
    original_title: movie.originalTitle,
    overview: '',
    popularity: movie.popularity,
    poster_path: movie.posterPath,
    production_companies: [],
    production_countries: [],
    release_date: movie.releaseDate,
    revenue: 0,
    runtime: movie.runtime ?? 0,
    spoken_languages: [],
    status: 'Released',
    tagline: '',
    title: movie.title,
    video: false,
    vote_average: 0,
    vote_count: 0,
  };
}

/** Sizes TMDB's /3/configuration lists (developer.themoviedb.org "Configuration › Details"). */
export const POSTER_SIZES = ['w92', 'w154', 'w185', 'w342', 'w500', 'w780', 'original'];

/** GET /3/configuration: the image host is this simulator itself (TMDB's is image.tmdb.org). */
export function configuration(imageBase: string) {
  return {
    change_keys: ['adult', 'air_date', 'also_known_as', 'biography', 'images', 'name', 'overview', 'poster_path', 'release_dates', 'title'],
    images: {
      base_url: imageBase,
      secure_base_url: imageBase,
      backdrop_sizes: ['w300', 'w780', 'w1280', 'original'],
      logo_sizes: ['w45', 'w92', 'w154', 'w185', 'w300', 'w500', 'original'],
      poster_sizes: POSTER_SIZES,
      profile_sizes: ['w45', 'w185', 'h632', 'original'],
      still_sizes: ['w92', 'w185', 'w300', 'original'],
    },
  };
}
