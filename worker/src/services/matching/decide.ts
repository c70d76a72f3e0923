/**
 * @module
 * Works out what a Plex show or movie is, before anything is written. Order:
 * 1. exact ids the show/movie itself carries (legacy grandparentGuid, hama, Guid[] on shows/movies),
 *    confirmed through TMDB (/tv, /movie, /find) or, without TMDB, found in our catalog;
 * 2. for episodes, the EPISODE's Guid[] tvdb/imdb ids through TMDB /find → show_id, season, episode.
 *    An episode's tmdb:// id is never taken for a show id (Plex sometimes puts a movie's TMDB id on
 *    episodes — Scrob's lesson; Ryot #1213);
 * 3. fuzzy title + year: pg_trgm over our catalog plus TMDB search, scored 0.00–1.00.
 * ≥ 0.90 with a clear winner maps; anything else becomes a conflict with ranked candidates. Without
 * a TMDB key, the show/movie is taken from Plex's own metadata (ids, title, year) — unless the
 * catalog already holds a near-miss ("Severence" beside "Severance", "Oppenhiemer" beside
 * "Oppenheimer": see `isNearMiss`): then a person decides, rather than a typo silently becoming a
 * second show. A catalog row whose external ids contradict the item's is never a candidate.
 */
import type { DbOrTx } from '../../db/client';
import type { ConflictCandidate } from '../../db/schema';
import { firstId, type ExternalId } from '../plex/guid';
import { TmdbError, yearOf, type TmdbClient, type TmdbMovieDetails, type TmdbTvDetails } from '../tmdb/client';
import { findEpisodeByIds, findMovieByIds, findShowByIds, movieTitleCandidates, showTitleCandidates, type TitleCandidate } from './catalog';
import type { ItemIds, MappingKey } from './key';
import { AUTO_MAP_THRESHOLD, CLEAR_WINNER_MARGIN, MIN_CANDIDATE_SCORE, confidenceOf, isNearMiss } from './similarity';
import type { MatchDeps, MatchMethod } from './types';

export interface Target {
  kind: 'show' | 'movie';
  catalogId: string | null;
  tmdbId: number | null;
  tvdbId: number | null;
  imdbId: string | null;
  title: string;
  originalTitle: string | null;
  year: number | null;
  totalEpisodes: number | null;
  status: string | null;
  runtimeMinutes: number | null;
}

/** Where TMDB placed an episode (from /find on the episode's own ids). */
export interface EpisodeHint {
  showTmdbId: number;
  season: number;
  episode: number;
  tmdbId: number;
  title: string | null;
  airDate: string | null;
  runtimeMinutes: number | null;
}

export type ConflictReason = 'low-confidence' | 'ambiguous' | 'no-candidates' | 'not-in-catalog' | 'possible-duplicate';

export type Decision =
  | { type: 'map'; target: Target; method: MatchMethod; confidence: number; hint: EpisodeHint | null; fromPlexMetadata: boolean }
  | { type: 'conflict'; reason: ConflictReason; candidates: ConflictCandidate[]; hint: EpisodeHint | null };

const num = (id: ExternalId | undefined) => (id ? Number(id.id) : null);

export function showTarget(d: TmdbTvDetails, catalogId: string | null): Target {
  return {
    kind: 'show',
    catalogId,
    tmdbId: d.id,
    tvdbId: d.external_ids?.tvdb_id ?? null,
    imdbId: d.external_ids?.imdb_id || null,
    title: d.name,
    originalTitle: d.original_name,
    year: yearOf(d.first_air_date),
    totalEpisodes: d.number_of_episodes,
    status: d.status || null,
    runtimeMinutes: null,
  };
}

export function movieTarget(d: TmdbMovieDetails, catalogId: string | null): Target {
  return {
    kind: 'movie',
    catalogId,
    tmdbId: d.id,
    tvdbId: null,
    imdbId: d.imdb_id || d.external_ids?.imdb_id || null,
    title: d.title,
    originalTitle: d.original_title,
    year: yearOf(d.release_date),
    totalEpisodes: null,
    status: null,
    runtimeMinutes: d.runtime || null,
  };
}

function plexTarget(key: MappingKey, ids: ItemIds, catalogId: string | null = null): Target {
  return {
    kind: key.kind,
    catalogId,
    tmdbId: num(firstId(ids.own, 'tmdb')),
    tvdbId: key.kind === 'show' ? num(firstId(ids.own, 'tvdb')) : null,
    imdbId: firstId(ids.own, 'imdb')?.id ?? null,
    title: key.title ?? 'Untitled',
    originalTitle: null,
    year: key.year,
    totalEpisodes: null,
    status: null,
    runtimeMinutes: null,
  };
}

export async function tmdbTarget(db: DbOrTx, tmdb: TmdbClient, kind: 'show' | 'movie', tmdbId: number): Promise<Target | null> {
  if (kind === 'show') {
    const d = await tmdb.tvDetails(tmdbId);
    return d ? showTarget(d, await findShowByIds(db, { tmdbId: d.id })) : null;
  }
  const d = await tmdb.movieDetails(tmdbId);
  return d ? movieTarget(d, await findMovieByIds(db, { tmdbId: d.id })) : null;
}

