import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededEpisodeTvdbId, startTmdbSim } from './tmdb';
import type { TmdbSim } from './tmdb';

let sim: TmdbSim;
beforeAll(async () => {
  sim = await startTmdbSim({ apiKey: 'k3y' });
  sim.addShow({
    id: 1396,
    name: 'Breaking Bad',
    firstAirDate: '2008-01-20',
    tvdbId: 81189,
    imdbId: 'tt0903747',
    popularity: 400,
    posterPath: '/ggFHVNu6YYI5L9pCfOacjizRGt.jpg',
    seasons: [
      { number: 0, episodes: [{ number: 1, name: 'Good Cop Bad Cop' }] },
      {
        number: 1,
        episodes: [
          { number: 1, name: 'Pilot', id: 62085, tvdbId: 349232, imdbId: 'tt0959621', airDate: '2008-01-20', runtime: 58 },
          { number: 2, name: "Cat's in the Bag...", id: 62086, tvdbId: 349235, airDate: '2008-01-27', runtime: 48 },
        ],
      },
    ],
  });
  sim.addShow({ id: 2316, name: 'The Office', firstAirDate: '2005-03-24', tvdbId: 73244, popularity: 300, seasons: [] });
  sim.addShow({ id: 2996, name: 'The Office', firstAirDate: '2001-07-09', tvdbId: 78107, popularity: 50, seasons: [] });
  sim.addShow({ id: 9999, name: 'Office Christmas Specials', firstAirDate: '2019-12-01', popularity: 900, seasons: [] });
  sim.addMovie({ id: 550, title: 'Fight Club', releaseDate: '1999-10-15', imdbId: 'tt0137523', tvdbId: 123, runtime: 139 });
});
afterAll(async () => {
  await sim.close();
});

async function get(path: string, init: RequestInit = {}, key: string | null = 'k3y') {
  const sep = path.includes('?') ? '&' : '?';
  const res = await fetch(`${sim.url}${path}${key === null ? '' : `${sep}api_key=${key}`}`, init);
  return { res, body: (await res.json()) as Record<string, any> };
}

describe('TMDB auth', () => {
  it('accepts the v3 key and the bearer read token', async () => {
    expect((await get('/3/tv/1396')).res.status).toBe(200);
    const bearer = await get('/3/tv/1396', { headers: { Authorization: `Bearer ${sim.readToken}` } }, null);
    expect(bearer.res.status).toBe(200);
    expect(sim.requests.at(-1)?.auth).toBe('bearer');
  });

  it('401 status_code 7 for missing, wrong key or wrong bearer, before routing', async () => {
    const expected = { status_code: 7, status_message: 'Invalid API key: You must be granted a valid key.', success: false };
    for (const r of [
      await get('/3/tv/1396', {}, null),
      await get('/3/tv/1396', {}, 'nope'),
      await get('/3/tv/424242', {}, 'nope'),
      await get('/3/movie/550', { headers: { Authorization: 'Bearer k3y' } }, null),
    ]) {
      expect(r.res.status).toBe(401);
      expect(r.body).toEqual(expected);
    }
  });
});

describe('TMDB find', () => {
  it('finds a show and an episode by imdb id and by tvdb id', async () => {
    const show = await get('/3/find/tt0903747?external_source=imdb_id');
    expect(Object.keys(show.body).sort()).toEqual(['movie_results', 'person_results', 'tv_episode_results', 'tv_results', 'tv_season_results']);
    expect(show.body.tv_results[0]).toMatchObject({ id: 1396, name: 'Breaking Bad', media_type: 'tv', first_air_date: '2008-01-20' });
    const ep = await get('/3/find/349235?external_source=tvdb_id');
    expect(ep.body.tv_episode_results).toEqual([
      expect.objectContaining({ id: 62086, show_id: 1396, season_number: 1, episode_number: 2, name: "Cat's in the Bag...", media_type: 'tv_episode', episode_type: 'finale' }),
    ]);
    const epImdb = await get('/3/find/tt0959621?external_source=imdb_id');
    expect(epImdb.body.tv_episode_results[0]).toMatchObject({ show_id: 1396, episode_number: 1 });
    const tv = await get('/3/find/81189?external_source=tvdb_id');
    expect(tv.body.tv_results[0].id).toBe(1396);
  });

  it('finds movies by imdb only, as TMDB does', async () => {
    expect((await get('/3/find/tt0137523?external_source=imdb_id')).body.movie_results[0]).toMatchObject({ id: 550, title: 'Fight Club', media_type: 'movie' });
    const byTvdb = await get('/3/find/123?external_source=tvdb_id');
    expect(byTvdb.body.movie_results).toEqual([]);
  });

  it('answers empty results for unknown or malformed ids and 422 for a bad source', async () => {
    const none = await get('/3/find/tt0000000?external_source=imdb_id');
    expect(none.res.status).toBe(200);
    expect(none.body.tv_results).toEqual([]);
    expect((await get('/3/find/abc?external_source=tvdb_id')).body.tv_episode_results).toEqual([]);
    const hostile = await get('/3/find/%E0%A4%A?external_source=imdb_id');
    expect(hostile.res.status).toBe(200);
    expect(hostile.body.movie_results).toEqual([]);
    const long = await get(`/3/search/tv?query=${'a'.repeat(4000)}`);
    expect(long.body.total_results).toBe(0);
    for (const q of ['', '?external_source=', '?external_source=netflix']) {
      const bad = await get(`/3/find/tt0903747${q}`);
      expect(bad.res.status).toBe(422);
      expect(bad.body).toMatchObject({ status_code: 5, success: false });
    }
  });
});

