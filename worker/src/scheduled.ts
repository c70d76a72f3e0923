/**
 * @module
 * Cron housekeeping (wrangler.toml [triggers]). Runs once a day, so its few queries are
 * the only ones an idle deployment makes.
 */
import type { Bindings } from './env';
import { RuntimeConfig } from './env';
import { openDb } from './db/client';
import { createLogger } from './lib/logger';
import { deleteExpiredSessions } from './services/auth/sessions';
import { runWebhookHousekeeping } from './services/webhooks/retention';

export async function runScheduled(env: Bindings, ctx: ExecutionContext): Promise<void> {
  const logger = createLogger({ task: 'scheduled' });
  const cfg = RuntimeConfig.safeParse(env);
  if (!cfg.success) {
    logger.error('scheduled run skipped: bad environment', { issues: cfg.error.issues.map((i) => i.message) });
    return;
  }
  const handle = openDb(cfg.data);
  try {
    await deleteExpiredSessions(handle.db);
    logger.info('webhook housekeeping', { ...(await runWebhookHousekeeping(handle.db, env, logger)) });
    logger.info('housekeeping done');
  } finally {
    ctx.waitUntil(handle.end());
  }
}
