/**
 * @module
 * Replaying a stored event after a fix (a new mapping, a config change, a bug fix): the retry
 * budget starts again and the event is processed now, whatever its status. Safe to repeat:
 * processing is idempotent.
 */
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { webhookEvents } from '../../db/schema';
import { AppError } from '../../errors';
import { processEvent, type ProcessDeps, type ProcessResult } from './process';

export async function replayEvent(db: DbOrTx, deps: ProcessDeps, id: string): Promise<ProcessResult> {
  const [row] = await db.update(webhookEvents).set({ attempts: 0 }).where(eq(webhookEvents.id, id)).returning({ id: webhookEvents.id });
  if (!row) throw new AppError('NOT_FOUND', 'No such webhook event.');
  const result = await processEvent(db, deps, id, { force: true });
  if (result.status === 'skipped') throw new AppError('CONFLICT', 'The event is being processed right now. Try again in a moment.');
  return result;
}
