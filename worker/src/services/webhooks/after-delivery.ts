/**
 * @module
 * What runs after a delivery's 200 (waitUntil): the delivery itself when it needs processing,
 * the stranded event a redelivery revived, and a few other stranded events the store statement
 * handed back (retry.ts says what "stranded" means). Each run is bounded by the inline deadline
 * and the whole batch by the runtime's waitUntil allowance; whatever does not fit stays stranded
 * and is taken by the retrier alarm.
 */
import type { DbOrTx } from '../../db/client';
import { deferPendingToRetry, processEvent, type ProcessDeps } from './process';
import { DEFAULT_LOCK_MS, inlineDeadlineMs } from './retry-policy';

/** Stay well inside the runtime's 30 s waitUntil allowance. */
const BATCH_BUDGET_MS = 25_000;

export interface DeliveryWork {
  /** The delivery's own event, when it was stored `pending`. */
  eventId: string | null;
  /** A stranded event this delivery was a redelivery of. */
  revived: string | null;
  stranded: string[];
}

export function hasWork(w: DeliveryWork): boolean {
  return w.eventId !== null || w.revived !== null || w.stranded.length > 0;
}

export async function processAfterDelivery(db: DbOrTx, deps: ProcessDeps, work: DeliveryWork): Promise<void> {
  const deadlineMs = inlineDeadlineMs(deps.lockMs ?? DEFAULT_LOCK_MS);
  const stopAt = Date.now() + BATCH_BUDGET_MS;
  const ids = [work.eventId, work.revived, ...work.stranded].filter((id): id is string => id !== null);
  for (const [i, id] of ids.entries()) {
    // The delivery's own event always runs; the extras only while a whole run still fits.
    if (i > 0 && Date.now() + deadlineMs > stopAt) break;
    try {
      await processEvent(db, deps, id, { deadlineMs });
    } catch (err) {
      deps.logger.error('webhook processing crashed', { eventId: id, error: String(err) });
      // Best effort: if even this fails the event stays `pending`, stranded, for the retrier alarm.
      await deferPendingToRetry(db, id, err, deps.scheduleRetry).catch(() => undefined);
    }
  }
}
