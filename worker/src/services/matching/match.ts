/**
 * @module
 * `matchPlexItem`: a Plex item (from a webhook) → a catalog show+episode or movie, or a conflict a
 * person resolves. Order: the stored mapping for (server, show/movie guid) → exact ids → TMDB /find
 * on the episode's ids → fuzzy title+year (see decide.ts). Evidence is gathered before any write;
 * the write runs in a transaction holding an advisory lock keyed on the mapping key, and re-checks
 * the mapping under the lock, so 20 concurrent deliveries of a new show create one show, one mapping
 * and at most one conflict. Episode rows are upserted on (show, season, episode).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { matchConflicts, plexMappings, shows } from '../../db/schema';
import { AppError } from '../../errors';
import { newId } from '../../lib/crypto';
import { firstId } from '../plex/guid';
import { ensureEpisode, upsertMovie, upsertShow } from './catalog';
import { decide, type Decision, type EpisodeHint, type Target } from './decide';
import { itemIds, mappingKeyOf, type ItemIds, type MappingKey } from './key';
import type { MatchDeps, MatchOutcome, PlexItemRef } from './types';

export type MappingRow = typeof plexMappings.$inferSelect;

interface MappingState {
  mapping: MappingRow;
  openConflictId: string | null;
}

async function readMapping(db: DbOrTx, key: MappingKey): Promise<MappingState | null> {
  const [row] = await db
    .select({ mapping: plexMappings, openConflictId: matchConflicts.id })
    .from(plexMappings)
    .leftJoin(matchConflicts, and(eq(matchConflicts.mappingId, plexMappings.id), eq(matchConflicts.status, 'open')))
    .where(and(eq(plexMappings.serverUuid, key.serverUuid), eq(plexMappings.plexGuid, key.plexGuid)))
    .limit(1);
  return row ?? null;
}

/** A stored decision we can act on without matching again. */
function settled(s: MappingState): boolean {
  const m = s.mapping;
  if (!m.syncEnabled || m.status === 'ignored') return true;
  if (m.status === 'conflict') return s.openConflictId !== null;
  return (m.kind === 'show' ? m.showId : m.movieId) !== null;
}

/** Writes the catalog row a target stands for (refreshing TMDB facts) and returns its id. */
export async function catalogIdFor(db: DbOrTx, t: Target): Promise<string> {
  if (t.catalogId && t.tmdbId === null) return t.catalogId;
  if (t.kind === 'movie') {
    return upsertMovie(db, { title: t.title, year: t.year, tmdbId: t.tmdbId, imdbId: t.imdbId, runtimeMinutes: t.runtimeMinutes });
  }
  if (t.catalogId && t.tmdbId !== null) {
    // Matched to an existing row: refresh what TMDB knows, whichever row holds the TMDB id.
    const [hit] = await db.select({ id: shows.id }).from(shows).where(eq(shows.tmdbId, t.tmdbId)).limit(1);
    if (!hit) return t.catalogId;
  }
  return upsertShow(db, {
    title: t.title,
    originalTitle: t.originalTitle,
    year: t.year,
    tmdbId: t.tmdbId,
    tvdbId: t.tvdbId,
    imdbId: t.imdbId,
    totalEpisodes: t.totalEpisodes,
    status: t.status,
  });
}

async function apply(tx: DbOrTx, deps: MatchDeps, key: MappingKey, existing: MappingRow | null, decision: Decision): Promise<MappingState> {
  const now = new Date();
  const base = { plexRatingKey: key.ratingKey, plexTitle: key.title, plexYear: key.year, updatedAt: now };
  let values: Partial<typeof plexMappings.$inferInsert>;
  if (decision.type === 'map') {
    const catalogId = await catalogIdFor(tx, decision.target);
    values = {
      ...base,
      showId: key.kind === 'show' ? catalogId : null,
      movieId: key.kind === 'movie' ? catalogId : null,
      confidence: decision.confidence,
      method: decision.method,
      status: 'mapped',
      decidedBy: 'auto',
      decidedAt: now,
    };
    if (decision.fromPlexMetadata) deps.logger.info('added to the catalog from Plex metadata (no TMDB)', { kind: key.kind, title: key.title, year: key.year });
  } else {
    const best = decision.candidates[0];
    values = { ...base, showId: null, movieId: null, confidence: best?.score ?? null, method: best?.method ?? null, status: 'conflict', decidedBy: null, decidedAt: null };
  }

  let mapping: MappingRow | undefined;
  if (existing) {
    [mapping] = await tx.update(plexMappings).set(values).where(eq(plexMappings.id, existing.id)).returning();
  } else {
    [mapping] = await tx
      .insert(plexMappings)
      .values({ ...values, id: newId('pmap'), serverUuid: key.serverUuid, plexGuid: key.plexGuid, kind: key.kind, status: values.status ?? 'conflict' })
      .returning();
  }
  if (!mapping) throw new Error('mapping write returned no row');

  let openConflictId: string | null = null;
  if (decision.type === 'conflict') {
    openConflictId = newId('mcf');
    await tx.insert(matchConflicts).values({ id: openConflictId, mappingId: mapping.id, candidates: decision.candidates, reason: decision.reason });
    deps.logger.info('plex item needs review', { mappingId: mapping.id, conflictId: openConflictId, reason: decision.reason, title: key.title });
  } else {
    deps.logger.info('plex item mapped', { mappingId: mapping.id, method: decision.method, confidence: decision.confidence, title: key.title });
  }
  return { mapping, openConflictId };
}

