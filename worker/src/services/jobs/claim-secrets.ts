/**
 * @module
 * The worker's stored secrets a job kind may ask for in an agent's claim (define.ts `claimSecrets`): today
 * the Plex token from Settings, sealed in `plex_config` and opened here only for the claim being answered.
 * A secret that is not stored, or cannot be opened (no or another SECRETS_KEY), is answered as absent: the
 * agent's step then says so, and nothing secret is ever logged.
 */
import type { DbOrTx } from '../../db/client';
import type { StoredSecretName } from '../../contracts';
import { secretBoxFromEnv } from '../../lib/secret-box';
import { loadConfig, PLEX_TOKEN_PURPOSE } from '../webhooks/config';

export type StoredSecretResolver = (name: StoredSecretName) => Promise<string | null>;

export function storedSecretResolver(db: DbOrTx, secretsKey: string | undefined): StoredSecretResolver {
  return async (name) => {
    if (name !== 'plex-token') return null;
    const cfg = await loadConfig(db);
    if (!cfg.plexTokenEnc) return null;
    const box = await secretBoxFromEnv(secretsKey).catch(() => null);
    if (!box) return null;
    try {
      return await box.open(cfg.plexTokenEnc, PLEX_TOKEN_PURPOSE);
    } catch {
      return null;
    }
  };
}
