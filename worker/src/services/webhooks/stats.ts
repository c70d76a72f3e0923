/**
 * @module
 * GET /api/plex/stats: catalog size, mapping state, webhook outcomes over 24 h and 7 d, and plays
 * per day for 30 days — a handful of aggregate queries run in parallel.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { WEBHOOK_STATUSES } from '../../db/schema';
import type { PlexStats } from '../../contracts/plex';

type Counts = PlexStats['webhooks']['last24h'];

function emptyCounts(): Counts {
  return Object.fromEntries(WEBHOOK_STATUSES.map((s) => [s, 0])) as Counts;
}

export async function plexStats(db: DbOrTx): Promise<PlexStats> {
  const [catalog, byStatus, last, plays] = await Promise.all([
    db.execute<{ shows: string; movies: string; mapped: string; conflicts: string }>(sql`
      SELECT (SELECT count(*) FROM shows) AS shows, (SELECT count(*) FROM movies) AS movies,
             (SELECT count(*) FROM plex_mappings WHERE status = 'mapped') AS mapped,
             (SELECT count(*) FROM match_conflicts WHERE status = 'open') AS conflicts`),
    db.execute<{ status: string; d1: string; d7: string }>(sql`
      SELECT status, count(*) FILTER (WHERE received_at > now() - interval '24 hours') AS d1, count(*) AS d7
      FROM webhook_events WHERE received_at > now() - interval '7 days' GROUP BY status`),
    db.execute<{ at: Date | string | null }>(sql`SELECT max(received_at) AS at FROM webhook_events`),
    db.execute<{ day: string; plays: string }>(sql`
      SELECT to_char(d.day, 'YYYY-MM-DD') AS day, count(p.id) AS plays
      FROM generate_series((now() AT TIME ZONE 'UTC')::date - 29, (now() AT TIME ZONE 'UTC')::date, interval '1 day') AS d(day)
      LEFT JOIN plays p ON (p.played_at AT TIME ZONE 'UTC')::date = d.day::date
      GROUP BY d.day ORDER BY d.day`),
  ]);
  const c = catalog.rows[0];
  const last24h = emptyCounts();
  const last7d = emptyCounts();
  for (const r of byStatus.rows) {
    if (r.status in last7d) {
      last24h[r.status as keyof Counts] = Number(r.d1);
      last7d[r.status as keyof Counts] = Number(r.d7);
    }
  }
  const settled = last7d.processed + last7d.failed;
  const lastAt = last.rows[0]?.at;
  return {
    shows: Number(c?.shows ?? 0),
    movies: Number(c?.movies ?? 0),
    mapped: Number(c?.mapped ?? 0),
    unresolvedConflicts: Number(c?.conflicts ?? 0),
    webhooks: { last24h, last7d },
    successRate: settled ? Math.round((last7d.processed / settled) * 1000) / 1000 : null,
    lastWebhookAt: lastAt ? new Date(lastAt).toISOString() : null,
    playsPerDay: plays.rows.map((r) => ({ day: r.day, plays: Number(r.plays) })),
  };
}