describe('TMDB search', () => {
  it('ranks exact titles first, then by popularity', async () => {
    const { body } = await get('/3/search/tv?query=the%20office');
    expect(body).toMatchObject({ page: 1, total_results: 3, total_pages: 1 });
    expect(body.results.map((r: { id: number }) => r.id)).toEqual([2316, 2996, 9999]);
    expect(Object.keys(body.results[0]).sort()).toEqual(
      ['adult', 'backdrop_path', 'first_air_date', 'genre_ids', 'id', 'name', 'origin_country', 'original_language',
        'original_name', 'overview', 'popularity', 'poster_path', 'vote_average', 'vote_count'].sort(),
    );
    const year = await get('/3/search/tv?query=office&first_air_date_year=2001');
    expect(year.body.results.map((r: { id: number }) => r.id)).toEqual([2996]);
    const partial = await get('/3/search/tv?query=break%20bad');
    expect(partial.body.results[0].id).toBe(1396);
  });

  it('searches movies with year', async () => {
    expect((await get('/3/search/movie?query=fight%20club&year=1999')).body.results[0]).toMatchObject({ id: 550, release_date: '1999-10-15' });
    expect((await get('/3/search/movie?query=fight%20club&year=2000')).body).toEqual({ page: 1, results: [], total_pages: 1, total_results: 0 });
  });

  it('rejects missing query and bad pages', async () => {
    for (const q of ['', '?query=', '?query=%20%20']) {
      const r = await get(`/3/search/tv${q}`);
      expect(r.res.status).toBe(422);
      expect(r.body).toEqual({ errors: ['query must be provided'] });
    }
    for (const p of ['0', '501', 'abc', '-1', '1.5']) {
      const r = await get(`/3/search/movie?query=x&page=${p}`);
      expect(r.res.status).toBe(400);
      expect(r.body.status_code).toBe(22);
    }
  });
});

describe('TMDB details', () => {
  it('serves tv details with seasons and appended external ids', async () => {
    const { body } = await get('/3/tv/1396-breaking-bad?append_to_response=external_ids');
    expect(body).toMatchObject({ id: 1396, name: 'Breaking Bad', original_name: 'Breaking Bad', first_air_date: '2008-01-20', number_of_seasons: 1, number_of_episodes: 2, last_air_date: '2008-01-27' });
    expect(body.seasons.map((s: any) => [s.season_number, s.episode_count, s.name])).toEqual([[0, 1, 'Specials'], [1, 2, 'Season 1']]);
    expect(body.external_ids).toMatchObject({ imdb_id: 'tt0903747', tvdb_id: 81189 });
    expect((await get('/3/tv/1396')).body.external_ids).toBeUndefined();
    expect((await get('/3/tv/1396/external_ids')).body).toMatchObject({ id: 1396, imdb_id: 'tt0903747', tvdb_id: 81189, tvrage_id: null });
  });

  it('serves season details', async () => {
    const { body } = await get('/3/tv/1396/season/1');
    expect(body).toMatchObject({ season_number: 1, name: 'Season 1', air_date: '2008-01-20' });
    expect(typeof body._id).toBe('string');
    expect(body.episodes[0]).toMatchObject({ id: 62085, episode_number: 1, season_number: 1, name: 'Pilot', air_date: '2008-01-20', runtime: 58, show_id: 1396 });
  });

  it('serves movie details', async () => {
    const { body } = await get('/3/movie/550?append_to_response=external_ids,credits');
    expect(body).toMatchObject({ id: 550, title: 'Fight Club', release_date: '1999-10-15', runtime: 139, imdb_id: 'tt0137523' });
    expect(body.external_ids).toMatchObject({ imdb_id: 'tt0137523' });
  });

  it('404 status_code 34 for unknown things', async () => {
    const expected = { status_code: 34, status_message: 'The resource you requested could not be found.', success: false };
    for (const p of ['/3/tv/1', '/3/tv/abc', '/3/tv/1396/season/9', '/3/tv/1396/season/x', '/3/movie/1', '/3/nope', '/4/tv/1396', '/3/tv/1396/credits']) {
      const r = await get(p);
      expect(r.res.status, p).toBe(404);
      expect(r.body).toEqual(expected);
    }
  });

  it('405 for writes and 400 for too many appends', async () => {
    const post = await get('/3/tv/1396', { method: 'POST', body: '{}' });
    expect(post.res.status).toBe(405);
    expect(post.body.status_code).toBe(42);
    const many = Array.from({ length: 21 }, (_, i) => `a${i}`).join(',');
    const r = await get(`/3/tv/1396?append_to_response=${many}`);
    expect(r.res.status).toBe(400);
    expect(r.body.status_code).toBe(27);
  });
});

