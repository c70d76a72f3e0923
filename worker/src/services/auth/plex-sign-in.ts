/**
 * @module
 * Sign in with Plex. The PIN is bound to the browser that started it (a random nonce in an
 * HttpOnly cookie, stored hashed), so a leaked PIN id can't be finished from elsewhere. Only
 * Plex accounts on the allow-list get a session; the Plex token itself is never stored.
 */
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { plexSignIns } from '../../db/schema';
import { newId, randomSecret, sha256Hex, timingSafeEqual } from '../../lib/crypto';
import { AppError } from '../../errors';
import { plexAuthAppUrl, type PlexTvClient } from '../plex-tv/client';
import { createSession } from './sessions';

const PIN_TTL_MS = 15 * 60 * 1000;

export async function startPlexSignIn(db: DbOrTx, plex: PlexTvClient, clientIdentifier: string, forwardUrl?: string) {
  const pin = await plex.createPin();
  const nonce = randomSecret(32);
  const expiresAt = pin.expiresAt ? new Date(pin.expiresAt) : new Date(Date.now() + PIN_TTL_MS);
  await db.insert(plexSignIns).values({ id: newId('psi'), pinId: pin.id, nonceHash: await sha256Hex(nonce), expiresAt });
  return {
    nonce,
    response: { pinId: pin.id, code: pin.code, authUrl: plexAuthAppUrl(clientIdentifier, pin.code, forwardUrl), expiresAt: expiresAt.toISOString() },
  };
}

export type PlexSignInResult = { status: 'pending' } | { status: 'signed-in'; secret: string; expiresAt: Date; name: string };

export async function checkPlexSignIn(
  db: DbOrTx,
  plex: PlexTvClient,
  input: { pinId: number; nonce: string | undefined; allowedAccountIds: string[]; userAgent?: string | undefined },
): Promise<PlexSignInResult> {
  const [attempt] = await db
    .select()
    .from(plexSignIns)
    .where(and(eq(plexSignIns.pinId, input.pinId), isNull(plexSignIns.completedAt), gt(plexSignIns.expiresAt, new Date())))
    .limit(1);
  if (!attempt || !input.nonce || !timingSafeEqual(attempt.nonceHash, await sha256Hex(input.nonce))) {
    throw new AppError('GONE', 'This Plex sign-in has expired or was started elsewhere. Start again.');
  }
  const pin = await plex.getPin(input.pinId);
  if (!pin) throw new AppError('GONE', 'The Plex PIN expired before it was approved. Start again.');
  if (!pin.authToken) return { status: 'pending' };

  const account = await plex.getAccount(pin.authToken);
  const name = account.username || account.title || `Plex account ${account.id}`;
  if (!input.allowedAccountIds.includes(String(account.id))) {
    throw new AppError(
      'FORBIDDEN',
      `The Plex account "${name}" (id ${account.id}) is not allowed to sign in. An operator can add its id to ADMIN_PLEX_ACCOUNT_IDS.`,
    );
  }
  const claimed = await db
    .update(plexSignIns)
    .set({ completedAt: new Date() })
    .where(and(eq(plexSignIns.id, attempt.id), isNull(plexSignIns.completedAt)))
    .returning({ id: plexSignIns.id });
  if (claimed.length !== 1) throw new AppError('GONE', 'This Plex sign-in was already used. Start again.');
  const session = await createSession(db, { principalId: `plex:${account.id}`, principalName: name, via: 'plex', userAgent: input.userAgent });
  return { status: 'signed-in', ...session, name };
}
