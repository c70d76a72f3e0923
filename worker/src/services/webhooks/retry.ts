/**
 * @module
 * Re-running failed processing. The retrier Durable Object calls runDueRetries from its alarm
 * and re-arms the alarm for the returned time; with nothing failed it returns null and no alarm
 * is set, so an idle deployment makes no queries. The daily cron also picks up events left
 * `pending` by an isolate that died before its waitUntil finished.
 */
import { and, asc, isNotNull, lte, min, sql } from 'drizzle-orm';
import type { DbOrTx as Db } from '../../db/client';
import { webhookEvents } from '../../db/schema';
import { processEvent, type ProcessDeps } from './process';

const BATCH = 25;

export async function nextRetryAt(db: Db): Promise<Date | null> {
  const [row] = await db
    .select({ at: min(webhookEvents.nextAttemptAt) })
    .from(webhookEvents)
    .where(sql`${webhookEvents.status} = 'failed' AND ${webhookEvents.nextAttemptAt} IS NOT NULL`);
  return row?.at ?? null;
}

/** Processes failed events whose retry time has come; returns when the next one is due (or null). */
export async function runDueRetries(db: Db, deps: ProcessDeps, now = new Date()): Promise<{ processed: number; nextAt: Date | null }> {
  const due = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(sql`${webhookEvents.status} = 'failed'`, isNotNull(webhookEvents.nextAttemptAt), lte(webhookEvents.nextAttemptAt, now)))
    .orderBy(asc(webhookEvents.nextAttemptAt))
    .limit(BATCH);
  // Failures inside processEvent schedule themselves again; the retrier re-arms from nextAt.
  const noReschedule: ProcessDeps = { ...deps, scheduleRetry: undefined };
  for (const { id } of due) await processEvent(db, noReschedule, id);
  return { processed: due.length, nextAt: await nextRetryAt(db) };
}

/** Events still `pending` long after they arrived lost their waitUntil run; process them now. */
export async function sweepStalePending(db: Db, deps: ProcessDeps, olderThanMinutes = 10): Promise<number> {
  const stale = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(sql`${webhookEvents.status} = 'pending' AND ${webhookEvents.receivedAt} < now() - make_interval(mins => ${olderThanMinutes})`)
    .orderBy(asc(webhookEvents.receivedAt))
    .limit(500);
  for (const { id } of stale) await processEvent(db, deps, id);
  return stale.length;
}
