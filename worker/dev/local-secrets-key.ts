/**
 * @module
 * The local stack's SECRETS_KEY. Saving a TMDB key or Plex token needs one (they are stored
 * sealed), so the first `npm start` generates a random 32-byte key into `.data/secrets.key`
 * (mode 0600) and every later start reuses it — a new key would make the stored secrets
 * unreadable. SECRETS_KEY in the environment wins, for people who bring their own.
 * Production never comes here: a deployed Worker without the secret refuses to store secrets.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';

export interface LocalSecretsKey {
  key: string;
  /** Where the key came from, for the start-up output. */
  source: 'environment' | 'generated' | 'file';
  /** A note worth printing (a permissions fix), if any. */
  note?: string;
}

export class SecretsKeyError extends Error {
  override name = 'SecretsKeyError';
}

/** True for base64 that decodes to exactly 32 bytes — what the Worker's secret box accepts. */
export function isValidSecretsKey(raw: string): boolean {
  const s = raw.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return false;
  return Buffer.from(s, 'base64').length === 32;
}

export function loadLocalSecretsKey(file: string, env: NodeJS.ProcessEnv = process.env): LocalSecretsKey {
  const fromEnv = env.SECRETS_KEY?.trim();
  if (fromEnv) {
    if (!isValidSecretsKey(fromEnv)) throw new SecretsKeyError('SECRETS_KEY in the environment must be 32 random bytes, base64-encoded (openssl rand -base64 32).');
    return { key: fromEnv, source: 'environment' };
  }
  if (!existsSync(file)) {
    const key = randomBytes(32).toString('base64');
    // 'wx': never overwrite a key that appeared meanwhile (a second start racing this one).
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return { key, source: 'generated' };
  }
  const key = readFileSync(file, 'utf8').trim();
  if (!isValidSecretsKey(key)) {
    throw new SecretsKeyError(
      `${file} does not hold a base64 32-byte key. It encrypts the Plex token and TMDB key saved in Settings, so it is ` +
        'not replaced automatically: restore it, or delete it to start with a new key (then enter those secrets again).',
    );
  }
  let note: string | undefined;
  if ((statSync(file).mode & 0o077) !== 0) {
    chmodSync(file, 0o600);
    note = `${file} was readable by other users; its mode is now 0600`;
  }
  return { key, source: 'file', ...(note ? { note } : {}) };
}

/** The dotenv line wrangler reads with --env-file; base64 holds no quote, `$` or newline to escape. */
export function secretsEnvFile(key: string): string {
  return `SECRETS_KEY=${key}\n`;
}
