/**
 * @module
 * Webhook URL secrets. Plex cannot sign requests, so the URL carries a 256-bit random secret.
 * Only its SHA-256 is the lookup key; the clear value is kept sealed (when SECRETS_KEY is set)
 * purely so the admin can show the URL again. Rotation keeps the previous secret valid for a
 * grace period, because Plex only picks up a new URL when someone pastes it in.
 */
import { and, desc, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { plexWebhookSecrets } from '../../db/schema';
import { newId, randomSecret, sha256Hex } from '../../lib/crypto';
import type { SecretBox } from '../../lib/secret-box';

const PURPOSE = 'webhook-secret';

export interface IssuedSecret {
  secret: string;
  previousValidUntil: Date | null;
}

async function insertSecret(db: DbOrTx, box: SecretBox | null): Promise<string> {
  const secret = randomSecret(32);
  await db.insert(plexWebhookSecrets).values({
    id: newId('whs'),
    secretHash: await sha256Hex(secret),
    secretEnc: box ? await box.seal(secret, PURPOSE) : null,
  });
  return secret;
}

/** Creates the first secret if there is no current one; returns the clear secret only when it was just created. */
export async function ensureWebhookSecret(db: DbOrTx, box: SecretBox | null): Promise<string | null> {
  const [current] = await db.select({ id: plexWebhookSecrets.id }).from(plexWebhookSecrets).where(isNull(plexWebhookSecrets.expiresAt)).limit(1);
  return current ? null : insertSecret(db, box);
}

/** New current secret; every still-current one expires after the grace period (0 h = at once). */
export async function rotateWebhookSecret(db: DbOrTx, box: SecretBox | null, graceHours: number): Promise<IssuedSecret> {
  const until = new Date(Date.now() + graceHours * 3_600_000);
  const expired = await db
    .update(plexWebhookSecrets)
    .set({ expiresAt: until })
    .where(isNull(plexWebhookSecrets.expiresAt))
    .returning({ id: plexWebhookSecrets.id });
  const secret = await insertSecret(db, box);
  return { secret, previousValidUntil: expired.length ? until : null };
}

/** The current secret in clear, if it was stored sealed and the key can open it. */
export async function currentWebhookSecret(db: DbOrTx, box: SecretBox | null): Promise<string | null> {
  const [row] = await db
    .select({ enc: plexWebhookSecrets.secretEnc })
    .from(plexWebhookSecrets)
    .where(and(isNull(plexWebhookSecrets.expiresAt)))
    .orderBy(desc(plexWebhookSecrets.createdAt))
    .limit(1);
  if (!row?.enc || !box) return null;
  return box.open(row.enc, PURPOSE).catch(() => null);
}

/** Expired secrets are useless; drop them (daily). */
export async function deleteExpiredSecrets(db: DbOrTx): Promise<number> {
  const rows = await db
    .delete(plexWebhookSecrets)
    .where(sql`${plexWebhookSecrets.expiresAt} IS NOT NULL AND ${plexWebhookSecrets.expiresAt} < now()`)
    .returning({ id: plexWebhookSecrets.id });
  return rows.length;
}
