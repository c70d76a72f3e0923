/**
 * @module
 * A person's decisions about mappings: resolve a conflict (select a TMDB id, create a new catalog
 * entry from Plex's own metadata, or ignore the show), re-point a mapping (TMDB id, catalog
 * show/movie), enable/disable sync, and stop syncing. Each write holds the same advisory lock as
 * the matcher for that mapping, so a decision and a concurrent webhook never interleave; a second
 * resolve of the same conflict is a 409. TMDB is consulted before the lock is taken.
 */
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { matchConflicts, movies, plexMappings, shows } from '../../db/schema';
import { AppError } from '../../errors';
import { parseGuid } from '../plex/guid';
import { TmdbError } from '../tmdb/client';
import { findMovieByIds, findShowByIds } from './catalog';
import { tmdbTarget, type Target } from './decide';
import { catalogIdFor, withMappingLock, type MappingRow } from './match';
import type { MatchDeps } from './types';

export type ResolveAction = { action: 'select'; tmdbId: number } | { action: 'create_new' } | { action: 'ignore' };
type Deps = Pick<MatchDeps, 'tmdb' | 'logger'>;

async function loadMapping(db: DbOrTx, id: string): Promise<MappingRow> {
  const [m] = await db.select().from(plexMappings).where(eq(plexMappings.id, id)).limit(1);
  if (!m) throw new AppError('NOT_FOUND', 'No such mapping.');
  return m;
}

function bareTarget(kind: 'show' | 'movie', f: Partial<Target> & { title: string }): Target {
  return { kind, catalogId: null, tmdbId: null, tvdbId: null, imdbId: null, originalTitle: null, year: null, totalEpisodes: null, status: null, runtimeMinutes: null, ...f };
}

/** What a TMDB id stands for: TMDB's record, else our catalog's, else a candidate the matcher offered. */
async function targetForTmdbId(db: DbOrTx, deps: Deps, kind: 'show' | 'movie', tmdbId: number, offered: Array<{ tmdbId: number | null; title: string; year: number | null }> = []): Promise<Target> {
  if (deps.tmdb) {
    try {
      const t = await tmdbTarget(db, deps.tmdb, kind, tmdbId);
      if (t) return t;
      throw new AppError('BAD_REQUEST', `TMDB has no ${kind} with id ${tmdbId}.`);
    } catch (err) {
      if (!(err instanceof TmdbError)) throw err;
      if (err.kind !== 'unauthorized') throw new AppError('UPSTREAM_UNAVAILABLE', 'TMDB could not be reached. Try again shortly.');
      deps.logger.warn('TMDB rejected the configured key: resolving from the catalog and candidates', { tmdbId });
    }
  }
  const catalogId = kind === 'show' ? await findShowByIds(db, { tmdbId }) : await findMovieByIds(db, { tmdbId });
  if (catalogId) return bareTarget(kind, { title: '', catalogId });
  const c = offered.find((x) => x.tmdbId === tmdbId);
  if (c) return bareTarget(kind, { title: c.title, year: c.year, tmdbId });
  throw new AppError('BAD_REQUEST', `TMDB is not configured and ${kind} ${tmdbId} is neither in the catalog nor among the candidates.`);
}

/** A catalog entry made from what Plex itself says about the show/movie (create_new). */
function plexOwnTarget(m: MappingRow): Target {
  const id = parseGuid(m.plexGuid, m.kind);
  const num = (s: 'tmdb' | 'tvdb') => (id?.source === s ? Number(id.id) : null);
  return bareTarget(m.kind, {
    title: m.plexTitle ?? 'Untitled',
    year: m.plexYear,
    tmdbId: num('tmdb'),
    tvdbId: m.kind === 'show' ? num('tvdb') : null,
    imdbId: id?.source === 'imdb' ? id.id : null,
  });
}

function pointAt(m: MappingRow, catalogId: string | null, decidedBy: string, now: Date) {
  return {
    showId: m.kind === 'show' ? catalogId : null,
    movieId: m.kind === 'movie' ? catalogId : null,
    status: catalogId ? ('mapped' as const) : ('ignored' as const),
    confidence: catalogId ? 1 : null,
    method: 'manual',
    decidedBy,
    decidedAt: now,
    updatedAt: now,
  };
}

