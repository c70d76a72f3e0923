/**
 * @module
 * `GET /healthz`: one real query (the applied-migration count), so "ok" means the Worker
 * reached Postgres through the production driver and the schema is in place.
 */
import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { APP_VERSION } from '../contracts';

export const healthRoutes = new Hono<AppEnv>().get('/healthz', async (c) => {
  c.header('Cache-Control', 'no-store');
  try {
    const result = await c.var.db().execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`);
    return c.json({ ok: true as const, version: APP_VERSION, db: 'ok' as const, migrations: result.rows[0]?.n ?? 0 }, 200);
  } catch (err) {
    // 42P01 undefined_table: reachable but never migrated; say so rather than "unavailable".
    const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
    if (code === '42P01' || code === '3F000') {
      return c.json({ ok: false as const, version: APP_VERSION, db: 'unmigrated' as const, migrations: 0 }, 503);
    }
    throw err;
  }
});
