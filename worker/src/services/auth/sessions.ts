/**
 * @module
 * Browser sessions: the cookie holds a random secret; the database holds only its hash.
 * Sliding expiry is refreshed at most hourly so reads don't turn into writes.
 */
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { adminSessions } from '../../db/schema';
import { newId, randomSecret, sha256Hex } from '../../lib/crypto';
import type { Principal } from '../../contracts';

export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;
const SESSION_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export interface NewSession {
  principalId: string;
  principalName: string;
  via: 'admin-token' | 'plex' | 'sign-in-link';
}

export async function createSession(db: DbOrTx, s: NewSession, now = new Date()): Promise<{ secret: string; expiresAt: Date }> {
  const secret = randomSecret(32);
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db.insert(adminSessions).values({ id: newId('ses'), secretHash: await sha256Hex(secret), ...s, expiresAt, lastSeenAt: now });
  return { secret, expiresAt };
}

export async function resolveSession(db: DbOrTx, secret: string, now = new Date()): Promise<Principal | null> {
  if (!SESSION_FORMAT.test(secret)) return null;
  const [row] = await db
    .select()
    .from(adminSessions)
    .where(and(eq(adminSessions.secretHash, await sha256Hex(secret)), isNull(adminSessions.revokedAt), gt(adminSessions.expiresAt, now)))
    .limit(1);
  if (!row) return null;
  if (now.getTime() - row.lastSeenAt.getTime() > 3600_000) {
    await db
      .update(adminSessions)
      .set({ lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_TTL_MS) })
      .where(eq(adminSessions.id, row.id));
  }
  return { kind: 'session', id: row.principalId, name: row.principalName, via: row.via };
}

export async function revokeSession(db: DbOrTx, secret: string): Promise<void> {
  if (!SESSION_FORMAT.test(secret)) return;
  await db.update(adminSessions).set({ revokedAt: new Date() }).where(eq(adminSessions.secretHash, await sha256Hex(secret)));
}

/** Housekeeping for the daily cron: sessions long expired are of no use to anyone. */
export async function deleteExpiredSessions(db: DbOrTx, now = new Date()): Promise<void> {
  await db.delete(adminSessions).where(lt(adminSessions.expiresAt, new Date(now.getTime() - 7 * 24 * 3600 * 1000)));
}
