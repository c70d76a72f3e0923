/**
 * @module
 * `/api/sessions`: who is signed in to the admin, and ending sessions — one, or every one but
 * the caller's own (after a lost phone, a leaked token). Mounted under the admin API (auth,
 * Origin check and the body cap come from there). Ending the caller's own session by id works
 * too: it is signing out from elsewhere.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { validate } from '../middleware/validate';
import { IdParam } from '../contracts/ids';
import type { SessionList } from '../contracts/auth';
import { listSessions, revokeOtherSessions, revokeSessionById } from '../services/auth/sessions';

export const sessionRoutes = new Hono<AppEnv>()
  .get('/sessions', async (c) => {
    const body: SessionList = { items: await listSessions(c.var.db(), c.var.principal?.sessionId ?? null) };
    return c.json(body, 200);
  })
  .delete('/sessions/:id', validate('param', IdParam), async (c) => {
    const { id } = c.req.valid('param');
    if (!(await revokeSessionById(c.var.db(), id))) throw new AppError('NOT_FOUND', 'No live session with that id.');
    return c.json({ id, revoked: true as const }, 200);
  })
  .post('/sessions/revoke-others', async (c) => {
    const revoked = await revokeOtherSessions(c.var.db(), c.var.principal?.sessionId ?? null);
    return c.json({ revoked }, 200);
  });
