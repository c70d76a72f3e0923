/**
 * @module
 * Admin API tokens: `pxo_at_<256 random bits>`, shown once, stored as a SHA-256 hash.
 * A fast hash is right here: the input is a random 256-bit value, not a password.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { revokeSessionsOfToken } from './sessions';
import type { DbOrTx } from '../../db/client';
import { adminTokens } from '../../db/schema';
import { newId, randomSecret, sha256Hex } from '../../lib/crypto';
import type { Principal } from '../../contracts';

export const ADMIN_TOKEN_PREFIX = 'pxo_at_';
const ADMIN_TOKEN_FORMAT = /^pxo_at_[A-Za-z0-9_-]{43}$/;

export async function createAdminToken(db: DbOrTx, name: string): Promise<{ id: string; token: string }> {
  const token = ADMIN_TOKEN_PREFIX + randomSecret(32);
  const id = newId('atk');
  await db.insert(adminTokens).values({ id, name, tokenHash: await sha256Hex(token) });
  return { id, token };
}

/** Resolves a presented token to its principal, or null (unknown, revoked or malformed). */
export async function verifyAdminToken(db: DbOrTx, token: string): Promise<Principal | null> {
  if (!ADMIN_TOKEN_FORMAT.test(token)) return null;
  const hash = await sha256Hex(token);
  const [row] = await db
    .select({ id: adminTokens.id, name: adminTokens.name, lastUsedAt: adminTokens.lastUsedAt })
    .from(adminTokens)
    .where(and(eq(adminTokens.tokenHash, hash), isNull(adminTokens.revokedAt)))
    .limit(1);
  if (!row) return null;
  // Record use at most once a minute: a write per API call would be wasteful.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.update(adminTokens).set({ lastUsedAt: new Date() }).where(eq(adminTokens.id, row.id));
  }
  return { kind: 'token', id: `token:${row.id}`, name: row.name, via: 'admin-token' };
}

/**
 * Revokes a token and every session traded for it, together: a stolen token swapped for a
 * 14-day sliding session must not outlive the token. `sessions` counts the sessions ended.
 */
export async function revokeAdminToken(db: DbOrTx, id: string): Promise<{ revoked: boolean; sessions: number }> {
  return db.transaction(async (tx) => {
    const rows = await tx.update(adminTokens).set({ revokedAt: new Date() }).where(and(eq(adminTokens.id, id), isNull(adminTokens.revokedAt))).returning({ id: adminTokens.id });
    // Sessions of a token revoked earlier are ended too (resolveSession refuses them anyway).
    const sessions = await revokeSessionsOfToken(tx, id);
    return { revoked: rows.length > 0, sessions };
  });
}

export async function countActiveAdminTokens(db: DbOrTx): Promise<number> {
  const rows = await db.select({ id: adminTokens.id }).from(adminTokens).where(isNull(adminTokens.revokedAt)).limit(1);
  return rows.length;
}
