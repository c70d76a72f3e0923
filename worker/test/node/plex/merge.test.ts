import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, variant, type Payload } from '../../fixtures/plex';
import { createHarness, rows, type Harness } from './harness';

/**
 * Merging a duplicate into the item kept, over the real API and Postgres, with two accounts:
 * plays, progress, manual dates and mappings move, a viewing recorded on both counts once,
 * counts are derived again, and a second merge changes nothing.
 */
let h: Harness;
beforeAll(async () => {
  // No TMDB key: matching runs on Plex metadata, where duplicates used to come from.
  h = await createHarness({}, { rateLimitPerMinute: 10_000 });
});
afterAll(() => h?.dispose());

const KEEP_GUID = 'plex://show/aaaaaaaaaaaaaaaaaaaaaa01';
const DUP_GUID = 'plex://show/aaaaaaaaaaaaaaaaaaaaaa02';

function ep(event: string, account: { id: number; title: string }, show: { guid: string; title: string }, s: number, e: number, meta: Record<string, unknown> = {}): Payload {
  const base = fixture('episode-new-agent-no-guids.scrobble');
  return {
    ...variant(base, {
      ratingKey: `${show.guid.slice(-2)}-${s}-${e}-${event}-${account.id}`,
      grandparentRatingKey: `gp-${show.guid.slice(-2)}`,
      guid: `plex://episode/${show.guid.slice(-2)}${s}${e}`,
      grandparentGuid: show.guid,
      grandparentTitle: show.title,
      title: `Episode ${e}`,
      parentIndex: s,
      index: e,
      ...meta,
    }, { Account: account }),
    event,
  };
}

const alice = { id: 1, title: 'alice' };
const bob = { id: 2, title: 'bob' };
const keep = { guid: KEEP_GUID, title: 'Severance' };
const dup = { guid: DUP_GUID, title: 'Severence' };

async function deliver(p: Payload): Promise<void> {
  const res = await h.deliver(p, { thumb: false });
  expect(res.status).toBe(200);
}

async function json(res: Response): Promise<any> {
  return res.json();
}

async function showId(title: string): Promise<string | undefined> {
  return (await rows<{ id: string }>(h.db, 'SELECT id FROM shows WHERE title = $1', [title]))[0]?.id;
}

async function snapshot(show: string) {
  return {
    episodes: await rows(h.db, 'SELECT season, episode, title FROM episodes WHERE show_id = $1 ORDER BY season, episode', [show]),
    watch: await rows(h.db, `SELECT w.account_id, e.episode, w.watched, w.watched_at, w.plays FROM watch_state w JOIN episodes e ON e.id = w.item_id WHERE e.show_id = $1 ORDER BY 1, 2`, [show]),
    plays: await rows(h.db, `SELECT p.account_id, e.episode, p.source, p.played_at FROM plays p JOIN episodes e ON e.id = p.item_id WHERE p.show_id = $1 ORDER BY 1, 2, 4`, [show]),
    progress: await rows(h.db, `SELECT p.account_id, e.episode, p.view_offset_ms FROM playback_progress p JOIN episodes e ON e.id = p.item_id WHERE e.show_id = $1 ORDER BY 1, 2`, [show]),
  };
}

