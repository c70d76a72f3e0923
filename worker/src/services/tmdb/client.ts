/**
 * @module
 * The TMDB v3 client the matcher uses: find by external id, search TV/movies, TV/season/movie details
 * and external ids, and poster images. It authenticates with either a v3 API key (`?api_key=`) or a v4 read access token
 * (`Authorization: Bearer`, preferred because it keeps the secret out of URLs), retries 5xx and
 * network failures with exponential backoff and full jitter up to a bounded number of attempts, waits
 * out a 429's `Retry-After` (within a cap), and parses every answer with zod. Id conversions, details
 * and searches are cached in Postgres. The key and token never appear in logs or error messages: only
 * the request path is ever reported.
 */
import { z } from 'zod';
import type { Logger } from '../../lib/logger';
import type { TmdbCache } from './cache';
import {
  TmdbConfiguration,
  TmdbFindResult,
  TmdbMovieDetails,
  TmdbMovieExternalIds,
  TmdbMovieListItem,
  TmdbSearchPage,
  TmdbSeasonDetails,
  TmdbTvDetails,
  TmdbTvExternalIds,
  TmdbTvListItem,
} from './schemas';

export * from './schemas';

export const TMDB_DEFAULT_BASE_URL = 'https://api.themoviedb.org';

export type TmdbErrorKind = 'unauthorized' | 'rate_limited' | 'unavailable' | 'bad_request' | 'bad_response';

