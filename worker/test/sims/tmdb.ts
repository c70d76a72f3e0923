/**
 * @module tmdb
 * Loopback simulator of the TMDB v3 API endpoints the worker's matcher uses. Start it with
 * {@link startTmdbSim}; the worker's TMDB base URL is `sim.url` (no `/3` suffix; paths start with `/3/`).
 *
 * Implemented (shapes from developer.themoviedb.org: "Errors" table, Find By ID, Search TV/Movie, TV Series
 * Details, TV Season Details, TV External IDs, Movie Details, append_to_response):
 * - Auth: `?api_key=<v3 key>` or `Authorization: Bearer <read access token>`; a request passes when either
 *   credential it presents is valid. Missing/bad → 401 `{status_code:7,"Invalid API key: You must be granted
 *   a valid key.",success:false}`. Auth is checked before routing, so unknown ids with a bad key are 401.
 * - `GET /3/find/{id}?external_source=imdb_id|tvdb_id` → `{movie_results, person_results, tv_results,
 *   tv_episode_results, tv_season_results}`; per TMDB's source table imdb_id finds movies, shows and
 *   episodes, tvdb_id finds shows and episodes (never movies). Other documented sources (facebook_id, …)
 *   are accepted and find nothing; a missing/unknown source → 422 status_code 5 "Invalid parameters…"
 *   (inferred: the docs mark the parameter required, the live wording is unverified).
 * - `GET /3/search/tv?query=&first_air_date_year=&year=&page=` and `/3/search/movie?query=&year=
 *   &primary_release_year=&page=` → `{page, results, total_pages, total_results}`, 20 per page, ranked
 *   exact title (ignoring a leading article) > title prefix > all words match, then popularity. Missing or
 *   empty query → 422 `{"errors":["query must be provided"]}` (the body TMDB clients report; status
 *   unverified). page outside 1..500 or not an integer → 400 status_code 22. A malformed year is ignored.
 * - `GET /3/tv/{id}` (+ `append_to_response=external_ids`), `/3/tv/{id}/external_ids`,
 *   `/3/tv/{id}/season/{n}`, `/3/movie/{id}` (+ external_ids), `/3/movie/{id}/external_ids`; ids may carry
 *   TMDB's slug suffix (`1396-breaking-bad`). Unknown id/season/path → 404 status_code 34. More than 20
 *   append_to_response entries → 400 status_code 27; other append names are ignored.
 * - `GET /3/configuration` → `{images: {base_url, secure_base_url, poster_sizes, …}, change_keys}`; the
 *   image host it names is this simulator: `GET /t/p/{size}/{file}` (no credentials, like
 *   image.tmdb.org) → `image/jpeg` for a seeded `posterPath` in a listed size, else 404.
 * - Non-GET → 405 status_code 42 (message translated from TMDB's table; English wording unverified).
 * - Fault injection: `failNext(count, status, {retryAfterSeconds})` (429 → status_code 25 + `Retry-After`,
 *   503 → 9, 504 → 24, other → 11), `delayMs` before every answer, and a `requests` log.
 *
 * Left out: languages/translations (always English), backdrops/stills/logos, credits and other append targets, person
 * and season results in /find, include_adult, region, v4 endpoints, real rate limiting (inject it).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { drain, flatHeaders, sendJson, startLoopbackServer } from './sim-http';
import {
  findResults,
  movieDetails,
  movieExternalIds,
  movieListItem,
  page,
  seasonDetails,
  tvDetails,
  tvExternalIds,
  tvListItem,
} from './tmdb-shapes';
import { TmdbStore } from './tmdb-store';
import { POSTER_SIZES, configuration } from './tmdb-shapes';
import { posterJpeg } from '../fixtures/jpeg';
import type { MovieSeed, SeededShow, ShowSeed } from './tmdb-store';

export type { EpisodeSeed, MovieSeed, SeasonSeed, SeededShow, ShowSeed } from './tmdb-store';
export { seededEpisodeTvdbId } from './tmdb-store';

export interface TmdbRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  auth: 'api_key' | 'bearer' | 'none';
  status: number;
}

export interface TmdbSim {
  /** Base URL without `/3`. */
  url: string;
  apiKey: string;
  readToken: string;
  addShow(seed: ShowSeed): void;
  addMovie(seed: MovieSeed): void;
  /** Adds n plausible distinct shows (2 seasons × 8 episodes unless told otherwise). */
  seedMany(n: number, opts?: { seasons?: number; episodesPerSeason?: number }): SeededShow[];
  failNext(count: number, status: number, opts?: { retryAfterSeconds?: number }): void;
  /** Milliseconds to wait before answering each request. */
  delayMs: number;
  requests: TmdbRequest[];
  /** Requests whose path starts with `prefix` (e.g. '/3/find/'), for cache assertions. */
  requestsTo(prefix: string): TmdbRequest[];
  close(): Promise<void>;
}

