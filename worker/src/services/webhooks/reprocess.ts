/**
 * @module
 * Re-runs the webhook events that waited on a match conflict once a person resolved it.
 * The matching side calls this after writing the decision; processing is idempotent, so a
 * second call for the same conflict finds nothing left to do. It runs with the same processing
 * dependencies as every other path (deps.ts builds them): an event that fails here is scheduled
 * on the retrier and its stored error is redacted, exactly as on first delivery.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { webhookEvents } from '../../db/schema';
import { processEvent, type ProcessDeps } from './process';

/** Re-processes every event whose status is `waiting` on `conflictId`, oldest first (so plays keep their order). */
export async function reprocessEventsWaitingOn(db: DbOrTx, deps: ProcessDeps, conflictId: string): Promise<{ reprocessed: number }> {
  const waiting = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.status, 'waiting'), eq(webhookEvents.waitingConflictId, conflictId)))
    .orderBy(asc(webhookEvents.receivedAt));
  let reprocessed = 0;
  for (const { id } of waiting) {
    // force: `waiting` is a finished state for the claim; the resolution is the reason to run again.
    const r = await processEvent(db, deps, id, { force: true });
    if (r.status !== 'skipped') reprocessed++;
  }
  return { reprocessed };
}
