import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../support/test-db';
import { startTmdbSim, type TmdbSim } from '../../sims/tmdb';
import { TmdbClient } from '../../../src/services/tmdb/client';
import { dbTmdbCache } from '../../../src/services/tmdb/cache';
import { createLogger } from '../../../src/lib/logger';
import { matchPlexItem } from '../../../src/services/matching/match';
import type { MatchDeps, PlexItemRef } from '../../../src/services/matching/types';

let sim: TmdbSim;
let db: TestDb;
const logs: string[] = [];
const SERVER = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2';

function deps(over: Partial<MatchDeps> = {}): MatchDeps {
  return {
    tmdb: new TmdbClient({ baseUrl: sim.url, apiKey: sim.apiKey, cache: dbTmdbCache(db.db), sleep: async () => undefined }),
    logger: createLogger({}, (l) => logs.push(l)),
    allowCreate: true,
    ...over,
  };
}

function episode(over: Partial<PlexItemRef>): PlexItemRef {
  return {
    serverUuid: SERVER, type: 'episode', ratingKey: '1001', guid: null, parentGuid: null, grandparentGuid: null,
    parentRatingKey: '1000', grandparentRatingKey: '999', externalGuids: [], title: 'Pilot', grandparentTitle: null,
    year: 2008, index: 1, parentIndex: 1, duration: 2_820_000, ...over,
  };
}

function movie(over: Partial<PlexItemRef>): PlexItemRef {
  return {
    serverUuid: SERVER, type: 'movie', ratingKey: '2001', guid: null, parentGuid: null, grandparentGuid: null,
    parentRatingKey: null, grandparentRatingKey: null, externalGuids: [], title: null, grandparentTitle: null,
    year: null, index: null, parentIndex: null, duration: 8_160_000, ...over,
  };
}

const hex = (n: number) => n.toString(16).padStart(24, '0');
const count = async (sql: string, params: unknown[] = []) => Number((await db.raw.query<{ n: string }>(sql, params)).rows[0]?.n);

beforeAll(async () => {
  sim = await startTmdbSim();
  db = await createTestDb();
  sim.addShow({
    id: 1396, name: 'Breaking Bad', firstAirDate: '2008-01-20', tvdbId: 81189, imdbId: 'tt0903747',
    seasons: [{ number: 1, episodes: [
      { number: 1, name: 'Pilot', tvdbId: 349232, imdbId: 'tt0959621', runtime: 58, airDate: '2008-01-20' },
      { number: 2, name: "Cat's in the Bag...", tvdbId: 349235, imdbId: 'tt1054724' },
    ] }, { number: 2, episodes: [{ number: 1, name: 'Seven Thirty-Seven', tvdbId: 418727 }] }],
  });
  sim.addShow({ id: 2316, name: 'The Office', firstAirDate: '2005-03-24', tvdbId: 73244, seasons: [{ number: 1, episodes: [{ number: 1, name: 'Pilot' }] }] });
  sim.addShow({ id: 2996, name: 'The Office', firstAirDate: '2001-07-09', tvdbId: 78107, seasons: [{ number: 1, episodes: [{ number: 1, name: 'Downsize' }] }] });
  sim.addShow({ id: 66732, name: 'Stranger Things', firstAirDate: '2016-07-15', tvdbId: 305288, seasons: [{ number: 1, episodes: [{ number: 1, name: 'Chapter One', tvdbId: 5468124 }] }] });
  sim.addShow({ id: 1399, name: 'Game of Thrones', firstAirDate: '2011-04-17', tvdbId: 121361, seasons: [{ number: 1, episodes: [{ number: 1, name: 'Winter Is Coming' }] }] });
  sim.addMovie({ id: 603, title: 'The Matrix', releaseDate: '1999-03-31', imdbId: 'tt0133093', runtime: 136 });
  sim.addMovie({ id: 550, title: 'Fight Club', releaseDate: '1999-10-15', imdbId: 'tt0137523', runtime: 139 });
});
afterAll(async () => {
  await sim.close();
  await db.drop();
});

