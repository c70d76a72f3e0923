/**
 * @module
 * /api/accounts (the household's Plex accounts, and the name each is shown as) and /api/watching
 * (resume points and next episodes, per account). Mounted under the admin API.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { validate } from '../middleware/validate';
import { AccountIdParam, AccountUpdate, WatchingQuery, type AccountInfo, type AccountList } from '../contracts/accounts';
import { listAccounts, renameAccount } from '../services/tracker/accounts';
import { watching } from '../services/tracker/watching';
import { loadConfig } from '../services/webhooks/config';

export const accountRoutes = new Hono<AppEnv>()
  .get('/accounts', async (c) => {
    const db = c.var.db();
    const body: AccountList = { items: await listAccounts(db, (await loadConfig(db)).trackedAccountIds) };
    return c.json(body, 200);
  })
  .put('/accounts/:id', validate('param', AccountIdParam), validate('json', AccountUpdate), async (c) => {
    const db = c.var.db();
    const { id } = c.req.valid('param');
    const tracked = (await loadConfig(db)).trackedAccountIds;
    await renameAccount(db, id, c.req.valid('json').displayName, tracked);
    const account = (await listAccounts(db, tracked)).find((a) => a.id === id) as AccountInfo;
    return c.json({ account }, 200);
  })
  .get('/watching', validate('query', WatchingQuery), async (c) => c.json(await watching(c.var.db(), c.req.valid('query').accountId), 200));
