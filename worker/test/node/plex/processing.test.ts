import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, variant, type Payload } from '../../fixtures/plex';
import { createHarness, eventRow, rows, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({}, { rateLimitPerMinute: 10_000 });
});
afterAll(() => h?.dispose());

/** A distinct episode of the legacy-agent show (own ratingKey, own episode number). */
function episode(event: string, n: number, meta: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Payload {
  const p = variant(fixture('episode-legacy-thetvdb.scrobble'), { ratingKey: `ep-${n}`, index: n, guid: `com.plexapp.agents.thetvdb://81189/2/${n}?lang=en`, parentIndex: 2, ...meta }, top);
  return { ...p, event };
}

async function deliver(p: Payload): Promise<{ status: string; id: string }> {
  const res = await h.deliver(p, { thumb: false });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; id: string };
}

async function stateOf(accountId: string, season: number, ep: number) {
  const [row] = await rows<{ watched: boolean; watched_at: Date; plays: number }>(
    h.db,
    `SELECT w.watched, w.watched_at, w.plays FROM watch_state w JOIN episodes e ON e.id = w.item_id
     JOIN shows s ON s.id = e.show_id WHERE s.title = 'Breaking Bad' AND e.season = $1 AND e.episode = $2 AND w.account_id = $3`,
    [season, ep, accountId],
  );
  return row;
}

async function playsOf(accountId: string, season: number, ep: number): Promise<number> {
  const [row] = await rows<{ n: string }>(
    h.db,
    `SELECT count(*) AS n FROM plays p JOIN episodes e ON e.id = p.item_id WHERE e.season = $1 AND e.episode = $2 AND p.account_id = $3`,
    [season, ep, accountId],
  );
  return Number(row!.n);
}

