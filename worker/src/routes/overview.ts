/**
 * @module
 * /api/overview — the dashboard in one round trip, and /api/overview/stream, the same answer live
 * (SSE; `?scope=badges` streams only the navigation badge counts). Mounted under the admin API.
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppEnv } from '../env';
import { OverviewStreamQuery } from '../contracts/overview';
import { validate } from '../middleware/validate';
import { requireConfig } from '../middleware/request-context';
import { getHub } from '../hub/hub-client';
import { onlineWindowMs } from '../services/agents/list-agents';
import { readOverview } from '../services/overview/overview';
import { streamOverview } from '../services/overview/stream';

export const overviewRoutes = new Hono<AppEnv>()
  .get('/overview', async (c) => {
    const cfg = requireConfig(c);
    const presence = await getHub(c.env).presence();
    return c.json(await readOverview(c.var.db(), { presence, onlineWindowMs: onlineWindowMs(cfg), agentWaitMs: cfg.AGENT_WAIT_MS }), 200);
  })
  .get('/overview/stream', validate('query', OverviewStreamQuery), (c) => {
    const cfg = requireConfig(c);
    const { scope } = c.req.valid('query');
    return streamSSE(c, (stream) =>
      streamOverview(stream, { cfg, hub: getHub(c.env), scope, onlineWindowMs: onlineWindowMs(cfg), signal: c.req.raw.signal, keepAliveMs: cfg.AGENT_WAIT_MS || 25_000 }),
    );
  });
