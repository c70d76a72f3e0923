/**
 * @module
 * Re-runs the webhook events that waited on a match conflict once a person resolved it.
 * The matching side calls this after writing the decision; processing is idempotent, so a
 * second call for the same conflict finds nothing left to do.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { webhookEvents } from '../../db/schema';
import type { MatchDeps } from '../matching/types';
import { processEvent } from './process';
import { matchPlexItem } from '../matching/match';

/** Re-processes every event whose status is `waiting` on `conflictId`, oldest first (so plays keep their order). */
export async function reprocessEventsWaitingOn(
  db: DbOrTx,
  deps: Omit<MatchDeps, 'allowCreate'>,
  conflictId: string,
): Promise<{ reprocessed: number }> {
  const waiting = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.status, 'waiting'), eq(webhookEvents.waitingConflictId, conflictId)))
    .orderBy(asc(webhookEvents.receivedAt));
  let reprocessed = 0;
  for (const { id } of waiting) {
    // force: `waiting` is a finished state for the claim; the resolution is the reason to run again.
    const r = await processEvent(db, { tmdb: deps.tmdb, logger: deps.logger, match: matchPlexItem }, id, { force: true });
    if (r.status !== 'skipped') reprocessed++;
  }
  return { reprocessed };
}
