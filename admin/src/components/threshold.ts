/** @module The watched threshold as people type it (a percentage) and as the API takes it (0–1). */

/** The threshold is a percentage on this page, so its error speaks in percent too (the API takes 0–1). */
export const THRESHOLD_MESSAGE = 'Enter a percentage from 0 to 100 (Plex itself counts 90 % as watched).';

/** The typed percentage as the API's 0–1 ratio, or null when it is not a percentage. */
export function thresholdRatio(text: string): number | null {
  const t = text.trim().replace(/\s*%$/, '').replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  const pct = Number(t);
  return pct >= 0 && pct <= 100 ? pct / 100 : null;
}
