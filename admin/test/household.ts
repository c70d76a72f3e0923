/**
 * @module
 * A realistic household for the admin's e2e tests and screenshots, built through the real paths:
 * three Plex accounts sending multipart webhooks (with real JPEG posters) to the configured URL,
 * TMDB answers and poster images from the simulator, an ambiguous show that raises a conflict,
 * something playing and something paused right now, two agents speaking the real protocol (one
 * job waiting for approval, one running with progress, both kept alive — long-polls and
 * heartbeats — until `stop()`). Older history for the graphs is written as plays rows spread over
 * 90 days (webhooks can only ever be "now").
 */
import { expect } from 'vitest';
import type { ClaimedJob } from '../../worker/src/contracts';
import { fixture, plexMultipart, variant, type Payload } from '../../worker/test/fixtures/plex';
import { posterJpeg } from '../../worker/test/fixtures/jpeg';
import { OFFICE_UK, OFFICE_US, officeEpisode } from '../../worker/test/fixtures/plex/the-office';
import type { TmdbSim } from '../../worker/test/sims/tmdb';
import type { AdminStack } from './harness';

export const ACCOUNTS = { owner: { id: 1, title: 'owner' }, kid: { id: 24680135, title: 'kid' }, sam: { id: 3141592, title: 'sam' } } as const;
type Who = keyof typeof ACCOUNTS;

const SERVER = '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d';
const PLAYERS: Record<Who, { title: string; uuid: string; local: boolean }> = {
  owner: { title: 'Living Room TV', uuid: 'k2j3h4g5f6d7s8a9', local: true },
  kid: { title: 'iPad', uuid: 'ipad-kid-01', local: true },
  sam: { title: 'Pixel 8', uuid: 'pixel-sam-01', local: false },
};

interface ShowDef {
  key: string;
  title: string;
  tvdb: number;
  tmdb: number;
  year: number;
  poster: string;
  seasons: number[];
}

export const SHOWS: ShowDef[] = [
  { key: '4099', title: 'Breaking Bad', tvdb: 81189, tmdb: 1396, year: 2008, poster: '/ggFHVNu6YYI5L9pCfOacjizRGt.jpg', seasons: [7, 13] },
  { key: '6100', title: 'Severance', tvdb: 371980, tmdb: 95396, year: 2022, poster: '/lFf6LLrQjYldcZItzOkGmMMigP7.jpg', seasons: [9, 10] },
  { key: '7200', title: 'Bluey', tvdb: 353546, tmdb: 82728, year: 2018, poster: '/b9mY0X5T20ZqhZzXIWiJZVNl5Lb.jpg', seasons: [26, 26] },
];

const MOVIES = [
  { key: '7003', title: 'The Godfather', imdb: 'tt0068646', tmdb: 238, year: 1972, poster: '/3bhkrj58Vtu7enYsRolD1fZdja1.jpg', minutes: 175 },
  { key: '7100', title: 'Oppenheimer', imdb: 'tt15398776', tmdb: 872585, year: 2023, poster: '/8Gxv8gSFCU0XGDykEGv7zR1n2ua.jpg', minutes: 180 },
];

export function seedTmdb(sim: TmdbSim): void {
  for (const s of SHOWS) {
    sim.addShow({
      id: s.tmdb,
      name: s.title,
      firstAirDate: `${s.year}-01-20`,
      tvdbId: s.tvdb,
      posterPath: s.poster,
      seasons: s.seasons.map((n, i) => ({ number: i + 1, episodes: Array.from({ length: n }, (_, e) => ({ number: e + 1, name: `Episode ${e + 1}`, runtime: s.title === 'Bluey' ? 7 : 48 })) })),
    });
  }
  sim.addShow({ ...OFFICE_US, posterPath: '/7DJKHzAi83BmQrWLrYYOqcoKfhR.jpg' });
  sim.addShow({ ...OFFICE_UK, posterPath: '/mJOLbFjW8T4ZqVtnNFi6zCuJgyF.jpg' });
  for (const m of MOVIES) sim.addMovie({ id: m.tmdb, title: m.title, releaseDate: `${m.year}-03-14`, imdbId: m.imdb, runtime: m.minutes, posterPath: m.poster });
}

function episode(who: Who, show: ShowDef, season: number, ep: number, event: string, viewOffset?: number): Payload {
  const duration = show.title === 'Bluey' ? 420_000 : 2_880_000;
  const p = variant(
    fixture('episode-legacy.play'),
    {
      ratingKey: `${show.key}${season}${String(ep).padStart(2, '0')}`,
      parentRatingKey: `${show.key}${season}`,
      grandparentRatingKey: show.key,
      guid: `com.plexapp.agents.thetvdb://${show.tvdb}/${season}/${ep}?lang=en`,
      parentGuid: `com.plexapp.agents.thetvdb://${show.tvdb}/${season}?lang=en`,
      grandparentGuid: `com.plexapp.agents.thetvdb://${show.tvdb}?lang=en`,
      grandparentTitle: show.title,
      parentTitle: `Season ${season}`,
      title: `Episode ${ep}`,
      index: ep,
      parentIndex: season,
      year: show.year,
      duration,
      viewOffset: viewOffset ?? Math.round(duration * 0.95),
    },
    { Account: ACCOUNTS[who], Player: PLAYERS[who] },
  );
  return { ...p, event };
}