describe('matchPlexItem', () => {
  it('legacy TVDB episode: show by grandparentGuid, S/E from the guid, totals from TMDB', async () => {
    const item = episode({
      guid: 'com.plexapp.agents.thetvdb://81189/1/1?lang=en',
      parentGuid: 'com.plexapp.agents.thetvdb://81189/1?lang=en',
      grandparentGuid: 'com.plexapp.agents.thetvdb://81189?lang=en',
      grandparentTitle: 'Breaking Bad',
    });
    const out = await matchPlexItem(db.db, deps(), item);
    expect(out).toMatchObject({ status: 'matched', kind: 'episode', season: 1, episode: 1, confidence: 1, method: 'guid-tvdb' });
    const { rows } = await db.raw.query('SELECT title, year, tmdb_id::int, tvdb_id::int, imdb_id, total_episodes FROM shows');
    expect(rows).toEqual([{ title: 'Breaking Bad', year: 2008, tmdb_id: 1396, tvdb_id: 81189, imdb_id: 'tt0903747', total_episodes: 3 }]);

    // The next episode reuses the stored decision: no TMDB lookups for the show.
    sim.requests.length = 0;
    const next = await matchPlexItem(db.db, deps(), { ...item, guid: 'com.plexapp.agents.thetvdb://81189/1/2?lang=en', index: 2, title: "Cat's in the Bag..." });
    expect(next).toMatchObject({ status: 'matched', kind: 'episode', season: 1, episode: 2, method: 'mapping' });
    expect(sim.requests).toHaveLength(0);
    expect(await count('SELECT count(*) n FROM episodes')).toBe(2);
  });

  it('new-agent episode: show via TMDB /find on the episode ids, discarding the episode tmdb id', async () => {
    const item = episode({
      serverUuid: 'other-server',
      guid: `plex://episode/${hex(1)}`, parentGuid: `plex://season/${hex(2)}`, grandparentGuid: `plex://show/${hex(3)}`,
      grandparentTitle: 'Breaking Bad',
      // tmdb://603 is a movie's id, as Plex sometimes puts on episodes: it must not become a show id.
      externalGuids: ['tmdb://603', 'tvdb://349232', 'imdb://tt0959621'],
      parentIndex: null, index: null,
    });
    const out = await matchPlexItem(db.db, deps(), item);
    expect(out).toMatchObject({ status: 'matched', kind: 'episode', season: 1, episode: 1, method: 'tmdb-find-episode', confidence: 1 });
    expect(await count('SELECT count(*) n FROM shows')).toBe(1);
    const ep = (await db.raw.query('SELECT season, episode, tmdb_id::int, tvdb_id::int, imdb_id, runtime_minutes FROM episodes WHERE id = $1', [out.status === 'matched' && out.kind === 'episode' ? out.episodeId : ''])).rows[0];
    expect(ep).toMatchObject({ season: 1, episode: 1, tvdb_id: 349232, imdb_id: 'tt0959621' });
    expect(sim.requestsTo('/3/tv/603')).toHaveLength(0);
  });

  it('keeps every id when Guid[] repeats a source (the show imdb next to the episode imdb)', async () => {
    const out = await matchPlexItem(db.db, deps(), episode({
      guid: `plex://episode/${hex(11)}`, grandparentGuid: `plex://show/${hex(12)}`, grandparentTitle: 'Breaking Bad',
      externalGuids: ['imdb://tt0903747', 'imdb://tt1054724', 'imdb://tt0903747'], parentIndex: 1, index: 2,
    }));
    expect(out).toMatchObject({ status: 'matched', kind: 'episode', season: 1, episode: 2, method: 'tmdb-find-episode' });
  });

  it('movie by its tmdb Guid[] id, and a legacy themoviedb movie', async () => {
    const a = await matchPlexItem(db.db, deps(), movie({ guid: `plex://movie/${hex(21)}`, externalGuids: ['imdb://tt0133093', 'tmdb://603'], title: 'The Matrix', year: 1999 }));
    expect(a).toMatchObject({ status: 'matched', kind: 'movie', method: 'guid-tmdb', confidence: 1 });
    const b = await matchPlexItem(db.db, deps(), movie({ guid: 'com.plexapp.agents.themoviedb://550?lang=en', title: 'Fight Club', year: 1999 }));
    expect(b).toMatchObject({ status: 'matched', kind: 'movie', method: 'guid-tmdb' });
    const c = await matchPlexItem(db.db, deps(), movie({ serverUuid: 's2', guid: 'com.plexapp.agents.imdb://tt0133093?lang=en', title: 'The Matrix' }));
    expect(c).toMatchObject({ status: 'matched', kind: 'movie', method: 'guid-imdb' });
    const { rows } = await db.raw.query('SELECT title, year, tmdb_id::int, imdb_id, runtime_minutes FROM movies ORDER BY tmdb_id');
    expect(rows).toEqual([
      { title: 'Fight Club', year: 1999, tmdb_id: 550, imdb_id: 'tt0137523', runtime_minutes: 139 },
      { title: 'The Matrix', year: 1999, tmdb_id: 603, imdb_id: 'tt0133093', runtime_minutes: 136 },
    ]);
  });

  it('fuzzy: an exact title with the right year auto-maps', async () => {
    const out = await matchPlexItem(db.db, deps(), { ...episode({ grandparentGuid: `plex://show/${hex(31)}`, grandparentTitle: 'Stranger Things' }), type: 'show', guid: `plex://show/${hex(31)}`, title: 'Stranger Things', year: 2016, grandparentGuid: null });
    expect(out).toMatchObject({ status: 'matched', kind: 'show', method: 'fuzzy-title-year', confidence: 1 });
  });

  it('fuzzy near-miss → a conflict with ranked candidates and scores', async () => {
    const out = await matchPlexItem(db.db, deps(), episode({ grandparentGuid: `plex://show/${hex(41)}`, grandparentTitle: 'Braking Bad' }));
    expect(out.status).toBe('conflict');
    const { rows } = await db.raw.query<{ candidates: Array<{ tmdbId: number; score: number; title: string }>; reason: string }>('SELECT candidates, reason FROM match_conflicts WHERE id = $1', [out.status === 'conflict' ? out.conflictId : '']);
    const c = rows[0]!;
    expect(c.reason).toBe('low-confidence');
    expect(c.candidates[0]).toMatchObject({ tmdbId: 1396, title: 'Breaking Bad' });
    expect(c.candidates[0]!.score).toBeGreaterThan(0.3);
    expect(c.candidates[0]!.score).toBeLessThan(0.9);
    const scores = c.candidates.map((x) => x.score);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
    const m = (await db.raw.query('SELECT status, show_id, plex_title FROM plex_mappings WHERE id = $1', [out.mappingId])).rows[0];
    expect(m).toEqual({ status: 'conflict', show_id: null, plex_title: 'Braking Bad' });
    // Later episodes of that show wait on the same conflict.
    expect(await matchPlexItem(db.db, deps(), episode({ grandparentGuid: `plex://show/${hex(41)}`, grandparentTitle: 'Braking Bad', index: 5 }))).toEqual(out);
  });

  it('two shows with the same title → an ambiguous conflict listing both', async () => {
    const out = await matchPlexItem(db.db, deps(), episode({ grandparentGuid: `plex://show/${hex(51)}`, grandparentTitle: 'The Office' }));
    expect(out.status).toBe('conflict');
    const { rows } = await db.raw.query<{ candidates: Array<{ tmdbId: number }>; reason: string }>('SELECT candidates, reason FROM match_conflicts WHERE mapping_id = $1', [out.mappingId]);
    expect(rows[0]!.reason).toBe('ambiguous');
    expect(rows[0]!.candidates.map((c) => c.tmdbId).sort()).toEqual([2316, 2996]);
  });

  it('a show not in the catalog waits for a person when auto-add is off', async () => {
    const out = await matchPlexItem(db.db, deps({ allowCreate: false }), episode({
      grandparentGuid: 'com.plexapp.agents.thetvdb://121361?lang=en', guid: 'com.plexapp.agents.thetvdb://121361/1/1?lang=en', grandparentTitle: 'Game of Thrones',
    }));
    expect(out.status).toBe('conflict');
    const { rows } = await db.raw.query('SELECT reason, candidates FROM match_conflicts WHERE mapping_id = $1', [out.mappingId]);
    expect(rows[0]).toMatchObject({ reason: 'not-in-catalog', candidates: [{ tmdbId: 1399, score: 1, method: 'guid-tvdb' }] });
    expect(await count(`SELECT count(*) n FROM shows WHERE tmdb_id = 1399`)).toBe(0);
  });

  it('without a TMDB key: builds the show from Plex metadata and says so in the log', async () => {
    logs.length = 0;
    sim.requests.length = 0;
    const out = await matchPlexItem(db.db, deps({ tmdb: null }), episode({
      guid: 'com.plexapp.agents.hama://tvdb-79895/1/3?lang=en', grandparentGuid: 'com.plexapp.agents.hama://tvdb-79895?lang=en',
      grandparentTitle: 'Cowboy Bebop', parentIndex: null, index: null,
    }));
    expect(out).toMatchObject({ status: 'matched', kind: 'episode', season: 1, episode: 3, method: 'plex-metadata', confidence: 1 });
    expect((await db.raw.query('SELECT title, tvdb_id::int, tmdb_id::int FROM shows WHERE tvdb_id = 79895')).rows).toEqual([{ title: 'Cowboy Bebop', tvdb_id: 79895, tmdb_id: null }]);
    expect(sim.requests).toHaveLength(0);
    expect(logs.join('\n')).toMatch(/Plex metadata/);

    // A known show is found by its ids, with no key either.
    const again = await matchPlexItem(db.db, deps({ tmdb: null }), episode({ serverUuid: null, grandparentGuid: 'com.plexapp.agents.thetvdb://79895', guid: 'com.plexapp.agents.thetvdb://79895/1/4', grandparentTitle: 'Cowboy Bebop' }));
    expect(again).toMatchObject({ status: 'matched', method: 'guid-tvdb' });
    expect(await count('SELECT count(*) n FROM shows WHERE tvdb_id = 79895')).toBe(1);

    // A movie with no ids at all: title + year.
    const m = await matchPlexItem(db.db, deps({ tmdb: null }), movie({ guid: 'local://77', title: 'Home Video', year: 2020 }));
    expect(m).toMatchObject({ status: 'matched', kind: 'movie', method: 'plex-metadata' });
  });

  it('a rejected TMDB key degrades to Plex metadata instead of failing', async () => {
    logs.length = 0;
    const bad = new TmdbClient({ baseUrl: sim.url, apiKey: 'f'.repeat(32), sleep: async () => undefined });
    const out = await matchPlexItem(db.db, deps({ tmdb: bad }), movie({ guid: `plex://movie/${hex(61)}`, title: 'Some Indie Film', year: 2011 }));
    expect(out).toMatchObject({ status: 'matched', kind: 'movie', method: 'plex-metadata' });
    expect(logs.join('\n')).toMatch(/rejected the configured key/);
  });

  it('honours a disabled or ignored mapping', async () => {
    const item = movie({ guid: `plex://movie/${hex(71)}`, externalGuids: ['tmdb://550'], title: 'Fight Club' });
    const first = await matchPlexItem(db.db, deps(), item);
    await db.raw.query('UPDATE plex_mappings SET sync_enabled = false WHERE id = $1', [first.mappingId]);
    expect(await matchPlexItem(db.db, deps(), item)).toEqual({ status: 'skipped', mappingId: first.mappingId, reason: 'sync-disabled' });
    await db.raw.query(`UPDATE plex_mappings SET sync_enabled = true, status = 'ignored' WHERE id = $1`, [first.mappingId]);
    expect(await matchPlexItem(db.db, deps(), item)).toEqual({ status: 'skipped', mappingId: first.mappingId, reason: 'ignored' });
  });

  it('rejects an item that names no show or movie', async () => {
    await expect(matchPlexItem(db.db, deps(), episode({ grandparentGuid: null, grandparentRatingKey: null }))).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
  });
});

