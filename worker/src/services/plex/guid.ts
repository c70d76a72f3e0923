/**
 * @module
 * Turns every GUID shape Plex sends into typed external ids. Plex has used many agents over the
 * years and a library keeps whatever agent it was scanned with, so one household can send:
 * - legacy agents: `com.plexapp.agents.thetvdb://ID[/S[/E]]?lang=en` (also thetvdbdvdorder),
 *   `com.plexapp.agents.themoviedb://ID[/S/E]?lang=`, `com.plexapp.agents.imdb://tt…?lang=`;
 * - HAMA (anime): `com.plexapp.agents.hama://tvdb-N`, `tvdb2-N`…`tvdb5-N` (alternative numbering
 *   modes of the same TVDB id), `anidb-N`, each with an optional `/S/E`;
 * - XBMCnfo importers: `com.plexapp.agents.xbmcnfo://tt…` (movies: imdb, or a numeric TMDB id) and
 *   `com.plexapp.agents.xbmcnfotv://ID/S/E` (TVDB);
 * - the new agents: `plex://episode|show|movie|season/<hex>`, plus `Metadata.Guid[]` entries
 *   `imdb://`, `tmdb://`, `tvdb://` — which on episodes are the EPISODE's ids, not the show's.
 * Anything else (local://, none://, junk, hostile input) yields no ids; nothing here throws.
 */

export type ExternalSource = 'tvdb' | 'tmdb' | 'imdb' | 'anidb' | 'plex';
export type IdScope = 'show' | 'episode' | 'movie' | 'season' | 'unknown';

export interface ExternalId {
  source: ExternalSource;
  id: string;
  season?: number;
  episode?: number;
  scope: IdScope;
}

/** Real GUIDs are < 200 chars; anything much longer is junk and not worth a regex. */
const MAX_GUID_LENGTH = 512;
const MAX_GUID_ENTRIES = 50;

const NUMERIC = /^[0-9]{1,12}$/;
const IMDB = /^tt[0-9]{5,12}$/;
const PLEX_HEX = /^[0-9a-f]{12,40}$/i;
const SMALL_INT = /^[0-9]{1,5}$/;

function ordinal(text: string | undefined): number | undefined {
  if (text === undefined || !SMALL_INT.test(text)) return undefined;
  return Number(text);
}

/** `ID`, `ID/S`, `ID/S/E` → id plus optional season/episode and the scope that implies. */
function splitPath(rest: string): { id: string; season?: number; episode?: number; depth: 0 | 1 | 2 } | null {
  const parts = rest.split('/');
  if (parts.length > 3 || !parts[0]) return null;
  const season = ordinal(parts[1]);
  const episode = ordinal(parts[2]);
  if (parts.length >= 2 && season === undefined) return null;
  if (parts.length === 3 && episode === undefined) return null;
  if (parts.length === 3) return { id: parts[0], season, episode, depth: 2 } as const;
  if (parts.length === 2) return { id: parts[0], season, depth: 1 } as const;
  return { id: parts[0], depth: 0 };
}

