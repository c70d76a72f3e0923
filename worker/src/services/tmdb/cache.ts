/**
 * @module
 * TMDB answers kept in Postgres (`tmdb_cache`), so id conversions and details are fetched once per
 * TTL however many webhooks, isolates or retries ask. Values are wrapped (`{ v }`) so "TMDB has no
 * such id" can be cached too. Cache failures never fail a lookup: the cache is an optimisation.
 */
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { tmdbCache } from '../../db/schema';

export interface TmdbCache {
  get(key: string, ttlMs: number): Promise<{ hit: true; value: unknown } | { hit: false }>;
  set(key: string, value: unknown): Promise<void>;
}

export function dbTmdbCache(db: DbOrTx, now: () => Date = () => new Date()): TmdbCache {
  return {
    async get(key, ttlMs) {
      try {
        const [row] = await db.select().from(tmdbCache).where(eq(tmdbCache.key, key)).limit(1);
        if (!row || now().getTime() - row.fetchedAt.getTime() > ttlMs) return { hit: false };
        return { hit: true, value: (row.value as { v?: unknown }).v ?? null };
      } catch {
        return { hit: false };
      }
    },
    async set(key, value) {
      try {
        const at = now();
        await db
          .insert(tmdbCache)
          .values({ key, value: { v: value }, fetchedAt: at })
          .onConflictDoUpdate({ target: tmdbCache.key, set: { value: sql`excluded.value`, fetchedAt: sql`excluded.fetched_at` } });
      } catch {
        // a failed cache write only costs a later refetch
      }
    },
  };
}
