import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../support/test-db';
import { startTmdbSim, type TmdbSim } from '../../sims/tmdb';
import { TmdbClient, TmdbError, tmdbCredentials, type TmdbClientOptions } from '../../../src/services/tmdb/client';
import { dbTmdbCache } from '../../../src/services/tmdb/cache';
import { createLogger } from '../../../src/lib/logger';

let sim: TmdbSim;
let db: TestDb;

beforeAll(async () => {
  sim = await startTmdbSim();
  db = await createTestDb();
  sim.addShow({
    id: 1396,
    name: 'Breaking Bad',
    firstAirDate: '2008-01-20',
    tvdbId: 81189,
    imdbId: 'tt0903747',
    seasons: [{ number: 1, episodes: [{ number: 1, name: 'Pilot', tvdbId: 349232, imdbId: 'tt0959621' }, { number: 2, name: "Cat's in the Bag..." }] }],
  });
  sim.addMovie({ id: 603, title: 'The Matrix', releaseDate: '1999-03-31', imdbId: 'tt0133093', runtime: 136 });
});
afterAll(async () => {
  await sim.close();
  await db.drop();
});

function client(extra: Partial<TmdbClientOptions> = {}) {
  const sleeps: number[] = [];
  const c = new TmdbClient({
    baseUrl: sim.url,
    apiKey: sim.apiKey,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...extra,
  });
  return { c, sleeps };
}

