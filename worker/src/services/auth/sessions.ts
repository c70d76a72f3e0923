/**
 * @module
 * Browser sessions: the cookie holds a random secret; the database holds only its hash.
 * Sliding expiry is refreshed at most hourly so reads don't turn into writes.
 *
 * A session made by trading an admin token is only as good as the token: revoking the token
 * revokes its sessions (admin-tokens.ts), and a session whose token was revoked some other way
 * (or before this rule existed) is refused when it is resolved. People can list sessions and
 * end one, or all but their own (`/api/sessions`, `npm run admin:token -- --sessions`).
 */
import { and, desc, eq, gt, isNull, lt, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { adminSessions, adminTokens } from '../../db/schema';
import { newId, randomSecret, sha256Hex } from '../../lib/crypto';
import { sanitizeText, type Principal, type SessionInfo } from '../../contracts';

export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;
const SESSION_FORMAT = /^[A-Za-z0-9_-]{43}$/;
const MAX_USER_AGENT = 300;

export interface NewSession {
  principalId: string;
  principalName: string;
  via: 'admin-token' | 'plex' | 'sign-in-link';
  /** The signing-in browser's User-Agent header, kept (trimmed) so sessions can be told apart. */
  userAgent?: string | null | undefined;
}

export async function createSession(db: DbOrTx, s: NewSession, now = new Date()): Promise<{ secret: string; expiresAt: Date }> {
  const secret = randomSecret(32);
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  const userAgent = s.userAgent ? sanitizeText(s.userAgent.slice(0, MAX_USER_AGENT)) : null;
  await db.insert(adminSessions).values({
    id: newId('ses'),
    secretHash: await sha256Hex(secret),
    principalId: s.principalId,
    principalName: s.principalName,
    via: s.via,
    userAgent,
    expiresAt,
    lastSeenAt: now,
  });
  return { secret, expiresAt };
}

/** "token:<id>" principals: the admin token a session was traded for. */
const tokenOfPrincipal = sql`${adminSessions.principalId} = 'token:' || ${adminTokens.id}`;

export async function resolveSession(db: DbOrTx, secret: string, now = new Date()): Promise<Principal | null> {
  if (!SESSION_FORMAT.test(secret)) return null;
  const [row] = await db
    .select({ s: adminSessions, tokenRevokedAt: adminTokens.revokedAt, tokenId: adminTokens.id })
    .from(adminSessions)
    .leftJoin(adminTokens, tokenOfPrincipal)
    .where(and(eq(adminSessions.secretHash, await sha256Hex(secret)), isNull(adminSessions.revokedAt), gt(adminSessions.expiresAt, now)))
    .limit(1);
  if (!row) return null;
  const s = row.s;
  if (s.via === 'admin-token' && (row.tokenId === null || row.tokenRevokedAt !== null)) return null;
  if (now.getTime() - s.lastSeenAt.getTime() > 3600_000) {
    await db
      .update(adminSessions)
      .set({ lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_TTL_MS) })
      .where(eq(adminSessions.id, s.id));
  }
  return { kind: 'session', id: s.principalId, name: s.principalName, via: s.via, sessionId: s.id };
}

export async function revokeSession(db: DbOrTx, secret: string): Promise<void> {
  if (!SESSION_FORMAT.test(secret)) return;
  await db.update(adminSessions).set({ revokedAt: new Date() }).where(eq(adminSessions.secretHash, await sha256Hex(secret)));
}

/** Live sessions (not revoked, not expired), most recently seen first; `currentId` marks the caller's own. */
export async function listSessions(db: DbOrTx, currentId: string | null, now = new Date()): Promise<SessionInfo[]> {
  const rows = await db
    .select()
    .from(adminSessions)
    .where(and(isNull(adminSessions.revokedAt), gt(adminSessions.expiresAt, now)))
    .orderBy(desc(adminSessions.lastSeenAt), desc(adminSessions.id))
    .limit(500);
  return rows.map((s) => ({
    id: s.id,
    principalId: s.principalId,
    principalName: s.principalName,
    via: s.via,
    createdAt: s.createdAt.toISOString(),
    lastSeenAt: s.lastSeenAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    userAgent: s.userAgent,
    current: s.id === currentId,
  }));
}

/** Ends one session by id; false when there is no live session with that id. */
export async function revokeSessionById(db: DbOrTx, id: string): Promise<boolean> {
  const rows = await db
    .update(adminSessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(adminSessions.id, id), isNull(adminSessions.revokedAt)))
    .returning({ id: adminSessions.id });
  return rows.length > 0;
}

/** Ends every live session but `keepId` (all of them when null); returns how many. */
export async function revokeOtherSessions(db: DbOrTx, keepId: string | null): Promise<number> {
  const rows = await db
    .update(adminSessions)
    .set({ revokedAt: new Date() })
    .where(and(isNull(adminSessions.revokedAt), keepId ? ne(adminSessions.id, keepId) : undefined))
    .returning({ id: adminSessions.id });
  return rows.length;
}

/** Ends every session traded for the admin token `tokenId`; returns how many. */
export async function revokeSessionsOfToken(db: DbOrTx, tokenId: string): Promise<number> {
  const rows = await db
    .update(adminSessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(adminSessions.principalId, `token:${tokenId}`), isNull(adminSessions.revokedAt)))
    .returning({ id: adminSessions.id });
  return rows.length;
}

/** Housekeeping for the daily cron: sessions long expired are of no use to anyone. */
export async function deleteExpiredSessions(db: DbOrTx, now = new Date()): Promise<void> {
  await db.delete(adminSessions).where(lt(adminSessions.expiresAt, new Date(now.getTime() - 7 * 24 * 3600 * 1000)));
}
