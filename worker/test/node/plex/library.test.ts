import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, variant, type Payload } from '../../fixtures/plex';
import { createHarness, rows, type Harness } from './harness';

let h: Harness;
let showId: string;

function ep(n: number, top: Record<string, unknown> = {}): Payload {
  return variant(fixture('episode-legacy-thetvdb.scrobble'), { ratingKey: `lib-${n}`, index: n, guid: `com.plexapp.agents.thetvdb://81189/1/${n}?lang=en` }, top);
}

beforeAll(async () => {
  h = await createHarness({}, { rateLimitPerMinute: 10_000 });
  for (const n of [1, 2, 3]) await h.deliver(ep(n));
  await h.deliver(ep(1, { Account: { id: 24680135, title: 'kid' } }));
  await h.deliver(fixture('movie-legacy-imdb.scrobble'));
  const [s] = await rows<{ id: string }>(h.db, `SELECT id FROM shows WHERE title = 'Breaking Bad'`);
  showId = s!.id;
});
afterAll(() => h?.dispose());

describe('/api/shows and /api/movies', () => {
  it('searches shows by title', async () => {
    const res = await h.api('/api/shows?query=breaking');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: Array<{ id: string; title: string }>; nextCursor: string | null };
    expect(body.items).toEqual([expect.objectContaining({ id: showId, title: 'Breaking Bad', tvdbId: 81189 })]);
    expect(((await (await h.api('/api/shows?query=zzzz-nothing')).json()) as { items: unknown[] }).items).toEqual([]);
    expect((await h.api('/api/shows?limit=0')).status).toBe(400);
  });

  it('shows seasons, episodes with per-account state, and totals', async () => {
    const body = (await (await h.api(`/api/shows/${showId}`)).json()) as {
      seasons: Array<{ season: number; episodes: Array<{ episode: number; watch: Array<{ accountId: string; watched: boolean; plays: number }> }> }>;
      totals: Array<{ accountId: string; watchedEpisodes: number; plays: number; minutesWatched: number; accountTitle: string | null }>;
    };
    const s1 = body.seasons.find((s) => s.season === 1)!;
    expect(s1.episodes.map((e) => e.episode)).toEqual([1, 2, 3]);
    expect(s1.episodes[0]!.watch).toEqual([
      expect.objectContaining({ accountId: '1', watched: true, plays: 1 }),
      expect.objectContaining({ accountId: '24680135', watched: true, plays: 1 }),
    ]);
    expect(body.totals).toEqual([
      { accountId: '1', accountTitle: 'owner', watchedEpisodes: 3, totalEpisodes: null, plays: 3, minutesWatched: 174 },
      { accountId: '24680135', accountTitle: 'kid', watchedEpisodes: 1, totalEpisodes: null, plays: 1, minutesWatched: 58 },
    ]);
    expect((await h.api('/api/shows/shw_missing')).status).toBe(404);
  });

  it('lists movies with per-account state', async () => {
    const body = (await (await h.api('/api/movies?query=godfather')).json()) as { items: Array<{ title: string; watch: unknown[] }> };
    expect(body.items).toEqual([expect.objectContaining({ title: 'The Godfather', watch: [expect.objectContaining({ accountId: '1', watched: true, plays: 1 })] })]);
  });
});

describe('POST /api/episodes/:id/watched', () => {
  it('marks with a date, keeps the earlier date on a later scrobble, and unmarks', async () => {
    const [e4] = await rows<{ id: string }>(h.db, `INSERT INTO episodes (id, show_id, season, episode, title) VALUES ('ep_manual4', $1, 1, 4, 'Cancer Man') RETURNING id`, [showId]);
    const res = await h.api(`/api/episodes/${e4!.id}/watched`, { method: 'POST', json: { accountId: 1, watchedAt: '2020-05-01T20:00:00Z' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ watch: { accountId: '1', watched: true, watchedAt: '2020-05-01T20:00:00.000Z', plays: 1 } });
    await h.deliver(ep(4));
    const after = (await (await h.api(`/api/episodes/${e4!.id}/watched`, { method: 'POST', json: { accountId: '1', watchedAt: '2021-01-01T00:00:00Z' } })).json()) as { watch: { watchedAt: string; plays: number } };
    expect(after.watch.watchedAt).toBe('2020-05-01T20:00:00.000Z');
    expect(after.watch.plays).toBe(3);
    const un = (await (await h.api(`/api/episodes/${e4!.id}/watched`, { method: 'POST', json: { accountId: '1', watched: false } })).json()) as { watch: unknown };
    expect(un.watch).toEqual({ accountId: '1', watched: false, watchedAt: null, plays: 0 });
  });

  it('validates input', async () => {
    expect((await h.api('/api/episodes/ep_nope/watched', { method: 'POST', json: { accountId: 1 } })).status).toBe(404);
    expect((await h.api('/api/episodes/ep_manual4/watched', { method: 'POST', json: { accountId: 'bob' } })).status).toBe(400);
    expect((await h.api('/api/episodes/ep_manual4/watched', { method: 'POST', json: { accountId: 1, watchedAt: 'yesterday' } })).status).toBe(400);
    expect((await h.api('/api/episodes/ep_manual4/watched', { method: 'POST', json: { accountId: 1, watchedAt: '2999-01-01T00:00:00Z' } })).status).toBe(400);
  });
});
