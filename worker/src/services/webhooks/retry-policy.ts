/**
 * @module
 * Retry timing for failed processing: exponential backoff with jitter, capped, and a bounded
 * number of attempts (after which the event stays `failed` until someone replays it).
 */
export const MAX_ATTEMPTS = 8;
const BASE_MS = 30_000;
const CAP_MS = 60 * 60_000;

/** Delay before attempt `attempts + 1`: 30 s, 1 min, 2 min … ≤ 1 h, ±20% jitter so retries spread out. */
export function backoffDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
