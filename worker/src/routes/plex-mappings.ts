/**
 * @module
 * /api/plex/mappings and /api/plex/conflicts — the review queue for matching. Listing is keyset
 * paginated; decisions re-process the webhook events that were waiting on the conflict they settle.
 * Mounted under the admin API (auth and the 1 MiB body cap come from there).
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { validate } from '../middleware/validate';
import { actorOf } from '../middleware/admin-auth';
import { ConflictListQuery, MappingListQuery, MappingUpdate, MatchIdParam, ResolveConflictRequest } from '../contracts/plex-matching';
import type { MappingResponse, ResolveConflictResponse } from '../contracts/plex-matching';
import { getConflict, getMapping, listConflicts, listMappings } from '../services/matching/views';
import { resolveConflict, stopSyncing, updateMapping } from '../services/matching/decisions';
import { createProcessDeps } from '../services/webhooks/deps';
import { reprocessEventsWaitingOn } from '../services/webhooks/reprocess';
import { pokeOverview } from '../services/overview/notify';

const decidedBy = (c: Context<AppEnv>): string => actorOf(c);

async function mappingOr404(c: Context<AppEnv>, id: string) {
  const m = await getMapping(c.var.db(), id);
  if (!m) throw new AppError('NOT_FOUND', 'No such mapping.');
  return m;
}

export const plexMappingRoutes = new Hono<AppEnv>()
  .get('/mappings', validate('query', MappingListQuery), async (c) => c.json(await listMappings(c.var.db(), c.req.valid('query')), 200))
  .post('/mappings/:id', validate('param', MatchIdParam), validate('json', MappingUpdate), async (c) => {
    const db = c.var.db();
    const { id } = c.req.valid('param');
    const deps = await createProcessDeps(db, c.env, c.var.logger);
    const { resolvedConflictId } = await updateMapping(db, deps, id, c.req.valid('json'), decidedBy(c));
    const { reprocessed } = resolvedConflictId ? await reprocessEventsWaitingOn(db, deps, resolvedConflictId) : { reprocessed: 0 };
    await pokeOverview(c.env);
    const body: MappingResponse = { mapping: await mappingOr404(c, id), reprocessed };
    return c.json(body, 200);
  })
  .delete('/mappings/:id', validate('param', MatchIdParam), async (c) => {
    const { id } = c.req.valid('param');
    await stopSyncing(c.var.db(), id, decidedBy(c));
    await pokeOverview(c.env);
    return c.json({ mapping: await mappingOr404(c, id) }, 200);
  })
  .get('/conflicts', validate('query', ConflictListQuery), async (c) => c.json(await listConflicts(c.var.db(), c.req.valid('query')), 200))
  .get('/conflicts/:id', validate('param', MatchIdParam), async (c) => {
    const conflict = await getConflict(c.var.db(), c.req.valid('param').id);
    if (!conflict) throw new AppError('NOT_FOUND', 'No such conflict.');
    return c.json({ conflict }, 200);
  })
  .post('/conflicts/:id/resolve', validate('param', MatchIdParam), validate('json', ResolveConflictRequest), async (c) => {
    const db = c.var.db();
    const { id } = c.req.valid('param');
    const deps = await createProcessDeps(db, c.env, c.var.logger);
    const { mappingId } = await resolveConflict(db, deps, id, c.req.valid('json'), decidedBy(c));
    const { reprocessed } = await reprocessEventsWaitingOn(db, deps, id);
    await pokeOverview(c.env);
    const conflict = await getConflict(db, id);
    if (!conflict) throw new AppError('NOT_FOUND', 'No such conflict.');
    const body: ResolveConflictResponse = { conflict, mapping: await mappingOr404(c, mappingId), reprocessed };
    return c.json(body, 200);
  });