/** Runs `fn` in a transaction that holds the advisory lock for this mapping key. */
export function withMappingLock<T>(db: DbOrTx, key: { serverUuid: string; plexGuid: string }, fn: (tx: DbOrTx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`plex-mapping:${key.serverUuid}:${key.plexGuid}`}, 0))`);
    return fn(tx);
  });
}

function episodeNumbers(item: PlexItemRef, ids: ItemIds, hint: EpisodeHint | null): { season: number; episode: number } | null {
  if (hint) return { season: hint.season, episode: hint.episode };
  const ok = (n: number | null): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 100_000;
  if (ok(item.parentIndex) && ok(item.index)) return { season: item.parentIndex, episode: item.index };
  return ids.legacy;
}

/** TMDB's placement of this episode, when its own ids say so and it belongs to the mapped show. */
async function episodeHint(deps: MatchDeps, ids: ItemIds, showTmdbId: number | null): Promise<EpisodeHint | null> {
  if (!deps.tmdb || showTmdbId === null) return null;
  for (const id of ids.episode) {
    if (id.source !== 'tvdb' && id.source !== 'imdb') continue;
    try {
      const ep = (await deps.tmdb.find(id.source === 'tvdb' ? 'tvdb_id' : 'imdb_id', id.id)).tv_episode_results[0];
      if (ep && ep.show_id === showTmdbId) {
        return { showTmdbId, season: ep.season_number, episode: ep.episode_number, tmdbId: ep.id, title: ep.name, airDate: ep.air_date || null, runtimeMinutes: ep.runtime };
      }
    } catch {
      return null; // numbering from Plex is good enough when TMDB is having a bad moment
    }
  }
  return null;
}

async function outcome(db: DbOrTx, deps: MatchDeps, item: PlexItemRef, ids: ItemIds, state: MappingState, hint: EpisodeHint | null): Promise<MatchOutcome> {
  const m = state.mapping;
  if (!m.syncEnabled) return { status: 'skipped', mappingId: m.id, reason: 'sync-disabled' };
  if (m.status === 'ignored') return { status: 'skipped', mappingId: m.id, reason: 'ignored' };
  if (m.status === 'conflict' && state.openConflictId) return { status: 'conflict', mappingId: m.id, conflictId: state.openConflictId };
  const confidence = m.confidence ?? 1;
  const method = (m.method ?? 'mapping') as Extract<MatchOutcome, { status: 'matched' }>['method'];
  if (m.kind === 'movie' && m.movieId) return { status: 'matched', kind: 'movie', mappingId: m.id, movieId: m.movieId, confidence, method };
  if (!m.showId) throw new Error('mapping has no catalog target');
  if (item.type !== 'episode') return { status: 'matched', kind: 'show', mappingId: m.id, showId: m.showId, confidence, method };

  const [show] = await db.select({ tmdbId: shows.tmdbId }).from(shows).where(eq(shows.id, m.showId)).limit(1);
  const usableHint = hint && show && hint.showTmdbId === show.tmdbId ? hint : await episodeHint(deps, ids, show?.tmdbId ?? null);
  const nums = episodeNumbers(item, ids, usableHint);
  if (!nums) throw new AppError('INVALID_PAYLOAD', 'The episode carries no season/episode numbers and TMDB could not place it.');
  const episodeId = await ensureEpisode(db, m.showId, nums.season, nums.episode, {
    title: usableHint?.title ?? item.title,
    tmdbId: usableHint?.tmdbId ?? null,
    tvdbId: firstId(ids.episode, 'tvdb') ? Number(firstId(ids.episode, 'tvdb')?.id) : null,
    imdbId: firstId(ids.episode, 'imdb')?.id ?? null,
    runtimeMinutes: usableHint?.runtimeMinutes ?? (item.duration && item.duration > 0 ? Math.round(item.duration / 60_000) : null),
    airDate: usableHint?.airDate ?? null,
  });
  return { status: 'matched', kind: 'episode', mappingId: m.id, showId: m.showId, episodeId, season: nums.season, episode: nums.episode, confidence, method };
}

export async function matchPlexItem(db: DbOrTx, deps: MatchDeps, item: PlexItemRef): Promise<MatchOutcome> {
  const key = mappingKeyOf(item);
  const ids = itemIds(item, key);
  const known = await readMapping(db, key);
  if (known && settled(known)) {
    const res = await outcome(db, deps, item, ids, known, null);
    // A stored decision is reported as such: the caller sees that nothing new was decided.
    return res.status === 'matched' ? { ...res, method: 'mapping' } : res;
  }

  const decision = await decide(db, deps, key, ids);
  const state = await withMappingLock(db, key, async (tx) => {
    const again = await readMapping(tx, key);
    if (again && settled(again)) return { state: again, fresh: false };
    return { state: await apply(tx, deps, key, again?.mapping ?? null, decision), fresh: true };
  });
  const res = await outcome(db, deps, item, ids, state.state, decision.hint);
  return res.status === 'matched' && !state.fresh ? { ...res, method: 'mapping' } : res;
}