const MESSAGES: Record<number, [number, string]> = {
  5: [422, 'Invalid parameters: Your request parameters are incorrect.'],
  7: [401, 'Invalid API key: You must be granted a valid key.'],
  9: [503, 'Service offline: This service is temporarily offline, try again later.'],
  11: [500, 'Internal error: Something went wrong, contact TMDB.'],
  22: [400, 'Invalid page: Pages start at 1 and max at 500. They are expected to be an integer.'],
  24: [504, 'Your request to the backend server timed out. Try again.'],
  25: [429, 'Your request count (#) is over the allowed limit of (40).'],
  27: [400, 'Too many append to response objects: The maximum number of remote calls is 20.'],
  34: [404, 'The resource you requested could not be found.'],
  42: [405, 'This resource does not support this request method.'],
};

const FIND_SOURCES = new Set(['imdb_id', 'tvdb_id', 'facebook_id', 'instagram_id', 'tiktok_id', 'twitter_id',
  'wikidata_id', 'youtube_id', 'freebase_mid', 'freebase_id', 'tvrage_id']);

class TmdbError extends Error {
  constructor(readonly code: number, readonly httpStatus = MESSAGES[code]?.[0] ?? 500) {
    super(MESSAGES[code]?.[1] ?? 'Failed.');
  }
}

function fakeReadToken(): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const payload = { aud: randomBytes(16).toString('hex'), nbf: 1_700_000_000, scopes: ['api_read'], version: 1 };
  return `${b64({ alg: 'HS256' })}.${b64(payload)}.${randomBytes(32).toString('base64url')}`;
}

function parseId(text: string | undefined): number {
  const m = /^(\d{1,15})(?:-[^/]*)?$/.exec(text ?? '');
  if (!m) throw new TmdbError(34);
  return Number(m[1]);
}

function parsePage(raw: string | null): number {
  if (raw === null) return 1;
  if (!/^\d{1,4}$/.test(raw)) throw new TmdbError(22);
  const n = Number(raw);
  if (n < 1 || n > 500) throw new TmdbError(22);
  return n;
}

function parseYear(...raws: Array<string | null>): number | null {
  for (const raw of raws) if (raw && /^\d{4}$/.test(raw)) return Number(raw);
  return null;
}

function appends(params: URLSearchParams): Set<string> {
  const list = (params.get('append_to_response') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length > 20) throw new TmdbError(27);
  return new Set(list);
}

