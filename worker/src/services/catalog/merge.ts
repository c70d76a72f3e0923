/**
 * @module
 * Merging two catalog items: a duplicate show/movie (a typo, another spelling, made before the
 * near-miss rule existed) into the one kept. In one transaction, with both rows locked: every
 * account's plays, progress, ratings and manual watched dates move (move-watch-rows.ts), the
 * duplicate's episodes join the kept show's (same season/episode → one episode; others move
 * over), mappings and open conflicts' candidates follow, ids the kept row lacks are filled from
 * the duplicate, and the duplicate is deleted. A `catalog_merges` row records it, so merging the
 * same pair again answers what the first merge did instead of failing.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { catalogMerges, episodes, matchConflicts, movies, plexMappings, shows, type ConflictCandidate } from '../../db/schema';
import type { MergeResult } from '../../contracts/library';
import { AppError } from '../../errors';
import { moveShowRatings, moveWatchRows, type MovedCounts } from './move-watch-rows';

export interface MergeInput {
  kind: 'show' | 'movie';
  /** The duplicate: merged away and deleted. */
  fromId: string;
  /** The item kept. */
  intoId: string;
  mergedBy: string;
}

type Summary = MergeResult['moved'];

const zero = (): Summary => ({ episodes: 0, episodesJoined: 0, plays: 0, playsFolded: 0, watchStates: 0, progress: 0, ratings: 0, mappings: 0, conflicts: 0 });

function add(sum: Summary, c: MovedCounts): void {
  sum.plays += c.plays;
  sum.playsFolded += c.playsFolded;
  sum.watchStates += c.watchStates;
  sum.progress += c.progress;
  sum.ratings += c.ratings;
}

async function lockPair(tx: DbOrTx, input: MergeInput): Promise<Map<string, { id: string; title: string }>> {
  const table = input.kind === 'show' ? shows : movies;
  // Locked in id order so two merges of one pair (either direction) queue instead of deadlocking.
  const rows = await tx
    .select({ id: table.id, title: table.title })
    .from(table)
    .where(inArray(table.id, [input.fromId, input.intoId]))
    .orderBy(table.id)
    .for('update');
  return new Map(rows.map((r) => [r.id, r]));
}

/** What to answer when the duplicate no longer exists: the earlier merge, or 404/409. */
async function earlierMerge(tx: DbOrTx, input: MergeInput): Promise<MergeResult> {
  const [done] = await tx.select().from(catalogMerges).where(eq(catalogMerges.fromId, input.fromId)).limit(1);
  if (!done) throw new AppError('NOT_FOUND', `No ${input.kind} with id ${input.fromId}.`);
  if (done.intoId !== input.intoId || done.kind !== input.kind) {
    throw new AppError('CONFLICT', `“${done.fromTitle}” was already merged into another ${done.kind} (${done.intoId}).`);
  }
  return { kind: input.kind, fromId: done.fromId, intoId: done.intoId, fromTitle: done.fromTitle, alreadyMerged: true, moved: { ...zero(), ...done.summary } };
}

async function mergeEpisodes(tx: DbOrTx, fromShow: string, intoShow: string, sum: Summary): Promise<void> {
  const dup = await tx.select().from(episodes).where(eq(episodes.showId, fromShow)).for('update');
  if (!dup.length) return;
  const kept = await tx.select().from(episodes).where(eq(episodes.showId, intoShow)).for('update');
  const byNumber = new Map(kept.map((e) => [`${e.season}:${e.episode}`, e]));
  const moveOver: string[] = [];
  for (const e of dup) {
    const twin = byNumber.get(`${e.season}:${e.episode}`);
    if (!twin) {
      moveOver.push(e.id);
      continue;
    }
    add(sum, await moveWatchRows(tx, e.id, { id: twin.id, kind: 'episode', showId: intoShow }));
    // What the kept episode does not know yet, the duplicate may (title, ids, runtime).
    await tx
      .update(episodes)
      .set({
        title: sql`coalesce(${episodes.title}, ${e.title})`,
        tmdbId: sql`coalesce(${episodes.tmdbId}, ${e.tmdbId})`,
        tvdbId: sql`coalesce(${episodes.tvdbId}, ${e.tvdbId})`,
        imdbId: sql`coalesce(${episodes.imdbId}, ${e.imdbId})`,
        runtimeMinutes: sql`coalesce(${episodes.runtimeMinutes}, ${e.runtimeMinutes})`,
        airDate: sql`coalesce(${episodes.airDate}, ${e.airDate})`,
        updatedAt: sql`now()`,
      })
      .where(eq(episodes.id, twin.id));
    await tx.delete(episodes).where(eq(episodes.id, e.id));
    sum.episodesJoined++;
  }
  if (moveOver.length) {
    const ids = sql.join(moveOver.map((id) => sql`${id}`), sql`, `);
    await tx.update(episodes).set({ showId: intoShow, updatedAt: sql`now()` }).where(inArray(episodes.id, moveOver));
    for (const table of ['plays', 'watch_state', 'ratings'] as const) {
      await tx.execute(sql`UPDATE ${sql.identifier(table)} SET show_id = ${intoShow} WHERE episode_id IN (${ids})`);
    }
    sum.episodes += moveOver.length;
  }
}