describe('POST /api/catalog/merge (shows, two accounts)', () => {
  let keepId: string;
  let dupId: string;

  it('sets up a duplicate the way it used to happen: a typo, then "create new" on its conflict', async () => {
    await deliver(ep('media.scrobble', alice, keep, 1, 1));
    await deliver(ep('media.scrobble', alice, keep, 1, 2));
    await deliver(ep('media.pause', bob, keep, 1, 1, { viewOffset: 60_000 }));
    keepId = (await showId('Severance'))!;
    await deliver(ep('media.scrobble', alice, dup, 1, 1));
    const [conflict] = await rows<{ id: string }>(h.db, `SELECT c.id FROM match_conflicts c JOIN plex_mappings m ON m.id = c.mapping_id WHERE m.plex_guid = $1 AND c.status = 'open'`, [DUP_GUID]);
    expect(conflict).toBeDefined();
    const resolved = await h.api(`/api/plex/conflicts/${conflict!.id}/resolve`, { method: 'POST', json: { action: 'create_new' } });
    expect(resolved.status).toBe(200);
    dupId = (await showId('Severence'))!;
    expect(dupId).toBeDefined();
    // More history lands on the duplicate: an episode only it has, and bob's manual mark with an early date.
    await deliver(ep('media.scrobble', alice, dup, 1, 3));
    const [dupE1] = await rows<{ id: string }>(h.db, 'SELECT id FROM episodes WHERE show_id = $1 AND episode = 1', [dupId]);
    const mark = await h.api(`/api/episodes/${dupE1!.id}/watched`, { method: 'POST', json: { accountId: '2', watchedAt: '2024-01-02T20:00:00Z' } });
    expect(mark.status).toBe(200);
    expect((await snapshot(dupId)).plays).toHaveLength(3);
  });

  it('moves everything onto the kept show; one viewing recorded on both counts once', async () => {
    const res = await h.api('/api/catalog/merge', { method: 'POST', json: { kind: 'show', fromId: dupId, intoId: keepId } });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ kind: 'show', fromId: dupId, intoId: keepId, fromTitle: 'Severence', alreadyMerged: false });
    expect(body.moved).toMatchObject({ episodes: 1, episodesJoined: 1, playsFolded: 1, mappings: 1 });

    expect(await showId('Severence')).toBeUndefined();
    const after = await snapshot(keepId);
    expect(after.episodes.map((e: any) => e.episode)).toEqual([1, 2, 3]);
    // alice: E1 once (both shows saw the same scrobble window), E2, E3; bob: E1 manual (dated), progress kept.
    expect(after.plays.map((p: any) => `${p.account_id}:E${p.episode}:${p.source}`)).toEqual(['1:E1:webhook', '1:E2:webhook', '1:E3:webhook', '2:E1:manual']);
    expect(after.watch.map((w: any) => `${w.account_id}:E${w.episode}:${w.watched}:${w.plays}`)).toEqual(['1:E1:true:1', '1:E2:true:1', '1:E3:true:1', '2:E1:true:1']);
    const bobE1 = after.watch.find((w: any) => w.account_id === '2' && w.episode === 1) as { watched_at: Date };
    expect(new Date(bobE1.watched_at).toISOString()).toBe('2024-01-02T20:00:00.000Z');
    expect(after.progress).toEqual([{ account_id: '2', episode: 1, view_offset_ms: 60_000 }]);

    // The duplicate's Plex show now maps to the kept one: its next episode lands there.
    const [m] = await rows<{ show_id: string }>(h.db, 'SELECT show_id FROM plex_mappings WHERE plex_guid = $1', [DUP_GUID]);
    expect(m!.show_id).toBe(keepId);
    await deliver(ep('media.scrobble', bob, dup, 1, 4));
    expect((await snapshot(keepId)).episodes.map((e: any) => e.episode)).toEqual([1, 2, 3, 4]);
  });

  it('is idempotent: the same merge again changes nothing and says it was done', async () => {
    const before = await snapshot(keepId);
    const again = await h.api('/api/catalog/merge', { method: 'POST', json: { kind: 'show', fromId: dupId, intoId: keepId } });
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ alreadyMerged: true, fromTitle: 'Severence', moved: { episodesJoined: 1, playsFolded: 1 } });
    expect(await snapshot(keepId)).toEqual(before);
    const [merge] = await rows(h.db, 'SELECT from_id, into_id, kind, merged_by FROM catalog_merges');
    expect(merge).toEqual({ from_id: dupId, into_id: keepId, kind: 'show', merged_by: 'test' });
  });

  it('totals on the show list are derived again', async () => {
    const list = await json(await h.api('/api/shows?query=severance'));
    const totals = list.items[0].totals.map((t: any) => `${t.accountId}:${t.watchedEpisodes}/${t.plays}`);
    expect(totals).toEqual(['1:3/3', '2:2/2']);
  });
});

