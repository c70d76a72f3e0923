/**
 * The graphs' SQL aggregates and the account pages, through the real app and Postgres. Plays are
 * written at known offsets from now; the expected day / hour / weekday buckets are computed
 * independently with Intl in the same time zone, so the SQL's time-zone arithmetic is checked
 * against another implementation (including a zone 13 hours from UTC, where days split
 * differently). Bad input: unknown zones, out-of-range windows, malformed ids and cursors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../support/test-db';
import { createTestClient, readJson, type TestClient } from '../../support/test-app';
import { createAdminToken } from '../../../src/services/auth/admin-tokens';

let db: TestDb;
let client: TestClient;
let auth: Record<string, string>;
const HOUR = 3_600_000;
const now = Date.now();

/** [account, kind, item index, hours ago] */
const PLAYS: Array<[string, 'episode' | 'movie', number, number]> = [
  ['1', 'episode', 1, 1],
  ['1', 'episode', 2, 5],
  ['1', 'episode', 3, 26],
  ['2', 'episode', 1, 27],
  ['2', 'movie', 1, 50],
  ['1', 'movie', 2, 75],
  ['2', 'episode', 4, 24 * 10 + 3],
  ['1', 'episode', 5, 24 * 40], // in 90 days, not in 30
  ['2', 'movie', 1, 24 * 200], // in neither
];

async function api(path: string) {
  const res = await client.request(path, { headers: auth });
  return { status: res.status, body: await readJson(res) };
}

beforeAll(async () => {
  db = await createTestDb();
  client = createTestClient(db);
  auth = { authorization: `Bearer ${(await createAdminToken(db.db, 'test')).token}` };
  await db.raw.query(`INSERT INTO tracker_accounts (account_id, title) VALUES ('1', 'owner'), ('2', 'kid')`);
  await db.raw.query(`INSERT INTO shows (id, title, year, tmdb_id, total_episodes) VALUES ('shw_bb', 'Breaking Bad', 2008, 1396, 62), ('shw_x', 'Severance', 2022, NULL, NULL)`);
  for (let i = 1; i <= 5; i++) await db.raw.query(`INSERT INTO episodes (id, show_id, season, episode, runtime_minutes) VALUES ($1, $2, 1, $3, 47)`, [`ep${i}`, i === 5 ? 'shw_x' : 'shw_bb', i]);
  await db.raw.query(`INSERT INTO movies (id, title, year, tmdb_id, runtime_minutes) VALUES ('mv1', 'The Godfather', 1972, 238, 175), ('mv2', 'Heat', 1995, NULL, 170)`);
  await db.raw.query(`INSERT INTO plex_mappings (id, server_uuid, plex_guid, plex_rating_key, kind, show_id, status) VALUES ('pm1', 'srv', 'g://x', '4099', 'show', 'shw_x', 'mapped')`);
  let n = 0;
  for (const [account, kind, item, hoursAgo] of PLAYS) {
    const at = new Date(now - hoursAgo * HOUR);
    const id = kind === 'movie' ? `mv${item}` : `ep${item}`;
    await db.raw.query(
      `INSERT INTO plays (id, account_id, item_id, kind, episode_id, movie_id, show_id, played_at, window_end, duration_ms, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8::timestamptz + interval '1 minute', NULL, 'webhook')`,
      [`ply_${n++}`, account, id, kind, kind === 'episode' ? id : null, kind === 'movie' ? id : null, kind === 'episode' ? (item === 5 ? 'shw_x' : 'shw_bb') : null, at.toISOString()],
    );
  }
});
afterAll(async () => {
  await db?.drop();
});

/** The local calendar day, hour and ISO weekday of an instant in `tz`, by Intl. */
function local(ms: number, tz: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23', weekday: 'short' })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!) + 1;
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour), weekday };
}