describe('without TMDB: a typo of a catalog title is a conflict, never a silent duplicate', () => {
  const plexOnly = () => deps({ tmdb: null });
  const show = (guid: number, title: string, over: Partial<PlexItemRef> = {}) =>
    episode({ guid: `plex://episode/${hex(guid + 1)}`, grandparentGuid: `plex://show/${hex(guid)}`, grandparentTitle: title, ...over });

  it('"Severence" next to "Severance" → possible-duplicate conflict offering the catalog show', async () => {
    const first = await matchPlexItem(db.db, plexOnly(), show(201, 'Severance'));
    expect(first).toMatchObject({ status: 'matched', method: 'plex-metadata' });
    const typo = await matchPlexItem(db.db, plexOnly(), show(203, 'Severence'));
    expect(typo.status).toBe('conflict');
    const { rows } = await db.raw.query<{ reason: string; candidates: Array<{ catalogId: string; title: string }> }>('SELECT reason, candidates FROM match_conflicts WHERE mapping_id = $1', [typo.mappingId]);
    expect(rows[0]!.reason).toBe('possible-duplicate');
    expect(rows[0]!.candidates[0]).toMatchObject({ title: 'Severance', catalogId: first.status === 'matched' && first.kind === 'episode' ? first.showId : '' });
    expect(await count(`SELECT count(*) n FROM shows WHERE title IN ('Severance', 'Severence')`)).toBe(1);
  });

  it('"Shogun" finds "Shōgun" (diacritics folded in Postgres too) and maps to it', async () => {
    const first = await matchPlexItem(db.db, plexOnly(), show(211, 'Shōgun'));
    const plain = await matchPlexItem(db.db, plexOnly(), show(213, 'Shogun'));
    expect(plain).toMatchObject({ status: 'matched', method: 'fuzzy-title-year' });
    expect(plain.status === 'matched' && plain.kind === 'episode' && plain.showId).toBe(first.status === 'matched' && first.kind === 'episode' && first.showId);
    expect(await count(`SELECT count(*) n FROM shows WHERE plexops_fold(title) = 'shogun'`)).toBe(1);
  });

  it('"Oppenhiemer" (2023) next to "Oppenheimer" (2023) → conflict; a far year is another film', async () => {
    await matchPlexItem(db.db, plexOnly(), movie({ guid: `plex://movie/${hex(221)}`, ratingKey: '7001', title: 'Oppenheimer', year: 2023 }));
    const typo = await matchPlexItem(db.db, plexOnly(), movie({ guid: `plex://movie/${hex(222)}`, ratingKey: '7002', title: 'Oppenhiemer', year: 2023 }));
    expect(typo.status).toBe('conflict');
    const remake = await matchPlexItem(db.db, plexOnly(), movie({ guid: `plex://movie/${hex(223)}`, ratingKey: '7003', title: 'Oppenheimer', year: 1980 }));
    expect(remake).toMatchObject({ status: 'matched', method: 'plex-metadata' });
    expect(await count(`SELECT count(*) n FROM movies WHERE title IN ('Oppenheimer', 'Oppenhiemer')`)).toBe(2);
  });

  it('a catalog row whose ids contradict the item is a different show, not a candidate', async () => {
    await matchPlexItem(db.db, plexOnly(), show(231, 'Skins', { grandparentGuid: 'com.plexapp.agents.thetvdb://79773', guid: 'com.plexapp.agents.thetvdb://79773/1/1' }));
    const us = await matchPlexItem(db.db, plexOnly(), show(233, 'Skins', { grandparentGuid: 'com.plexapp.agents.thetvdb://209901', guid: 'com.plexapp.agents.thetvdb://209901/1/1' }));
    expect(us).toMatchObject({ status: 'matched', method: 'plex-metadata' });
    expect(await count(`SELECT count(*) n FROM shows WHERE title = 'Skins'`)).toBe(2);
  });

  it('an unrelated title is still added from Plex metadata', async () => {
    const out = await matchPlexItem(db.db, plexOnly(), show(241, 'Qwzx Brand New Show'));
    expect(out).toMatchObject({ status: 'matched', method: 'plex-metadata' });
  });
});

