/**
 * @module
 * The app factory: one Hono app for every runtime (workerd in production and tests, Node
 * for tools). Routes are chained so `AppType` carries every route's types to the admin's
 * `hc` client.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './env';
import { AppError, errorBody, handleError } from './errors';
import { requestContext } from './middleware/request-context';
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

export const API_BODY_LIMIT = 1024 * 1024;

const limitBody = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${maxSize} bytes.`);
    },
  });

export function createApiRoutes() {
  return new Hono<AppEnv>().use(limitBody(API_BODY_LIMIT)).use(requireAdmin).route('/', meRoutes)
    .route('/plex', plexRoutes)
    .route('/', libraryRoutes)
    .route('/', accountRoutes)
    .route('/plex', plexMappingRoutes)
    .route('/', jobsApiRoutes);
}

export function createApp() {
  const app = new Hono<AppEnv>();
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
