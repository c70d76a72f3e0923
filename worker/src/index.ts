/**
 * @module
 * Cloudflare Workers entry: HTTP via the Hono app, cron via runScheduled.
 */
import { createApp } from './app';
import type { Bindings } from './env';
import { runScheduled } from './scheduled';

export { HubDO } from './hub/hub-do';
export { WebhookRetrier } from './services/webhooks/retrier-do';

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled: (_controller, env, ctx) => runScheduled(env, ctx),
} satisfies ExportedHandler<Bindings>;