describe('POST /api/catalog/merge (movies)', () => {
  it('keeps the newer rating and the newer position per account', async () => {
    const movie = (title: string, guid: string, event: string, account: { id: number; title: string }, meta: Record<string, unknown> = {}) =>
      ({ ...variant(fixture('movie-new-agent.scrobble'), { guid, ratingKey: `${guid.slice(-3)}-${event}-${account.id}`, title, year: 2023, Guid: [], ...meta }, { Account: account }), event }) as Payload;
    await deliver(movie('Oppenheimer', 'plex://movie/m01', 'media.scrobble', alice));
    await deliver(movie('Oppenheimer', 'plex://movie/m01', 'media.pause', bob, { viewOffset: 100_000 }));
    // The typo waits on a conflict; "create new" makes the duplicate.
    await deliver(movie('Oppenhiemer', 'plex://movie/m02', 'media.pause', bob, { viewOffset: 900_000 }));
    const [c] = await rows<{ id: string }>(h.db, `SELECT c.id FROM match_conflicts c JOIN plex_mappings m ON m.id = c.mapping_id WHERE m.plex_guid = 'plex://movie/m02'`);
    expect((await h.api(`/api/plex/conflicts/${c!.id}/resolve`, { method: 'POST', json: { action: 'create_new' } })).status).toBe(200);
    const [keepM] = await rows<{ id: string }>(h.db, `SELECT id FROM movies WHERE title = 'Oppenheimer'`);
    const [dupM] = await rows<{ id: string }>(h.db, `SELECT id FROM movies WHERE title = 'Oppenhiemer'`);
    await deliver(movie('Oppenhiemer', 'plex://movie/m02', 'media.rate', alice, { userRating: 9 }));

    const res = await h.api('/api/catalog/merge', { method: 'POST', json: { kind: 'movie', fromId: dupM!.id, intoId: keepM!.id } });
    expect(res.status).toBe(200);
    expect((await json(res)).moved).toMatchObject({ progress: 1, ratings: 1, mappings: 1 });
    expect(await rows(h.db, `SELECT account_id, view_offset_ms FROM playback_progress WHERE item_id = $1`, [keepM!.id])).toEqual([{ account_id: '2', view_offset_ms: 900_000 }]);
    expect(await rows(h.db, `SELECT account_id, rating FROM ratings WHERE item_id = $1`, [keepM!.id])).toEqual([{ account_id: '1', rating: 9 }]);
    expect(await rows(h.db, `SELECT count(*)::int n FROM movies WHERE title LIKE 'Oppen%'`)).toEqual([{ n: 1 }]);
  });
});

describe('bad merges get a clear error and change nothing', () => {
  it('400 for the same item twice or malformed input, 404 for unknown ids or the wrong kind', async () => {
    const [s] = await rows<{ id: string }>(h.db, 'SELECT id FROM shows LIMIT 1');
    const same = await h.api('/api/catalog/merge', { method: 'POST', json: { kind: 'show', fromId: s!.id, intoId: s!.id } });
    expect(same.status).toBe(400);
    expect((await json(same)).error.message).toMatch(/two different items/);
    for (const body of [{}, { kind: 'show', fromId: 'a b', intoId: 'x' }, { kind: 'season', fromId: 'a', intoId: 'b' }, { kind: 'show', fromId: 'a\u0000', intoId: 'b' }, { kind: 'show', fromId: 'a', intoId: 'b', extra: 1 }]) {
      expect((await h.api('/api/catalog/merge', { method: 'POST', json: body })).status).toBe(400);
    }
    expect((await h.api('/api/catalog/merge', { method: 'POST', json: { kind: 'show', fromId: 'shw_nope', intoId: s!.id } })).status).toBe(404);
    expect((await h.api('/api/catalog/merge', { method: 'POST', json: { kind: 'movie', fromId: s!.id, intoId: 'mov_nope' } })).status).toBe(404);
    expect(await rows(h.db, 'SELECT count(*)::int n FROM catalog_merges')).toEqual([{ n: 2 }]);
  });
});