describe('TMDB fault injection and bulk seeding', () => {
  it('fails the next requests with TMDB bodies and Retry-After', async () => {
    sim.failNext(1, 429, { retryAfterSeconds: 2 });
    const limited = await get('/3/tv/1396');
    expect(limited.res.status).toBe(429);
    expect(limited.res.headers.get('retry-after')).toBe('2');
    expect(limited.body).toMatchObject({ status_code: 25, success: false });
    sim.failNext(2, 503);
    expect((await get('/3/tv/1396')).res.status).toBe(503);
    expect((await get('/3/tv/1396')).body.status_code).toBe(9);
    expect((await get('/3/tv/1396')).res.status).toBe(200);
  });

  it('delays answers and logs requests for cache assertions', async () => {
    sim.delayMs = 20;
    const before = sim.requestsTo('/3/find/').length;
    await get('/3/find/tt0903747?external_source=imdb_id');
    sim.delayMs = 0;
    const finds = sim.requestsTo('/3/find/');
    expect(finds.length).toBe(before + 1);
    expect(finds.at(-1)).toMatchObject({ method: 'GET', status: 200, auth: 'api_key', query: { external_source: 'imdb_id' } });
  });

  it('seeds 50,000 distinct plausible shows that search, find and season lookups reach', async () => {
    const seeded = sim.seedMany(50_000);
    expect(new Set(seeded.map((s) => s.name)).size).toBe(50_000);
    const pick = seeded[31_337];
    if (!pick) throw new Error('missing');
    const search = await get(`/3/search/tv?query=${encodeURIComponent(pick.name)}`);
    expect(search.body.results[0]).toMatchObject({ id: pick.id, name: pick.name });
    expect((await get(`/3/find/${pick.tvdbId}?external_source=tvdb_id`)).body.tv_results[0].id).toBe(pick.id);
    const season = await get(`/3/tv/${pick.id}/season/2`);
    const ep = season.body.episodes[3];
    expect(ep).toMatchObject({ season_number: 2, episode_number: 4, show_id: pick.id });
    const ext = await get(`/3/tv/${pick.id}`);
    expect(ext.body).toMatchObject({ number_of_seasons: 2, number_of_episodes: 16 });
    const byEpisodeTvdb = await get(`/3/find/${seededEpisodeTvdbId(pick, 2, 4)}?external_source=tvdb_id`);
    expect(byEpisodeTvdb.body.tv_episode_results[0]).toMatchObject({ id: ep.id, show_id: pick.id, season_number: 2, episode_number: 4 });
    const page2 = await get('/3/search/tv?query=crimson&page=2');
    expect(page2.body.page).toBe(2);
    expect(page2.body.results).toHaveLength(20);
    expect(page2.body.total_results).toBeGreaterThan(1000);
  });
});

describe('TMDB configuration and images', () => {
  it('names an image host (this simulator) and its poster sizes', async () => {
    const { res, body } = await get('/3/configuration');
    expect(res.status).toBe(200);
    expect(body.images).toMatchObject({ secure_base_url: `${sim.url}/t/p/`, poster_sizes: expect.arrayContaining(['w342', 'original']) });
    expect((await get('/3/configuration', {}, 'nope')).res.status).toBe(401);
  });

  it('gives poster_path on details and list items', async () => {
    expect((await get('/3/tv/1396')).body.poster_path).toBe('/ggFHVNu6YYI5L9pCfOacjizRGt.jpg');
    expect((await get('/3/search/tv?query=breaking%20bad')).body.results[0].poster_path).toBe('/ggFHVNu6YYI5L9pCfOacjizRGt.jpg');
    expect((await get('/3/movie/550')).body.poster_path).toBeNull();
  });

  it('serves seeded posters without credentials, as a real JPEG; 404 for anything else', async () => {
    const res = await fetch(`${sim.url}/t/p/w342/ggFHVNu6YYI5L9pCfOacjizRGt.jpg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([bytes[0], bytes[1], bytes[2], bytes.at(-2), bytes.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xff, 0xd9]);
    for (const path of ['/t/p/w342/unknown.jpg', '/t/p/w9999/ggFHVNu6YYI5L9pCfOacjizRGt.jpg', '/t/p/w342/ggFHVNu6YYI5L9pCfOacjizRGt.png', '/t/p/w342/%2e%2e%2ftv.jpg']) {
      expect((await fetch(`${sim.url}${path}`)).status).toBe(404);
    }
  });
});
