import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isValidSecretsKey, loadLocalSecretsKey, SecretsKeyError } from './local-secrets-key';
import { secretBoxFromEnv } from '../src/lib/secret-box';

const dirs: string[] = [];
function keyFile(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'plexops-key-'));
  dirs.push(d);
  return path.join(d, 'secrets.key');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the local SECRETS_KEY', () => {
  it('is generated once (0600), then reused, and the Worker accepts it', async () => {
    const file = keyFile();
    const first = loadLocalSecretsKey(file, {});
    expect(first.source).toBe('generated');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = loadLocalSecretsKey(file, {});
    expect(again).toEqual({ key: first.key, source: 'file' });
    const box = await secretBoxFromEnv(first.key);
    expect(await box!.open(await box!.seal('tmdb', 'tmdb-key'), 'tmdb-key')).toBe('tmdb');
  });

  it('SECRETS_KEY from the environment wins; a malformed one is refused', () => {
    const file = keyFile();
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadLocalSecretsKey(file, { SECRETS_KEY: key })).toEqual({ key, source: 'environment' });
    expect(() => loadLocalSecretsKey(file, { SECRETS_KEY: 'short' })).toThrow(SecretsKeyError);
  });

  it('a damaged key file is never replaced (it guards stored secrets); a too-open one is fixed and noted', () => {
    const file = keyFile();
    writeFileSync(file, 'not a key\n', { mode: 0o600 });
    expect(() => loadLocalSecretsKey(file, {})).toThrow(/does not hold a base64 32-byte key.*delete it to start with a new key/);
    expect(readFileSync(file, 'utf8')).toBe('not a key\n');
    writeFileSync(file, `${Buffer.alloc(32, 1).toString('base64')}\n`);
    chmodSync(file, 0o644);
    expect(loadLocalSecretsKey(file, {}).note).toMatch(/mode is now 0600/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('accepts exactly 32 bytes of base64', () => {
    expect(isValidSecretsKey(Buffer.alloc(32).toString('base64'))).toBe(true);
    for (const bad of ['', Buffer.alloc(31).toString('base64'), Buffer.alloc(33).toString('base64'), `${Buffer.alloc(32).toString('base64')}\u0000`, 'a b']) {
      expect(isValidSecretsKey(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
