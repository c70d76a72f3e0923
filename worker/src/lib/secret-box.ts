/**
 * @module
 * AES-256-GCM encryption of secrets at rest (Plex token, TMDB key, webhook secret) with the key
 * from the `SECRETS_KEY` Worker secret. The stored form is `v1.<iv>.<ciphertext+tag>` (base64url);
 * the purpose (e.g. "plex-token") is bound as additional data, so a ciphertext copied into another
 * column does not decrypt there.
 */
import { AppError } from '../errors';
import { fromBase64Url, toBase64Url } from './crypto';

export interface SecretBox {
  seal(plaintext: string, purpose: string): Promise<string>;
  open(sealed: string, purpose: string): Promise<string>;
}

const VERSION = 'v1';

function decodeKey(raw: string): Uint8Array | null {
  try {
    const bin = atob(raw.trim());
    if (bin.length !== 32) return null;
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The box for `SECRETS_KEY`, or null when no key is configured. A malformed key is a BAD_ENVIRONMENT error. */
export async function secretBoxFromEnv(secretsKey: string | undefined): Promise<SecretBox | null> {
  if (!secretsKey) return null;
  const bytes = decodeKey(secretsKey);
  if (!bytes) throw new AppError('BAD_ENVIRONMENT', 'The server is misconfigured: SECRETS_KEY must be 32 bytes, base64-encoded.');
  return createSecretBox(bytes);
}

/** Like secretBoxFromEnv, but storing a secret without a key is refused with a clear error. */
export async function requireSecretBox(secretsKey: string | undefined): Promise<SecretBox> {
  const box = await secretBoxFromEnv(secretsKey);
  if (!box) throw new AppError('BAD_ENVIRONMENT', 'The server is misconfigured: SECRETS_KEY is not set, so secrets cannot be stored encrypted.');
  return box;
}

export async function createSecretBox(keyBytes: Uint8Array): Promise<SecretBox> {
  const key = await crypto.subtle.importKey('raw', keyBytes as BufferSource, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  const aad = (purpose: string) => new TextEncoder().encode(`plexops:${purpose}`);
  return {
    async seal(plaintext, purpose) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(purpose) }, key, new TextEncoder().encode(plaintext));
      return `${VERSION}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ct))}`;
    },
    async open(sealed, purpose) {
      const [version, iv, ct] = sealed.split('.');
      if (version !== VERSION || !iv || !ct) throw new Error('sealed value has an unknown format');
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: fromBase64Url(iv) as BufferSource, additionalData: aad(purpose) },
        key,
        fromBase64Url(ct) as BufferSource,
      );
      return new TextDecoder().decode(plain);
    },
  };
}