export class TmdbError extends Error {
  override name = 'TmdbError';
  constructor(
    readonly kind: TmdbErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const DAY = 24 * 60 * 60 * 1000;
/** A w342 poster is ~30–60 KB; anything near this is not a poster. */
const MAX_IMAGE_BYTES = 4 * 1024 * 1024;

export interface TmdbClientOptions {
  baseUrl?: string;
  apiKey?: string | null;
  readToken?: string | null;
  cache?: TmdbCache | null;
  /** How long cached answers stay fresh. Ids rarely change; details (episode counts) do. */
  ttlMs?: { ids?: number; details?: number; search?: number };
  timeoutMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A 429 asking us to wait longer than this fails at once instead of stalling a request. */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
}

export type FindSource = 'tvdb_id' | 'imdb_id';

/**
 * A TMDB secret as users paste it: a v4 read access token is a JWT (three dot-separated parts), a
 * v3 API key is 32 hex characters. Either works.
 */
export function tmdbCredentials(secret: string): { apiKey: string } | { readToken: string } {
  const s = secret.trim();
  return s.split('.').length === 3 && s.length > 60 ? { readToken: s } : { apiKey: s };
}

function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d{1,6}$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export class TmdbClient {
  private readonly baseUrl: string;
  private readonly o: Required<Pick<TmdbClientOptions, 'timeoutMs' | 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs'>>;
  private readonly ttl: { ids: number; details: number; search: number };

  constructor(private readonly opts: TmdbClientOptions) {
    if (!opts.apiKey && !opts.readToken) throw new Error('TmdbClient needs an API key or a read access token');
    this.baseUrl = (opts.baseUrl ?? TMDB_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.o = {
      timeoutMs: opts.timeoutMs ?? 8_000,
      maxAttempts: Math.max(1, Math.min(opts.maxAttempts ?? 4, 10)),
      baseDelayMs: opts.baseDelayMs ?? 250,
      maxDelayMs: opts.maxDelayMs ?? 4_000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 15_000,
    };
    this.ttl = { ids: opts.ttlMs?.ids ?? 30 * DAY, details: opts.ttlMs?.details ?? 3 * DAY, search: opts.ttlMs?.search ?? DAY };
  }

  /** TMDB /find: which movies, shows and episodes carry this TVDB or IMDb id. */
  find(source: FindSource, externalId: string): Promise<TmdbFindResult> {
    const id = encodeURIComponent(externalId.slice(0, 64));
    return this.cached(`find:${source}:${externalId.slice(0, 64)}`, this.ttl.ids, async () =>
      (await this.get(`/3/find/${id}`, { external_source: source }, TmdbFindResult)) ?? TmdbFindResult.parse({}),
    );
  }

  searchTv(query: string, year?: number | null): Promise<TmdbTvListItem[]> {
    return this.search('tv', query, year, TmdbTvListItem);
  }

  searchMovie(query: string, year?: number | null): Promise<TmdbMovieListItem[]> {
    return this.search('movie', query, year, TmdbMovieListItem);
  }

  /** Show details with external ids; null when TMDB has no such show. */
  tvDetails(tmdbId: number): Promise<TmdbTvDetails | null> {
    return this.cached(`tv:${tmdbId}`, this.ttl.details, () => this.get(`/3/tv/${tmdbId}`, { append_to_response: 'external_ids' }, TmdbTvDetails));
  }

  seasonDetails(tmdbId: number, season: number): Promise<TmdbSeasonDetails | null> {
    return this.cached(`tv:${tmdbId}:season:${season}`, this.ttl.details, () => this.get(`/3/tv/${tmdbId}/season/${season}`, {}, TmdbSeasonDetails));
  }

  tvExternalIds(tmdbId: number): Promise<TmdbTvExternalIds | null> {
    return this.cached(`tv:${tmdbId}:external_ids`, this.ttl.ids, () => this.get(`/3/tv/${tmdbId}/external_ids`, {}, TmdbTvExternalIds));
  }

  movieDetails(tmdbId: number): Promise<TmdbMovieDetails | null> {
    return this.cached(`movie:${tmdbId}`, this.ttl.details, () =>
      this.get(`/3/movie/${tmdbId}`, { append_to_response: 'external_ids' }, TmdbMovieDetails),
    );
  }

  movieExternalIds(tmdbId: number): Promise<TmdbMovieExternalIds | null> {
    return this.cached(`movie:${tmdbId}:external_ids`, this.ttl.ids, () => this.get(`/3/movie/${tmdbId}/external_ids`, {}, TmdbMovieExternalIds));
  }

  /** Where images live (`images.secure_base_url`) and the poster sizes; rarely changes. */
  configuration(): Promise<TmdbConfiguration | null> {
    return this.cached('configuration', this.ttl.ids, () => this.get('/3/configuration', {}, TmdbConfiguration));
  }

  /**
   * A poster image by its `poster_path`, in `size` when TMDB offers it (else the largest offered
   * below "original"). Images come from the image host named by /3/configuration, which needs no
   * credentials: none are sent there. Null when TMDB has no such image; the body is capped.
   */
  async posterImage(posterPath: string, size = 'w342'): Promise<{ bytes: Uint8Array; contentType: string } | null> {
    if (!/^\/[A-Za-z0-9_-]{1,100}\.(jpg|jpeg|png|webp)$/.test(posterPath)) return null;
    const conf = await this.configuration();
    const base = conf?.images.secure_base_url;
    if (!base || !/^https?:\/\//.test(base)) throw new TmdbError('bad_response', 'TMDB gave no usable images base URL.');
    const sizes = conf.images.poster_sizes;
    const chosen = sizes.includes(size) ? size : ([...sizes].reverse().find((s) => s !== 'original') ?? 'original');
    const url = `${base.replace(/\/+$/, '')}/${chosen}${posterPath}`;
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, { signal: AbortSignal.timeout(this.o.timeoutMs) });
    } catch {
      throw new TmdbError('unavailable', `TMDB's image host could not be reached for ${posterPath}.`);
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (res.status === 404) {
      await res.body?.cancel().catch(() => undefined);
      return null;
    }
    if (!res.ok || !/^image\/(jpeg|png|webp)$/.test(type)) {
      await res.body?.cancel().catch(() => undefined);
      throw new TmdbError(res.ok ? 'bad_response' : 'unavailable', `TMDB's image host answered ${res.status} (${type || 'no type'}) for ${posterPath}.`, res.status);
    }
    if (Number(res.headers.get('content-length') ?? 0) > MAX_IMAGE_BYTES) {
      await res.body?.cancel().catch(() => undefined);
      throw new TmdbError('bad_response', `TMDB sent a poster larger than ${MAX_IMAGE_BYTES} bytes.`);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.byteLength > MAX_IMAGE_BYTES) throw new TmdbError('bad_response', `TMDB sent a poster larger than ${MAX_IMAGE_BYTES} bytes.`);
    return { bytes, contentType: type };
  }

  private async search<T extends z.ZodType>(kind: 'tv' | 'movie', query: string, year: number | null | undefined, item: T): Promise<z.output<T>[]> {
    const q = query.trim().slice(0, 200);
    if (!q) return [];
    const params: Record<string, string> = { query: q, page: '1' };
    if (year) params[kind === 'tv' ? 'first_air_date_year' : 'primary_release_year'] = String(year);
    const key = `search:${kind}:${year ?? ''}:${q.toLowerCase()}`;
    return this.cached(key, this.ttl.search, async () => (await this.get(`/3/search/${kind}`, params, TmdbSearchPage(item)))?.results ?? []);
  }

  private async cached<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const cache = this.opts.cache;
    if (cache) {
      const got = await cache.get(key, ttlMs);
      if (got.hit) return got.value as T;
    }
    const value = await load();
    if (cache) await cache.set(key, value);
    return value;
  }

  private backoff(attempt: number): number {
    const cap = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempt - 1));
    // Full jitter: many isolates retrying together spread out instead of arriving in waves.
    return Math.floor((this.opts.random ?? Math.random)() * cap);
  }

