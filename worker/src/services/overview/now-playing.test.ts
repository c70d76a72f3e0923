/** The now-playing rule: which latest event means playing, paused or over, and when it goes stale. */
import { describe, expect, it } from 'vitest';
import { LOOKBACK_MS, PAUSED_MAX_MS, PLAYING_GRACE_MS, UNKNOWN_LENGTH_MS, liveSessions, nextExpiry, sessionState, type SessionEvent } from './now-playing';

const T0 = new Date('2026-11-20T20:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const MIN = 60_000;

function ev(event: string, over: Partial<SessionEvent> = {}): SessionEvent {
  return { sessionKey: 's1', event, receivedAt: T0, viewOffsetMs: 10 * MIN, durationMs: 45 * MIN, ...over };
}

describe('sessionState', () => {
  it('play: playing, the position moves with the clock from the event offset', () => {
    expect(sessionState(ev('media.play'), at(5 * MIN))).toEqual({ state: 'playing', positionMs: 15 * MIN, expiresAt: at(35 * MIN + PLAYING_GRACE_MS) });
  });

  it('resume and scrobble mean playing too', () => {
    expect(sessionState(ev('media.resume'), at(MIN))?.state).toBe('playing');
    expect(sessionState(ev('media.scrobble', { viewOffsetMs: 41 * MIN }), at(MIN))).toMatchObject({ state: 'playing', positionMs: 42 * MIN });
  });

  it('pause: paused where it stopped, whatever the clock says', () => {
    expect(sessionState(ev('media.pause'), at(30 * MIN))).toEqual({ state: 'paused', positionMs: 10 * MIN, expiresAt: at(PAUSED_MAX_MS) });
  });

  it('stop: over at once', () => {
    expect(sessionState(ev('media.stop'), T0)).toBeNull();
    expect(sessionState(ev('library.new'), T0)).toBeNull();
  });

  it('a playing session expires a grace period after the item would have ended', () => {
    const end = 35 * MIN; // 45 min long, 10 min in at the event
    expect(sessionState(ev('media.play'), at(end + PLAYING_GRACE_MS - 1))?.state).toBe('playing');
    expect(sessionState(ev('media.play'), at(end + PLAYING_GRACE_MS))).toBeNull();
  });

  it('the position never runs past the end while the grace period lasts', () => {
    expect(sessionState(ev('media.play'), at(40 * MIN))?.positionMs).toBe(45 * MIN);
  });

  it('a paused session expires after the pause limit', () => {
    expect(sessionState(ev('media.pause'), at(PAUSED_MAX_MS - 1))?.state).toBe('paused');
    expect(sessionState(ev('media.pause'), at(PAUSED_MAX_MS))).toBeNull();
  });

  it('with no duration, a playing session lasts the unknown-length limit; with no offset it has no position', () => {
    const e = ev('media.play', { durationMs: null, viewOffsetMs: null });
    expect(sessionState(e, at(MIN))).toEqual({ state: 'playing', positionMs: null, expiresAt: at(UNKNOWN_LENGTH_MS) });
    expect(sessionState(e, at(UNKNOWN_LENGTH_MS))).toBeNull();
  });

  it('garbage numbers from a payload are treated as unknown, not trusted', () => {
    const s = sessionState(ev('media.play', { durationMs: 0, viewOffsetMs: -5 }), at(MIN));
    expect(s).toEqual({ state: 'playing', positionMs: null, expiresAt: at(UNKNOWN_LENGTH_MS) });
  });

  it('an offset past the duration ends the session at once (plus grace) and shows the end', () => {
    const s = sessionState(ev('media.play', { viewOffsetMs: 50 * MIN }), at(MIN));
    expect(s).toEqual({ state: 'playing', positionMs: 45 * MIN, expiresAt: at(PLAYING_GRACE_MS) });
  });

  it('nothing older than the lookback counts, even a very long item', () => {
    const e = ev('media.play', { durationMs: 20 * 60 * MIN, viewOffsetMs: 0 });
    expect(sessionState(e, at(LOOKBACK_MS - 1))?.state).toBe('playing');
    expect(sessionState(e, at(LOOKBACK_MS + 1))).toBeNull();
  });
});

describe('liveSessions', () => {
  it('keeps the live ones in a stable order, and tells the next expiry', () => {
    const now = at(20 * MIN);
    const list = liveSessions(
      [
        ev('media.pause', { sessionKey: 'paused', receivedAt: at(19 * MIN) }),
        ev('media.play', { sessionKey: 'old-play', receivedAt: at(MIN) }),
        ev('media.stop', { sessionKey: 'stopped', receivedAt: at(19 * MIN) }),
        ev('media.resume', { sessionKey: 'new-play', receivedAt: at(18 * MIN) }),
        ev('media.play', { sessionKey: 'stale', receivedAt: at(-3 * 60 * MIN) }),
      ],
      now,
    );
    expect(list.map((s) => s.sessionKey)).toEqual(['new-play', 'old-play', 'paused']);
    // Pausing or resuming does not move a row; the order comes from `order`, not the state.
    const byOrder = liveSessions([ev('media.play', { sessionKey: 'b' }), ev('media.pause', { sessionKey: 'a' })], at(MIN), (e) => (e.sessionKey === 'a' ? 'zed' : 'amy'));
    expect(byOrder.map((s) => s.sessionKey)).toEqual(['b', 'a']);
    expect(nextExpiry(list)).toEqual(at(MIN + 35 * MIN + PLAYING_GRACE_MS));
    expect(nextExpiry([])).toBeNull();
  });
});
