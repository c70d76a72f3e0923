/**
 * @module
 * `GET /api/posters` — poster images from the bucket (services/posters). What comes from the first
 * source asked for never changes at that URL (the first Plex thumb is kept, TMDB's is fetched
 * once), so it is cacheable for a year and `immutable`; a fallback (the Plex thumb while the TMDB
 * poster is unavailable) is cached for an hour so the better one shows up later. ETags answer
 * revalidations with 304. Mounted under the admin API (signed in).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { errorBody } from '../errors';
import { validate } from '../middleware/validate';
import { PosterQuery } from '../contracts/posters';
import { decodePlex, decodeTmdb } from '../services/posters/refs';
import { findPoster } from '../services/posters/store';
import { tmdbPosterFetcher } from '../services/posters/tmdb-poster';

export const posterRoutes = new Hono<AppEnv>().get('/posters', validate('query', PosterQuery), async (c) => {
  const q = c.req.valid('query');
  const sources = { tmdb: q.tmdb ? decodeTmdb(q.tmdb) : null, plex: q.plex ? decodePlex(q.plex) : null };
  const poster = await findPoster(c.env?.POSTERS, sources, tmdbPosterFetcher(c.var.db, c.env ?? {}, c.var.logger), { logger: c.var.logger });
  if (!poster) {
    c.header('Cache-Control', 'private, max-age=300');
    return c.json(errorBody('NOT_FOUND', 'No poster for this item yet.', c.var.requestId), 404);
  }
  const headers = {
    'Content-Type': poster.contentType,
    'Cache-Control': poster.preferred ? 'private, max-age=31536000, immutable' : 'private, max-age=3600',
    ETag: poster.etag,
    'X-Content-Type-Options': 'nosniff',
  };
  const match = c.req.header('if-none-match');
  if (poster.etag && match && match.split(',').some((t) => t.trim() === poster.etag)) {
    if (poster.body instanceof ReadableStream) await poster.body.cancel().catch(() => undefined);
    return c.body(null, 304, headers);
  }
  return new Response(poster.body as BodyInit, { status: 200, headers: { ...headers, 'X-Request-Id': c.var.requestId } });
});