function expected(tz: string, days: number) {
  const today = local(now, tz).day;
  const first = new Date(Date.parse(`${today}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const inWindow = PLAYS.filter(([, , , h]) => local(now - h * HOUR, tz).day >= first);
  return { today, first, inWindow };
}

describe('GET /api/stats', () => {
  for (const tz of ['UTC', 'Pacific/Auckland', 'America/Los_Angeles']) {
    it(`counts plays per local day, hour and weekday in ${tz}`, async () => {
      const { status, body } = await api(`/api/stats?days=30&tz=${encodeURIComponent(tz)}`);
      expect(status).toBe(200);
      const { today, first, inWindow } = expected(tz, 30);
      expect(body).toMatchObject({ timeZone: tz, days: 30, from: first, to: today });
      expect(body.perDay).toHaveLength(30);
      expect(body.perDay[0].day).toBe(first);
      expect(body.perDay.at(-1).day).toBe(today);

      const perDay = new Map<string, { episodes: number; movies: number; byAccount: Record<string, number> }>();
      const hours = Array(24).fill(0);
      const weekdays = Array(7).fill(0);
      for (const [account, kind, , h] of inWindow) {
        const l = local(now - h * HOUR, tz);
        const d = perDay.get(l.day) ?? { episodes: 0, movies: 0, byAccount: {} };
        d[kind === 'movie' ? 'movies' : 'episodes']++;
        d.byAccount[account] = (d.byAccount[account] ?? 0) + 1;
        perDay.set(l.day, d);
        hours[l.hour]++;
        weekdays[l.weekday - 1]++;
      }
      for (const d of body.perDay) expect({ day: d.day, ...d }).toEqual({ day: d.day, ...(perDay.get(d.day) ?? { episodes: 0, movies: 0, byAccount: {} }) });
      expect(body.byHour.map((x: { episodes: number; movies: number }) => x.episodes + x.movies)).toEqual(hours);
      expect(body.byWeekday.map((x: { weekday: number }) => x.weekday)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(body.byWeekday.map((x: { episodes: number; movies: number }) => x.episodes + x.movies)).toEqual(weekdays);
      expect(body.totals.plays).toBe(inWindow.length);
    });
  }

  it('ranks top shows and movies with posters, totals minutes, and names accounts', async () => {
    const { body } = await api('/api/stats?days=90&tz=UTC');
    expect(body.topShows.map((s: { title: string; plays: number; accounts: number }) => [s.title, s.plays, s.accounts])).toEqual([
      ['Breaking Bad', 5, 2],
      ['Severance', 1, 1],
    ]);
    expect(body.topShows[0].posterUrl).toBe('/api/posters?tmdb=tv:1396');
    expect(body.topShows[1].posterUrl).toBe('/api/posters?plex=srv%3A4099');
    expect(body.topMovies.map((m: { title: string; plays: number }) => [m.title, m.plays])).toEqual([
      ['Heat', 1],
      ['The Godfather', 1],
    ]);
    expect(body.topMovies[1].posterUrl).toBe('/api/posters?tmdb=movie:238');
    // 6 episodes × 47 min + The Godfather (175) + Heat (170)
    expect(body.totals).toEqual({ plays: 8, episodes: 6, movies: 2, minutes: 6 * 47 + 175 + 170 });
    expect(body.accounts).toEqual([
      { id: '1', title: 'owner', plays: 5 },
      { id: '2', title: 'kid', plays: 3 },
    ]);
  });

  it('filters to one account', async () => {
    const { body } = await api('/api/stats?days=90&tz=UTC&accountId=2');
    expect(body.totals.plays).toBe(3);
    expect(body.accounts).toEqual([{ id: '2', title: 'kid', plays: 3 }]);
  });

  it('refuses unknown time zones, odd windows and malformed accounts with a 400 naming the field', async () => {
    for (const q of ['tz=Mars/Olympus', 'tz=UTC%00', "tz=UTC'--", `tz=${'A'.repeat(100)}`, 'days=0', 'days=366', 'days=abc', 'days=1e400', 'accountId=-1', 'accountId=%F0%9F%98%80']) {
      const { status, body } = await api(`/api/stats?${q}`);
      expect(status, q).toBe(400);
      expect(body.error.code).toBe('BAD_REQUEST');
      expect(body.error.issues?.[0]?.path ?? '').toMatch(/^(tz|days|accountId)$/);
    }
  });
});

describe('accounts', () => {
  it('lists accounts with all-time totals', async () => {
    const { body } = await api('/api/stats/accounts');
    expect(body.items.map((a: { id: string; title: string; plays: number }) => [a.id, a.title, a.plays])).toEqual([
      ['1', 'owner', 5],
      ['2', 'kid', 4],
    ]);
  });

  it("shows one account's totals and favourite shows with progress", async () => {
    const { status, body } = await api('/api/stats/accounts/1');
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: '1', title: 'owner', plays: 5, episodes: 4, movies: 1, shows: 2 });
    expect(body.favouriteShows.map((s: { title: string; plays: number; totalEpisodes: number | null }) => [s.title, s.plays, s.totalEpisodes])).toEqual([
      ['Breaking Bad', 3, 62],
      ['Severance', 1, null],
    ]);
    expect((await api('/api/stats/accounts/424242')).status).toBe(404);
    expect((await api('/api/stats/accounts/not-a-number')).status).toBe(400);
  });

  it('pages through an account history, newest first, and refuses a tampered cursor', async () => {
    const first = await api('/api/stats/accounts/1/plays?limit=2');
    expect(first.body.items.map((p: { title: string | null }) => p.title)).toHaveLength(2);
    expect(first.body.items[0]).toMatchObject({ kind: 'episode', showTitle: 'Breaking Bad', episode: 1, account: { id: '1', title: 'owner' } });
    const all = [...first.body.items];
    let cursor = first.body.nextCursor;
    while (cursor) {
      const next = await api(`/api/stats/accounts/1/plays?limit=2&cursor=${encodeURIComponent(cursor)}`);
      all.push(...next.body.items);
      cursor = next.body.nextCursor;
    }
    expect(all).toHaveLength(5);
    expect(new Set(all.map((p) => p.id)).size).toBe(5);
    const times = all.map((p) => Date.parse(p.playedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (const bad of ['nope', btoa('["x"]'), btoa('["not a date","ply_1"]')]) {
      const r = await api(`/api/stats/accounts/1/plays?cursor=${encodeURIComponent(bad)}`);
      expect(r.status, bad).toBe(400);
    }
  });
});
