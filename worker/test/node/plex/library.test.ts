import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, variant, type Payload } from '../../fixtures/plex';
import { createSqlCounter } from '../../support/sql-counter';
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

  it('lists shows with the same per-account totals as the detail; a rewatch is a play, not another episode', async () => {
    // Account 1 rewatches S01E02 two days later: a second play, same distinct episode count.
    const [e2] = await rows<{ id: string }>(h.db, `SELECT id FROM episodes WHERE show_id = $1 AND season = 1 AND episode = 2`, [showId]);
    await h.db.raw.query(`UPDATE plays SET played_at = played_at - interval '2 days', window_end = window_end - interval '2 days' WHERE item_id = $1`, [e2!.id]);
    await h.db.raw.query(`UPDATE webhook_dedup SET seen_at = now() - interval '10 minutes'`);
    expect((await h.deliver(ep(2))).status).toBe(200);

    const list = (await (await h.api('/api/shows?query=breaking')).json()) as { items: Array<{ id: string; knownEpisodes: number; totals: unknown[] }> };
    const item = list.items.find((s) => s.id === showId)!;
    expect(item.knownEpisodes).toBe(3);
    expect(item.totals).toEqual([
      { accountId: '1', accountTitle: 'owner', watchedEpisodes: 3, totalEpisodes: null, plays: 4, minutesWatched: 232 },
      { accountId: '24680135', accountTitle: 'kid', watchedEpisodes: 1, totalEpisodes: null, plays: 1, minutesWatched: 58 },
    ]);
    const detail = (await (await h.api(`/api/shows/${showId}`)).json()) as { totals: unknown[] };
    expect(detail.totals).toEqual(item.totals);
  });

  it('computes list totals in one statement per page, however many shows it holds', async () => {
    // Twelve more shows, each watched by its own account (no tracker_accounts row: no display name).
    for (let i = 0; i < 12; i++) {
      const id = `shw_bulk${i}`;
      await h.db.raw.query(`INSERT INTO shows (id, title, total_episodes) VALUES ($1, $2, 10)`, [id, `Bulk Show ${String(i).padStart(2, '0')}`]);
      await h.db.raw.query(`INSERT INTO episodes (id, show_id, season, episode) VALUES ($1, $2, 1, 1)`, [`ep_bulk${i}`, id]);
      await h.db.raw.query(`INSERT INTO watch_state (account_id, item_id, kind, episode_id, show_id, watched, watched_at, plays) VALUES ($1, $2, 'episode', $2, $3, true, now(), 1)`, [`9${i}`, `ep_bulk${i}`, id]);
    }
    await h.db.raw.query(`INSERT INTO shows (id, title) VALUES ('shw_bulk_unseen', 'Bulk Show unseen')`);
    const counter = await createSqlCounter(h.db.name);
    try {
      const cost = async (limit: number) => {
        const before = await counter.count();
        const res = await h.api(`/api/shows?query=bulk&limit=${limit}`);
        expect(res.status).toBe(200);
        const body = (await res.json()) as { items: Array<{ id: string; knownEpisodes: number; totals: Array<Record<string, unknown>> }> };
        return { statements: (await counter.count()) - before, items: body.items };
      };
      const one = await cost(1);
      const all = await cost(50);
      expect(one.items).toHaveLength(1);
      expect(all.items).toHaveLength(13);
      expect(one.statements).toBeGreaterThan(0);
      expect(all.statements).toBe(one.statements);
      expect(all.items.find((s) => s.id === 'shw_bulk3')!.totals).toEqual([
        { accountId: '93', accountTitle: null, watchedEpisodes: 1, totalEpisodes: 10, plays: 0, minutesWatched: 0 },
      ]);
      expect(all.items.find((s) => s.id === 'shw_bulk_unseen')).toMatchObject({ knownEpisodes: 0, totals: [] });
    } finally {
      await counter.close();
    }
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