describe('processing (store → 200 → process)', () => {
  it('scrobble → the episode is watched for that account, with one play', async () => {
    const { id, status } = await deliver(fixture('episode-legacy-thetvdb.scrobble'));
    expect(status).toBe('accepted');
    const row = await eventRow(h.db, id);
    expect(row).toMatchObject({ status: 'processed', error: null });
    expect(row.action).toMatch(/marked watched S01E01/);
    expect(await stateOf('1', 1, 1)).toMatchObject({ watched: true, plays: 1 });
  });

  it('stop at or past 90% → watched; before 90% → progress only', async () => {
    await deliver(episode('media.stop', 3, { viewOffset: 3_200_000 }));
    expect(await stateOf('1', 2, 3)).toMatchObject({ watched: true, plays: 1 });
    const { id } = await deliver(episode('media.stop', 4, { viewOffset: 1_740_000 }));
    expect(await stateOf('1', 2, 4)).toBeUndefined();
    expect((await eventRow(h.db, id)).action).toMatch(/progress 50% \(stopped\)/);
    const [p] = await rows(h.db, `SELECT p.view_offset_ms, p.state FROM playback_progress p JOIN episodes e ON e.id = p.item_id WHERE e.season = 2 AND e.episode = 4`);
    expect(p).toMatchObject({ view_offset_ms: 1_740_000, state: 'stopped' });
  });

  it('play / pause / resume keep the position per account', async () => {
    await deliver(episode('media.play', 5, { viewOffset: 60_000 }));
    await deliver(episode('media.pause', 5, { viewOffset: 600_000 }));
    await deliver(episode('media.pause', 5, { viewOffset: 900_000 }, { Account: { id: 24680135, title: 'kid' } }));
    const progress = await rows<{ account_id: string; view_offset_ms: number; state: string }>(
      h.db,
      `SELECT p.account_id, p.view_offset_ms, p.state FROM playback_progress p JOIN episodes e ON e.id = p.item_id WHERE e.season = 2 AND e.episode = 5 ORDER BY account_id`,
    );
    expect(progress).toEqual([
      { account_id: '1', view_offset_ms: 600_000, state: 'paused' },
      { account_id: '24680135', view_offset_ms: 900_000, state: 'paused' },
    ]);
    await deliver(episode('media.resume', 5, { viewOffset: 600_000 }));
    const [again] = await rows<{ state: string }>(h.db, `SELECT p.state FROM playback_progress p JOIN episodes e ON e.id = p.item_id WHERE e.season = 2 AND e.episode = 5 AND account_id = '1'`);
    expect(again!.state).toBe('playing');
  });

  it('rate → rating for that account; a movie scrobble marks the movie', async () => {
    await deliver(fixture('episode-legacy.rate'));
    const [r] = await rows<{ rating: number; kind: string }>(h.db, `SELECT rating, kind FROM ratings WHERE account_id = '1'`);
    expect(r).toMatchObject({ rating: 9, kind: 'episode' });
    await deliver(fixture('movie-legacy-themoviedb.scrobble'));
    const [m] = await rows(h.db, `SELECT w.watched, w.plays FROM watch_state w JOIN movies m ON m.id = w.item_id WHERE m.title = 'The Matrix'`);
    expect(m).toMatchObject({ watched: true, plays: 1 });
  });

  it('20 concurrent identical deliveries → one accepted, 19 duplicates, exactly one play', async () => {
    const p = episode('media.scrobble', 6);
    const answers = await Promise.all(Array.from({ length: 20 }, () => deliver(p)));
    expect(answers.filter((a) => a.status === 'accepted')).toHaveLength(1);
    expect(answers.filter((a) => a.status === 'duplicate')).toHaveLength(19);
    expect(await playsOf('1', 2, 6)).toBe(1);
    expect(await stateOf('1', 2, 6)).toMatchObject({ watched: true, plays: 1 });
  });

  it('20 concurrent different completions of one item (scrobble + stops) → one play', async () => {
    const variants = Array.from({ length: 20 }, (_, i) => (i % 2 ? episode('media.scrobble', 7, { viewOffset: 3_300_000 + i * 11_000 }) : episode('media.stop', 7, { viewOffset: 3_250_000 + i * 10_000 })));
    await Promise.all(variants.map(deliver));
    expect(await playsOf('1', 2, 7)).toBe(1);
  });

  it('skip-credits re-fire after the 5-minute dedup window but within 6 h → still one play', async () => {
    const p = episode('media.scrobble', 8);
    await deliver(p);
    await h.db.raw.query(`UPDATE webhook_dedup SET seen_at = now() - interval '10 minutes'`);
    const again = await deliver(p);
    expect(again.status).toBe('accepted');
    expect((await eventRow(h.db, again.id)).action).toMatch(/already counted/);
    expect(await playsOf('1', 2, 8)).toBe(1);
  });

  it('a rewatch after the window counts as a second play and keeps the first watched date', async () => {
    const first = await deliver(episode('media.scrobble', 9));
    await h.db.raw.query(`UPDATE plays SET played_at = played_at - interval '2 days', window_end = window_end - interval '2 days' WHERE event_id = $1`, [first.id]);
    await h.db.raw.query(`UPDATE watch_state SET watched_at = watched_at - interval '2 days' WHERE item_id = (SELECT item_id FROM plays WHERE event_id = $1)`, [first.id]);
    const before = (await stateOf('1', 2, 9))!.watched_at;
    await h.db.raw.query(`UPDATE webhook_dedup SET seen_at = now() - interval '10 minutes'`);
    await deliver(episode('media.scrobble', 9));
    const after = await stateOf('1', 2, 9);
    expect(after).toMatchObject({ watched: true, plays: 2 });
    expect(after!.watched_at).toEqual(before);
  });

  it('each Plex account has its own history (shared user on the owner webhook)', async () => {
    await deliver(fixture('episode-shared-user.scrobble'));
    expect(await stateOf('24680135', 1, 1)).toMatchObject({ watched: true, plays: 1 });
    expect(await stateOf('1', 1, 1)).toMatchObject({ plays: 1 });
  });

  it('missing Account/Server fields do not fail processing', async () => {
    const { id } = await deliver(variant(fixture('episode-missing-account-server.scrobble'), { ratingKey: 'noacct', index: 10, guid: 'com.plexapp.agents.thetvdb://81189/1/10?lang=en' }));
    expect((await eventRow(h.db, id)).status).toBe('processed');
  });

  it('replay re-runs a stored event idempotently', async () => {
    const { id } = await deliver(episode('media.scrobble', 11));
    const res = await h.api(`/api/plex/logs/${id}/replay`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: 'processed', attempts: 1 });
    expect(await playsOf('1', 2, 11)).toBe(1);
    expect((await h.api('/api/plex/logs/whe_nope/replay', { method: 'POST' })).status).toBe(404);
  });

  it('library.new adds the show when auto-add is on, is ignored when off', async () => {
    const added = await deliver(fixture('library-new.show'));
    expect((await eventRow(h.db, added.id)).status).toBe('processed');
    const [s] = await rows(h.db, `SELECT title FROM shows WHERE title = 'Severance'`);
    expect(s).toBeDefined();
    await h.configure({ autoAddShows: false });
    const off = await deliver(fixture('library-new.episode'));
    expect(await eventRow(h.db, off.id)).toMatchObject({ status: 'ignored', action: 'auto-add is off' });
    await h.configure({ autoAddShows: true });
  });
});

