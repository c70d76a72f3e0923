/**
 * @module
 * Where a poster can come from, and the URL the admin loads it from. A poster is asked for by its
 * sources, best first — the TMDB poster of a matched show/movie, then the JPEG Plex attached to a
 * webhook for the Plex item — so lists can name a poster without reading anything about it:
 * `/api/posters?tmdb=tv:1396&plex=<server uuid>:<rating key>`. The route (routes/posters.ts) serves
 * the first source it has. Object keys in the bucket follow the same refs.
 */

export type TmdbPosterRef = { kind: 'tv' | 'movie'; id: number };
/** A Plex item on a server; `serverUuid` '' when the payload carried none. */
export type PlexPosterRef = { serverUuid: string; ratingKey: string };

const SERVER = /^[A-Za-z0-9-]{0,64}$/;
const RATING_KEY = /^[A-Za-z0-9_-]{1,40}$/;

/** A Plex ref only when both parts are safe to put in a URL and an object key; null otherwise. */
export function plexRef(serverUuid: string | null | undefined, ratingKey: string | null | undefined): PlexPosterRef | null {
  const server = serverUuid ?? '';
  if (!ratingKey || !SERVER.test(server) || !RATING_KEY.test(ratingKey)) return null;
  return { serverUuid: server, ratingKey };
}

export function tmdbRef(kind: 'tv' | 'movie' | 'show', id: number | string | null | undefined): TmdbPosterRef | null {
  const n = typeof id === 'string' ? Number(id) : id;
  if (n === null || n === undefined || !Number.isSafeInteger(n) || n <= 0) return null;
  return { kind: kind === 'movie' ? 'movie' : 'tv', id: n };
}

export function encodeTmdb(r: TmdbPosterRef): string {
  return `${r.kind}:${r.id}`;
}

export function encodePlex(r: PlexPosterRef): string {
  return `${r.serverUuid || '_'}:${r.ratingKey}`;
}

export function decodeTmdb(s: string): TmdbPosterRef | null {
  const m = /^(tv|movie):(\d{1,12})$/.exec(s);
  return m ? tmdbRef(m[1] as 'tv' | 'movie', Number(m[2])) : null;
}

export function decodePlex(s: string): PlexPosterRef | null {
  const m = /^([A-Za-z0-9-]{1,64}):([A-Za-z0-9_-]{1,40})$/.exec(s);
  return m ? plexRef(m[1] === '_' ? '' : m[1], m[2]) : null;
}

/** The admin URL for these sources, or null when there is none. */
export function posterUrl(sources: { tmdb?: TmdbPosterRef | null; plex?: PlexPosterRef | null }): string | null {
  const q: string[] = [];
  if (sources.tmdb) q.push(`tmdb=${encodeTmdb(sources.tmdb)}`);
  if (sources.plex) q.push(`plex=${encodeURIComponent(encodePlex(sources.plex))}`);
  return q.length ? `/api/posters?${q.join('&')}` : null;
}

/** Bucket keys: one object per source, kept once written (the first Plex thumb wins). */
export const objectKey = {
  plex: (r: PlexPosterRef) => `plex/${r.serverUuid || '_'}/${r.ratingKey}`,
  tmdb: (r: TmdbPosterRef) => `tmdb/${r.kind}/${r.id}`,
  /** "TMDB has no poster for it (or no key is configured)", remembered for a while. */
  tmdbMiss: (r: TmdbPosterRef) => `tmdb-miss/${r.kind}/${r.id}`,
};

/** The Plex item whose poster a webhook's thumb is: the show for episodes and seasons, else the item. */
export function plexPosterOwner(meta: { type?: string | undefined; ratingKey?: string | undefined; parentRatingKey?: string | undefined; grandparentRatingKey?: string | undefined } | undefined): string | null {
  if (!meta) return null;
  if (meta.type === 'episode') return meta.grandparentRatingKey ?? null;
  if (meta.type === 'season') return meta.parentRatingKey ?? null;
  return meta.ratingKey ?? null;
}