  private sleep(ms: number): Promise<void> {
    return this.opts.sleep ? this.opts.sleep(ms) : new Promise((r) => setTimeout(r, ms));
  }

  /** GET with retries; the parsed body, or null on 404. */
  private async get<T extends z.ZodType>(path: string, params: Record<string, string>, schema: T): Promise<z.output<T> | null> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.readToken) headers.authorization = `Bearer ${this.opts.readToken}`;
    else if (this.opts.apiKey) url.searchParams.set('api_key', this.opts.apiKey);

    let last: TmdbError = new TmdbError('unavailable', `TMDB did not answer ${path}.`);
    for (let attempt = 1; attempt <= this.o.maxAttempts; attempt++) {
      let res: Response;
      try {
        res = await (this.opts.fetch ?? fetch)(url, { headers, signal: AbortSignal.timeout(this.o.timeoutMs) });
      } catch {
        // The error text of a failed fetch can carry the URL (and so the api_key): never keep it.
        last = new TmdbError('unavailable', `TMDB could not be reached for ${path}.`);
        this.opts.logger?.warn('tmdb request failed', { path, attempt });
        if (attempt < this.o.maxAttempts) await this.sleep(this.backoff(attempt));
        continue;
      }
      if (res.status === 429 || res.status >= 500) {
        await res.body?.cancel().catch(() => undefined);
        const retryAfter = res.status === 429 ? parseRetryAfter(res.headers.get('retry-after')) : null;
        last = new TmdbError(res.status === 429 ? 'rate_limited' : 'unavailable', `TMDB answered ${res.status} for ${path}.`, res.status);
        this.opts.logger?.warn('tmdb request retryable', { path, status: res.status, attempt });
        if (retryAfter !== null && retryAfter > this.o.maxRetryAfterMs) throw last;
        if (attempt < this.o.maxAttempts) await this.sleep(retryAfter ?? this.backoff(attempt));
        continue;
      }
      if (res.status === 404) {
        await res.body?.cancel().catch(() => undefined);
        return null;
      }
      if (res.status === 401) {
        await res.body?.cancel().catch(() => undefined);
        throw new TmdbError('unauthorized', 'TMDB rejected the configured API key or read token.', 401);
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw new TmdbError('bad_request', `TMDB refused ${path} (HTTP ${res.status}).`, res.status);
      }
      const body: unknown = await res.json().catch(() => undefined);
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new TmdbError('bad_response', `TMDB sent an unexpected body for ${path}.`, res.status);
      return parsed.data;
    }
    throw last;
  }
}
