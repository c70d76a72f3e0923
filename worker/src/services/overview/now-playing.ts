/**
 * @module
 * "Now playing", derived from the playback webhooks Plex sends (play, pause, resume, stop,
 * scrobble). Plex sends nothing while something simply keeps playing, and a client that crashes or
 * loses its network never sends `media.stop`, so a session is the latest event per (server, account,
 * player) and it *expires* when the silence no longer fits what we know:
 *
 * - last event `media.stop` → ended, not shown;
 * - last event play / resume / scrobble → playing; the position moves on with the clock from the
 *   event's `viewOffset`. It expires {@link PLAYING_GRACE_MS} after the item would have reached its
 *   end (its duration minus the offset at the event); with no duration, {@link UNKNOWN_LENGTH_MS}
 *   after the event;
 * - last event `media.pause` → paused at the event's offset; expires {@link PAUSED_MAX_MS} after it;
 * - nothing older than {@link LOOKBACK_MS} is considered at all (bounds the query).
 *
 * Pure: the SQL that finds the latest event per session lives in overview.ts; this decides what
 * they mean at `now`, so the rule is unit-tested without a clock or a database.
 */

export const PLAYING_GRACE_MS = 15 * 60_000;
export const UNKNOWN_LENGTH_MS = 4 * 60 * 60_000;
export const PAUSED_MAX_MS = 2 * 60 * 60_000;
/** Longer than any expiry below can reach for ordinary media: a session silent this long is over. */
export const LOOKBACK_MS = 12 * 60 * 60_000;

export const PLAYBACK_EVENTS = ['media.play', 'media.pause', 'media.resume', 'media.stop', 'media.scrobble'] as const;
export type PlaybackEvent = (typeof PLAYBACK_EVENTS)[number];

/** The latest playback event of one session, as the query reads it. */
export interface SessionEvent {
  sessionKey: string;
  event: string;
  receivedAt: Date;
  viewOffsetMs: number | null;
  durationMs: number | null;
}

export interface SessionState {
  state: 'playing' | 'paused';
  /** Where playback is at `now` (playing: extrapolated; paused: where it stopped), capped at the duration. */
  positionMs: number | null;
  /** When this session stops being shown unless another event arrives. */
  expiresAt: Date;
}

/** What one session's latest event means at `now`; null when it ended or went stale. */
export function sessionState(e: SessionEvent, now: Date): SessionState | null {
  const at = e.receivedAt.getTime();
  const t = now.getTime();
  if (t - at > LOOKBACK_MS) return null;
  const offset = e.viewOffsetMs !== null && e.viewOffsetMs >= 0 ? e.viewOffsetMs : null;
  const duration = e.durationMs !== null && e.durationMs > 0 ? e.durationMs : null;
  const cap = (ms: number) => (duration !== null ? Math.min(ms, duration) : ms);
  let expires: number;
  let state: SessionState['state'];
  let position: number | null;
  switch (e.event) {
    case 'media.pause':
      state = 'paused';
      expires = at + PAUSED_MAX_MS;
      position = offset === null ? null : cap(offset);
      break;
    case 'media.play':
    case 'media.resume':
    case 'media.scrobble': {
      state = 'playing';
      const remaining = duration !== null ? Math.max(0, duration - (offset ?? 0)) : null;
      expires = remaining !== null ? at + remaining + PLAYING_GRACE_MS : at + UNKNOWN_LENGTH_MS;
      position = offset === null ? null : cap(offset + Math.max(0, t - at));
      break;
    }
    default:
      return null; // media.stop, or anything that is not a playback event
  }
  if (t >= expires) return null;
  return { state, positionMs: position, expiresAt: new Date(expires) };
}

/**
 * The sessions still live at `now`, each with its state, in a stable order (by `order`, e.g.
 * account then player): a pause, a resume or another session starting never reshuffles a live
 * view, so nobody's row jumps while they look at it.
 */
export function liveSessions<T extends SessionEvent>(latest: readonly T[], now: Date, order: (e: T) => string = (e) => e.sessionKey): Array<T & SessionState> {
  const out: Array<T & SessionState> = [];
  for (const e of latest) {
    const s = sessionState(e, now);
    if (s) out.push({ ...e, ...s });
  }
  return out.sort((a, b) => order(a).localeCompare(order(b)) || a.sessionKey.localeCompare(b.sessionKey));
}

/** The earliest moment one of these sessions expires: when a live view has to look again. */
export function nextExpiry(sessions: ReadonlyArray<{ expiresAt: Date }>): Date | null {
  let min: number | null = null;
  for (const s of sessions) if (min === null || s.expiresAt.getTime() < min) min = s.expiresAt.getTime();
  return min === null ? null : new Date(min);
}