export async function startTmdbSim(opts: { apiKey?: string; readToken?: string } = {}): Promise<TmdbSim> {
  const apiKey = opts.apiKey ?? randomBytes(16).toString('hex');
  const readToken = opts.readToken ?? fakeReadToken();
  const store = new TmdbStore();
  const requests: TmdbRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let failures = { remaining: 0, status: 503, retryAfterSeconds: undefined as number | undefined };

  const sim: TmdbSim = {
    url: '',
    apiKey,
    readToken,
    addShow: (seed) => store.addShow(seed),
    addMovie: (seed) => store.addMovie(seed),
    seedMany: (n, o) => store.seedMany(n, o),
    failNext(count, status, o = {}) {
      failures = { remaining: count, status, retryAfterSeconds: o.retryAfterSeconds };
    },
    delayMs: 0,
    requests,
    requestsTo: (prefix) => requests.filter((r) => r.path.startsWith(prefix)),
    close: async () => undefined,
  };

  function route(path: string, params: URLSearchParams): unknown {
    const parts = path.split('/').slice(1);
    if (parts[0] !== '3') throw new TmdbError(34);
    const [, resource, a, b, c, d] = parts;

    if (resource === 'configuration' && a === undefined) return configuration(`${sim.url}/t/p/`);

    if (resource === 'find' && a !== undefined && b === undefined) {
      const source = params.get('external_source') ?? '';
      if (!FIND_SOURCES.has(source)) throw new TmdbError(5);
      let externalId: string;
      try {
        externalId = decodeURIComponent(a);
      } catch {
        return findResults({}); // malformed %-escapes simply match nothing
      }
      if (source === 'imdb_id') return findResults(store.findByImdb(externalId));
      if (source === 'tvdb_id') return findResults(store.findByTvdb(externalId));
      return findResults({});
    }

    if (resource === 'search' && (a === 'tv' || a === 'movie') && b === undefined) {
      const query = params.get('query');
      if (!query || !query.trim()) return { status: 422, body: { errors: ['query must be provided'] } };
      const pageNo = parsePage(params.get('page'));
      if (a === 'tv') {
        const year = parseYear(params.get('first_air_date_year'), params.get('year'));
        return page(store.searchShows(query, year).map(tvListItem), pageNo);
      }
      const year = parseYear(params.get('primary_release_year'), params.get('year'));
      return page(store.searchMovies(query, year).map(movieListItem), pageNo);
    }

    if (resource === 'tv' && a !== undefined) {
      const show = store.shows.get(parseId(a));
      if (!show) throw new TmdbError(34);
      if (b === undefined) {
        const extra = appends(params);
        const body: Record<string, unknown> = tvDetails(show, store.seasonsOf(show));
        if (extra.has('external_ids')) body.external_ids = tvExternalIds(show);
        return body;
      }
      if (b === 'external_ids' && c === undefined) return { id: show.id, ...tvExternalIds(show) };
      if (b === 'season' && c !== undefined && d === undefined) {
        const n = /^\d{1,4}$/.test(c) ? Number(c) : -1;
        const season = store.seasonsOf(show).find((s) => s.number === n);
        if (!season) throw new TmdbError(34);
        return seasonDetails(season);
      }
      throw new TmdbError(34);
    }

    if (resource === 'movie' && a !== undefined) {
      const movie = store.movies.get(parseId(a));
      if (!movie) throw new TmdbError(34);
      if (b === undefined) {
        const extra = appends(params);
        const body: Record<string, unknown> = movieDetails(movie);
        if (extra.has('external_ids')) body.external_ids = movieExternalIds(movie);
        return body;
      }
      if (b === 'external_ids' && c === undefined) return { id: movie.id, ...movieExternalIds(movie) };
    }
    throw new TmdbError(34);
  }

  /** The image host: public, no API key; only seeded posters in listed sizes exist. */
  function serveImage(res: ServerResponse, path: string): void {
    const m = /^\/t\/p\/([a-z0-9]{1,10})\/([A-Za-z0-9_-]{1,100}\.jpg)$/.exec(path);
    const file = m ? `/${m[2]}` : null;
    const known = file !== null && POSTER_SIZES.includes(m![1]!) && ([...store.shows.values()].some((s) => s.posterPath === file) || [...store.movies.values()].some((x) => x.posterPath === file));
    if (!known) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not Found');
      return;
    }
    const body = posterJpeg(file);
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(body.byteLength), 'cache-control': 'public, max-age=31536000' });
    res.end(body);
  }

  function sendError(res: ServerResponse, err: TmdbError, extra: Record<string, string> = {}): void {
    sendJson(res, err.httpStatus, { status_code: err.code, status_message: err.message, success: false }, extra);
  }

  function answer(req: IncomingMessage, res: ServerResponse, entry: TmdbRequest, url: URL): void {
    if (failures.remaining > 0) {
      failures.remaining--;
      const status = failures.status;
      const code = status === 429 ? 25 : status === 503 ? 9 : status === 504 ? 24 : 11;
      const extra: Record<string, string> = {};
      if (failures.retryAfterSeconds !== undefined) extra['retry-after'] = String(failures.retryAfterSeconds);
      return sendError(res, new TmdbError(code, status), extra);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, new TmdbError(42));
    if (entry.auth === 'none') return sendError(res, new TmdbError(7));
    try {
      const out = route(url.pathname, url.searchParams);
      if (out && typeof out === 'object' && 'status' in out && 'body' in out) {
        const { status, body } = out as { status: number; body: unknown };
        return sendJson(res, status, body);
      }
      sendJson(res, 200, out);
    } catch (err) {
      if (err instanceof TmdbError) return sendError(res, err);
      throw err;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await drain(req, 64 * 1024);
    const url = new URL(req.url ?? '/', 'http://api.themoviedb.org.invalid');
    const headers = flatHeaders(req);
    const key = url.searchParams.get('api_key');
    const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1]?.trim();
    const auth = key === apiKey ? 'api_key' : bearer === readToken ? 'bearer' : 'none';
    const entry: TmdbRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      auth,
      status: 0,
    };
    requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    if (url.pathname.startsWith('/t/p/')) return serveImage(res, url.pathname);
    if (sim.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, sim.delayMs);
        timers.add(timer);
      });
    }
    answer(req, res, entry, url);
  }

  const started = await startLoopbackServer(handle);
  sim.url = started.url;
  sim.close = async () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    await started.close();
  };
  return sim;
}