/** Exact ids confirmed by TMDB. */
async function exactViaTmdb(db: DbOrTx, tmdb: TmdbClient, key: MappingKey, ids: ItemIds): Promise<Decision | null> {
  const tmdbId = num(firstId(ids.own, 'tmdb'));
  if (tmdbId !== null) {
    const t = await tmdbTarget(db, tmdb, key.kind, tmdbId);
    if (t) return mapped(t, 'guid-tmdb', null);
  }
  const lookups: Array<[ExternalId | undefined, 'tvdb_id' | 'imdb_id', MatchMethod]> = [
    [key.kind === 'show' ? firstId(ids.own, 'tvdb') : undefined, 'tvdb_id', 'guid-tvdb'],
    [firstId(ids.own, 'imdb'), 'imdb_id', 'guid-imdb'],
  ];
  for (const [id, source, method] of lookups) {
    if (!id) continue;
    const found = await tmdb.find(source, id.id);
    const hit = key.kind === 'show' ? found.tv_results[0]?.id : found.movie_results[0]?.id;
    const t = hit !== undefined ? await tmdbTarget(db, tmdb, key.kind, hit) : null;
    if (t) return mapped(t, method, null);
  }
  for (const id of ids.episode) {
    if (id.source !== 'tvdb' && id.source !== 'imdb') continue;
    const ep = (await tmdb.find(id.source === 'tvdb' ? 'tvdb_id' : 'imdb_id', id.id)).tv_episode_results[0];
    if (!ep) continue;
    const t = await tmdbTarget(db, tmdb, 'show', ep.show_id);
    if (!t) continue;
    const hint: EpisodeHint = {
      showTmdbId: ep.show_id,
      season: ep.season_number,
      episode: ep.episode_number,
      tmdbId: ep.id,
      title: ep.name,
      airDate: ep.air_date || null,
      runtimeMinutes: ep.runtime,
    };
    return mapped(t, 'tmdb-find-episode', hint);
  }
  return null;
}

/** Exact ids we already hold in the catalog (works without TMDB). */
async function exactViaCatalog(db: DbOrTx, key: MappingKey, ids: ItemIds): Promise<Decision | null> {
  const tmdbId = num(firstId(ids.own, 'tmdb'));
  const tvdbId = num(firstId(ids.own, 'tvdb'));
  const imdbId = firstId(ids.own, 'imdb')?.id ?? null;
  const method: MatchMethod = tmdbId !== null ? 'guid-tmdb' : tvdbId !== null ? 'guid-tvdb' : 'guid-imdb';
  if (key.kind === 'movie') {
    const id = await findMovieByIds(db, { tmdbId, imdbId });
    return id ? mapped(plexTarget(key, ids, id), method, null) : null;
  }
  const id = await findShowByIds(db, { tmdbId, tvdbId, imdbId });
  if (id) return mapped(plexTarget(key, ids, id), method, null);
  for (const e of ids.episode) {
    if (e.source !== 'tvdb' && e.source !== 'imdb') continue;
    const known = await findEpisodeByIds(db, e.source === 'tvdb' ? { tvdbId: Number(e.id) } : { imdbId: e.id });
    if (known) return mapped(plexTarget(key, ids, known.showId), e.source === 'tvdb' ? 'guid-tvdb' : 'guid-imdb', null);
  }
  return null;
}

function mapped(target: Target, method: MatchMethod, hint: EpisodeHint | null): Decision {
  return { type: 'map', target, method, confidence: 1, hint, fromPlexMetadata: false };
}

interface Scored extends ConflictCandidate {
  target: Target | null;
  /** A catalog row that may be this very show/movie under a typo or other accents. */
  nearMiss: boolean;
}

/** The item and the catalog row both carry an id of the same source, and the ids differ. */
function idsContradict(ids: ItemIds, c: TitleCandidate): boolean {
  const differs = (mine: string | undefined, theirs: number | string | null) => mine !== undefined && theirs !== null && mine !== String(theirs);
  return (
    differs(firstId(ids.own, 'tmdb')?.id, c.tmdbId) || differs(firstId(ids.own, 'tvdb')?.id, c.tvdbId) || differs(firstId(ids.own, 'imdb')?.id, c.imdbId)
  );
}

