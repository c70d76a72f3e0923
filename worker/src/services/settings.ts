/** @module Deployment-wide key/value settings stored in `app_settings`. */
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { appSettings } from '../db/schema';
import { randomSecret } from '../lib/crypto';

/** Reads a setting, creating it with `init()` on first use (race-safe: first writer wins). */
export async function getOrCreateSetting<T>(db: DbOrTx, key: string, init: () => T): Promise<T> {
  const [row] = await db.select({ value: appSettings.value }).from(appSettings).where(eq(appSettings.key, key)).limit(1);
  if (row) return row.value as T;
  await db.insert(appSettings).values({ key, value: init() as unknown as object }).onConflictDoNothing();
  const [created] = await db.select({ value: appSettings.value }).from(appSettings).where(eq(appSettings.key, key)).limit(1);
  return created!.value as T;
}

export async function putSetting(db: DbOrTx, key: string, value: unknown): Promise<void> {
  await db
    .insert(appSettings)
    .values({ key, value: value as object })
    .onConflictDoUpdate({ target: appSettings.key, set: { value: value as object, updatedAt: sql`now()` } });
}

/** Plex asks every client install for a stable unique identifier. */
export function plexClientIdentifier(db: DbOrTx): Promise<string> {
  return getOrCreateSetting(db, 'plex.clientIdentifier', () => `plexops-${randomSecret(12)}`);
}
