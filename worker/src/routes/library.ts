/**
 * @module
 * /api/shows, /api/movies, manual marking (an episode or a whole season, with a date, or unmark)
 * and /api/catalog/merge — the catalog with each Plex account's watch state. Mounted under the
 * admin API.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { validate } from '../middleware/validate';
import { actorOf } from '../middleware/admin-auth';
import { LibraryQuery, MarkWatchedRequest, MergeRequest, SeasonParam, type MarkSeasonResponse, type MarkWatchedResponse } from '../contracts/library';
import { IdParam } from '../contracts/ids';
import { episodeWatch, getShow, listMovies, listShows } from '../services/tracker/library';
import { markEpisode, markSeason } from '../services/tracker/mark';
import { loadConfig } from '../services/webhooks/config';
import { pokeOverview } from '../services/overview/notify';
import { mergeCatalogItems } from '../services/catalog/merge';

export const libraryRoutes = new Hono<AppEnv>()
  .get('/shows', validate('query', LibraryQuery), async (c) => c.json(await listShows(c.var.db(), c.req.valid('query')), 200))
  .get('/shows/:id', validate('param', IdParam), async (c) => {
    const show = await getShow(c.var.db(), c.req.valid('param').id);
    if (!show) throw new AppError('NOT_FOUND', 'No such show.');
    return c.json(show, 200);
  })
  .get('/movies', validate('query', LibraryQuery), async (c) => c.json(await listMovies(c.var.db(), c.req.valid('query')), 200))
  .post('/episodes/:id/watched', validate('param', IdParam), validate('json', MarkWatchedRequest), async (c) => {
    const body = c.req.valid('json');
    const db = c.var.db();
    const cfg = await loadConfig(db);
    const ep = await markEpisode(db, c.req.valid('param').id, { ...body, windowMinutes: cfg.playWindowMinutes });
    await pokeOverview(c.env);
    const res: MarkWatchedResponse = { episodeId: ep.id, watch: await episodeWatch(db, ep.id, body.accountId) };
    return c.json(res, 200);
  })
  .post('/shows/:id/seasons/:season/watched', validate('param', SeasonParam), validate('json', MarkWatchedRequest), async (c) => {
    const { id, season } = c.req.valid('param');
    const body = c.req.valid('json');
    const db = c.var.db();
    const cfg = await loadConfig(db);
    const n = await markSeason(db, id, season, { ...body, windowMinutes: cfg.playWindowMinutes });
    await pokeOverview(c.env);
    const res: MarkSeasonResponse = { showId: id, season, episodes: n, watched: body.watched };
    return c.json(res, 200);
  })
  .post('/catalog/merge', validate('json', MergeRequest), async (c) => {
    const merged = await mergeCatalogItems(c.var.db(), { ...c.req.valid('json'), mergedBy: actorOf(c) });
    await pokeOverview(c.env);
    return c.json(merged, 200);
  });
