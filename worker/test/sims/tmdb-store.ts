/**
 * @module tmdb-store
 * In-memory catalogue behind the TMDB simulator: seeded shows/movies, external-id indexes for /find, bulk
 * generation of plausible distinct shows (`seedMany`, sized for a 50,000-show benchmark) and a title search
 * with TMDB-like ranking. Bulk-generated shows keep only counts; their seasons/episodes are built on demand
 * and their episode ids use reserved numeric ranges that decode back to (show, season, episode), so 50,000
 * shows cost a few MB instead of a million episode objects.
 */

export interface EpisodeSeed {
  number: number;
  name: string;
  id?: number;
  tvdbId?: number;
  imdbId?: string;
  airDate?: string;
  runtime?: number;
}
export interface SeasonSeed {
  number: number;
  name?: string;
  airDate?: string;
  episodes: EpisodeSeed[];
}
export interface ShowSeed {
  id: number;
  name: string;
  originalName?: string;
  firstAirDate: string;
  tvdbId?: number;
  imdbId?: string;
  popularity?: number;
  /** TMDB's poster_path ("/abc.jpg"); the simulator's image host serves an image for it. */
  posterPath?: string;
  seasons: SeasonSeed[];
}
export interface MovieSeed {
  id: number;
  title: string;
  originalTitle?: string;
  releaseDate: string;
  imdbId?: string;
  /** Stored for the fixture's sake; real TMDB /find does not resolve movies by tvdb_id, so neither do we. */
  tvdbId?: number;
  runtime?: number;
  popularity?: number;
  posterPath?: string;
}

export interface EpisodeRec {
  id: number;
  showId: number;
  season: number;
  number: number;
  name: string;
  airDate: string | null;
  runtime: number | null;
  tvdbId: number | null;
  imdbId: string | null;
  last: boolean;
}
export interface SeasonRec {
  id: number;
  number: number;
  name: string;
  airDate: string | null;
  episodes: EpisodeRec[];
}
export interface ShowRec {
  id: number;
  name: string;
  originalName: string;
  firstAirDate: string;
  tvdbId: number | null;
  imdbId: string | null;
  popularity: number;
  posterPath: string | null;
  keys: string[];
  seasons?: SeasonRec[];
  gen?: { index: number; seasons: number; episodes: number };
}
export interface MovieRec {
  id: number;
  title: string;
  originalTitle: string;
  releaseDate: string;
  imdbId: string | null;
  tvdbId: number | null;
  runtime: number | null;
  popularity: number;
  posterPath: string | null;
  keys: string[];
}
export interface SeededShow {
  id: number;
  name: string;
  firstAirDate: string;
  tvdbId: number;
  imdbId: string;
  seasons: number;
  episodesPerSeason: number;
}

// Reserved id ranges for generated data, far above real TMDB/TVDB ids so they never collide with fixtures.
const GEN_SHOW_ID = 50_000_000;
const GEN_SHOW_TVDB = 80_000_000;
const GEN_EPISODE_ID = 5_000_000_000;
const GEN_EPISODE_TVDB = 7_000_000_000;

const ADJECTIVES = ['Silent', 'Crimson', 'Hidden', 'Broken', 'Golden', 'Northern', 'Last', 'Wild', 'Quiet', 'Burning',
  'Frozen', 'Lost', 'Little', 'Midnight', 'Electric', 'Iron', 'Paper', 'Hollow', 'Velvet', 'Bitter', 'Distant', 'Savage',
  'Gentle', 'Restless', 'Scarlet', 'Secret', 'Shattered', 'Sunken', 'Wandering', 'Emerald', 'Pale', 'Brave'];
const NOUNS = ['Harbor', 'Kingdom', 'Station', 'Empire', 'Frontier', 'Garden', 'Detective', 'Orchard', 'Signal', 'Tide',
  'Lighthouse', 'Academy', 'Republic', 'Circuit', 'Dynasty', 'Ranch', 'Hospital', 'Precinct', 'Voyage', 'Sisters',
  'Brothers', 'Witness', 'Protocol', 'Summit', 'Archive', 'Hotel', 'Island', 'Crown', 'Engine', 'Orchestra', 'Theory', 'Road'];
const PLACES = ['', ' of Avalon', ' of the North', ' in Paris', ' of Mars', ' in Winter', ' of Brooklyn', ' of the Deep',
  ' at Dawn', ' of Ashford', ' in Tokyo', ' of Kings', ' of Glass', ' on Fire', ' of the Valley', ' in Berlin',
  ' of Saints', ' at Sea', ' of Thorns', ' in Lagos', ' of Ravens', ' at Night', ' of Light', ' in Rome', ' of Dust'];

/** TVDB id of an episode of a `seedMany` show (episodes are built on demand, so this is how tests get one). */
export function seededEpisodeTvdbId(show: SeededShow, season: number, episode: number): number {
  return GEN_EPISODE_TVDB + (show.id - GEN_SHOW_ID) * 1000 + season * 100 + episode;
}

