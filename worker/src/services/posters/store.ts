/**
 * @module
 * Posters in the object store (the `POSTERS` R2 bucket; wrangler emulates it locally, under
 * `.data/wrangler` for `npm start` and a temp dir in tests). Never in Postgres.
 *
 * - `keepPlexThumb`: the JPEG Plex attaches to play/rate/library.new webhooks, kept once per Plex
 *   item (the first one wins: a conditional put, so two deliveries racing cannot replace it).
 *   Called after the webhook's 200, so it costs the sender nothing.
 * - `findPoster`: the first of a request's sources that exists — a TMDB poster (fetched from TMDB
 *   once, then served from the bucket; "TMDB has none" is remembered for a day so a missing poster
 *   does not cost a TMDB call per page view), else the Plex thumb.
 */
import type { PlexPayload } from '../webhooks/payload';
import type { Logger } from '../../lib/logger';
import { objectKey, plexPosterOwner, plexRef, type PlexPosterRef, type TmdbPosterRef } from './refs';

/** Bigger than any poster Plex sends (tens of KB); guards the bucket against a hostile sender. */
export const MAX_THUMB_BYTES = 2 * 1024 * 1024;
export const TMDB_MISS_TTL_MS = 24 * 60 * 60_000;

/** JPEG starts with SOI + a marker (FF D8 FF). Anything else is not what Plex sends. */
export function looksLikeJpeg(b: Uint8Array): boolean {
  return b.byteLength >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

export async function keepPlexThumb(bucket: R2Bucket | undefined, payload: PlexPayload, thumb: Uint8Array | null, logger?: Logger): Promise<'stored' | 'kept' | 'skipped'> {
  if (!bucket || !thumb || thumb.byteLength > MAX_THUMB_BYTES || !looksLikeJpeg(thumb)) return 'skipped';
  const ref = plexRef(payload.Server?.uuid, plexPosterOwner(payload.Metadata));
  if (!ref) return 'skipped';
  const key = objectKey.plex(ref);
  try {
    if (await bucket.head(key)) return 'kept';
    const put = await bucket.put(key, thumb, {
      httpMetadata: { contentType: 'image/jpeg' },
      customMetadata: { event: payload.event.slice(0, 40) },
      onlyIf: { etagDoesNotMatch: '*' },
    });
    return put ? 'stored' : 'kept';
  } catch (err) {
    logger?.warn('could not keep the Plex poster', { key, error: String(err) });
    return 'skipped';
  }
}

export interface FoundPoster {
  body: ReadableStream | Uint8Array;
  etag: string;
  contentType: string;
  /** Served from the first source asked for: it will not change, so it may be cached for good. */
  preferred: boolean;
}

/** Fetches a TMDB poster's bytes (null: TMDB has none, or no key is configured). */
export type TmdbPosterFetch = (ref: TmdbPosterRef) => Promise<{ bytes: Uint8Array; contentType: string } | null>;

function found(o: R2ObjectBody, preferred: boolean): FoundPoster {
  return { body: o.body, etag: o.httpEtag, contentType: o.httpMetadata?.contentType ?? 'image/jpeg', preferred };
}

async function tmdbPoster(bucket: R2Bucket, ref: TmdbPosterRef, fetchTmdb: TmdbPosterFetch, now: number, logger?: Logger): Promise<FoundPoster | null> {
  const stored = await bucket.get(objectKey.tmdb(ref));
  if (stored) return found(stored, true);
  const miss = await bucket.head(objectKey.tmdbMiss(ref));
  if (miss && now - miss.uploaded.getTime() < TMDB_MISS_TTL_MS) return null;
  let got: Awaited<ReturnType<TmdbPosterFetch>> = null;
  try {
    got = await fetchTmdb(ref);
  } catch (err) {
    // TMDB down or refusing: try again on a later view (no miss marker), serve the fallback now.
    logger?.warn('could not fetch the TMDB poster', { ref: `${ref.kind}:${ref.id}`, error: String(err) });
    return null;
  }
  if (!got) {
    await bucket.put(objectKey.tmdbMiss(ref), '', { customMetadata: { reason: 'no poster' } });
    return null;
  }
  const put = await bucket.put(objectKey.tmdb(ref), got.bytes, { httpMetadata: { contentType: got.contentType } });
  return { body: got.bytes, etag: put?.httpEtag ?? '', contentType: got.contentType, preferred: true };
}

export async function findPoster(
  bucket: R2Bucket | undefined,
  sources: { tmdb: TmdbPosterRef | null; plex: PlexPosterRef | null },
  fetchTmdb: TmdbPosterFetch,
  opts: { now?: number; logger?: Logger } = {},
): Promise<FoundPoster | null> {
  if (!bucket) return null;
  if (sources.tmdb) {
    const t = await tmdbPoster(bucket, sources.tmdb, fetchTmdb, opts.now ?? Date.now(), opts.logger);
    if (t) return t;
  }
  if (sources.plex) {
    const p = await bucket.get(objectKey.plex(sources.plex));
    if (p) return found(p, !sources.tmdb);
  }
  return null;
}
