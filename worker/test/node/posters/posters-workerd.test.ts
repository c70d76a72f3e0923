/**
 * Posters end to end in workerd with the R2 bucket wrangler emulates: the JPEG Plex attaches to a
 * multipart webhook is kept (the first one per item, never replaced) and served with immutable
 * caching and an ETag (304 on revalidation); a matched show's TMDB poster is fetched from the TMDB
 * simulator's image host once and then served from the bucket; a show TMDB has no poster for falls
 * back to the Plex thumb with a short cache. Hostile thumbs (not a JPEG, too large) are not kept;
 * malformed requests get a 400, unknown posters a cacheable 404, strangers a 401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, plexMultipart, variant } from '../../fixtures/plex';
import { posterJpeg } from '../../fixtures/jpeg';
import { createTestDb, type TestDb } from '../../support/test-db';
import { startWorkerdServer, type WorkerdServer } from '../../support/workerd-server';
import { wsProxyAddress } from '../../support/test-env';
import { adminHttp } from '../../support/admin-http';
import { startTmdbSim, type TmdbSim } from '../../sims/tmdb';
import { createAdminToken } from '../../../src/services/auth/admin-tokens';
import { SECRETS_KEY } from '../plex/harness';

let db: TestDb;
let server: WorkerdServer;
let sim: TmdbSim;
let hook: string;
let token: string;
let admin: ReturnType<typeof adminHttp>;
const SERVER = '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d';
const BB_POSTER = '/ggFHVNu6YYI5L9pCfOacjizRGt.jpg';

beforeAll(async () => {
  sim = await startTmdbSim();
  sim.addShow({ id: 1396, name: 'Breaking Bad', firstAirDate: '2008-01-20', tvdbId: 81189, posterPath: BB_POSTER, seasons: [{ number: 1, episodes: [{ number: 1, name: 'Pilot' }, { number: 2, name: 'Two' }] }] });
  sim.addShow({ id: 4242, name: 'No Poster Show', firstAirDate: '2010-01-01', tvdbId: 99001, seasons: [{ number: 1, episodes: [{ number: 1, name: 'One' }] }] });
  db = await createTestDb();
  server = await startWorkerdServer({ DATABASE_URL: db.url, DB_WS_PROXY: wsProxyAddress(), ENVIRONMENT: 'test', SECRETS_KEY, TMDB_URL: sim.url });
  token = (await createAdminToken(db.db, 'posters')).token;
  admin = adminHttp(server.url, token);
  const cfg = await admin('/plex/config', { method: 'PUT', json: { rateLimitPerMinute: 1000, tmdbApiKey: sim.apiKey } });
  expect(cfg.status).toBe(200);
  hook = cfg.body.webhookUrl;
}, 90_000);
afterAll(async () => {
  await server?.dispose();
  await db?.drop();
  await sim?.close();
});

async function deliver(payload: unknown, thumb: Uint8Array | boolean): Promise<string> {
  const d = plexMultipart(payload, { thumb });
  const res = await fetch(hook, { method: 'POST', body: d.body, headers: d.headers });
  expect(res.status).toBe(200);
  const { id } = (await res.json()) as { id: string };
  for (let i = 0; i < 150; i++) {
    const { rows } = await db.raw.query('SELECT status FROM webhook_events WHERE id = $1', [id]);
    if (rows[0] && rows[0].status !== 'pending') return rows[0].status as string;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`event ${id} still pending`);
}

function poster(path: string, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
}

/** The thumb is kept after the 200 (waitUntil): poll its URL, bounded. */
async function eventually(path: string): Promise<Response> {
  for (let i = 0; i < 100; i++) {
    const res = await poster(path);
    if (res.status === 200) return res;
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${path} never appeared`);
}

describe('Plex thumbs', () => {
  const first = posterJpeg('plex breaking bad');
  const plexPath = `/api/posters?plex=${SERVER}:4099`;

  it('keeps the first thumb per show and serves it with immutable caching', async () => {
    expect(await deliver(fixture('episode-legacy.play'), first)).toBe('processed');
    const res = await eventually(plexPath);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(first);
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();

    // Another episode of the same show with a different picture: the first one stays.
    expect(await deliver(variant(fixture('episode-legacy.play'), { ratingKey: '4102', index: 2, guid: 'com.plexapp.agents.thetvdb://81189/1/2?lang=en' }), posterJpeg('other'))).toBe('processed');
    await new Promise((r) => setTimeout(r, 500));
    expect(new Uint8Array(await (await poster(plexPath)).arrayBuffer())).toEqual(first);

    const again = await poster(plexPath, { 'if-none-match': etag! });
    expect(again.status).toBe(304);
  });

  it('serves the matched show from TMDB, fetched once, then from the bucket', async () => {
    const shows = await admin('/shows');
    const bb = shows.body.items.find((s: { title: string }) => s.title === 'Breaking Bad');
    expect(bb.posterUrl).toBe(`/api/posters?tmdb=tv:1396&plex=${SERVER}%3A4099`);
    const images = () => sim.requestsTo('/t/p/').length;
    const res = await poster(bb.posterUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(posterJpeg(BB_POSTER));
    expect(sim.requestsTo('/t/p/').at(-1)?.path).toBe(`/t/p/w342${BB_POSTER}`);
    // The image host got no credentials.
    expect(sim.requestsTo('/t/p/').at(-1)?.auth).toBe('none');
    const fetched = images();
    const twice = await poster(bb.posterUrl);
    expect(twice.status).toBe(200);
    await twice.arrayBuffer();
    expect(images()).toBe(fetched);
  });

  it('falls back to the Plex thumb (short cache) when TMDB has no poster, without asking TMDB on every view', async () => {
    const p = variant(fixture('episode-legacy.play'), {
      ratingKey: '5001', grandparentRatingKey: '5000', guid: 'com.plexapp.agents.thetvdb://99001/1/1?lang=en', grandparentGuid: 'com.plexapp.agents.thetvdb://99001?lang=en', grandparentTitle: 'No Poster Show',
    });
    const thumb = posterJpeg('no poster show');
    expect(await deliver(p, thumb)).toBe('processed');
    await eventually(`/api/posters?plex=${SERVER}:5000`);
    const show = (await admin('/shows?query=no%20poster')).body.items[0];
    expect(show.posterUrl).toBe(`/api/posters?tmdb=tv:4242&plex=${SERVER}%3A5000`);
    const details = () => sim.requestsTo('/3/tv/4242').length;
    const res = await poster(show.posterUrl);
    expect(res.headers.get('cache-control')).toBe('private, max-age=3600');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(thumb);
    const asked = details();
    await (await poster(show.posterUrl)).arrayBuffer();
    expect(details()).toBe(asked);
  });

  it('does not keep a thumb that is not a JPEG or is too large', async () => {
    const notJpeg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const p1 = variant(fixture('movie-legacy-imdb.scrobble'), { ratingKey: '8001' });
    // (TMDB does not know the movie: the event waits on a conflict; the thumb is handled regardless.)
    await deliver({ ...p1, event: 'media.play' }, notJpeg);
    const huge = new Uint8Array(3 * 1024 * 1024);
    huge.set([0xff, 0xd8, 0xff, 0xe0]);
    const p2 = variant(fixture('movie-legacy-imdb.scrobble'), { ratingKey: '8002' });
    await deliver({ ...p2, event: 'media.play' }, huge);
    await new Promise((r) => setTimeout(r, 800));
    for (const key of ['8001', '8002']) {
      const res = await poster(`/api/posters?plex=${SERVER}:${key}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('cache-control')).toBe('private, max-age=300');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
  });

  it('400 for malformed sources, 401 without a session', async () => {
    for (const q of ['', '?tmdb=tv:abc', '?tmdb=show:1', '?plex=../../etc', '?plex=a%00b:1', `?plex=${'x'.repeat(70)}:1`, '?tmdb=tv:99999999999999999999']) {
      const res = await poster(`/api/posters${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    }
    const res = await fetch(`${server.url}/api/posters?plex=${SERVER}:4099`);
    expect(res.status).toBe(401);
  });
});
