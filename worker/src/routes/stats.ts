/**
 * @module
 * /api/stats (the graphs), /api/stats/accounts (the household's Plex accounts with their totals),
 * /api/stats/accounts/:id (one account's totals and favourite shows) and
 * /api/stats/accounts/:id/plays (its history, paged). Mounted under the admin API; naming an
 * account is /api/accounts (routes/accounts.ts).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { validate } from '../middleware/validate';
import { AccountPlaysQuery, StatsQuery } from '../contracts/stats';
import { AccountIdParam } from '../contracts/accounts';
import { playStats } from '../services/stats/play-stats';
import { getAccount, listAccounts } from '../services/stats/accounts';
import { listPlays } from '../services/stats/plays-list';

export const statsRoutes = new Hono<AppEnv>()
  .get('/stats', validate('query', StatsQuery), async (c) => c.json(await playStats(c.var.db(), c.req.valid('query')), 200))
  .get('/stats/accounts', async (c) => c.json({ items: await listAccounts(c.var.db()) }, 200))
  .get('/stats/accounts/:id', validate('param', AccountIdParam), async (c) => {
    const account = await getAccount(c.var.db(), c.req.valid('param').id);
    if (!account) throw new AppError('NOT_FOUND', 'No such account: Plex has not reported it yet.');
    return c.json(account, 200);
  })
  .get('/stats/accounts/:id/plays', validate('param', AccountIdParam), validate('query', AccountPlaysQuery), async (c) =>
    c.json(await listPlays(c.var.db(), { accountId: c.req.valid('param').id, ...c.req.valid('query') }), 200),
  );