async function fuzzy(db: DbOrTx, tmdb: TmdbClient | null, key: MappingKey, ids: ItemIds): Promise<Scored[]> {
  if (!key.title) return [];
  const query = { title: key.title, year: key.year };
  const byKey = new Map<string, Scored>();
  const local = key.kind === 'show' ? await showTitleCandidates(db, key.title) : await movieTitleCandidates(db, key.title);
  for (const c of local) {
    if (idsContradict(ids, c)) continue;
    const titles = [c.title, c.originalTitle];
    const score = confidenceOf(query, { titles, year: c.year });
    byKey.set(c.tmdbId !== null ? `tmdb:${c.tmdbId}` : `cat:${c.id}`, {
      tmdbId: c.tmdbId, catalogId: c.id, title: c.title, year: c.year, score, method: 'fuzzy-title-year', target: null, nearMiss: isNearMiss(query, { titles, year: c.year }),
    });
  }
  if (tmdb) {
    let results: Array<{ id: number; title: string; original: string | null; date: string | null }>;
    if (key.kind === 'show') {
      results = (await tmdb.searchTv(key.title, key.year)).map((r) => ({ id: r.id, title: r.name, original: r.original_name, date: r.first_air_date }));
      if (!results.length && key.year) results = (await tmdb.searchTv(key.title)).map((r) => ({ id: r.id, title: r.name, original: r.original_name, date: r.first_air_date }));
    } else {
      results = (await tmdb.searchMovie(key.title, key.year)).map((r) => ({ id: r.id, title: r.title, original: r.original_title, date: r.release_date }));
      if (!results.length && key.year) results = (await tmdb.searchMovie(key.title)).map((r) => ({ id: r.id, title: r.title, original: r.original_title, date: r.release_date }));
    }
    for (const r of results.slice(0, 10)) {
      const year = yearOf(r.date);
      const score = confidenceOf(query, { titles: [r.title, r.original], year });
      const prev = byKey.get(`tmdb:${r.id}`);
      if (prev) prev.score = Math.max(prev.score, score);
      else byKey.set(`tmdb:${r.id}`, { tmdbId: r.id, catalogId: null, title: r.title, year, score, method: 'tmdb-search', target: null, nearMiss: false });
    }
  }
  return [...byKey.values()].filter((c) => c.score >= MIN_CANDIDATE_SCORE || c.nearMiss).sort((a, b) => b.score - a.score || (a.tmdbId ?? 0) - (b.tmdbId ?? 0)).slice(0, 8);
}

const publicCandidate = ({ target: _t, nearMiss: _n, ...c }: Scored): ConflictCandidate => c;

async function decideWith(db: DbOrTx, deps: MatchDeps, tmdb: TmdbClient | null, key: MappingKey, ids: ItemIds): Promise<Decision> {
  const exact = (tmdb ? await exactViaTmdb(db, tmdb, key, ids) : null) ?? (await exactViaCatalog(db, key, ids));
  if (exact) return exact;

  const candidates = await fuzzy(db, tmdb, key, ids);
  const [best, second] = candidates;
  const clear = best && best.score >= AUTO_MAP_THRESHOLD && (!second || best.score - second.score >= CLEAR_WINNER_MARGIN);
  if (best && clear) {
    let target: Target | null = null;
    if (best.catalogId) target = { ...plexTarget(key, { own: [], episode: [], legacy: null }, best.catalogId), tmdbId: best.tmdbId };
    else if (tmdb && best.tmdbId !== null) target = await tmdbTarget(db, tmdb, key.kind, best.tmdbId);
    if (target) return { type: 'map', target, method: 'fuzzy-title-year', confidence: best.score, hint: null, fromPlexMetadata: false };
  }
  if (!tmdb) {
    if (candidates.some((c) => c.nearMiss)) return { type: 'conflict', reason: 'possible-duplicate', candidates: candidates.map(publicCandidate), hint: null };
    // Nothing in the catalog could be this item: the Plex item itself is the best record we have.
    return { type: 'map', target: plexTarget(key, ids), method: 'plex-metadata', confidence: ids.own.length ? 1 : AUTO_MAP_THRESHOLD, hint: null, fromPlexMetadata: true };
  }
  if (!best) return { type: 'conflict', reason: 'no-candidates', candidates: [], hint: null };
  return { type: 'conflict', reason: best.score >= AUTO_MAP_THRESHOLD ? 'ambiguous' : 'low-confidence', candidates: candidates.map(publicCandidate), hint: null };
}

/** Applies `allowCreate`: a target that is not yet in the catalog waits for a person instead. */
function gate(decision: Decision, allowCreate: boolean): Decision {
  if (decision.type !== 'map' || decision.target.catalogId || allowCreate) return decision;
  const t = decision.target;
  return {
    type: 'conflict',
    reason: 'not-in-catalog',
    candidates: [{ tmdbId: t.tmdbId, catalogId: null, title: t.title, year: t.year, score: decision.confidence, method: decision.method }],
    hint: decision.hint,
  };
}

export async function decide(db: DbOrTx, deps: MatchDeps, key: MappingKey, ids: ItemIds): Promise<Decision> {
  if (!deps.tmdb) {
    deps.logger.info('TMDB is not configured: matching on Plex metadata (ids in GUIDs, title, year)', { plexGuid: key.plexGuid, title: key.title });
    return gate(await decideWith(db, deps, null, key, ids), deps.allowCreate);
  }
  try {
    return gate(await decideWith(db, deps, deps.tmdb, key, ids), deps.allowCreate);
  } catch (err) {
    // A rejected key will not fix itself by retrying: degrade like an unconfigured key, and say so.
    if (!(err instanceof TmdbError) || err.kind !== 'unauthorized') throw err;
    deps.logger.warn('TMDB rejected the configured key: matching on Plex metadata instead', { plexGuid: key.plexGuid });
    return gate(await decideWith(db, deps, null, key, ids), deps.allowCreate);
  }
}
