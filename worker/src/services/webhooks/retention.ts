/**
 * @module
 * Daily webhook housekeeping (from the cron): drop log rows past the retention period (default
 * 90 days, `logRetentionDays` in the config), dedup keys and rate windows that can no longer
 * matter, and expired secrets; then process events an isolate left `pending` (its waitUntil never
 * finished). Plays and watch state are history and are never deleted here.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import type { Bindings } from '../../env';
import type { Logger } from '../../lib/logger';
import { loadConfig } from './config';
import { createProcessDeps } from './deps';
import { sweepStalePending } from './retry';
import { deleteExpiredSecrets } from './secrets';

export interface RetentionResult {
  events: number;
  dedupKeys: number;
  rateWindows: number;
  secrets: number;
  swept: number;
}

export async function runWebhookHousekeeping(db: DbOrTx, env: Bindings, logger: Logger): Promise<RetentionResult> {
  const cfg = await loadConfig(db);
  const events = await db.execute(sql`DELETE FROM webhook_events WHERE received_at < now() - make_interval(days => ${cfg.logRetentionDays}) AND status <> 'waiting'`);
  const dedupKeys = await db.execute(sql`DELETE FROM webhook_dedup WHERE seen_at < now() - interval '1 day'`);
  const rateWindows = await db.execute(sql`DELETE FROM webhook_rate_windows WHERE window_start < now() - interval '1 hour'`);
  const secrets = await deleteExpiredSecrets(db);
  const swept = await sweepStalePending(db, await createProcessDeps(db, env, logger));
  return { events: events.rowCount ?? 0, dedupKeys: dedupKeys.rowCount ?? 0, rateWindows: rateWindows.rowCount ?? 0, secrets, swept };
}