/** Lower-case, strip accents and punctuation, collapse spaces: the form search compares. */
export function normalizeTitle(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function dropArticle(norm: string): string {
  return norm.replace(/^(the|a|an) /, '');
}

function isoDate(year: number, dayOfYear: number): string {
  return new Date(Date.UTC(year, 0, 1 + dayOfYear)).toISOString().slice(0, 10);
}

export class TmdbStore {
  readonly shows = new Map<number, ShowRec>();
  readonly movies = new Map<number, MovieRec>();
  private readonly showByImdb = new Map<string, ShowRec>();
  private readonly showByTvdb = new Map<number, ShowRec>();
  private readonly movieByImdb = new Map<string, MovieRec>();
  private readonly episodeByImdb = new Map<string, EpisodeRec>();
  private readonly episodeByTvdb = new Map<number, EpisodeRec>();
  private readonly generated: ShowRec[] = [];

  addShow(seed: ShowSeed): void {
    if (this.shows.has(seed.id)) throw new Error(`show ${seed.id} already seeded`);
    const show: ShowRec = {
      id: seed.id,
      name: seed.name,
      originalName: seed.originalName ?? seed.name,
      firstAirDate: seed.firstAirDate,
      tvdbId: seed.tvdbId ?? null,
      imdbId: seed.imdbId ?? null,
      popularity: seed.popularity ?? 10,
      posterPath: seed.posterPath ?? null,
      keys: [normalizeTitle(seed.name), normalizeTitle(seed.originalName ?? seed.name)],
      seasons: seed.seasons.map((s) => this.buildSeason(seed, s)),
    };
    this.shows.set(show.id, show);
    if (show.imdbId) this.showByImdb.set(show.imdbId, show);
    if (show.tvdbId !== null) this.showByTvdb.set(show.tvdbId, show);
    for (const season of show.seasons ?? []) {
      for (const ep of season.episodes) {
        if (ep.imdbId) this.episodeByImdb.set(ep.imdbId, ep);
        if (ep.tvdbId !== null) this.episodeByTvdb.set(ep.tvdbId, ep);
      }
    }
  }

  private buildSeason(show: ShowSeed, s: SeasonSeed): SeasonRec {
    const ordered = [...s.episodes].sort((a, b) => a.number - b.number);
    return {
      // Fixture seasons get a stable derived id; TMDB season ids are opaque numbers anyway.
      id: show.id * 1000 + s.number,
      number: s.number,
      name: s.name ?? (s.number === 0 ? 'Specials' : `Season ${s.number}`),
      airDate: s.airDate ?? ordered[0]?.airDate ?? null,
      episodes: ordered.map((e, i) => ({
        id: e.id ?? show.id * 100_000 + s.number * 1000 + e.number,
        showId: show.id,
        season: s.number,
        number: e.number,
        name: e.name,
        airDate: e.airDate ?? null,
        runtime: e.runtime ?? null,
        tvdbId: e.tvdbId ?? null,
        imdbId: e.imdbId ?? null,
        last: i === ordered.length - 1,
      })),
    };
  }

  addMovie(seed: MovieSeed): void {
    if (this.movies.has(seed.id)) throw new Error(`movie ${seed.id} already seeded`);
    const movie: MovieRec = {
      id: seed.id,
      title: seed.title,
      originalTitle: seed.originalTitle ?? seed.title,
      releaseDate: seed.releaseDate,
      imdbId: seed.imdbId ?? null,
      tvdbId: seed.tvdbId ?? null,
      runtime: seed.runtime ?? null,
      popularity: seed.popularity ?? 10,
      posterPath: seed.posterPath ?? null,
      keys: [normalizeTitle(seed.title), normalizeTitle(seed.originalTitle ?? seed.title)],
    };
    this.movies.set(movie.id, movie);
    if (movie.imdbId) this.movieByImdb.set(movie.imdbId, movie);
  }

  /** Generate `n` more plausible, distinct shows (names are unique across all seedMany calls). */
  seedMany(n: number, opts: { seasons?: number; episodesPerSeason?: number } = {}): SeededShow[] {
    const seasons = Math.min(Math.max(opts.seasons ?? 2, 1), 9);
    const episodes = Math.min(Math.max(opts.episodesPerSeason ?? 8, 1), 99);
    const capacity = ADJECTIVES.length * NOUNS.length * PLACES.length * 2;
    const out: SeededShow[] = [];
    for (let k = 0; k < n; k++) {
      const index = this.generated.length;
      // A stride coprime with the capacity walks every combination once while keeping neighbours unlike.
      let j = (index * 7919) % capacity;
      const article = j % 2;
      j = Math.floor(j / 2);
      const adjective = ADJECTIVES[j % ADJECTIVES.length] ?? '';
      j = Math.floor(j / ADJECTIVES.length);
      const noun = NOUNS[j % NOUNS.length] ?? '';
      const place = PLACES[Math.floor(j / NOUNS.length) % PLACES.length] ?? '';
      const round = Math.floor(index / capacity);
      const name = `${article ? 'The ' : ''}${adjective} ${noun}${place}${round ? ` ${round + 1}` : ''}`;
      const show: ShowRec = {
        id: GEN_SHOW_ID + index,
        name,
        originalName: name,
        firstAirDate: isoDate(1960 + (index % 64), (index * 37) % 360),
        tvdbId: GEN_SHOW_TVDB + index,
        imdbId: `tt${String(90_000_000 + index)}`,
        popularity: Math.round(((index * 2654435761) % 100_000) / 10) / 100,
        posterPath: null,
        keys: [normalizeTitle(name)],
        gen: { index, seasons, episodes },
      };
      if (this.shows.has(show.id)) throw new Error(`generated id ${show.id} collides with a fixture`);
      this.generated.push(show);
      this.shows.set(show.id, show);
      this.showByImdb.set(show.imdbId ?? '', show);
      this.showByTvdb.set(show.tvdbId ?? 0, show);
      out.push({ id: show.id, name, firstAirDate: show.firstAirDate, tvdbId: GEN_SHOW_TVDB + index, imdbId: show.imdbId ?? '', seasons, episodesPerSeason: episodes });
    }
    return out;
  }

  seasonsOf(show: ShowRec): SeasonRec[] {
    if (show.seasons) return show.seasons;
    const gen = show.gen;
    if (!gen) return [];
    const year = Number(show.firstAirDate.slice(0, 4));
    const seasons: SeasonRec[] = [];
    for (let s = 1; s <= gen.seasons; s++) {
      const episodes: EpisodeRec[] = [];
      for (let e = 1; e <= gen.episodes; e++) {
        const local = gen.index * 1000 + s * 100 + e;
        episodes.push({
          id: GEN_EPISODE_ID + local,
          showId: show.id,
          season: s,
          number: e,
          name: `Episode ${e}`,
          airDate: isoDate(year + s - 1, 7 * (e - 1)),
          runtime: 42,
          tvdbId: GEN_EPISODE_TVDB + local,
          imdbId: null,
          last: e === gen.episodes,
        });
      }
      seasons.push({ id: show.id * 10 + s, number: s, name: `Season ${s}`, airDate: episodes[0]?.airDate ?? null, episodes });
    }
    return seasons;
  }

  findByImdb(id: string): { movies: MovieRec[]; shows: ShowRec[]; episodes: EpisodeRec[] } {
    const movie = this.movieByImdb.get(id);
    const show = this.showByImdb.get(id);
    const episode = this.episodeByImdb.get(id);
    return { movies: movie ? [movie] : [], shows: show ? [show] : [], episodes: episode ? [episode] : [] };
  }

  findByTvdb(raw: string): { shows: ShowRec[]; episodes: EpisodeRec[] } {
    if (!/^\d{1,12}$/.test(raw)) return { shows: [], episodes: [] };
    const id = Number(raw);
    const show = this.showByTvdb.get(id);
    const episode = this.episodeByTvdb.get(id) ?? this.generatedEpisodeByTvdb(id);
    return { shows: show ? [show] : [], episodes: episode ? [episode] : [] };
  }

  private generatedEpisodeByTvdb(id: number): EpisodeRec | undefined {
    const local = id - GEN_EPISODE_TVDB;
    if (local <= 0 || local >= this.generated.length * 1000) return undefined;
    const show = this.generated[Math.floor(local / 1000)];
    if (!show) return undefined;
    const season = Math.floor((local % 1000) / 100);
    return this.seasonsOf(show).find((s) => s.number === season)?.episodes.find((e) => e.number === local % 100);
  }

  /**
   * Ranked like TMDB for the cases a matcher cares about: exact title, then exact but for a leading article
   * ("Office" ~ "The Office"), then title prefix, then all words present; ties by popularity.
   */
  searchShows(query: string, year: number | null): ShowRec[] {
    return rank([...this.shows.values()], query, (s) => s.firstAirDate, year);
  }

  searchMovies(query: string, year: number | null): MovieRec[] {
    return rank([...this.movies.values()], query, (m) => m.releaseDate, year);
  }
}

function rank<T extends { keys: string[]; popularity: number; id: number }>(
  items: T[],
  query: string,
  dateOf: (item: T) => string,
  year: number | null,
): T[] {
  const q = normalizeTitle(query);
  if (!q) return [];
  const qTokens = q.split(' ');
  const qBare = dropArticle(q);
  const scored: Array<{ item: T; score: number }> = [];
  for (const item of items) {
    if (year !== null && !dateOf(item).startsWith(String(year))) continue;
    let best = 0;
    for (const key of item.keys) {
      let score = 0;
      if (key === q) score = 4;
      else if (dropArticle(key) === qBare) score = 3;
      else if (key.startsWith(q) || dropArticle(key).startsWith(qBare)) score = 2;
      else {
        // Every query word must begin some title word ("break bad" finds "Breaking Bad").
        const words = key.split(' ');
        if (qTokens.every((t) => words.some((w) => w.startsWith(t)))) score = 1;
      }
      best = Math.max(best, score);
    }
    if (best > 0) scored.push({ item, score: best });
  }
  scored.sort((a, b) => b.score - a.score || b.item.popularity - a.item.popularity || a.item.id - b.item.id);
  return scored.map((s) => s.item);
}
