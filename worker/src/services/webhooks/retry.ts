/**
 * @module
 * Re-running processing that did not finish. Two kinds of events need it:
 * - `failed` events whose backoff time has come;
 * - `pending` events that were *stranded*: stored and answered, but the isolate running them died
 *   (a crash, a deploy, `kill -9` of workerd) before it finished. Such an event's processing
 *   lock ran out — or it was never claimed and arrived longer ago than the lock lasts.
 *
 * The retrier Durable Object calls runDueRetries from its alarm and re-arms for the returned time:
 * every delivery arms it once for "lock + a second from now", so a crash right after a 200 is
 * repaired within about one lock period; with nothing failed or pending it returns null and no
 * alarm is set, so an idle deployment makes no queries. Each delivery also picks up a few
 * stranded events (storeEvent), and the daily cron sweeps whatever is left.
 */
import { asc, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx as Db } from '../../db/client';
import { webhookEvents } from '../../db/schema';
import { processEvent, type ProcessDeps } from './process';
import { DEFAULT_LOCK_MS } from './retry-policy';

const BATCH = 25;

/** When a pending event counts as stranded: its lock (or, never claimed, its arrival + one lock) is in the past. */
export function strandedAt(lockMs: number): SQL {
  return sql`coalesce(${webhookEvents.lockedUntil}, ${webhookEvents.receivedAt} + (${lockMs}::int * interval '1 millisecond'))`;
}

/** Failed events due for a retry, or pending events stranded by a dead run: both need processing now. */
function dueNow(lockMs: number): SQL {
  return sql`((${webhookEvents.status} = 'failed' AND ${webhookEvents.nextAttemptAt} <= now())
    OR (${webhookEvents.status} = 'pending' AND ${strandedAt(lockMs)} < now()))`;
}

/** When something next needs the retrier: the earliest failed retry time or pending lock expiry; null = nothing. */
export async function nextRetryAt(db: Db, lockMs = DEFAULT_LOCK_MS): Promise<Date | null> {
  const [row] = await db
    .select({
      at: sql<Date | null>`min(CASE WHEN ${webhookEvents.status} = 'failed' THEN ${webhookEvents.nextAttemptAt} ELSE ${strandedAt(lockMs)} END)`.mapWith(webhookEvents.nextAttemptAt),
    })
    .from(webhookEvents)
    .where(sql`(${webhookEvents.status} = 'failed' AND ${webhookEvents.nextAttemptAt} IS NOT NULL) OR ${webhookEvents.status} = 'pending'`);
  return row?.at ?? null;
}

/** Processes what is due (failed retries and stranded pending events); returns when the next one is due (or null). */
export async function runDueRetries(db: Db, deps: ProcessDeps): Promise<{ processed: number; nextAt: Date | null }> {
  const lockMs = deps.lockMs ?? DEFAULT_LOCK_MS;
  const due = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(dueNow(lockMs))
    .orderBy(asc(webhookEvents.receivedAt))
    .limit(BATCH);
  // Failures inside processEvent schedule themselves again; the retrier re-arms from nextAt.
  const noReschedule: ProcessDeps = { ...deps, scheduleRetry: undefined };
  for (const { id } of due) await processEvent(db, noReschedule, id);
  return { processed: due.length, nextAt: await nextRetryAt(db, lockMs) };
}

/** The daily sweep: every stranded pending event (bounded per run), for deployments whose alarm never ran. */
export async function sweepStalePending(db: Db, deps: ProcessDeps): Promise<number> {
  const stale = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(sql`${webhookEvents.status} = 'pending' AND ${strandedAt(deps.lockMs ?? DEFAULT_LOCK_MS)} < now()`)
    .orderBy(asc(webhookEvents.receivedAt))
    .limit(500);
  for (const { id } of stale) await processEvent(db, deps, id);
  return stale.length;
}