function movie(who: Who, m: (typeof MOVIES)[number], event: string): Payload {
  const p = variant(fixture('movie-legacy-imdb.scrobble'), { ratingKey: m.key, guid: `com.plexapp.agents.imdb://${m.imdb}?lang=en`, title: m.title, year: m.year, duration: m.minutes * 60_000 }, { Account: ACCOUNTS[who], Player: PLAYERS[who] });
  return { ...p, event };
}

export interface Household {
  webhookUrl: string;
  showIds: Record<string, string>;
  gatedJobId: string;
  runningJobId: string;
  /** Stops the agents' keep-alive loops (their long-polls and the running job's heartbeats). */
  stop(): Promise<void>;
}

export async function deliver(stack: AdminStack, url: string, payload: Payload, thumbSeed?: string): Promise<string> {
  const d = plexMultipart(payload, thumbSeed ? { thumb: posterJpeg(thumbSeed) } : {});
  const res = await fetch(url, { method: 'POST', body: d.body, headers: d.headers });
  expect(res.status).toBe(200);
  const { id } = (await res.json()) as { id: string };
  await stack.webhookSettled(id, ['processed', 'waiting', 'ignored', 'duplicate']);
  return id;
}

/** Plays over the last 90 days for the graphs, on episodes and movies the catalog now holds. */
async function writeHistory(stack: AdminStack): Promise<void> {
  await writePlays(stack);
  // What the tracker itself would have kept for those plays: each item watched, first date, count.
  await stack.db.raw.query(`
    INSERT INTO watch_state (account_id, item_id, kind, episode_id, movie_id, show_id, watched, watched_at, plays)
    SELECT account_id, item_id, kind, episode_id, movie_id, show_id, true, min(played_at), count(*)::int
      FROM plays WHERE source = 'import' GROUP BY account_id, item_id, kind, episode_id, movie_id, show_id
    ON CONFLICT (account_id, item_id) DO UPDATE SET watched = true, plays = watch_state.plays + excluded.plays,
      watched_at = LEAST(watch_state.watched_at, excluded.watched_at)`);
}

