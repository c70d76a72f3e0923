/**
 * @module
 * The app factory: one Hono app for every runtime (workerd in production and tests, Node
 * for tools). Routes are chained so `AppType` carries every route's types to the admin's
 * `hc` client.
 */
import { Hono } from 'hono';
import type { AppEnv } from './env';
import { errorBody, handleError } from './errors';
import { drainUnreadBody, limitBody } from './middleware/body-limit';
import { requestContext } from './middleware/request-context';
import { securityHeaders } from './middleware/security-headers';
import { requireAdmin } from './middleware/admin-auth';
import { healthRoutes } from './routes/health';
import { authRoutes } from './routes/auth';
import { meRoutes } from './routes/me';
import { webhookRoutes } from './routes/webhooks';
import { plexRoutes } from './routes/plex';
import { libraryRoutes } from './routes/library';
import { accountRoutes } from './routes/accounts';
import { plexMappingRoutes } from './routes/plex-mappings';
import { jobsApiRoutes } from './routes/jobs-api';
import { agentApiRoutes } from './routes/agent-api';
import { overviewRoutes } from './routes/overview';
import { posterRoutes } from './routes/posters';
import { statsRoutes } from './routes/stats';
import { sessionRoutes } from './routes/sessions';

export const API_BODY_LIMIT = 1024 * 1024;

export function createApiRoutes() {
  return new Hono<AppEnv>().use(limitBody(API_BODY_LIMIT)).use(requireAdmin).route('/', meRoutes)
    .route('/plex', plexRoutes)
    .route('/', libraryRoutes)
    .route('/', accountRoutes)
    .route('/plex', plexMappingRoutes)
    .route('/', jobsApiRoutes)
    .route('/', overviewRoutes)
    .route('/', posterRoutes)
    .route('/', statsRoutes)
    .route('/', sessionRoutes);
}

export function createApp() {
  const app = new Hono<AppEnv>();
  app.use(securityHeaders);
  app.use(drainUnreadBody);
  app.use(requestContext);
  app.onError(handleError);
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`, c.var.requestId), 404));

  return app
    .route('/', healthRoutes)
    .use('/auth/*', limitBody(16 * 1024))
    .route('/auth', authRoutes)
    .route('/webhooks', webhookRoutes)
    .route('/agent/v1', agentApiRoutes)
    .route('/api', createApiRoutes());
}

export type AppType = ReturnType<typeof createApp>;