export async function resolveConflict(db: DbOrTx, deps: Deps, conflictId: string, action: ResolveAction, decidedBy: string): Promise<{ conflictId: string; mappingId: string }> {
  const [found] = await db.select().from(matchConflicts).where(eq(matchConflicts.id, conflictId)).limit(1);
  if (!found) throw new AppError('NOT_FOUND', 'No such conflict.');
  if (found.status !== 'open') throw new AppError('CONFLICT', 'This conflict has already been resolved.');
  const mapping = await loadMapping(db, found.mappingId);
  const target =
    action.action === 'select' ? await targetForTmdbId(db, deps, mapping.kind, action.tmdbId, found.candidates) : action.action === 'create_new' ? plexOwnTarget(mapping) : null;

  await withMappingLock(db, mapping, async (tx) => {
    const [c] = await tx.select().from(matchConflicts).where(eq(matchConflicts.id, conflictId)).for('update');
    if (!c || c.status !== 'open') throw new AppError('CONFLICT', 'This conflict has already been resolved.');
    const m = await loadMapping(tx, c.mappingId);
    const now = new Date();
    const catalogId = target ? await catalogIdFor(tx, target) : null;
    await tx.update(plexMappings).set(pointAt(m, catalogId, decidedBy, now)).where(eq(plexMappings.id, m.id));
    await tx
      .update(matchConflicts)
      .set({ status: 'resolved', resolution: { ...action, catalogId }, resolvedBy: decidedBy, resolvedAt: now })
      .where(eq(matchConflicts.id, c.id));
  });
  deps.logger.info('match conflict resolved', { conflictId, mappingId: mapping.id, action: action.action, decidedBy });
  return { conflictId, mappingId: mapping.id };
}

export interface MappingPatch {
  tmdbId?: number | undefined;
  showId?: string | undefined;
  movieId?: string | undefined;
  syncEnabled?: boolean | undefined;
}

/**
 * Edits a mapping. Re-pointing it also resolves its open conflict (if any); the returned
 * `resolvedConflictId` tells the caller which waiting events to re-process.
 */
export async function updateMapping(db: DbOrTx, deps: Deps, mappingId: string, patch: MappingPatch, decidedBy: string): Promise<{ resolvedConflictId: string | null }> {
  const mapping = await loadMapping(db, mappingId);
  let target: Target | null = null;
  if (patch.tmdbId !== undefined) target = await targetForTmdbId(db, deps, mapping.kind, patch.tmdbId);
  const catalogRef = patch.showId ?? patch.movieId;
  if (catalogRef !== undefined) {
    if ((patch.showId !== undefined) !== (mapping.kind === 'show')) throw new AppError('BAD_REQUEST', `This mapping is for a ${mapping.kind}; give ${mapping.kind}Id.`);
    const table = mapping.kind === 'show' ? shows : movies;
    const [row] = await db.select({ id: table.id }).from(table).where(eq(table.id, catalogRef)).limit(1);
    if (!row) throw new AppError('BAD_REQUEST', `No ${mapping.kind} with id ${catalogRef} in the catalog.`);
    target = bareTarget(mapping.kind, { title: '', catalogId: row.id });
  }

  return withMappingLock(db, mapping, async (tx) => {
    const m = await loadMapping(tx, mappingId);
    const now = new Date();
    let resolvedConflictId: string | null = null;
    if (target) {
      const catalogId = await catalogIdFor(tx, target);
      await tx.update(plexMappings).set(pointAt(m, catalogId, decidedBy, now)).where(eq(plexMappings.id, m.id));
      const [open] = await tx
        .update(matchConflicts)
        .set({ status: 'resolved', resolution: { action: 'select', via: 'mapping-edit', tmdbId: patch.tmdbId ?? null, catalogId }, resolvedBy: decidedBy, resolvedAt: now })
        .where(and(eq(matchConflicts.mappingId, m.id), eq(matchConflicts.status, 'open')))
        .returning({ id: matchConflicts.id });
      resolvedConflictId = open?.id ?? null;
    }
    if (patch.syncEnabled !== undefined) {
      await tx.update(plexMappings).set({ syncEnabled: patch.syncEnabled, decidedBy, decidedAt: now, updatedAt: now }).where(eq(plexMappings.id, m.id));
    }
    return { resolvedConflictId };
  });
}

/** DELETE: stop syncing this Plex show/movie. The row stays so later webhooks keep being skipped. */
export async function stopSyncing(db: DbOrTx, mappingId: string, decidedBy: string): Promise<void> {
  const now = new Date();
  const [row] = await db
    .update(plexMappings)
    .set({ syncEnabled: false, decidedBy, decidedAt: now, updatedAt: now })
    .where(eq(plexMappings.id, mappingId))
    .returning({ id: plexMappings.id });
  if (!row) throw new AppError('NOT_FOUND', 'No such mapping.');
}
