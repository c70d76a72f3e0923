/**
 * @module
 * The Plex integration's single config row and its secrets. Reads fall back to defaults when
 * the row does not exist yet (no write on GET). Plex token and TMDB key are sealed with the
 * secret box before they touch the database and are only ever unsealed for outbound calls.
 */
import { eq, max } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { PLEX_CONFIG_ID, plexConfig, webhookEvents } from '../../db/schema';
import type { PlexConfigUpdate } from '../../contracts/plex';
import type { SecretBox } from '../../lib/secret-box';
import { requireSecretBox } from '../../lib/secret-box';

export type PlexConfigRow = typeof plexConfig.$inferSelect;

export const DEFAULT_CONFIG: Omit<PlexConfigRow, 'createdAt' | 'updatedAt'> = {
  id: PLEX_CONFIG_ID,
  enabled: true,
  autoAddShows: true,
  autoMarkWatched: true,
  watchedThreshold: 0.9,
  trackedAccountIds: [],
  serverUuid: null,
  plexTokenEnc: null,
  tmdbApiKeyEnc: null,
  rateLimitPerMinute: 100,
  playWindowMinutes: 360,
  secretGraceHours: 24,
  logRetentionDays: 90,
  lastWebhookAt: null,
};

export type EffectiveConfig = typeof DEFAULT_CONFIG & { exists: boolean };

export async function loadConfig(db: DbOrTx): Promise<EffectiveConfig> {
  const [row] = await db.select().from(plexConfig).where(eq(plexConfig.id, PLEX_CONFIG_ID)).limit(1);
  return row ? { ...row, exists: true } : { ...DEFAULT_CONFIG, exists: false };
}

export const PLEX_TOKEN_PURPOSE = 'plex-token';
export const TMDB_KEY_PURPOSE = 'tmdb-api-key';

/**
 * Applies a PUT: omitted fields keep their value, `null` secrets are cleared. Sealing needs
 * SECRETS_KEY; without it a request that carries a secret fails with BAD_ENVIRONMENT before
 * anything is written.
 */
export async function updateConfig(db: DbOrTx, input: PlexConfigUpdate & { trackedAccountIds?: string[] }, secretsKey: string | undefined): Promise<void> {
  const needsBox = typeof input.plexToken === 'string' || typeof input.tmdbApiKey === 'string';
  const box = needsBox ? await requireSecretBox(secretsKey) : null;
  const seal = async (value: string | null | undefined, purpose: string): Promise<string | null | undefined> =>
    value === undefined ? undefined : value === null ? null : box!.seal(value, purpose);
  const { plexToken, tmdbApiKey, ...fields } = input;
  const values = {
    ...fields,
    ...(plexToken !== undefined ? { plexTokenEnc: await seal(plexToken, PLEX_TOKEN_PURPOSE) } : {}),
    ...(tmdbApiKey !== undefined ? { tmdbApiKeyEnc: await seal(tmdbApiKey, TMDB_KEY_PURPOSE) } : {}),
  };
  const { id: _id, lastWebhookAt: _l, ...defaults } = DEFAULT_CONFIG;
  await db
    .insert(plexConfig)
    .values({ ...defaults, ...values, id: PLEX_CONFIG_ID })
    .onConflictDoUpdate({ target: plexConfig.id, set: { ...values, updatedAt: new Date() } });
}

export async function disableIntegration(db: DbOrTx): Promise<void> {
  const { id: _id, lastWebhookAt: _l, ...defaults } = DEFAULT_CONFIG;
  await db
    .insert(plexConfig)
    .values({ ...defaults, id: PLEX_CONFIG_ID, enabled: false })
    .onConflictDoUpdate({ target: plexConfig.id, set: { enabled: false, updatedAt: new Date() } });
}

/** The TMDB key in clear for the client, or null (no key stored, or it cannot be unsealed). */
export async function unsealTmdbKey(cfg: Pick<PlexConfigRow, 'tmdbApiKeyEnc'>, box: SecretBox | null): Promise<string | null> {
  if (!cfg.tmdbApiKeyEnc || !box) return null;
  try {
    return await box.open(cfg.tmdbApiKeyEnc, TMDB_KEY_PURPOSE);
  } catch {
    return null;
  }
}

/** When the last delivery arrived: derived from the log (indexed), so ingestion never contends on the config row. */
export async function lastWebhookAt(db: DbOrTx): Promise<Date | null> {
  const [row] = await db.select({ at: max(webhookEvents.receivedAt) }).from(webhookEvents);
  return row?.at ?? null;
}
