/**
 * @module
 * Retry timing for failed processing: exponential backoff with jitter, capped, and a bounded
 * number of attempts (after which the event stays `failed` until someone replays it); and the
 * processing lock, which is also what decides that a `pending` event was stranded.
 */
export const MAX_ATTEMPTS = 8;

/**
 * How long a processing run holds an event. A `pending` event whose lock ran out (or that was
 * never claimed and arrived longer ago than this) was stranded — its isolate died mid-run — and
 * is picked up again by the retrier alarm or the next delivery. WEBHOOK_LOCK_MS overrides it
 * (tests compress it).
 */
export const DEFAULT_LOCK_MS = 120_000;

/** The inline (after-the-response) run gives up well before its own lock runs out. */
export function inlineDeadlineMs(lockMs: number): number {
  return Math.min(20_000, Math.floor(lockMs / 2));
}
const BASE_MS = 30_000;
const CAP_MS = 60 * 60_000;

/** Delay before attempt `attempts + 1`: 30 s, 1 min, 2 min … ≤ 1 h, ±20% jitter so retries spread out. */
export function backoffDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