describe('filters by Account.id and Server.uuid (never titles)', () => {
  it('ignores untracked accounts and foreign servers', async () => {
    await h.configure({ trackedAccountIds: [1], serverUuid: '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d' });
    const kid = await deliver(episode('media.scrobble', 12, {}, { Account: { id: 24680135, title: 'owner' } }));
    expect(kid.status).toBe('ignored');
    expect((await eventRow(h.db, kid.id)).action).toMatch(/account 24680135 is not tracked/);
    const foreign = await deliver(episode('media.scrobble', 12, {}, { Server: { uuid: 'other', title: 'Basement' } }));
    expect(foreign.status).toBe('ignored');
    const owner = await deliver(episode('media.scrobble', 12));
    expect(owner.status).toBe('accepted');
    // A media event that names no server cannot be shown to come from the allowed one.
    const { Server: _s, ...noServer } = episode('media.scrobble', 13);
    const anonymous = await deliver(noServer as Payload);
    expect(anonymous.status).toBe('ignored');
    expect((await eventRow(h.db, anonymous.id)).action).toMatch(/no Server.uuid/);
    await h.configure({ trackedAccountIds: [], serverUuid: null });
  });

  it('library.new (which carries no Server) still auto-adds with the server filter on, keyed to that server', async () => {
    const SERVER = '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d';
    await h.configure({ serverUuid: SERVER, autoAddShows: true });
    const { Server: _s, ...payload } = variant(fixture('library-new.show'), { guid: 'plex://show/5d9c086c46115600200aa9ff', title: 'Pluribus', year: 2025, Guid: [{ id: 'tvdb://999001' }], ratingKey: '9900' });
    const added = await deliver(payload as Payload);
    expect(added.status).toBe('accepted');
    expect(await eventRow(h.db, added.id)).toMatchObject({ status: 'processed' });
    const [m] = await rows<{ server_uuid: string; show_id: string | null }>(h.db, `SELECT server_uuid, show_id FROM plex_mappings WHERE plex_guid = 'plex://show/5d9c086c46115600200aa9ff'`);
    expect(m).toMatchObject({ server_uuid: SERVER, show_id: expect.any(String) });
    // Another server's library.new is still refused.
    const foreign = await deliver(variant(fixture('library-new.show'), { ratingKey: '9901' }, { Server: { uuid: 'other', title: 'x' } }));
    expect(foreign.status).toBe('ignored');
    await h.configure({ serverUuid: null });
  });
});
