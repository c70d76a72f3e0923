/**
 * @module
 * The graphs' numbers, as SQL aggregates over `plays` in the caller's time zone: plays per local
 * day (split by account and by episode/movie, zero days included), by hour of day and ISO weekday,
 * the top shows and movies, and totals — five statements run side by side, each bounded by the
 * window on the played_at index. The window is whole local days: today and the `days - 1` before.
 * The time zone is checked before it reaches SQL (an unknown name is a 400, not a 500).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import type { PlayStats, TopItem } from '../../contracts/stats';
import { AppError } from '../../errors';
import { catalogPosterUrl, plexRefsFor } from '../posters/catalog-refs';

/** Throws BAD_REQUEST unless `tz` is a time zone the runtime knows (Postgres shares the IANA names). */
export function assertTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new AppError('BAD_REQUEST', `Unknown time zone "${tz.slice(0, 64)}": use an IANA name such as Europe/Berlin or UTC.`, {
      issues: [{ path: 'tz', message: 'must be an IANA time zone name such as Europe/Berlin' }],
    });
  }
}

const n = (v: unknown) => Number(v ?? 0);

interface Window {
  tz: string;
  days: number;
  accountId?: string | undefined;
}

/** The window as SQL: local midnight `days - 1` days ago, in `tz`, as a timestamptz. */
function since(w: Window): SQL {
  return sql`(((now() AT TIME ZONE ${w.tz})::date - ${w.days - 1}::int)::timestamp AT TIME ZONE ${w.tz})`;
}

function whereWindow(w: Window): SQL {
  return sql`p.played_at >= ${since(w)} ${w.accountId ? sql`AND p.account_id = ${w.accountId}` : sql``}`;
}

async function perDay(db: DbOrTx, w: Window) {
  const r = await db.execute<{ day: string; account_id: string | null; kind: string | null; plays: string | null }>(sql`
    WITH d AS (
      SELECT generate_series((now() AT TIME ZONE ${w.tz})::date - ${w.days - 1}::int, (now() AT TIME ZONE ${w.tz})::date, interval '1 day')::date AS day
    ), agg AS (
      SELECT (p.played_at AT TIME ZONE ${w.tz})::date AS day, p.account_id, p.kind, count(*) AS plays
        FROM plays p WHERE ${whereWindow(w)} GROUP BY 1, 2, 3
    )
    SELECT to_char(d.day, 'YYYY-MM-DD') AS day, agg.account_id, agg.kind, agg.plays
      FROM d LEFT JOIN agg ON agg.day = d.day
     ORDER BY d.day, agg.account_id`);
  const days = new Map<string, PlayStats['perDay'][number]>();
  for (const row of r.rows) {
    let d = days.get(row.day);
    if (!d) days.set(row.day, (d = { day: row.day, episodes: 0, movies: 0, byAccount: {} }));
    if (!row.account_id) continue;
    const plays = n(row.plays);
    if (row.kind === 'movie') d.movies += plays;
    else d.episodes += plays;
    d.byAccount[row.account_id] = (d.byAccount[row.account_id] ?? 0) + plays;
  }
  return [...days.values()];
}

async function byClock(db: DbOrTx, w: Window) {
  const r = await db.execute<{ hour: number; weekday: number; kind: string; plays: string }>(sql`
    SELECT extract(hour FROM p.played_at AT TIME ZONE ${w.tz})::int AS hour,
           extract(isodow FROM p.played_at AT TIME ZONE ${w.tz})::int AS weekday,
           p.kind, count(*) AS plays
      FROM plays p WHERE ${whereWindow(w)} GROUP BY 1, 2, 3`);
  const byHour = Array.from({ length: 24 }, (_, hour) => ({ hour, episodes: 0, movies: 0 }));
  const byWeekday = Array.from({ length: 7 }, (_, i) => ({ weekday: i + 1, episodes: 0, movies: 0 }));
  for (const row of r.rows) {
    const key = row.kind === 'movie' ? 'movies' : 'episodes';
    byHour[row.hour]![key] += n(row.plays);
    byWeekday[row.weekday - 1]![key] += n(row.plays);
  }
  return { byHour, byWeekday };
}

