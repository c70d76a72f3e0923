/**
 * @module
 * One-time sign-in links, printed by `npm start` and `npm run admin:token -- --link`. The
 * secret travels in the URL fragment (never sent to servers or logged) and is consumed
 * atomically: a second use of the same link fails.
 */
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { signInLinks } from '../../db/schema';
import { newId, randomSecret, sha256Hex } from '../../lib/crypto';

export const SIGN_IN_LINK_TTL_MS = 15 * 60 * 1000;
const LINK_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** Who a link's session is shown as when it was made for nobody in particular. */
export const LOCAL_ADMIN_NAME = 'Local admin';

export async function createSignInLink(db: DbOrTx, baseUrl: string, now = new Date(), name: string | null = null): Promise<{ url: string; expiresAt: Date }> {
  const secret = randomSecret(32);
  const expiresAt = new Date(now.getTime() + SIGN_IN_LINK_TTL_MS);
  await db.insert(signInLinks).values({ id: newId('sil'), secretHash: await sha256Hex(secret), expiresAt, name });
  return { url: `${baseUrl.replace(/\/$/, '')}/sign-in#link=${secret}`, expiresAt };
}

/** Marks the link used and returns who it signs in, exactly once per valid, unexpired link (else null). */
export async function consumeSignInLink(db: DbOrTx, secret: string, now = new Date()): Promise<{ name: string } | null> {
  if (!LINK_FORMAT.test(secret)) return null;
  const rows = await db
    .update(signInLinks)
    .set({ usedAt: now })
    .where(and(eq(signInLinks.secretHash, await sha256Hex(secret)), isNull(signInLinks.usedAt), gt(signInLinks.expiresAt, now)))
    .returning({ id: signInLinks.id, name: signInLinks.name });
  const row = rows[0];
  return row ? { name: row.name ?? LOCAL_ADMIN_NAME } : null;
}