describe('TmdbClient', () => {
  it('authenticates with ?api_key= and parses find results', async () => {
    sim.requests.length = 0;
    const { c } = client();
    const found = await c.find('tvdb_id', '349232');
    expect(found.tv_episode_results[0]).toMatchObject({ show_id: 1396, season_number: 1, episode_number: 1 });
    expect(sim.requests[0]?.auth).toBe('api_key');
  });

  it('authenticates with a v4 read token as Bearer, keeping the secret out of the URL', async () => {
    sim.requests.length = 0;
    const { c } = client({ apiKey: null, readToken: sim.readToken });
    const show = await c.tvDetails(1396);
    expect(show).toMatchObject({ id: 1396, name: 'Breaking Bad', number_of_episodes: 2, external_ids: { tvdb_id: 81189, imdb_id: 'tt0903747' } });
    expect(sim.requests[0]?.auth).toBe('bearer');
    expect(sim.requests[0]?.query.api_key).toBeUndefined();
  });

  it('tells a token from a key', () => {
    expect(tmdbCredentials(sim.readToken)).toEqual({ readToken: sim.readToken });
    expect(tmdbCredentials(` ${sim.apiKey} `)).toEqual({ apiKey: sim.apiKey });
  });

  it('searches, fetches seasons, movies and external ids; 404 is null', async () => {
    const { c } = client();
    expect((await c.searchTv('breaking bad'))[0]?.id).toBe(1396);
    expect((await c.searchMovie('Matrix', 1999))[0]).toMatchObject({ id: 603, release_date: '1999-03-31' });
    expect(await c.searchTv('   ')).toEqual([]);
    expect((await c.seasonDetails(1396, 1))?.episodes.map((e) => e.episode_number)).toEqual([1, 2]);
    expect(await c.movieDetails(603)).toMatchObject({ title: 'The Matrix', runtime: 136, imdb_id: 'tt0133093' });
    expect(await c.tvExternalIds(1396)).toEqual({ tvdb_id: 81189, imdb_id: 'tt0903747' });
    expect(await c.movieExternalIds(603)).toEqual({ imdb_id: 'tt0133093' });
    expect(await c.tvDetails(999_999)).toBeNull();
    expect(await c.seasonDetails(1396, 42)).toBeNull();
  });

  it('retries 5xx with backoff and full jitter, then succeeds', async () => {
    sim.requests.length = 0;
    const { c, sleeps } = client({ baseDelayMs: 100, maxDelayMs: 1000 });
    sim.failNext(2, 503);
    expect((await c.movieDetails(603))?.id).toBe(603);
    expect(sim.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    // random()=0.5 → half of 100·2^(n-1)
    expect(sleeps).toEqual([50, 100]);
  });

  it('gives up after the bounded number of attempts', async () => {
    sim.requests.length = 0;
    const { c, sleeps } = client({ maxAttempts: 3 });
    sim.failNext(5, 500);
    await expect(c.movieDetails(603)).rejects.toMatchObject({ name: 'TmdbError', kind: 'unavailable', status: 500 });
    expect(sim.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    sim.failNext(0, 500);
  });

  it('honours 429 Retry-After', async () => {
    sim.requests.length = 0;
    const { c, sleeps } = client();
    sim.failNext(1, 429, { retryAfterSeconds: 3 });
    expect((await c.tvExternalIds(1396))?.tvdb_id).toBe(81189);
    expect(sleeps).toEqual([3000]);
    expect(sim.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('fails fast when Retry-After is longer than it is willing to wait', async () => {
    const { c, sleeps } = client({ maxRetryAfterMs: 1000 });
    sim.failNext(1, 429, { retryAfterSeconds: 120 });
    await expect(c.searchTv('anything')).rejects.toMatchObject({ kind: 'rate_limited', status: 429 });
    expect(sleeps).toEqual([]);
  });

  it('retries network failures and timeouts', async () => {
    const { c, sleeps } = client({ baseUrl: 'http://127.0.0.1:9', maxAttempts: 2 });
    await expect(c.movieDetails(603)).rejects.toMatchObject({ kind: 'unavailable' });
    expect(sleeps).toHaveLength(1);

    sim.delayMs = 300;
    try {
      const slow = client({ timeoutMs: 50, maxAttempts: 2 });
      await expect(slow.c.movieDetails(603)).rejects.toMatchObject({ kind: 'unavailable' });
    } finally {
      sim.delayMs = 0;
    }
  });

  it('maps a bad key to unauthorized without leaking it in logs or messages', async () => {
    const lines: string[] = [];
    const secret = 'deadbeefdeadbeefdeadbeefdeadbeef';
    const { c } = client({ apiKey: secret, logger: createLogger({}, (l) => lines.push(l)), maxAttempts: 2 });
    const err = await c.movieDetails(603).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TmdbError);
    expect((err as TmdbError).kind).toBe('unauthorized');
    sim.failNext(2, 503);
    const err2 = await c.movieDetails(603).catch((e: unknown) => e);
    expect((err2 as TmdbError).kind).toBe('unavailable');
    const all = [...lines, String(err), String(err2), (err as Error).message].join('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(all).not.toContain(secret);
  });

  it('caches id conversions, details and searches in the database', async () => {
    const cache = dbTmdbCache(db.db);
    const a = client({ cache }).c;
    const b = client({ cache, readToken: sim.readToken, apiKey: null }).c; // another isolate, same DB
    sim.requests.length = 0;
    await a.find('imdb_id', 'tt0959621');
    await a.tvDetails(1396);
    await a.movieDetails(603);
    await a.searchTv('Breaking Bad');
    await a.tvDetails(424242); // a 404 is cached too
    expect(sim.requests).toHaveLength(5);
    await b.find('imdb_id', 'tt0959621');
    await b.tvDetails(1396);
    await b.movieDetails(603);
    await b.searchTv('breaking bad');
    expect(await b.tvDetails(424242)).toBeNull();
    expect(sim.requests).toHaveLength(5);
    const { rows } = await db.raw.query<{ key: string }>('SELECT key FROM tmdb_cache ORDER BY key');
    expect(rows.map((r) => r.key)).toContain('find:imdb_id:tt0959621');
    expect(JSON.stringify(rows)).not.toContain(sim.apiKey);
  });

  it('refetches once the TTL has passed', async () => {
    const cache = dbTmdbCache(db.db);
    const c = client({ cache, ttlMs: { details: 0 } }).c;
    await c.movieDetails(603);
    sim.requests.length = 0;
    await new Promise((r) => setTimeout(r, 5));
    await c.movieDetails(603);
    expect(sim.requestsTo('/3/movie/603')).toHaveLength(1);
  });
});
