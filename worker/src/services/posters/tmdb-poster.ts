/**
 * @module
 * Fetching a TMDB poster for the posters route: the TMDB client as matching builds it (the stored
 * key, TMDB_URL, the Postgres answer cache), the show's or movie's details for its `poster_path`,
 * then the image. The database is opened only on this path — a poster already in the bucket
 * costs no query.
 */
import type { DbOrTx } from '../../db/client';
import type { Bindings } from '../../env';
import type { Logger } from '../../lib/logger';
import { secretBoxFromEnv } from '../../lib/secret-box';
import { dbTmdbCache } from '../tmdb/cache';
import { TmdbClient, tmdbCredentials } from '../tmdb/client';
import { loadConfig, unsealTmdbKey } from '../webhooks/config';
import type { TmdbPosterFetch } from './store';

export function tmdbPosterFetcher(db: () => DbOrTx, env: Pick<Bindings, 'SECRETS_KEY' | 'TMDB_URL'>, logger: Logger): TmdbPosterFetch {
  return async (ref) => {
    const conn = db();
    const cfg = await loadConfig(conn);
    const box = await secretBoxFromEnv(env.SECRETS_KEY).catch(() => null);
    const key = await unsealTmdbKey(cfg, box);
    if (!key) return null;
    const tmdb = new TmdbClient({ ...tmdbCredentials(key), ...(env.TMDB_URL ? { baseUrl: env.TMDB_URL } : {}), cache: dbTmdbCache(conn), logger, maxAttempts: 2 });
    const details = ref.kind === 'tv' ? await tmdb.tvDetails(ref.id) : await tmdb.movieDetails(ref.id);
    const path = details?.poster_path;
    return path ? tmdb.posterImage(path) : null;
  };
}