async function top(db: DbOrTx, w: Window, kind: 'show' | 'movie', limit: number): Promise<TopItem[]> {
  const r =
    kind === 'show'
      ? await db.execute<{ id: string; title: string; year: number | null; tmdb_id: string | null; plays: string; accounts: string }>(sql`
          SELECT s.id, s.title, s.year, s.tmdb_id, count(*) AS plays, count(DISTINCT p.account_id) AS accounts
            FROM plays p JOIN shows s ON s.id = p.show_id
           WHERE ${whereWindow(w)}
           GROUP BY s.id ORDER BY plays DESC, s.title LIMIT ${limit}`)
      : await db.execute<{ id: string; title: string; year: number | null; tmdb_id: string | null; plays: string; accounts: string }>(sql`
          SELECT m.id, m.title, m.year, m.tmdb_id, count(*) AS plays, count(DISTINCT p.account_id) AS accounts
            FROM plays p JOIN movies m ON m.id = p.movie_id
           WHERE ${whereWindow(w)}
           GROUP BY m.id ORDER BY plays DESC, m.title LIMIT ${limit}`);
  const plex = await plexRefsFor(db, kind, r.rows.map((x) => x.id));
  return r.rows.map((x) => ({
    id: x.id,
    title: x.title,
    year: x.year,
    plays: n(x.plays),
    accounts: n(x.accounts),
    posterUrl: catalogPosterUrl(kind, x.tmdb_id === null ? null : Number(x.tmdb_id), plex.get(x.id)),
  }));
}

async function totalsAndAccounts(db: DbOrTx, w: Window) {
  const r = await db.execute<{ account_id: string; title: string | null; plays: string; episodes: string; movies: string; minutes: string }>(sql`
    SELECT p.account_id, coalesce(ta.display_name, ta.title) AS title, count(*) AS plays,
           count(*) FILTER (WHERE p.kind = 'episode') AS episodes, count(*) FILTER (WHERE p.kind = 'movie') AS movies,
           coalesce(sum(coalesce(p.duration_ms, e.runtime_minutes * 60000, m.runtime_minutes * 60000, 0)), 0) / 60000 AS minutes
      FROM plays p
      LEFT JOIN episodes e ON e.id = p.episode_id
      LEFT JOIN movies m ON m.id = p.movie_id
      LEFT JOIN tracker_accounts ta ON ta.account_id = p.account_id
     WHERE ${whereWindow(w)}
     GROUP BY p.account_id, ta.display_name, ta.title ORDER BY plays DESC, p.account_id`);
  const totals = { plays: 0, episodes: 0, movies: 0, minutes: 0 };
  for (const x of r.rows) {
    totals.plays += n(x.plays);
    totals.episodes += n(x.episodes);
    totals.movies += n(x.movies);
    totals.minutes += n(x.minutes);
  }
  totals.minutes = Math.round(totals.minutes);
  return {
    accounts: r.rows.map((x) => ({ id: x.account_id, title: x.title, plays: n(x.plays) })),
    totals,
  };
}

/** Postgres' "time zone not recognized": a name the runtime knows but the database does not. */
function isUnknownZone(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | null;
  return e?.code === '22023' || e?.cause?.code === '22023';
}

export async function playStats(db: DbOrTx, q: { days: number; tz: string; accountId?: string | undefined }): Promise<PlayStats> {
  assertTimeZone(q.tz);
  const w: Window = { tz: q.tz, days: q.days, accountId: q.accountId };
  try {
    const [days, clock, topShows, topMovies, sums] = await Promise.all([perDay(db, w), byClock(db, w), top(db, w, 'show', 10), top(db, w, 'movie', 10), totalsAndAccounts(db, w)]);
    return { timeZone: q.tz, days: q.days, from: days[0]?.day ?? '', to: days.at(-1)?.day ?? '', accounts: sums.accounts, perDay: days, ...clock, topShows, topMovies, totals: sums.totals };
  } catch (err) {
    if (isUnknownZone(err)) throw new AppError('BAD_REQUEST', `The database does not know the time zone "${q.tz}".`, { issues: [{ path: 'tz', message: 'unknown time zone' }] });
    throw err;
  }
}
