/**
 * @module
 * /api/shows, /api/movies and /api/episodes/:id/watched — the catalog with each Plex account's
 * watch state, and manual marking (mark with a date, or unmark). Mounted under the admin API.
 */
import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { validate } from '../middleware/validate';
import { episodes } from '../db/schema';
import { LibraryQuery, MarkWatchedRequest, MergeRequest, type MarkWatchedResponse } from '../contracts/library';
import { episodeWatch, getShow, listMovies, listShows } from '../services/tracker/library';
import { setWatchedManually } from '../services/tracker/record';
import { loadConfig } from '../services/webhooks/config';
import { mergeCatalogItems } from '../services/catalog/merge';

const IdParam = z.object({ id: z.string().min(1).max(64) });

export const libraryRoutes = new Hono<AppEnv>()
  .get('/shows', validate('query', LibraryQuery), async (c) => c.json(await listShows(c.var.db(), c.req.valid('query')), 200))
  .get('/shows/:id', validate('param', IdParam), async (c) => {
    const show = await getShow(c.var.db(), c.req.valid('param').id);
    if (!show) throw new AppError('NOT_FOUND', 'No such show.');
    return c.json(show, 200);
  })
  .get('/movies', validate('query', LibraryQuery), async (c) => c.json(await listMovies(c.var.db(), c.req.valid('query')), 200))
  .post('/episodes/:id/watched', validate('param', IdParam), validate('json', MarkWatchedRequest), async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const db = c.var.db();
    const [ep] = await db.select().from(episodes).where(eq(episodes.id, id)).limit(1);
    if (!ep) throw new AppError('NOT_FOUND', 'No such episode.');
    const watchedAt = body.watchedAt ? new Date(body.watchedAt) : new Date();
    if (watchedAt.getTime() > Date.now() + 60_000) throw new AppError('BAD_REQUEST', 'watchedAt is in the future.');
    const cfg = await loadConfig(db);
    await db.transaction((tx) =>
      setWatchedManually(tx, body.accountId, { kind: 'episode', episodeId: ep.id, showId: ep.showId }, body.watched, watchedAt, cfg.playWindowMinutes, ep.runtimeMinutes ? ep.runtimeMinutes * 60_000 : null),
    );
    const res: MarkWatchedResponse = { episodeId: ep.id, watch: await episodeWatch(db, ep.id, body.accountId) };
    return c.json(res, 200);
  })
  .post('/catalog/merge', validate('json', MergeRequest), async (c) =>
    c.json(await mergeCatalogItems(c.var.db(), { ...c.req.valid('json'), mergedBy: c.var.principal?.name ?? 'unknown' }), 200),
  );
