import { describe, expect, it } from 'vitest';
import { createSecretBox, requireSecretBox, secretBoxFromEnv } from './secret-box';

const KEY = btoa(String.fromCharCode(...new Uint8Array(32).map((_, i) => i * 7)));

describe('secret box', () => {
  it('round-trips and never contains the plaintext', async () => {
    const box = await requireSecretBox(KEY);
    const sealed = await box.seal('plex-token-abc', 'plex-token');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('plex-token-abc');
    expect(await box.open(sealed, 'plex-token')).toBe('plex-token-abc');
  });

  it('uses a fresh IV each time', async () => {
    const box = await requireSecretBox(KEY);
    expect(await box.seal('x', 'p')).not.toBe(await box.seal('x', 'p'));
  });

  it('refuses a ciphertext moved to another purpose or tampered with', async () => {
    const box = await requireSecretBox(KEY);
    const sealed = await box.seal('secret', 'plex-token');
    await expect(box.open(sealed, 'tmdb-key')).rejects.toThrow();
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'B' : 'A') + sealed.slice(-1);
    await expect(box.open(tampered, 'plex-token')).rejects.toThrow();
    const other = await createSecretBox(new Uint8Array(32));
    await expect(other.open(sealed, 'plex-token')).rejects.toThrow();
  });

  it('reports a missing or malformed key as BAD_ENVIRONMENT', async () => {
    expect(await secretBoxFromEnv(undefined)).toBeNull();
    await expect(requireSecretBox(undefined)).rejects.toMatchObject({ code: 'BAD_ENVIRONMENT' });
    await expect(secretBoxFromEnv(btoa('short'))).rejects.toMatchObject({ code: 'BAD_ENVIRONMENT' });
    await expect(secretBoxFromEnv('%%%not base64')).rejects.toMatchObject({ code: 'BAD_ENVIRONMENT' });
  });
});