describe('matchPlexItem under concurrency', () => {
  it('20 concurrent matches of one new show → one show, one mapping', async () => {
    sim.addShow({ id: 90001, name: 'Severance', firstAirDate: '2022-02-18', tvdbId: 371980, seasons: [{ number: 1, episodes: [{ number: 1, name: 'Good News About Hell', tvdbId: 8710350 }] }] });
    const item = episode({ guid: `plex://episode/${hex(81)}`, grandparentGuid: `plex://show/${hex(82)}`, grandparentTitle: 'Severance', externalGuids: ['tvdb://8710350'] });
    const outs = await Promise.all(Array.from({ length: 20 }, () => matchPlexItem(db.db, deps(), item)));
    expect(new Set(outs.map((o) => o.status === 'matched' && o.kind === 'episode' && o.episodeId)).size).toBe(1);
    expect(await count('SELECT count(*) n FROM shows WHERE tmdb_id = 90001')).toBe(1);
    expect(await count(`SELECT count(*) n FROM plex_mappings WHERE plex_guid = $1`, [`plex://show/${hex(82)}`])).toBe(1);
  });

  it('20 concurrent matches of one ambiguous show → one mapping, one conflict', async () => {
    const item = episode({ grandparentGuid: `plex://show/${hex(91)}`, grandparentTitle: 'The Office', index: 3 });
    const outs = await Promise.all(Array.from({ length: 20 }, () => matchPlexItem(db.db, deps(), item)));
    expect(new Set(outs.map((o) => (o.status === 'conflict' ? o.conflictId : 'x'))).size).toBe(1);
    expect(await count(`SELECT count(*) n FROM plex_mappings WHERE plex_guid = $1`, [`plex://show/${hex(91)}`])).toBe(1);
    expect(await count(`SELECT count(*) n FROM match_conflicts c JOIN plex_mappings m ON m.id = c.mapping_id WHERE m.plex_guid = $1`, [`plex://show/${hex(91)}`])).toBe(1);
  });

  it('20 concurrent matches without TMDB → one show built from Plex metadata', async () => {
    const item = episode({ guid: `plex://episode/${hex(101)}`, grandparentGuid: `plex://show/${hex(102)}`, grandparentTitle: 'Zxqv Unlikely Title' });
    const outs = await Promise.all(Array.from({ length: 20 }, () => matchPlexItem(db.db, deps({ tmdb: null }), item)));
    expect(outs.every((o) => o.status === 'matched')).toBe(true);
    expect(await count(`SELECT count(*) n FROM shows WHERE title = 'Zxqv Unlikely Title'`)).toBe(1);
    expect(await count(`SELECT count(*) n FROM episodes e JOIN shows s ON s.id = e.show_id WHERE s.title = 'Zxqv Unlikely Title'`)).toBe(1);
  });
});
