/**
 * @module
 * Which Plex show or movie an item belongs to — the key of its mapping row — and the ids and
 * numbers the item itself carries. Episodes map through their show (grandparentGuid), seasons
 * through theirs (parentGuid), so one decision covers every episode and every account.
 */
import { AppError } from '../../errors';
import { parseGuid, parseGuidList, type ExternalId } from '../plex/guid';
import type { PlexItemRef } from './types';

export interface MappingKey {
  serverUuid: string;
  plexGuid: string;
  kind: 'show' | 'movie';
  ratingKey: string | null;
  title: string | null;
  year: number | null;
}

function clean(s: string | null | undefined, max = 500): string | null {
  const t = typeof s === 'string' ? s.trim() : '';
  return t ? t.slice(0, max) : null;
}

export function mappingKeyOf(item: PlexItemRef): MappingKey {
  const kind = item.type === 'movie' ? 'movie' : 'show';
  const guid = item.type === 'episode' ? item.grandparentGuid : item.type === 'season' ? item.parentGuid : item.guid;
  const ratingKey = item.type === 'episode' ? item.grandparentRatingKey : item.type === 'season' ? item.parentRatingKey : item.ratingKey;
  const title =
    item.type === 'episode' ? clean(item.grandparentTitle) : item.type === 'season' ? clean(item.parentTitle ?? item.grandparentTitle) : clean(item.title);
  // An episode's or season's own year is its air year, not the show's: useless for matching the show.
  const year = item.type === 'movie' || item.type === 'show' ? item.year : null;
  const plexGuid = clean(guid, 300) ?? (clean(ratingKey, 40) ? `ratingkey:${clean(ratingKey, 40)}` : null);
  if (!plexGuid) throw new AppError('INVALID_PAYLOAD', 'The Plex item has neither a guid nor a rating key for its show or movie.');
  return { serverUuid: clean(item.serverUuid, 100) ?? '', plexGuid, kind, ratingKey: clean(ratingKey, 40), title, year: year ?? null };
}

export interface ItemIds {
  /** Ids that identify the show or movie itself. */
  own: ExternalId[];
  /** On episodes: the episode's own ids from Guid[] (never a show id). */
  episode: ExternalId[];
  /** Season/episode numbers carried by a legacy episode guid (e.g. thetvdb://ID/S/E). */
  legacy: { season: number; episode: number } | null;
}

export function itemIds(item: PlexItemRef, key: MappingKey): ItemIds {
  const own: ExternalId[] = [];
  const add = (id: ExternalId | null) => {
    if (id && id.source !== 'plex' && !own.some((o) => o.source === id.source && o.id === id.id)) own.push(id);
  };
  add(parseGuid(key.plexGuid, key.kind));
  let legacy: ItemIds['legacy'] = null;
  if (item.type === 'episode') {
    // A legacy episode guid names the SHOW's id plus S/E: usable even if grandparentGuid is missing.
    const g = parseGuid(item.guid, 'episode');
    if (g && g.source !== 'plex' && g.season !== undefined && g.episode !== undefined) {
      legacy = { season: g.season, episode: g.episode };
      add({ source: g.source, id: g.id, scope: 'show' });
    }
    return { own, episode: parseGuidList(item.externalGuids, 'episode'), legacy };
  }
  // On shows and movies Guid[] holds the item's own ids; on seasons it holds the season's: skip those.
  if (item.type === 'show' || item.type === 'movie') for (const id of parseGuidList(item.externalGuids, key.kind)) add(id);
  return { own, episode: [], legacy };
}
