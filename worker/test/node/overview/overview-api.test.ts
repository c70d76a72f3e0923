/**
 * GET /api/overview through the real app and Postgres, fed by real Plex deliveries: the first-run
 * checklist ticking itself, now playing derived from play/pause/stop (account names, player,
 * position, expiry when stale), recent plays, webhook health, open conflicts, and the badges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, variant, type Payload } from '../../fixtures/plex';
import { officeEpisode } from '../../fixtures/plex/the-office';
import { createHarness, rows, type Harness } from '../plex/harness';
import { readJson } from '../../support/test-app';

let h: Harness;

beforeAll(async () => {
  h = await createHarness({}, { rateLimitPerMinute: 10_000 });
});
afterAll(async () => {
  await h?.dispose();
});

async function overview() {
  const res = await h.api('/api/overview');
  expect(res.status).toBe(200);
  return readJson(res);
}

function play(event: string, over: Record<string, unknown>, top: Record<string, unknown> = {}): Payload {
  return { ...variant(fixture('episode-legacy.play'), over, top), event };
}

describe('the overview', () => {
  it('starts with the first-run checklist open and nothing to show', async () => {
    const o = await overview();
    // The harness saved the settings (a webhook URL exists); nothing else happened yet.
    expect(o.firstRun).toEqual({ settingsSaved: true, webhookReceived: false, playbackSeen: false, agentEnrolled: false });
    expect(o).toMatchObject({ nowPlaying: [], recentPlays: [], approvals: [], runningJobs: [], badges: { conflicts: 0, approvals: 0 }, refreshAt: null });
    expect(o.webhooks).toEqual({ lastReceivedAt: null, received24h: 0, successRate7d: null, retrying: 0, gaveUp: 0, waiting: 0 });
    expect(o.agents).toEqual({ online: 0, total: 0, items: [] });
  });

  it('derives now playing from play, pause and stop events, per account and player', async () => {
    // owner plays Breaking Bad S01E01 on the living room TV, 2 minutes in.
    expect((await h.deliver(play('media.play', { viewOffset: 120_000 }))).status).toBe(200);
    // kid plays S01E02 on a phone and pauses it 10 minutes in.
    const kid = { Account: { id: 24680135, title: 'kid' }, Player: { title: 'Pixel 8', uuid: 'phone-1', local: false } };
    expect((await h.deliver(play('media.play', { ratingKey: '4102', index: 2, viewOffset: 0 }, kid))).status).toBe(200);
    expect((await h.deliver(play('media.pause', { ratingKey: '4102', index: 2, viewOffset: 600_000 }, kid))).status).toBe(200);
    // A third account watched a movie and stopped: not playing any more.
    const guest = { Account: { id: 555, title: 'guest' }, Player: { title: 'Laptop', uuid: 'laptop-1', local: true } };
    expect((await h.deliver({ ...variant(fixture('movie-legacy-imdb.scrobble'), { viewOffset: 60_000 }, guest), event: 'media.play' })).status).toBe(200);
    expect((await h.deliver({ ...variant(fixture('movie-legacy-imdb.scrobble'), { viewOffset: 90_000 }, guest), event: 'media.stop' })).status).toBe(200);

    const o = await overview();
    expect(o.nowPlaying).toHaveLength(2);
    // Rows keep a stable order (by account name, then player): kid before owner.
    const [kidNow, owner] = o.nowPlaying;
    expect(owner).toMatchObject({
      state: 'playing',
      account: { id: '1', title: 'owner' },
      player: { title: 'Living Room TV', local: true },
      mediaType: 'episode',
      showTitle: 'Breaking Bad',
      season: 1,
      episode: 1,
      title: 'Pilot',
      durationMs: 3_480_000,
      posterUrl: expect.stringMatching(/^\/api\/posters\?plex=9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d%3A4099$/),
    });
    // The position moved on with the clock from the event's 2 minutes (the read is a moment later).
    expect(owner.positionMs).toBeGreaterThanOrEqual(120_000);
    expect(owner.positionMs).toBeLessThan(120_000 + 60_000);
    expect(kidNow).toMatchObject({ state: 'paused', account: { id: '24680135', title: 'kid' }, player: { title: 'Pixel 8', local: false }, episode: 2, positionMs: 600_000 });
    expect(o.nowPlaying.map((n: { account: { title: string } }) => n.account.title)).toEqual(['kid', 'owner']);
    expect(Date.parse(o.refreshAt)).toBe(Math.min(Date.parse(owner.expiresAt), Date.parse(kidNow.expiresAt)));
    expect(o.firstRun).toMatchObject({ webhookReceived: true, playbackSeen: true });
    expect(o.webhooks.received24h).toBe(5);
    expect(o.webhooks.lastReceivedAt).not.toBeNull();
  });

  it('drops a session that went silent for longer than the rule allows', async () => {
    // The owner's play event "happened" 2 hours ago: a 58-minute episode 2 minutes in is long over.
    await h.db.raw.query(`UPDATE webhook_events SET received_at = now() - interval '2 hours' WHERE account_id = '1' AND event = 'media.play'`);
    const o = await overview();
    expect(o.nowPlaying.map((n: { account: { title: string } }) => n.account.title)).toEqual(['kid']);
  });

  it('ignores deliveries from servers or accounts this household does not track', async () => {
    await h.configure({ trackedAccountIds: ['1', '24680135', '555'] });
    const stranger = { Account: { id: 999, title: 'stranger' }, Player: { title: 'TV', uuid: 'tv-9' } };
    expect(((await readJson(await h.deliver(play('media.play', { ratingKey: '4103' }, stranger)))) as { status: string }).status).toBe('ignored');
    const o = await overview();
    expect(o.nowPlaying.some((n: { account: { id: string } }) => n.account.id === '999')).toBe(false);
    await h.configure({ trackedAccountIds: [] });
  });

  it('lists recent plays with names and posters, and counts conflicts in the badges', async () => {
    expect((await h.deliver(fixture('episode-legacy-thetvdb.scrobble'))).status).toBe(200);
    expect((await h.deliver(fixture('movie-legacy-imdb.scrobble'))).status).toBe(200);
    // No TMDB: two different "The Office" shows in the catalog make the next one ambiguous.
    await h.db.raw.query(`INSERT INTO shows (id, title, year) VALUES ('shw_office_us', 'The Office', 2005), ('shw_office_uk', 'The Office', 2001)`);
    expect((await h.deliver(officeEpisode(1))).status).toBe(200);

    const o = await overview();
    expect(o.recentPlays.map((p: { kind: string; showTitle: string | null; title: string }) => [p.kind, p.showTitle ?? p.title])).toEqual([
      ['movie', 'The Godfather'],
      ['episode', 'Breaking Bad'],
    ]);
    expect(o.recentPlays[0]).toMatchObject({ account: { id: '1', title: 'owner' }, source: 'webhook', year: 1972 });
    expect(o.recentPlays[1]).toMatchObject({ season: 1, episode: 1, posterUrl: expect.stringContaining('/api/posters?') });
    expect(o.conflicts.open).toBe(1);
    expect(o.conflicts.items[0]).toMatchObject({ kind: 'show', title: 'The Office', reason: expect.any(String), candidates: 2 });
    expect(o.badges).toEqual({ conflicts: 1, approvals: 0 });
    expect(o.webhooks.waiting).toBe(1);
    const badges = await readJson(await h.api('/api/overview/stream?scope=nonsense'));
    expect(badges.error.code).toBe('BAD_REQUEST');
  });

  it('counts failed deliveries that are retrying and those that gave up', async () => {
    const [one] = await rows<{ id: string }>(h.db, `SELECT id FROM webhook_events ORDER BY received_at DESC LIMIT 2`);
    await h.db.raw.query(`UPDATE webhook_events SET status = 'failed', next_attempt_at = now() + interval '1 minute' WHERE id = $1`, [one!.id]);
    await h.db.raw.query(`UPDATE webhook_events SET status = 'failed', next_attempt_at = NULL WHERE id IN (SELECT id FROM webhook_events WHERE status = 'processed' ORDER BY received_at LIMIT 1)`);
    const o = await overview();
    expect(o.webhooks).toMatchObject({ retrying: 1, gaveUp: 1 });
    expect(o.webhooks.successRate7d).toBeGreaterThan(0);
    expect(o.webhooks.successRate7d).toBeLessThan(1);
  });
});