function withPath(source: ExternalSource, path: NonNullable<ReturnType<typeof splitPath>>, bareScope: IdScope): ExternalId {
  const scope: IdScope = path.depth === 2 ? 'episode' : path.depth === 1 ? 'season' : bareScope;
  const out: ExternalId = { source, id: path.id, scope };
  if (path.season !== undefined) out.season = path.season;
  if (path.episode !== undefined) out.episode = path.episode;
  return out;
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function parseLegacy(agent: string, rest: string): ExternalId | null {
  const path = splitPath(rest);
  if (!path) return null;
  switch (agent) {
    case 'thetvdb':
    case 'thetvdbdvdorder':
    case 'xbmcnfotv':
      return NUMERIC.test(path.id) ? withPath('tvdb', path, 'show') : IMDB.test(path.id) && path.depth === 0 ? { source: 'imdb', id: path.id, scope: 'show' } : null;
    case 'themoviedb':
      // The TMDB agent served movies and TV alike: a bare id's kind depends on the library.
      return NUMERIC.test(path.id) ? withPath('tmdb', path, 'unknown') : null;
    case 'imdb':
      return IMDB.test(path.id) && path.depth === 0 ? { source: 'imdb', id: path.id, scope: 'movie' } : null;
    case 'xbmcnfo':
      if (path.depth !== 0) return null;
      if (IMDB.test(path.id)) return { source: 'imdb', id: path.id, scope: 'movie' };
      return NUMERIC.test(path.id) ? { source: 'tmdb', id: path.id, scope: 'movie' } : null;
    case 'hama': {
      const m = /^(tvdb[2-5]?|anidb[2-4]?|tmdb|imdb)-([0-9a-z]{1,14})$/.exec(path.id);
      if (!m) return null;
      const [, kind = '', id = ''] = m;
      const source: ExternalSource | null = kind.startsWith('tvdb') ? 'tvdb' : kind.startsWith('anidb') ? 'anidb' : kind === 'tmdb' ? 'tmdb' : 'imdb';
      if (source === 'imdb' ? !IMDB.test(id) : !NUMERIC.test(id)) return null;
      return withPath(source, { ...path, id }, source === 'imdb' || source === 'tmdb' ? 'unknown' : 'show');
    }
    default:
      return null;
  }
}

/**
 * Parses one GUID. `scopeHint` says what the item is (e.g. 'episode' for an episode's Guid[] entries)
 * and is used where the GUID itself does not say.
 */
export function parseGuid(raw: unknown, scopeHint: IdScope = 'unknown'): ExternalId | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_GUID_LENGTH) return null;
  const noQuery = raw.trim().split('?', 1)[0] ?? '';
  const decoded = safeDecode(noQuery);
  if (decoded === null) return null;
  const m = /^([a-z0-9.]{1,60}):\/\/(.{1,300})$/i.exec(decoded);
  if (!m) return null;
  const scheme = (m[1] ?? '').toLowerCase();
  const rest = (m[2] ?? '').replace(/\/+$/, '');

  if (scheme.startsWith('com.plexapp.agents.')) return parseLegacy(scheme.slice('com.plexapp.agents.'.length), rest);
  if (scheme === 'plex') {
    const p = /^(episode|show|movie|season)\/([^/]+)$/.exec(rest);
    if (!p || !PLEX_HEX.test(p[2] ?? '')) return null;
    return { source: 'plex', id: (p[2] ?? '').toLowerCase(), scope: p[1] as IdScope };
  }
  if (scheme === 'imdb') return IMDB.test(rest) ? { source: 'imdb', id: rest, scope: scopeHint } : null;
  if (scheme === 'tmdb' || scheme === 'tvdb') return NUMERIC.test(rest) ? { source: scheme, id: rest, scope: scopeHint } : null;
  return null;
}

function key(id: ExternalId): string {
  return `${id.source}:${id.id}:${id.season ?? ''}:${id.episode ?? ''}:${id.scope}`;
}

/**
 * Parses `Metadata.Guid[]` (strings or `{ id }` objects). Keeps every id — Plex may repeat a source
 * (two imdb ids, one the show's; watchstate #689) — but drops exact duplicates, in input order.
 */
export function parseGuidList(list: unknown, scopeHint: IdScope = 'unknown'): ExternalId[] {
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  const out: ExternalId[] = [];
  for (const entry of list.slice(0, MAX_GUID_ENTRIES)) {
    const raw = typeof entry === 'string' ? entry : entry && typeof entry === 'object' ? (entry as { id?: unknown }).id : null;
    const parsed = parseGuid(raw, scopeHint);
    if (!parsed || seen.has(key(parsed))) continue;
    seen.add(key(parsed));
    out.push(parsed);
  }
  return out;
}

/** The first id from `source` in a list, if any. */
export function firstId(ids: ExternalId[], source: ExternalSource): ExternalId | undefined {
  return ids.find((i) => i.source === source);
}
