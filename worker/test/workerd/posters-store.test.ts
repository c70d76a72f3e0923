/**
 * The posters module against the R2 bucket the Workers pool emulates from wrangler.toml (the same
 * binding `wrangler dev` and production get): the first Plex thumb per show is kept and never
 * replaced, even by deliveries racing each other; what is not a JPEG or is too large is never
 * kept; "TMDB has no poster" is remembered, so a missing poster does not cost a TMDB call per view.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MAX_THUMB_BYTES, findPoster, keepPlexThumb } from '../../src/services/posters/store';
import type { PlexPayload } from '../../src/services/webhooks/payload';

const bucket = (env as unknown as { POSTERS: R2Bucket }).POSTERS;

function jpeg(fill: number, size = 64): Uint8Array {
  const b = new Uint8Array(size).fill(fill);
  b.set([0xff, 0xd8, 0xff, 0xe0]);
  return b;
}

const episodeOf = (show: string): PlexPayload =>
  ({ event: 'media.play', Server: { uuid: 'srv-1' }, Metadata: { type: 'episode', ratingKey: `${show}-e1`, grandparentRatingKey: show } }) as PlexPayload;

async function bytes(found: Awaited<ReturnType<typeof findPoster>>): Promise<Uint8Array> {
  const body = found!.body;
  return body instanceof Uint8Array ? body : new Uint8Array(await new Response(body).arrayBuffer());
}

describe('posters in R2', () => {
  it('keeps the first thumb per show, whatever races it', async () => {
    expect(bucket).toBeDefined();
    const results = await Promise.all([1, 2, 3, 4].map((n) => keepPlexThumb(bucket, episodeOf('show-a'), jpeg(n))));
    expect(results.filter((r) => r === 'stored')).toHaveLength(1);
    const winner = jpeg(results.indexOf('stored') + 1);
    expect(await keepPlexThumb(bucket, episodeOf('show-a'), jpeg(9))).toBe('kept');
    const found = await findPoster(bucket, { tmdb: null, plex: { serverUuid: 'srv-1', ratingKey: 'show-a' } }, async () => null);
    expect(found?.preferred).toBe(true);
    expect(found?.contentType).toBe('image/jpeg');
    expect(await bytes(found)).toEqual(winner);
  });

  it('never keeps what is not a JPEG, is too large, or has no usable item', async () => {
    expect(await keepPlexThumb(bucket, episodeOf('show-b'), new TextEncoder().encode('<svg onload=alert(1)>'))).toBe('skipped');
    const big = new Uint8Array(MAX_THUMB_BYTES + 1);
    big.set([0xff, 0xd8, 0xff]);
    expect(await keepPlexThumb(bucket, episodeOf('show-b'), big)).toBe('skipped');
    expect(await keepPlexThumb(bucket, { event: 'media.play', Metadata: { type: 'episode', grandparentRatingKey: '../../etc' } } as PlexPayload, jpeg(1))).toBe('skipped');
    expect(await keepPlexThumb(bucket, episodeOf('show-b'), null)).toBe('skipped');
    expect(await keepPlexThumb(undefined, episodeOf('show-b'), jpeg(1))).toBe('skipped');
    expect(await bucket.list({ prefix: 'plex/srv-1/show-b' })).toMatchObject({ objects: [] });
  });

  it('remembers that TMDB has no poster, and falls back to the Plex thumb meanwhile', async () => {
    await keepPlexThumb(bucket, episodeOf('show-c'), jpeg(7));
    let asked = 0;
    const none = async () => {
      asked++;
      return null;
    };
    const sources = { tmdb: { kind: 'tv' as const, id: 4242 }, plex: { serverUuid: 'srv-1', ratingKey: 'show-c' } };
    const first = await findPoster(bucket, sources, none);
    expect(first?.preferred).toBe(false);
    expect(await bytes(first)).toEqual(jpeg(7));
    await findPoster(bucket, sources, none);
    expect(asked).toBe(1);
    // A day later TMDB is asked again.
    await findPoster(bucket, sources, none, { now: Date.now() + 25 * 60 * 60_000 });
    expect(asked).toBe(2);
  });

  it('a TMDB failure is not remembered (tried again on the next view)', async () => {
    let asked = 0;
    const down = async () => {
      asked++;
      throw new Error('TMDB could not be reached');
    };
    const sources = { tmdb: { kind: 'movie' as const, id: 777 }, plex: null };
    expect(await findPoster(bucket, sources, down)).toBeNull();
    expect(await findPoster(bucket, sources, down)).toBeNull();
    expect(asked).toBe(2);
  });
});