async function writePlays(stack: AdminStack): Promise<void> {
  const q = (text: string, params: unknown[] = []) => stack.db.raw.query(text, params);
  for (const s of SHOWS) {
    const { rows } = await q('SELECT id FROM shows WHERE tmdb_id = $1', [s.tmdb]);
    const showId = rows[0]!.id as string;
    for (const [i, n] of s.seasons.entries()) {
      for (let e = 1; e <= n; e++) {
        await q(`INSERT INTO episodes (id, show_id, season, episode, title, runtime_minutes) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, [
          `ep_h_${s.tmdb}_${i + 1}_${e}`, showId, i + 1, e, `Episode ${e}`, s.title === 'Bluey' ? 7 : 48,
        ]);
      }
    }
  }
  // Deterministic "random": evenings mostly, the kid in the afternoon, more at weekends.
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const plan: Array<[Who, string, number]> = [['owner', 'Breaking Bad', 1.1], ['sam', 'Severance', 0.8], ['kid', 'Bluey', 2.2], ['owner', 'Severance', 0.3]];
  for (let day = 1; day < 90; day++) {
    for (const [who, title, rate] of plan) {
      const count = Math.floor(rate * (0.4 + rnd() * 1.2) * (day % 7 < 2 ? 1.6 : 1));
      for (let k = 0; k < count; k++) {
        const hour = who === 'kid' ? 14 + Math.floor(rnd() * 5) : 19 + Math.floor(rnd() * 4);
        await q(
          `INSERT INTO plays (id, account_id, item_id, kind, episode_id, show_id, played_at, window_end, source)
           SELECT 'ply_h_' || $1, $2, e.id, 'episode', e.id, e.show_id, t, t + interval '6 hours', 'import'
             FROM (SELECT date_trunc('day', now()) - make_interval(days => $3) + make_interval(hours => $4, mins => $5) AS t) tt,
                  (SELECT e.id, e.show_id FROM episodes e JOIN shows s ON s.id = e.show_id WHERE s.title = $6 ORDER BY e.season, e.episode OFFSET $7 LIMIT 1) e
           ON CONFLICT DO NOTHING`,
          [`${day}_${who}_${k}_${title.length}`, String(ACCOUNTS[who].id), day, hour, Math.floor(rnd() * 60), title, Math.floor(rnd() * 20)],
        );
      }
    }
    if (day % 9 === 0) {
      const m = MOVIES[day % 2]!;
      await q(
        `INSERT INTO plays (id, account_id, item_id, kind, movie_id, played_at, window_end, source)
         SELECT 'ply_m_' || $1, $2, m.id, 'movie', m.id, t, t + interval '6 hours', 'import'
           FROM (SELECT date_trunc('day', now()) - make_interval(days => $1) + interval '21 hours' AS t) tt, movies m WHERE m.tmdb_id = $3
         ON CONFLICT DO NOTHING`,
        [day, String(day % 2 ? ACCOUNTS.sam.id : ACCOUNTS.owner.id), m.tmdb],
      );
    }
  }
}

async function driveJobs(stack: AdminStack): Promise<{ gatedJobId: string; runningJobId: string; stop(): Promise<void> }> {
  const nas = await stack.enrollAgent({ name: 'nas', tags: ['home'] });
  const gatedJobId = await stack.createJob('approval-selftest', { note: 'migrate overseerr to nomad' }, ['home']);
  const gated = (await nas.nextJob(nas.wait(0))) as ClaimedJob;
  expect((await nas.startStep(gated, 0)).body.status).toBe('ok');
  expect((await nas.finishStep(gated, 0)).status).toBe(200);
  expect((await nas.startStep(gated, 1)).body.status).toBe('awaiting_approval');

  const k8s = await stack.enrollAgent({ name: 'k8s-runner', tags: ['k8s'] });
  const runningJobId = await stack.createJob('agent-selftest', { lines: 3 }, ['k8s']);
  const running = (await k8s.nextJob(k8s.wait(0))) as ClaimedJob;
  expect((await k8s.startStep(running, 0)).body.status).toBe('ok');
  const progress = { stepIndex: 0, message: 'copying library database', done: 1.8 * 1024 ** 3, total: 4.2 * 1024 ** 3, unit: 'bytes', etaSeconds: 340 };
  expect((await k8s.heartbeat(running, { progress })).status).toBe(200);

  // Like real daemons: the idle agent long-polls, the busy one heartbeats well inside its lease.
  let alive = true;
  const abort = new AbortController();
  const loops = [
    (async () => {
      while (alive) await nas.wait(undefined, abort.signal).catch(() => undefined);
    })(),
    (async () => {
      while (alive) {
        await k8s.heartbeat(running, { progress }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })(),
  ];
  return {
    gatedJobId,
    runningJobId,
    stop: async () => {
      alive = false;
      abort.abort();
      await Promise.all(loops);
    },
  };
}

export async function seedHousehold(stack: AdminStack, sim: TmdbSim): Promise<Household> {
  const cfg = await stack.admin('/plex/config', { method: 'PUT', json: { enabled: true, autoAddShows: true, rateLimitPerMinute: 10_000, tmdbApiKey: sim.apiKey } });
  expect(cfg.status).toBe(200);
  const url = cfg.body.webhookUrl as string;
  const [bb, sev, bluey] = SHOWS as [ShowDef, ShowDef, ShowDef];

  // Finished viewings: Plex sends the scrobble past 90 %, then the stop.
  const watched = async (p: (event: string) => Payload, thumb?: string) => {
    await deliver(stack, url, p('media.scrobble'), thumb);
    await deliver(stack, url, p('media.stop'));
  };
  for (let e = 1; e <= 5; e++) await watched((ev) => episode('owner', bb, 1, e, ev), e === 1 ? `plex ${bb.title}` : undefined);
  for (let e = 1; e <= 2; e++) await watched((ev) => episode('sam', bb, 1, e, ev));
  for (let e = 1; e <= 3; e++) await watched((ev) => episode('sam', sev, 1, e, ev), e === 1 ? `plex ${sev.title}` : undefined);
  for (let e = 1; e <= 4; e++) await watched((ev) => episode('kid', bluey, 1, e, ev));
  await watched((ev) => movie('owner', MOVIES[0]!, ev));
  await watched((ev) => movie('sam', MOVIES[1]!, ev));
  // Right now: the owner watches Severance, the kid paused Bluey.
  await deliver(stack, url, episode('owner', sev, 1, 4, 'media.play', 11 * 60_000), `plex ${sev.title}`);
  await deliver(stack, url, episode('kid', bluey, 1, 5, 'media.play', 60_000), `plex ${bluey.title}`);
  await deliver(stack, url, episode('kid', bluey, 1, 5, 'media.pause', 190_000));
  // "The Office" without ids or year: two TMDB shows fit, a person must choose.
  await deliver(stack, url, { ...officeEpisode(1), Account: ACCOUNTS.sam, Player: PLAYERS.sam }, 'plex the office');
  await deliver(stack, url, { ...officeEpisode(1, 'media.stop'), Account: ACCOUNTS.sam, Player: PLAYERS.sam });
  await writeHistory(stack);

  const showIds: Record<string, string> = {};
  for (const s of SHOWS) showIds[s.title] = ((await stack.db.raw.query('SELECT id FROM shows WHERE tmdb_id = $1', [s.tmdb])).rows[0]!.id as string);
  return { webhookUrl: url, showIds, ...(await driveJobs(stack)) };
}