/** Ids and facts the kept row lacks, taken from the duplicate (its unique TMDB id freed first). */
async function fillGaps(tx: DbOrTx, kind: 'show' | 'movie', fromId: string, intoId: string): Promise<void> {
  if (kind === 'show') {
    const [d] = await tx.select().from(shows).where(eq(shows.id, fromId));
    if (!d) return;
    await tx.update(shows).set({ tmdbId: null }).where(eq(shows.id, fromId));
    await tx
      .update(shows)
      .set({
        tmdbId: sql`coalesce(${shows.tmdbId}, ${d.tmdbId})`,
        tvdbId: sql`coalesce(${shows.tvdbId}, ${d.tvdbId})`,
        imdbId: sql`coalesce(${shows.imdbId}, ${d.imdbId})`,
        originalTitle: sql`coalesce(${shows.originalTitle}, ${d.originalTitle})`,
        year: sql`coalesce(${shows.year}, ${d.year})`,
        totalEpisodes: sql`coalesce(${shows.totalEpisodes}, ${d.totalEpisodes})`,
        status: sql`coalesce(${shows.status}, ${d.status})`,
        updatedAt: sql`now()`,
      })
      .where(eq(shows.id, intoId));
    return;
  }
  const [d] = await tx.select().from(movies).where(eq(movies.id, fromId));
  if (!d) return;
  await tx.update(movies).set({ tmdbId: null }).where(eq(movies.id, fromId));
  await tx
    .update(movies)
    .set({
      tmdbId: sql`coalesce(${movies.tmdbId}, ${d.tmdbId})`,
      imdbId: sql`coalesce(${movies.imdbId}, ${d.imdbId})`,
      year: sql`coalesce(${movies.year}, ${d.year})`,
      runtimeMinutes: sql`coalesce(${movies.runtimeMinutes}, ${d.runtimeMinutes})`,
      updatedAt: sql`now()`,
    })
    .where(eq(movies.id, intoId));
}

/** Open conflicts that offered the duplicate now offer the kept item (once). */
async function repointCandidates(tx: DbOrTx, fromId: string, intoId: string, intoTitle: string): Promise<number> {
  const open = await tx
    .select({ id: matchConflicts.id, candidates: matchConflicts.candidates })
    .from(matchConflicts)
    .where(and(eq(matchConflicts.status, 'open'), sql`${matchConflicts.candidates} @> ${JSON.stringify([{ catalogId: fromId }])}::jsonb`))
    .for('update');
  for (const c of open) {
    const next: ConflictCandidate[] = [];
    for (const cand of c.candidates) {
      const moved = cand.catalogId === fromId ? { ...cand, catalogId: intoId, title: intoTitle } : cand;
      if (!next.some((x) => x.catalogId && x.catalogId === moved.catalogId)) next.push(moved);
    }
    await tx.update(matchConflicts).set({ candidates: next }).where(eq(matchConflicts.id, c.id));
  }
  return open.length;
}

export async function mergeCatalogItems(db: DbOrTx, input: MergeInput): Promise<MergeResult> {
  if (input.fromId === input.intoId) throw new AppError('BAD_REQUEST', 'Choose two different items: an item cannot be merged into itself.', { issues: [{ path: 'intoId', message: 'Choose a different item to keep.' }] });
  return db.transaction(async (tx) => {
    const locked = await lockPair(tx, input);
    const from = locked.get(input.fromId);
    const into = locked.get(input.intoId);
    if (!from) return earlierMerge(tx, input);
    if (!into) throw new AppError('NOT_FOUND', `No ${input.kind} with id ${input.intoId}.`);

    const sum = zero();
    if (input.kind === 'show') {
      await mergeEpisodes(tx, from.id, into.id, sum);
      sum.ratings += await moveShowRatings(tx, from.id, into.id);
      sum.mappings = (await tx.update(plexMappings).set({ showId: into.id, updatedAt: sql`now()` }).where(eq(plexMappings.showId, from.id)).returning({ id: plexMappings.id })).length;
    } else {
      add(sum, await moveWatchRows(tx, from.id, { id: into.id, kind: 'movie', showId: null }));
      sum.mappings = (await tx.update(plexMappings).set({ movieId: into.id, updatedAt: sql`now()` }).where(eq(plexMappings.movieId, from.id)).returning({ id: plexMappings.id })).length;
    }
    sum.conflicts = await repointCandidates(tx, from.id, into.id, into.title);
    await fillGaps(tx, input.kind, from.id, into.id);
    await tx.delete(input.kind === 'show' ? shows : movies).where(eq((input.kind === 'show' ? shows : movies).id, from.id));
    await tx.insert(catalogMerges).values({ fromId: from.id, intoId: into.id, kind: input.kind, fromTitle: from.title, summary: sum, mergedBy: input.mergedBy });
    return { kind: input.kind, fromId: from.id, intoId: into.id, fromTitle: from.title, alreadyMerged: false, moved: sum };
  });
}
