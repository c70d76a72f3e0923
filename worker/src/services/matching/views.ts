/**
 * @module
 * Read side of mappings and conflicts for the admin API: keyset-paginated lists (newest first) and
 * single rows, shaped as the contracts in `contracts/plex-matching.ts`.
 */
import { and, desc, eq, isNull, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client';
import { matchConflicts, movies, plexMappings, shows } from '../../db/schema';
import type { MatchConflict, Page, PlexMapping } from '../../contracts';
import { afterKeyset, decodeKeyset, paginate, timeKey } from '../../lib/cursor';
import { plexRef, posterUrl, tmdbRef } from '../posters/refs';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const mappingColumns = {
  m: plexMappings,
  openConflictId: matchConflicts.id,
  showTitle: shows.title,
  showYear: shows.year,
  showTmdb: shows.tmdbId,
  movieTitle: movies.title,
  movieYear: movies.year,
  movieTmdb: movies.tmdbId,
  /** The page cursor's time part (lib/cursor.ts). */
  key: timeKey(plexMappings.createdAt),
};

function mappingQuery(db: DbOrTx) {
  return db
    .select(mappingColumns)
    .from(plexMappings)
    .leftJoin(matchConflicts, and(eq(matchConflicts.mappingId, plexMappings.id), eq(matchConflicts.status, 'open')))
    .leftJoin(shows, eq(shows.id, plexMappings.showId))
    .leftJoin(movies, eq(movies.id, plexMappings.movieId));
}

type MappingJoinRow = Awaited<ReturnType<ReturnType<typeof mappingQuery>['execute']>>[number];

function toMapping(r: MappingJoinRow): PlexMapping {
  const m = r.m;
  const catalog =
    m.showId && r.showTitle !== null
      ? { id: m.showId, title: r.showTitle, year: r.showYear, tmdbId: r.showTmdb }
      : m.movieId && r.movieTitle !== null
        ? { id: m.movieId, title: r.movieTitle, year: r.movieYear, tmdbId: r.movieTmdb }
        : null;
  return {
    id: m.id,
    serverUuid: m.serverUuid || null,
    plexGuid: m.plexGuid,
    plexRatingKey: m.plexRatingKey,
    kind: m.kind,
    plexTitle: m.plexTitle,
    plexYear: m.plexYear,
    showId: m.showId,
    movieId: m.movieId,
    catalog,
    confidence: m.confidence,
    method: m.method,
    status: m.status,
    syncEnabled: m.syncEnabled,
    decidedBy: m.decidedBy,
    decidedAt: iso(m.decidedAt),
    openConflictId: r.openConflictId,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}

/** Pages are ordered by (created_at, id), both descending, to the microsecond (lib/cursor.ts). */
function after(cursor: string | undefined, createdAt: AnyPgColumn, id: AnyPgColumn): SQL | undefined {
  if (!cursor) return undefined;
  const [at, lastId] = decodeKeyset(cursor, ['time', 'id']) as [string, string];
  return afterKeyset('desc', createdAt, id, at, lastId, 'time');
}

export async function listMappings(
  db: DbOrTx,
  q: { limit: number; cursor?: string | undefined; unmapped?: boolean | undefined; conflicts?: boolean | undefined },
): Promise<Page<PlexMapping>> {
  const where = and(
    after(q.cursor, plexMappings.createdAt, plexMappings.id),
    q.unmapped ? and(isNull(plexMappings.showId), isNull(plexMappings.movieId)) : undefined,
    q.conflicts ? eq(plexMappings.status, 'conflict') : undefined,
  );
  const rows = await mappingQuery(db)
    .where(where)
    .orderBy(desc(plexMappings.createdAt), desc(plexMappings.id))
    .limit(q.limit + 1);
  const page = paginate(rows, q.limit, (r) => [r.key, r.m.id]);
  return { items: page.items.map(toMapping), nextCursor: page.nextCursor };
}

export async function getMapping(db: DbOrTx, id: string): Promise<PlexMapping | null> {
  const [row] = await mappingQuery(db).where(eq(plexMappings.id, id)).limit(1);
  return row ? toMapping(row) : null;
}

const conflictColumns = { c: matchConflicts, m: plexMappings };
type ConflictJoinRow = { c: typeof matchConflicts.$inferSelect; m: typeof plexMappings.$inferSelect };

function toConflict({ c, m }: ConflictJoinRow): MatchConflict {
  return {
    id: c.id,
    mappingId: c.mappingId,
    kind: m.kind,
    serverUuid: m.serverUuid || null,
    plexGuid: m.plexGuid,
    plexTitle: m.plexTitle,
    plexYear: m.plexYear,
    reason: c.reason,
    candidates: c.candidates.map((x) => ({
      tmdbId: x.tmdbId,
      catalogId: x.catalogId ?? null,
      title: x.title,
      year: x.year,
      score: x.score,
      method: x.method,
      posterUrl: posterUrl({ tmdb: tmdbRef(m.kind, x.tmdbId) }),
    })),
    status: c.status,
    resolution: c.resolution ?? null,
    resolvedBy: c.resolvedBy,
    resolvedAt: iso(c.resolvedAt),
    createdAt: c.createdAt.toISOString(),
    posterUrl: posterUrl({ plex: plexRef(m.serverUuid, m.plexRatingKey) }),
  };
}

export async function listConflicts(
  db: DbOrTx,
  q: { limit: number; cursor?: string | undefined; status: 'open' | 'resolved' | 'all' },
): Promise<Page<MatchConflict>> {
  const where = and(
    after(q.cursor, matchConflicts.createdAt, matchConflicts.id),
    q.status === 'all' ? undefined : eq(matchConflicts.status, q.status),
  );
  const rows = await db
    .select({ ...conflictColumns, key: timeKey(matchConflicts.createdAt) })
    .from(matchConflicts)
    .innerJoin(plexMappings, eq(plexMappings.id, matchConflicts.mappingId))
    .where(where)
    .orderBy(desc(matchConflicts.createdAt), desc(matchConflicts.id))
    .limit(q.limit + 1);
  const page = paginate(rows, q.limit, (r) => [r.key, r.c.id]);
  return { items: page.items.map(toConflict), nextCursor: page.nextCursor };
}

export async function getConflict(db: DbOrTx, id: string): Promise<MatchConflict | null> {
  const [row] = await db.select(conflictColumns).from(matchConflicts).innerJoin(plexMappings, eq(plexMappings.id, matchConflicts.mappingId)).where(eq(matchConflicts.id, id)).limit(1);
  return row ? toConflict(row) : null;
}
